"""The chat page's features in Chromium against a real `rag serve`: the documents panel and viewer,
adding and removing documents (--allow-upload), the welcome screen, retrieval and k, Copy,
Regenerate, conversations, Markdown export, feedback; and screenshots of each state at desktop and
375 px, light and dark (into docs/screenshots with RAG_SCREENSHOT=1).
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from browsing import EXAMPLE, ROOT, Page, expect, serious
from serving import Server

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

CORPUS = ROOT / "corpus"
NEW_DOC = """Quokka Survey of Testville

The Testville quokka census of 2031 counted 4,217 quokkas on Rottnest Ridge.
Rangers expect the population to reach 5,000 by 2035.
"""


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    server = Server(folder / "serve.log", "--index", str(corpus_index), "--corpus", str(CORPUS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    corpus = folder / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "001_e0bc9c2f253517cb.txt", corpus)
    server = Server(folder / "serve.log", "--index", str(folder / "index"), "--corpus", str(corpus), "--allow-upload")
    server.corpus = corpus
    yield server
    server.stop()


# --- documents ---

def test_documents_panel_lists_the_index(page):
    p = page.page
    p.locator("#documents-toggle").click()
    expect(p.locator("#documents")).to_be_visible()
    expect(p.locator("#documents-toggle")).to_have_attribute("aria-expanded", "true")
    rows = p.locator("#document-list > li")
    expect(rows).to_have_count(5)
    row = rows.filter(has_text="001_e0bc9c2f253517cb.txt")
    expect(row.locator(".doc-title")).to_contain_text("Xi’an, the historic gateway")
    expect(row.locator(".doc-meta")).to_have_text(re.compile(r"2 KB · \d+ passages? · indexed \w+"))
    expect(p.locator("#documents-summary")).to_contain_text("5 documents")
    expect(p.locator("#upload")).to_be_hidden()  # no uploads without --allow-upload
    expect(row.locator("button.remove")).to_have_count(0)
    row.locator(".doc-open").click()
    expect(p.locator("#viewer")).to_be_visible()
    expect(p.locator("#viewer-text")).to_contain_text("310 billion RMB")
    p.keyboard.press("Escape")
    expect(p.locator("#viewer")).to_be_hidden()
    p.locator("#documents-close").click()
    expect(p.locator("#documents")).to_be_hidden()


def test_whole_document_opens_at_the_cited_sentence(page):
    p = page.page
    page.ask("Which company drives the semiconductor industry in Xi'an?")
    bot = page.answered(1)
    bot.locator(".answer button.badge").first.click()
    cited = bot.locator(".passage mark").first.text_content()
    bot.locator(".passage .open-document").click()
    viewer = p.locator("#viewer-text")
    mark = viewer.locator("mark").first
    expect(mark).to_have_text(cited)
    expect(viewer.locator(".cited-passage")).to_be_visible()
    box = viewer.bounding_box()
    at = mark.bounding_box()
    assert box["y"] <= at["y"] and at["y"] + at["height"] <= box["y"] + box["height"], "the cited sentence is scrolled out of view"
    assert viewer.evaluate("e => e.scrollTop") > 0  # a long document, scrolled down to it
    p.locator("#viewer-close").click()
    expect(p.locator("#viewer")).to_be_hidden()


def test_welcome_shows_the_documents_and_questions_from_them(page):
    p = page.page
    expect(p.locator("#cover-list > li")).to_have_count(5)
    examples = p.locator("#example-list button.example")
    expect(examples.first).to_be_visible()
    questions = [examples.nth(i).text_content() for i in range(examples.count())]
    assert questions == p.evaluate("fetch('/api/documents').then(r => r.json())")["examples"]  # drawn by the server
    examples.first.click()
    bot = page.answered(1)
    expect(bot).not_to_have_class(re.compile(r"\babstained\b|\berror\b"))
    expect(p.locator("#welcome")).to_be_hidden()


def test_upload_and_remove_a_document(browser, upload_server, tmp_path):
    page = Page(browser, upload_server.url)
    p = page.page
    p.locator("#documents-toggle").click()
    expect(p.locator("#document-list > li")).to_have_count(1)
    expect(p.locator("#upload")).to_be_visible()
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01binary")
    p.locator("#upload-file").set_input_files(str(bad))
    p.locator("#upload button[type=submit]").click()
    expect(p.locator("#index-status")).to_contain_text(re.compile("broken.txt cannot be indexed: binary file", re.I))
    assert not (upload_server.corpus / "broken.txt").exists()  # the same rules as rag index, and nothing written
    doc = tmp_path / "quokkas.md"
    doc.write_text(NEW_DOC, encoding="utf-8")
    p.locator("#upload-file").set_input_files(str(doc))
    p.locator("#upload button[type=submit]").click()
    expect(p.locator("#index-status")).to_contain_text("Indexed", timeout=120_000)
    expect(p.locator("#index-status")).to_contain_text("1 added")
    expect(p.locator("#document-list > li")).to_have_count(2)
    expect(p.locator("#document-list")).to_contain_text("Quokka Survey of Testville")
    page.shoot("upload-desktop-light", tmp_path)
    p.locator("#documents-close").click()
    page.ask("How many quokkas did the Testville census count?")
    expect(page.answered(1).locator(".answer")).to_contain_text("4,217")
    p.locator("#documents-toggle").click()
    p.locator("#document-list > li", has_text="quokkas.md").locator("button.remove").click()
    expect(p.locator("#index-status")).to_contain_text("1 removed", timeout=120_000)
    expect(p.locator("#document-list > li")).to_have_count(1)
    assert not (upload_server.corpus / "quokkas.md").exists()
    page.close()


def test_upload_limits(upload_server):
    import httpx

    url = upload_server.url
    assert httpx.post(f"{url}/api/documents", params={"name": "tool.exe"}, content=b"MZ").status_code == 415
    assert httpx.post(f"{url}/api/documents", params={"name": "../escape.txt"}, content=b"text").status_code == 415
    assert httpx.post(f"{url}/api/documents", params={"name": "big.txt"}, content=b"a " * (3 << 20)).status_code == 413
    assert httpx.delete(f"{url}/api/documents/no-such.txt").status_code == 404
    assert not (upload_server.corpus.parent / "escape.txt").exists()


# --- under an answer ---

def test_show_retrieval_and_the_k_setting(page):
    p = page.page
    page.ask(EXAMPLE)
    bot = page.answered(1)
    retrieval = bot.locator(".retrieval")
    expect(retrieval.locator("summary")).to_have_text("Show retrieval (8 passages)")
    retrieval.locator("summary").click()
    rows = retrieval.locator("li")
    expect(rows).to_have_count(8)
    expect(rows.first.locator(".scores")).to_have_text(re.compile(r"score \d\.\d{3} · dense \d\.\d{3} · bm25 \d+\.\d\d"))
    expect(retrieval.locator("li.cited")).to_have_count(1)
    p.locator("#k").fill("3")
    p.locator("#k").press("Tab")
    page.ask("What is the population of Mars?")
    expect(page.answered(2).locator(".retrieval summary")).to_have_text("Show retrieval (3 passages)")
    p.reload()
    expect(p.locator("#k")).to_have_value("3")


def test_copy_and_regenerate(browser, server):
    page = Page(browser, server.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    p = page.page
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator("button.copy").click()
    expect(bot.locator(".tool-status")).to_have_text("Copied.")
    copied = p.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"Q: {EXAMPLE}\nA: ") and "310 billion" in copied
    assert "[1] Xi’an, the historic gateway" in copied and "(001_e0bc9c2f253517cb.txt)" in copied
    bot.locator("button.regenerate").click()
    expect(page.turns()).to_have_count(1)  # answered again in place
    expect(page.answered(1).locator(".answer")).to_contain_text("310 billion")
    page.close()


def test_feedback_is_stored_and_becomes_gold_candidates(browser, upload_server, tmp_path):
    page = Page(browser, upload_server.url)
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator("button.rate-up").click()
    bot.locator(".feedback-form textarea").fill("exactly right")
    bot.locator(".feedback-form button[type=submit]").click()
    expect(bot.locator(".tool-status")).to_have_text("Thanks, feedback saved.")
    expect(bot.locator("button.rate-up")).to_have_attribute("aria-pressed", "true")
    page.ask("What is the population of Mars?")
    bot = page.answered(2)
    bot.locator("button.rate-down").click()
    bot.locator(".feedback-form button[type=submit]").click()
    expect(bot.locator(".tool-status")).to_have_text("Thanks, feedback saved.")
    page.close()
    index = upload_server.corpus.parent / "index"
    lines = (index / "feedback.jsonl").read_text().splitlines()
    assert [json.loads(line)["rating"] for line in lines[-2:]] == ["up", "down"]
    out = tmp_path / "candidates.jsonl"
    result = subprocess.run([sys.executable, "-m", "rag.cli", "feedback", "--index", str(index), "--to-gold", str(out)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    gold = {c["question"]: c for c in map(json.loads, out.read_text().splitlines())}
    good = gold[EXAMPLE]
    assert good["kind"] == "number" and good["split"] == "dev" and good["comment"] == "exactly right"
    assert any(re.search(group[0], "310 billion RMB") for group in good["answers"])
    assert good["source"] == ["001_e0bc9c2f253517cb.txt"]
    assert gold["What is the population of Mars?"]["kind"] == "review"


# --- conversations ---

def test_conversations_new_rename_delete(page):
    p = page.page
    page.ask(EXAMPLE)
    page.answered(1)
    items = p.locator("#conversations > li")
    expect(items).to_have_count(1)
    expect(items.first.locator(".conv-open")).to_have_attribute("aria-current", "true")
    p.locator("#new-conversation").click()
    expect(page.turns()).to_have_count(0)
    expect(p.locator("#welcome")).to_be_visible()
    page.ask("What is the population of Mars?")
    page.answered(1)
    expect(items).to_have_count(2)
    items.filter(has_text=EXAMPLE).get_by_role("button", name=re.compile("^Rename")).click()
    name = p.locator("#conversations input")
    name.fill("NEV targets")
    name.press("Enter")
    expect(items.first).to_contain_text("What is the population of Mars?")
    p.locator("#conversations .conv-open", has_text="NEV targets").click()
    expect(page.turns()).to_have_count(1)
    expect(page.turns().first).to_contain_text("310 billion")
    p.reload()
    expect(page.turns().first).to_contain_text("310 billion")  # this tab stays on the one it shows
    expect(p.locator("#conversations .conv-open", has_text="NEV targets")).to_have_attribute("aria-current", "true")
    items.filter(has_text="NEV targets").get_by_role("button", name=re.compile("^Delete")).click()
    expect(items).to_have_count(1)
    expect(page.turns()).to_have_count(0)
    p.reload()
    expect(items).to_have_count(1)
    expect(p.locator("#conversations")).not_to_contain_text("NEV targets")


def test_export_as_markdown(page, tmp_path):
    p = page.page
    page.ask(EXAMPLE)
    page.answered(1)
    page.ask("And what about Chengdu?")
    page.answered(2)
    with p.expect_download() as download:
        p.locator("#export").click()
    path = tmp_path / "export.md"
    download.value.save_as(str(path))
    assert download.value.suggested_filename.endswith(".md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {EXAMPLE}\n")
    assert f"## {EXAMPLE}\n" in text and "## And what about Chengdu?\n" in text
    assert "310 billion" in text and "*Answered as: What is Chengdu's 2030 NEV output target?*" in text
    assert re.search(r"^- \[1\] \*\*Xi’an, the historic gateway.*\(`001_e0bc9c2f253517cb.txt`\): “", text, re.M)


# --- every state at desktop and phone width, light and dark: screenshots and axe ---

@pytest.mark.parametrize("width, dark", [(1280, False), (1280, True), (375, False), (375, True)],
                         ids=["desktop-light", "desktop-dark", "phone-light", "phone-dark"])
def test_states_render_and_pass_axe(browser, server, tmp_path, width, dark):
    name = f"{'desktop' if width > 375 else 'phone'}-{'dark' if dark else 'light'}"
    page = Page(browser, server.url, width=width, height=860 if width > 375 else 740, dark=dark)
    p = page.page
    found = []
    expect(p.locator("#example-list button").first).to_be_visible()
    page.shoot(f"welcome-{name}", tmp_path)
    found += serious(page.axe())
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator(".answer button.badge").first.click()
    bot.locator(".retrieval summary").click()
    bot.locator("button.rate-down").click()
    page.shoot(f"answer-{name}", tmp_path)
    found += serious(page.axe())
    p.locator("#documents-toggle").click()
    expect(p.locator("#document-list > li").first).to_be_visible()
    page.shoot(f"documents-{name}", tmp_path)
    found += serious(page.axe())
    p.locator("#document-list .doc-open").first.click()
    expect(p.locator("#viewer-text")).not_to_be_empty()
    found += serious(page.axe())
    p.keyboard.press("Escape")
    p.locator("#documents-close").click()
    bot.locator(".passage .open-document").click()
    expect(p.locator("#viewer-text mark").first).to_be_visible()
    page.shoot(f"viewer-{name}", tmp_path)
    p.keyboard.press("Escape")
    if width <= 375:
        p.locator("#sidebar-toggle").click()
        expect(p.locator("#sidebar")).to_be_visible()
        page.shoot(f"sidebar-{name}", tmp_path)
        found += serious(page.axe())
        p.keyboard.press("Escape")
        expect(p.locator("#sidebar")).to_be_hidden()
    overflow = p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways"
    assert not found, found
    page.close()
