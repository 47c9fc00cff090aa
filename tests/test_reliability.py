"""Messy folders, hostile text and interrupted builds: nothing crashes, nothing is lost."""
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.chunk import chunk_document, model_token_counter
from rag.embed import resolve_model
from rag.ingest import MAX_FILE_BYTES, UnreadableFile, _assemble, _html_blocks, _text_blocks, load_document
from rag.stores.local import LocalStore

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest


COUNT = model_token_counter(resolve_model(None))

# Text made of the pieces that trip cleaners up: escaped tags, headings, wraps, CJK, footers.
PIECES = st.sampled_from(["< p >", "< / p >", "<h2>", "</h2>", "<img src=x>", "\n", "\n\n", " - ", ". ", ", ", "; ",
                          "1. Intro", "4.1. Weak", "Image source: x", "Disclaimer: y", "ICP No. 1", "西安", "。",
                          "310 billion yuan", "Xi'an", "—", "\t", "&amp;", "<script>x</script>", "e.g.", "No. 5"])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=40)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT, st.booleans(), st.integers(min_value=8, max_value=200))
def test_cleaning_and_chunking_never_crash_and_offsets_hold(text, as_html, budget):
    blocks = _html_blocks(text) if as_html else _text_blocks(text)
    doc = _assemble("fuzz.txt", blocks)
    for p in doc.paragraphs:
        assert 0 <= p.start <= p.end <= len(doc.text)
    for c in chunk_document(doc, COUNT, max_tokens=budget):
        assert doc.text[c.start:c.end] == c.text
        for a, b in c.sentences:
            assert 0 <= a < b <= len(c.text)


def test_oversized_file_is_skipped_with_reason(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(UnreadableFile, match="too large"):
        load_document(big, "big.txt")


def test_vanished_file_is_an_unreadable_file(tmp_path):
    with pytest.raises(UnreadableFile):
        load_document(tmp_path / "gone.txt", "gone.txt")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_unreadable_permissions_are_reported(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("Deyang builds turbines. It is a fine city.")
    secret.chmod(0o000)
    tmp_path.chmod(0o755)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child drops to "nobody", for whom the file is unreadable even though root wrote it
        os.close(read_end)
        os.setgid(65534)
        os.setuid(65534)
        try:
            load_document(secret, "secret.txt")
            message = "read it"
        except UnreadableFile as exc:
            message = f"skipped: {exc}"
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        assert pipe.read() == "skipped: Permission denied"


def test_symlink_loops_and_broken_links_are_passed_over(tmp_path):
    from rag.ingest import find_files

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "up").symlink_to(tmp_path)
    (tmp_path / "dead.txt").symlink_to(tmp_path / "nowhere")
    (tmp_path / "a" / "ok.txt").write_text("Fine.")
    assert [p.name for p in find_files(tmp_path)] == ["ok.txt"]


def rag_index(corpus, index_dir, *args, **kw):
    return subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(corpus), "--index", str(index_dir), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_sigkill_during_builds_never_breaks_the_index(tmp_path, small_corpus, embedder):
    from rag import Assistant

    index_dir = tmp_path / "idx"
    assert rag_index(small_corpus, index_dir).wait(timeout=300) == 0
    question = "Which cities were listed as Sichuan's first pilot competitive manufacturing cities?"
    expected = Assistant.open(index_dir=index_dir, corpus=small_corpus, update=False).ask(question).answer
    # Kill points are spread over a whole re-embedding run (--rebuild), timed once here, so they
    # land in start-up, embedding and writing alike.
    started = time.monotonic()
    assert rag_index(small_corpus, index_dir, "--rebuild").wait(timeout=300) == 0
    duration = time.monotonic() - started
    rng = random.Random(7)
    kills = 0
    for attempt in range(6):
        (small_corpus / f"note{attempt}.txt").write_text(f"Round {attempt}: Mianyang adds {attempt} plants.")
        process = rag_index(small_corpus, index_dir, "--rebuild")
        time.sleep(rng.uniform(0.1, 0.9) * duration)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait(timeout=300)
        survivor = Assistant.open(index_dir=index_dir, corpus=small_corpus, update=False)
        assert survivor.ask(question).answer == expected
    assert kills >= 4
    assert rag_index(small_corpus, index_dir).wait(timeout=300) == 0  # and the next build completes
    final = LocalStore(index_dir)
    assert {f"note{i}.txt" for i in range(6)} <= set(final.manifest["files"])
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".tmp-")]


def test_two_builds_at_once_do_not_interleave(tmp_path, small_corpus):
    index_dir = tmp_path / "idx"
    first, second = rag_index(small_corpus, index_dir), rag_index(small_corpus, index_dir)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    assert first.returncode == second.returncode == 0
    stderr = "".join(err for _, err in outputs)
    assert "waiting" in stderr and "up to date" in stderr  # the second waited, then found nothing to do
    assert len([p for p in index_dir.iterdir() if p.name.startswith("v")]) == 1
    LocalStore(index_dir)


@pytest.mark.parametrize("question, error", [
    ("", "empty"), ("   \n\t ", "empty"), ("x" * 100_000, "too long"), ("?!…—", "no words"),
])
def test_bad_questions_get_a_clear_error(assistant, question, error):
    from rag import QuestionError

    with pytest.raises(QuestionError, match=error):
        assistant.ask(question)


@pytest.mark.parametrize("question", [
    "What is Xi'an's\x00 2030\x1b[31m NEV output\x07 target?",  # control characters are folded away
    "西安2030年智能网联新能源汽车产值目标是多少？",  # another language: an answer or an abstention, never a crash
    "Quelle est la cible de production de Xi'an pour 2030 ?",
])
def test_odd_questions_get_an_answer_or_an_abstention(assistant, question):
    answer = assistant.ask(question)
    assert answer.answer and (answer.abstained or answer.citations)
    assert "\x00" not in answer.question and "\x1b" not in answer.question


def test_a_running_assistant_switches_to_a_new_index(tmp_path, small_corpus, embedder):
    from rag import Assistant
    from rag.assistant import build_index

    from conftest import config_for

    config = config_for(small_corpus, tmp_path / "idx")
    build_index(config, embedder)
    running = Assistant.open(config=config, update=False)
    assert not running.refresh()
    (small_corpus / "extra.txt").write_text("Deyang builds 7 turbine plants near the river.\n")
    build_index(config, embedder)
    assert running.refresh()
    assert "7 turbine plants" in running.ask("How many turbine plants does Deyang build?").answer
