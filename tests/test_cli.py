"""The `rag` command as a user runs it: a real subprocess over the real index."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import CORPUS

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

EXAMPLE = "What is Xi'an's 2030 NEV output target?"


def rag(*args, stdin=None, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture(scope="module")
def where(corpus_index):
    return ["--index", str(corpus_index), "--corpus", str(CORPUS)]


def test_ask_prints_answer_and_numbered_sources(where):
    result = rag("ask", EXAMPLE, *where)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "310 billion" in out.splitlines()[0] and "[1]" in out.splitlines()[0]
    assert "Sources:" in out and "[1] 00" in out and ">>" in out  # the supporting sentence is marked
    assert "Traceback" not in result.stderr


def test_ask_json_contract(where):
    result = rag("ask", "--json", EXAMPLE, *where)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"question", "answer", "abstained", "citations", "latency_ms"}
    assert answer["abstained"] is False and "310 billion" in answer["answer"]
    c = answer["citations"][0]
    assert set(c) == {"n", "source", "title", "chunk_id", "text", "start", "end", "score"}
    assert "310 billion" in c["text"][c["start"]:c["end"]]


def test_ask_json_reads_questions_from_stdin(where):
    lines = f"{EXAMPLE}\n\nWhat was Deyang's regional GDP in 2021?\n{'x' * 5000}\n"
    result = rag("ask", "--json", "-", *where, stdin=lines)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 4  # one per input line, the blank one too
    assert "310 billion" in records[0]["answer"]
    assert records[1]["error"] == "the question is empty"
    assert records[2]["abstained"] is True
    assert "too long" in records[3]["error"]


def test_search_shows_ranked_passages(where):
    result = rag("search", "Suining lithium battery revenue", "-k", "3", *where)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1. ") and "\n3. " in result.stdout and "004_" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["ask", "   "], "the question is empty"),
    (["ask", "--bogus", "q"], "unrecognized arguments"),
    (["ask", "q", "--model", "/nonexistent/model"], "no sentence-transformers model"),
    (["index", "/nonexistent/folder"], "corpus not found"),
])
def test_user_errors_are_one_clear_line(args, message, tmp_path):
    result = rag(*args, "--index", str(tmp_path / "idx"))
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "idx" / "CURRENT").exists()


def test_corrupt_index_says_how_to_fix_it(tmp_path, corpus_index):
    copy = tmp_path / "idx"
    shutil.copytree(corpus_index, copy)
    version = next(p for p in copy.iterdir() if p.name.startswith("v"))
    (version / "vectors.npy").write_bytes(b"garbage")
    result = rag("search", "anything", "--index", str(copy), "--corpus", str(CORPUS))
    assert result.returncode == 1
    assert result.stderr.strip() == "rag: error: index file vectors.npy is truncated or missing; rebuild it: rag index --rebuild"


def test_index_command_reports_and_is_incremental(tmp_path, small_corpus):
    first = rag("index", str(small_corpus), "--index", str(tmp_path / "idx"))
    assert first.returncode == 0, first.stderr
    assert "2 added" in first.stderr
    second = rag("index", str(small_corpus), "--index", str(tmp_path / "idx"))
    assert "up to date" in second.stderr


def test_an_index_answers_from_its_own_documents(tmp_path):
    # `rag index FOLDER --index DIR` then `rag ask --index DIR` must not swap FOLDER for the bundled corpus.
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "boats.md").write_text("# Harbour\n\nThe harbour ferry leaves every 40 minutes from pier 7.\n")
    index = ["--index", str(tmp_path / "idx")]
    env = {"RAG_CORPUS": ""}
    assert rag("index", str(folder), *index, env=env).returncode == 0
    result = rag("ask", "--json", "How often does the harbour ferry leave?", *index, env=env)
    assert result.returncode == 0, result.stderr
    assert "40 minutes" in json.loads(result.stdout)["answer"] and "updating" not in result.stderr
    (folder / "trains.md").write_text("# Station\n\nThe night train to the coast departs at 23:15.\n")
    result = rag("ask", "--json", "When does the night train to the coast depart?", *index, env=env)
    assert "23:15" in json.loads(result.stdout)["answer"]  # the index followed its own folder
    assert "up to date" in rag("index", *index, env=env).stderr


def test_index_with_nothing_usable_fails(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"\x00\x01\x02")
    result = rag("index", str(folder), "--index", str(tmp_path / "idx"))
    assert result.returncode == 1
    assert "skipped a.txt: binary" in result.stderr and "no usable documents" in result.stderr
