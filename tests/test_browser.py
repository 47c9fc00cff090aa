"""The chat page in a real Chromium against a real `rag serve` subprocess: answering, keyboard use,
follow-ups, phone width, storage, markup safety, a server that stalls or goes away, and accessibility.
Features beyond the chat (documents, conversations, feedback…) are in test_browser_features.py.
Set RAG_SCREENSHOT=1 to refresh docs/screenshot.png and docs/screenshots/.
"""
from __future__ import annotations

import os
import re
import shutil

import pytest

from browsing import EXAMPLE, ROOT, Page, expect, serious
from llm_server import ScriptedServer
from serving import Server

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

CORPUS = ROOT / "corpus"
TWO_SENTENCES_ONE_SOURCE = "Which has the bigger 2030 target in Xi'an's plan: the power battery industry or new-type components?"
TWO_SOURCES_ONE_DOCUMENT = "How large was Xi'an's first-quarter GDP this year, and what was its year-on-year growth?"


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("serve") / "serve.log", "--index", str(corpus_index), "--corpus", str(CORPUS))
    yield server
    server.stop()


def test_answer_with_citation(page, tmp_path):
    p = page.page
    expect(p.locator("#welcome")).to_be_visible()
    # The thinking state shows while it answers; a warm answer can come back before a locator polls, so
    # the page records whether it ever appeared.
    p.evaluate("""() => { window.sawPending = false;
        new MutationObserver(() => { if (document.querySelector('.msg.bot.pending')) window.sawPending = true; })
            .observe(document.body, {subtree: true, childList: true, attributes: true}); }""")
    page.ask(EXAMPLE)
    bot = page.answered(1)
    assert p.evaluate("window.sawPending")
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
    expect(p.locator("[role=log]")).to_have_attribute("aria-live", "polite")
    badge.click()  # a second click closes it
    expect(passage).to_be_hidden()


def test_answer_arrives_whole_not_replayed_word_by_word(page):
    """The extractive answer is ready at once: the page shows it in one step, not a word every 12 ms."""
    p = page.page
    p.evaluate("""() => {
        window.__partials = new Set();
        new MutationObserver(() => {
            const p = document.querySelector('.answer.streaming');
            if (p) window.__partials.add(p.textContent);
        }).observe(document.getElementById('conversation'), {subtree: true, childList: true, characterData: true});
    }""")
    page.ask(EXAMPLE)
    expect(page.answered(1).locator(".answer")).to_contain_text("310 billion")
    assert p.evaluate("window.__partials.size") <= 1


def test_latency_label_says_server_and_waited(page):
    page.ask(EXAMPLE)
    meta = page.answered(1).locator(".meta")
    expect(meta).to_have_text(re.compile(r"^\d+ ms on the server · \d+ ms in all$"))
    server_ms, waited_ms = map(int, re.findall(r"\d+", meta.text_content()))
    assert waited_ms >= server_ms


def test_keyboard_only(page):
    p = page.page
    box = p.locator("#question")
    expect(box).to_be_focused()
    p.keyboard.type("first line")
    p.keyboard.press("Shift+Enter")
    p.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")  # Shift+Enter is a new line, not a send
    expect(page.turns()).to_have_count(0)
    box.fill("")
    p.keyboard.type(EXAMPLE)
    p.keyboard.press("Enter")
    page.answered(1)
    badge = p.locator(".answer button.badge").first
    for _ in range(25):  # Shift+Tab back from the question box to the citation marker
        p.keyboard.press("Shift+Tab")
        if badge.evaluate("b => b === document.activeElement"):
            break
    expect(badge).to_be_focused()
    p.keyboard.press("Enter")
    expect(p.locator(".passage mark")).to_be_visible()
    p.keyboard.press("Escape")
    expect(p.locator(".passage")).to_be_hidden()
    expect(badge).to_be_focused()


def test_focus_stays_in_the_box_after_an_example(page):
    p = page.page
    example = p.locator("#welcome button.example").first
    expect(example).to_be_visible()  # drawn from the documents, not written into the page
    example.click()
    expect(p.locator("#question")).to_be_focused()
    page.answered(1)
    expect(p.locator("#question")).to_be_focused()


def test_follow_up_question(page):
    page.ask(EXAMPLE)
    page.answered(1)
    page.ask("And what about the semiconductor industry?")
    bot = page.answered(2)
    expect(bot.locator(".read-as")).to_contain_text("What is Xi'an's 2030 semiconductor industry output target?")
    expect(bot).not_to_have_class(re.compile(r"\berror\b"))
    expect(bot.locator(".sources button.source").first).to_be_visible()


def test_chinese_question_after_an_english_one(page):
    page.ask("What is the GDP of Mars in 2030?")
    page.answered(1)
    question = "四川首批制造强市试点城市有哪些？"
    page.ask(question)
    bot = page.answered(2)
    expect(page.turns().last.locator(".msg.user p")).to_have_attribute("lang", "zh")
    expect(bot.locator(".answer")).to_contain_text("Chengdu, Deyang, Mianyang and Yibin")
    # Searched as the English question it asks, and not glued onto the English question before it.
    searched = bot.locator(".searched-as")
    expect(searched).to_contain_text(re.compile(r"^Searched as: .*\bSichuan\b.*\bpilot\b"))
    expect(searched.locator("q")).to_have_attribute("lang", "en")
    expect(bot.locator(".read-as:not(.searched-as)")).to_have_count(0)
    expect(bot).not_to_contain_text("Mars")
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_contain_text("Chengdu, Deyang, Mianyang and Yibin were listed")
    expect(bot.locator(".passage .file")).to_have_text("004_980d9e528abab5f1.txt")


def test_follow_up_about_a_new_topic_does_not_repeat_the_answer(page):
    page.ask(EXAMPLE)
    first = page.answered(1).locator(".answer").text_content()
    page.ask("And what about semiconductors?")
    second = page.answered(2)
    expect(second.locator(".read-as")).to_contain_text("semiconductors")
    assert second.locator(".answer").text_content() != first
    expect(second.locator(".answer")).not_to_contain_text("310 billion")


def test_follow_up_of_a_follow_up_is_not_garbled(page):
    page.ask(EXAMPLE)
    page.answered(1)
    page.ask("And when was it announced?")
    expect(page.answered(2).locator(".read-as")).to_have_text(f"Answered as: {EXAMPLE} When was it announced?")
    page.ask("And who announced it?")
    expect(page.answered(3).locator(".read-as")).to_have_text(f"Answered as: {EXAMPLE} Who announced it?")


def test_every_sentence_citing_a_source_is_highlighted(page):
    page.ask(TWO_SENTENCES_ONE_SOURCE)
    bot = page.answered(1)
    expect(bot.locator(".answer button.badge[data-n='1']")).to_have_count(2)
    bot.locator(".answer button.badge").first.click()
    marks = bot.locator(".passage mark")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_contain_text("power battery")
    expect(marks.nth(1)).to_contain_text("parts and components")


def test_sources_from_one_document_are_distinguishable(page):
    page.ask(TWO_SOURCES_ONE_DOCUMENT)
    rows = page.answered(1).locator(".sources button.source")
    expect(rows).to_have_count(2)
    files = [rows.nth(i).locator(".source-file").text_content() for i in range(2)]
    assert files[0] == files[1]  # the same document…
    texts = [rows.nth(i).text_content() for i in range(2)]
    assert texts[0].split(files[0])[1] != texts[1].split(files[1])[1]  # …told apart by the sentence each holds


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
    expect(page.turns()).to_have_count(0)
    p.locator("#question").type("W")  # typing clears the message
    expect(p.locator("#form-error")).to_be_hidden()


def test_history_survives_reload(page):
    p = page.page
    page.ask(EXAMPLE)
    page.answered(1)
    p.reload()
    expect(page.turns()).to_have_count(1)
    expect(p.locator("#welcome")).to_be_hidden()
    bot = page.answered(1)
    expect(bot.locator(".answer")).to_contain_text("310 billion")
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_contain_text("310 billion")


def test_two_tabs_keep_their_own_conversations(page):
    first, second = page, page.tab()
    first.ask(EXAMPLE)
    first.answered(1)
    second.ask("What is the population of Mars?")
    second.answered(1)
    first.page.reload()
    second.page.reload()
    expect(first.turns()).to_have_count(1)
    expect(first.turns().first).to_contain_text("310 billion")
    expect(second.turns()).to_have_count(1)
    expect(second.turns().first).to_contain_text("Not in the corpus")
    expect(first.page.locator("#conversations .conv-open")).to_have_count(2)  # both are kept, each in its own entry
    second.close()


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


def test_opened_passage_is_not_under_the_composer_on_a_phone(browser, server):
    page = Page(browser, server.url, width=375, height=740)
    p = page.page
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator(".sources button.source").first.click()  # the source row sits low, near the composer
    passage = bot.locator(".passage")
    expect(passage.locator("mark")).to_be_visible()
    p.wait_for_timeout(300)  # any smooth scrolling settles
    bottom = passage.evaluate("e => e.getBoundingClientRect().bottom")
    composer_top = p.locator("footer.composer").evaluate("e => e.getBoundingClientRect().top")
    assert bottom <= composer_top + 1, f"the passage ends {bottom - composer_top:.0f} px under the composer"
    page.close()


# --- a server that stalls, a connection that drops, questions asked while busy ---

def hold_stream(page: Page, held: list, only_first: bool = False) -> None:
    """Keep stream requests waiting, as a stalled server would; `held` collects them."""
    def handler(route):
        if only_first and held:
            route.continue_()
        else:
            held.append(route)
    page.page.route("**/api/ask/stream*", handler)


def test_stop_ends_a_stalled_question(page):
    p = page.page
    held: list = []
    hold_stream(page, held)
    page.ask(EXAMPLE)
    expect(p.locator("#stop")).to_be_visible()
    expect(p.locator(".msg.bot.pending")).to_have_count(1)
    p.locator("#stop").click()
    bot = page.answered(1)
    expect(bot.locator(".error-text")).to_contain_text("Stopped")
    expect(p.locator("#stop")).to_be_hidden()
    p.unroute("**/api/ask/stream*")
    bot.locator("button.retry").click()
    expect(page.answered(1).locator(".answer")).to_contain_text("310 billion")


def test_client_gives_up_on_a_stalled_server(page):
    p = page.page
    held: list = []
    hold_stream(page, held)
    p.evaluate("document.body.dataset.timeoutMs = '1500'")
    page.ask(EXAMPLE)
    bot = page.answered(1)
    expect(bot.locator(".error-text")).to_contain_text("No answer after 2 s")
    expect(bot.locator("button.retry")).to_be_visible()


def test_question_asked_while_busy_is_queued_not_dropped(page):
    p = page.page
    held: list = []
    hold_stream(page, held, only_first=True)
    page.ask(EXAMPLE)
    expect(p.locator(".msg.bot.pending")).to_have_count(1)
    page.ask("What is the population of Mars?")
    expect(page.turns()).to_have_count(2)
    expect(page.turns().nth(1).locator(".msg.bot")).to_contain_text("Queued")
    held[0].continue_()
    expect(page.answered(1).locator(".answer")).to_contain_text("310 billion")
    expect(page.answered(2)).to_contain_text("Not in the corpus")


def test_partial_answer_is_kept_when_the_connection_drops(page):
    p = page.page
    cut = ('event: passages\ndata: []\n\nevent: answer\ndata: "By 2030 the city aims for 310 billion RMB"\n\n')
    p.route("**/api/ask/stream*", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=cut))
    page.ask(EXAMPLE)
    bot = page.answered(1)
    expect(bot.locator(".answer.partial")).to_have_text("By 2030 the city aims for 310 billion RMB")
    expect(bot.locator(".error-text")).to_contain_text("cut off")
    p.unroute("**/api/ask/stream*")
    p.reload()
    expect(page.answered(1).locator(".answer.partial")).to_contain_text("310 billion")


# --- accessibility ---

def test_axe_finds_no_serious_problems(page):
    p = page.page
    found = serious(page.axe())
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator(".answer button.badge").first.click()
    expect(bot.locator(".passage mark")).to_be_visible()
    violations = page.axe()
    found += serious(violations)
    # the moderate ones the issue named: a skipped heading level, duplicate landmarks
    found += [v for v in violations if v["id"] in ("heading-order", "landmark-unique")]
    assert not found, found
    bot.locator(".retrieval summary").click()
    found += serious(page.axe())
    p.locator("#documents-toggle").click()
    expect(p.locator("#document-list li").first).to_be_visible()
    found += serious(page.axe())
    assert not found, found


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
    expect(page.turns().last.locator(".msg.user")).to_contain_text('<img src=x onerror="window.__pwned=1">')
    bot.locator(".answer button.badge").first.click()
    passage = bot.locator(".passage")
    expect(passage.locator("h3")).to_contain_text("<img src=x")
    expect(passage.locator(".passage-text")).to_contain_text("<b onmouseover=")
    expect(passage.locator("mark")).to_contain_text("<script>")
    passage.locator(".open-document").click()  # the whole document, too
    expect(p.locator("#viewer-text mark")).to_contain_text("<script>")
    expect(p.locator("#viewer-title")).to_contain_text("<img src=x")
    p.locator("#viewer-close").click()
    p.locator("#documents-toggle").click()
    expect(p.locator("#document-list")).to_contain_text("<img src=x")
    p.reload()  # and again when the conversation is restored from storage
    page.answered(1).locator(".answer button.badge").first.click()
    expect(p.locator(".passage mark")).to_contain_text("<script>")
    assert p.locator("main script, main img, main b, aside img, dialog img").count() == 0
    p.locator(".passage mark").hover()
    assert p.evaluate("typeof window.__pwned") == "undefined"
    page.close()


def test_server_gone_shows_inline_error(browser, hostile_server):
    page = Page(browser, hostile_server.url)
    p = page.page
    expect(p.locator("#document-list li")).to_have_count(2)  # loaded before the server goes
    hostile_server.stop()
    page.ask("How many quokkas did the Testville census count?")
    bot = page.answered(1)
    expect(bot).to_have_class(re.compile(r"\berror\b"))
    expect(bot.locator(".error-text")).to_contain_text("Could not reach the server")
    expect(bot.locator("button.retry")).to_be_visible()
    expect(p.locator("#question")).to_be_enabled()
    page.close()


def test_readme_screenshot(page, tmp_path):
    """docs/screenshot.png: an answer with its passage open, beside the documents panel."""
    p = page.page
    page.ask(EXAMPLE)
    bot = page.answered(1)
    bot.locator(".answer button.badge").first.click()
    p.locator("#documents-toggle").click()
    expect(p.locator("#document-list li").first).to_be_visible()
    shot = ROOT / "docs" / "screenshot.png" if os.environ.get("RAG_SCREENSHOT") else tmp_path / "screenshot.png"
    p.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
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
