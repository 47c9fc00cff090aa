"""The chat page in a real Chromium against a real `rag serve` subprocess.

Needs Debian's chromium at /usr/bin/chromium and the playwright package (its own browser
downloads are not used). Set RAG_SCREENSHOT=1 to refresh docs/screenshot.png.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from llm_server import ScriptedServer
from serving import Server

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
expect = sync_api.expect

EXAMPLE = "What is Xi'an's 2030 NEV output target?"
STEP = 30_000  # ms; the longest any one step may take
expect.set_options(timeout=STEP)


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("serve") / "serve.log", "--index", str(corpus_index), "--corpus", str(CORPUS))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


class Page:
    """A fresh browser context (so fresh localStorage) that records page errors and foreign requests."""

    def __init__(self, browser, base: str, width: int = 1100, height: int = 860) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.context.set_default_timeout(STEP)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and "Failed to fetch" not in m.text
                     and "ERR_CONNECTION_REFUSED" not in m.text else None)
        self.page.on("request", lambda r: self.foreign.append(r.url) if not r.url.startswith((base, "data:")) else None)
        self.page.goto(base + "/")

    def ask(self, question: str) -> None:
        box = self.page.locator("#question")
        box.fill(question)
        box.press("Enter")

    def last_turn(self):
        return self.page.locator("#conversation > li").last

    def answered(self, n: int):
        """The n-th bot message (1-based), once it has finished."""
        bot = self.page.locator("#conversation > li").nth(n - 1).locator(".msg.bot")
        expect(bot).not_to_have_class(re.compile(r"\bpending\b"))
        return bot

    def close(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, f"requests left the server: {self.foreign}"
        self.context.close()


@pytest.fixture
def page(browser, server):
    page = Page(browser, server.url)
    yield page
    page.close()


def test_answer_with_citation(page, tmp_path):
    p = page.page
    expect(p.locator("#welcome")).to_be_visible()
    page.ask(EXAMPLE)
    expect(p.locator(".msg.bot.pending")).to_have_count(1)  # the thinking state shows while it answers
    bot = page.answered(1)
    expect(bot.locator(".answer")).to_contain_text("310 billion")
    expect(p.locator("#welcome")).to_be_hidden()
    badge = bot.locator(".answer button.badge").first
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("aria-expanded", "false")
    badge.click()
    expect(badge).to_have_attribute("aria-expanded", "true")
    passage = bot.locator(".passage")
    expect(passage).to_be_visible()
    expect(passage.locator("mark")).to_contain_text("310 billion")
    expect(passage.locator(".file")).to_have_text(re.compile(r"\.txt$"))
    expect(passage.locator("h3")).not_to_be_empty()
    expect(p.locator("#conversation")).to_have_attribute("aria-live", "polite")
    shot = ROOT / "docs" / "screenshot.png" if os.environ.get("RAG_SCREENSHOT") else tmp_path / "screenshot.png"
    p.screenshot(path=str(shot))
    badge.click()  # a second click closes it
    expect(passage).to_be_hidden()


def test_keyboard_only(page):
    p = page.page
    box = p.locator("#question")
    expect(box).to_be_focused()
    p.keyboard.type("first line")
    p.keyboard.press("Shift+Enter")
    p.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")  # Shift+Enter is a new line, not a send
    expect(p.locator("#conversation > li")).to_have_count(0)
    box.fill("")
    p.keyboard.type(EXAMPLE)
    p.keyboard.press("Enter")
    page.answered(1)
    badge = p.locator(".answer button.badge").first
    for _ in range(12):  # Shift+Tab back from the question box to the citation marker
        p.keyboard.press("Shift+Tab")
        if badge.evaluate("b => b === document.activeElement"):
            break
    expect(badge).to_be_focused()
    p.keyboard.press("Enter")
    expect(p.locator(".passage mark")).to_be_visible()
    p.keyboard.press("Escape")
    expect(p.locator(".passage")).to_be_hidden()
    expect(badge).to_be_focused()


def test_follow_up_question(page):
    page.ask(EXAMPLE)
    page.answered(1)
    page.ask("And what about the semiconductor industry?")
    bot = page.answered(2)
    expect(bot.locator(".read-as")).to_contain_text("What is Xi'an's 2030 semiconductor industry output target?")
    expect(bot).not_to_have_class(re.compile(r"\berror\b"))
    expect(bot.locator(".sources button.source").first).to_be_visible()


def test_unanswerable_question_abstains(page):
    page.ask("What is the population of Mars?")
    bot = page.answered(1)
    expect(bot).to_have_class(re.compile(r"\babstained\b"))
    expect(bot.locator(".verdict")).to_contain_text("Not in the corpus")
    sources = bot.locator(".sources button.source")
    expect(sources.first).to_be_visible()
    sources.first.click()
    expect(bot.locator(".passage .passage-text")).not_to_be_empty()


def test_bad_questions_show_inline(page):
    p = page.page
    p.locator("#question").press("Enter")
    expect(p.locator("#form-error")).to_be_visible()
    expect(p.locator("#form-error")).to_contain_text("Type a question")
    expect(p.locator("#question")).to_have_attribute("aria-invalid", "true")
    page.ask("x" * 2001)
    expect(p.locator("#form-error")).to_contain_text("too long")
    expect(p.locator("#conversation > li")).to_have_count(0)
    p.locator("#question").type("W")  # typing clears the message
    expect(p.locator("#form-error")).to_be_hidden()


def test_history_survives_reload(page):
    p = page.page
    page.ask(EXAMPLE)
    page.answered(1)
    p.reload()
    expect(p.locator("#conversation > li")).to_have_count(1)
    expect(p.locator("#welcome")).to_be_hidden()
    bot = page.answered(1)
    expect(bot.locator(".answer")).to_contain_text("310 billion")
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_contain_text("310 billion")
    p.locator("#clear").click()
    expect(p.locator("#conversation > li")).to_have_count(0)
    p.reload()
    expect(p.locator("#welcome")).to_be_visible()


def test_phone_width(browser, server):
    page = Page(browser, server.url, width=375, height=740)
    p = page.page
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_be_visible()
    overflow = p.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways at phone width"
    page.close()


# --- a corpus with markup in it, and a server that goes away ---

HOSTILE = """Quokka census <img src=x onerror="window.__pwned=1">

The Testville quokka census counted 4,217 quokkas <script>window.__pwned=1</script> in the spring survey.
Rangers left a note: <img src=x onerror="window.__pwned=1"> and <b onmouseover="window.__pwned=1">bold</b>.
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "quokka.txt").write_text(HOSTILE, encoding="utf-8")
    shutil.copy(CORPUS / "001_e0bc9c2f253517cb.txt", corpus)
    server = Server(folder / "serve.log", "--index", str(folder / "index"), "--corpus", str(corpus))  # builds the index on start
    yield server
    server.stop()


def test_markup_in_documents_and_questions_is_text(browser, hostile_server):
    page = Page(browser, hostile_server.url)
    p = page.page
    page.ask('How many quokkas did the Testville census count? <img src=x onerror="window.__pwned=1">')
    bot = page.answered(1)
    expect(bot.locator(".answer")).to_contain_text("4,217")
    expect(bot.locator(".answer")).to_contain_text("<script>window.__pwned=1</script>")
    expect(page.last_turn().locator(".msg.user")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    bot.locator(".answer button.badge").first.click()
    passage = bot.locator(".passage")
    expect(passage.locator("h3")).to_contain_text("<img src=x")
    expect(passage.locator(".passage-text")).to_contain_text("<b onmouseover=")
    expect(passage.locator("mark")).to_contain_text("<script>")
    p.reload()  # and again when the conversation is restored from storage
    page.answered(1).locator(".answer button.badge").first.click()
    expect(p.locator(".passage mark")).to_contain_text("<script>")
    assert p.locator("#conversation script, #conversation img, #conversation b").count() == 0
    p.locator(".passage mark").hover()
    assert p.evaluate("typeof window.__pwned") == "undefined"
    page.close()


def test_server_gone_shows_inline_error(browser, hostile_server):
    page = Page(browser, hostile_server.url)
    p = page.page
    hostile_server.stop()
    page.ask("How many quokkas did the Testville census count?")
    bot = page.answered(1)
    expect(bot).to_have_class(re.compile(r"\berror\b"))
    expect(bot.locator(".error-text")).to_contain_text("Could not reach the server")
    expect(bot.locator("button.retry")).to_be_visible()
    expect(p.locator("#question")).to_be_enabled()
    page.close()


# --- an LLM generator: the answer written as it streams, checked, and stoppable ---

FAITHFUL = "By 2030, Xi'an aims to generate 310 billion RMB in industrial output from the smart vehicle sector [1]."
INVENTED = "The target was raised to 450 billion RMB in 2031 by Mayor Li [1]."


@pytest.fixture(scope="module")
def llm_server(corpus_index, tmp_path_factory):
    """rag serve with the LLM generator, over a scripted OpenAI-compatible server that writes a word every
    0.15 s: one sentence its passage supports, one it does not."""
    upstream = ScriptedServer(f"{FAITHFUL} {INVENTED}", delay=0.15)
    server = Server(tmp_path_factory.mktemp("serve-llm") / "serve.log", "--index", str(corpus_index),
                    "--corpus", str(CORPUS), "--generator", "llm", env={"RAG_LLM_URL": upstream.base("slow")})
    yield server, upstream
    server.stop()
    upstream.stop()


def test_written_answer_streams_and_unsupported_sentence_is_struck(browser, llm_server):
    server, _ = llm_server
    page = Page(browser, server.url)
    p = page.page
    page.ask(EXAMPLE)
    expect(p.locator(".answer.streaming")).to_contain_text("By 2030")  # shown while still being written
    expect(p.locator("#stop")).to_be_visible()
    bot = page.answered(1)
    expect(p.locator("#stop")).to_be_hidden()
    struck = bot.locator(".answer s.unsupported")
    expect(struck).to_have_count(1)
    expect(struck).to_contain_text("450 billion")
    expect(struck).to_have_attribute("title", re.compile("does not mention .*450"))
    expect(bot.locator(".unsupported-flag")).to_contain_text("not supported")
    expect(bot.locator(".answer")).to_contain_text("310 billion")
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_contain_text("310 billion")
    page.close()


def test_stop_cancels_the_answer_and_the_upstream_request(browser, llm_server):
    server, upstream = llm_server
    upstream.hung_up.clear()
    page = Page(browser, server.url)
    p = page.page
    page.ask(EXAMPLE)
    expect(p.locator(".answer.streaming")).to_contain_text("By")
    p.locator("#stop").click()
    bot = page.answered(1)
    expect(bot.locator(".error-text")).to_contain_text("Stopped")
    expect(bot.locator(".answer")).to_contain_text("By")  # what was written so far stays
    expect(bot).not_to_contain_text("Mayor Li")
    expect(p.locator("#send")).to_be_visible()
    assert upstream.hung_up.wait(10), "the server kept reading from the LLM after Stop"
    page.close()
