"""Issue 13, the question, CLI and server findings: each test here failed on the code the findings were
made against (a875319) and passes now. Real components throughout: the real model and index, `rag` in a
subprocess, `rag serve` in a subprocess on 127.0.0.1."""
from __future__ import annotations

import io
import json
import logging
import os
import random
import re
import resource
import socket
import subprocess
import sys
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import CORPUS, ROOT
from rag import Config, cli
from rag.answer import ExtractiveGenerator
from rag.assistant import QuestionError
from rag.errors import RagError
from rag.server import RateLimitedLog, create_app
from serving import Server

EXAMPLE = "What is Xi'an's 2030 NEV output target?"
APOSTROPHE_S = ["Who 's the leader?", "What is Xi'an 's 2030 NEV output target?", "Who ’s the Frobnitz director?",
                "'s", "'s 's 's?", "Xi'an's's 2030?"]


def rag(*args, stdin: bytes | None = None, env: dict | None = None, timeout: float = 300):
    """`rag ARGS` as a user runs it; stdout and stderr as bytes (the tests check their encoding)."""
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], input=stdin, capture_output=True,
                          timeout=timeout, cwd=ROOT, env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.fixture(scope="module")
def where(corpus_index):
    return ["--index", str(corpus_index), "--corpus", str(CORPUS)]


# --- F5: a standalone 's, at every level; fuzzing ask ---

@pytest.mark.parametrize("question", APOSTROPHE_S)
def test_f5_apostrophe_s_is_answered_by_the_library(assistant, question):
    answer = assistant.ask(question)
    assert answer.answer and (answer.abstained or answer.citations)


def test_f5_apostrophe_s_is_answered_by_the_cli(where):
    result = rag("ask", "Who 's the leader?", *where)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() and not result.stderr.strip()


def test_f5_apostrophe_s_is_answered_by_the_server(assistant):
    with TestClient(create_app(assistant), base_url="http://localhost") as client:
        response = client.post("/api/ask", json={"question": "Who 's the Frobnitz director?"})
        assert response.status_code == 200, response.text
        assert response.json()["answer"]
        stream = client.get("/api/ask/stream", params={"question": "Who 's the Frobnitz director?"})
        assert stream.status_code == 200 and "event: done" in stream.text and "event: error" not in stream.text


PIECES = ["'s", "’s", "'", "’", '"', "Xi'an", "Deyang", "GDP", "2030", "1,000.5", "%", "?", "!", "...", "-", "—",
          "(", ")", "[", "]", "\\", "/", "&", "<", ">", "#", "\t", "\n", "\x00", "\x1b[2J", "\x1b]0;x\x07", "\u202e",
          "\ufeff", "\ud800", "西安", "。", "e.g.", "No.", "U.S.", "Q1", "3.5%", "'s'", "''", "´s", "`s"]


def random_question(rng: random.Random) -> str:
    """Random text built to trip a question analyser: pieces of names, numbers, quotes, control
    characters, random code points from every plane, and very long words."""
    parts = []
    for _ in range(rng.randint(0, 25)):
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(PIECES))
        elif roll < 0.75:
            parts.append("".join(chr(rng.randrange(0x110000)) for _ in range(rng.randint(1, 6))))
        elif roll < 0.9:
            parts.append(rng.choice(["who", "what", "is", "the", "of", "how", "many", "and", "A", "B"]))
        else:
            parts.append(rng.choice("aZ9'_") * rng.randint(50, 3000))
    return rng.choice(["", " ", "  "]).join(parts)


def fuzz_ask(assistant, seconds: float, seed: int) -> tuple[int, list[str]]:
    """Ask random questions for `seconds`; (questions asked, unexpected exceptions)."""
    rng = random.Random(seed)
    asked, failures = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        question = random_question(rng)
        try:
            answer = assistant.ask(question)
            assert isinstance(answer.answer, str) and answer.answer
        except (QuestionError, RagError):
            pass
        except Exception as exc:  # noqa: BLE001 — exactly what the fuzzer looks for
            failures.append(f"{exc.__class__.__name__}: {exc} for {question[:200]!r}")
        asked += 1
    return asked, failures


def test_f5_fuzz_ask_briefly(assistant):
    asked, failures = fuzz_ask(assistant, seconds=4, seed=13)
    print(json.dumps({"questions": asked, "failures": len(failures)}))
    assert asked >= 5 and not failures, failures[:5]


@pytest.mark.slow
def test_f5_fuzz_ask_for_60_seconds(assistant):
    asked, failures = fuzz_ask(assistant, seconds=60, seed=int(time.time()))
    print(json.dumps({"questions": asked, "failures": len(failures)}))
    assert asked >= 100 and not failures, failures[:5]


# --- F5/F20, F12: batch mode ---

def test_batch_gives_one_line_per_input_line(where):
    lines = [EXAMPLE, "   ", "Who 's the leader?", "", "x" * 5000, "What was Deyang's regional GDP in 2021?"]
    result = rag("ask", "--json", "-", *where, stdin="\n".join(lines).encode() + b"\n")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(records) == len(lines)
    assert "310 billion" in records[0]["answer"]
    assert records[1]["error"] == "the question is empty" and records[3]["error"] == "the question is empty"
    assert records[2]["answer"]
    assert "too long" in records[4]["error"] and len(records[4]["question"]) < 2100
    assert "answer" in records[5]


@pytest.mark.parametrize("encoding", ["utf-8", "ascii", "latin-1"])
def test_f12_invalid_utf8_on_stdin_never_aborts_the_batch(where, encoding):
    stdin = b"What is the NEV target of Xi an?\n\xff\xfe bad \xc3\x28 utf8 NEV\n\xe8\xa5\xbf\xe5\xae\x89 GDP?\n"
    result = rag("ask", "--json", "-", *where, stdin=stdin, env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert len(records) == 3 and all("answer" in r for r in records), records
    assert "\ufffd" in records[1]["question"] and "西安" in records[2]["question"]


def test_a_bug_on_one_line_does_not_end_the_batch(monkeypatch, capsys, corpus_index):
    real = ExtractiveGenerator.generate

    def generate(self, question, retrieval):
        if "BOOM" in question:
            raise IndexError("string index out of range")
        return real(self, question, retrieval)

    monkeypatch.setattr(ExtractiveGenerator, "generate", generate)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{EXAMPLE}\nBOOM now\n{EXAMPLE}\n".encode())))
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    assert cli.main(["ask", "--json", "-", "--index", str(corpus_index), "--corpus", str(CORPUS)]) == 0
    out, err = capsys.readouterr()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("error") for r in records] == [None, "internal error", None]
    assert "310 billion" in records[2]["answer"]
    assert "line 2: internal error (IndexError" in err and "RAG_DEBUG=1" in err and "Traceback" not in err


# --- the catch-all: RagError is one line, a bug says so, RAG_DEBUG=1 shows the trace ---

def test_a_bug_is_reported_as_one_with_the_debug_hint(monkeypatch, capsys, corpus_index):
    def broken(self, question, retrieval):
        raise KeyError("mystery")

    monkeypatch.setattr(ExtractiveGenerator, "generate", broken)
    monkeypatch.delenv("RAG_DEBUG", raising=False)
    args = ["ask", EXAMPLE, "--index", str(corpus_index), "--corpus", str(CORPUS)]
    assert cli.main(args) == 1
    err = capsys.readouterr().err.strip()
    assert err == "rag: error: internal error (KeyError: 'mystery'); run with RAG_DEBUG=1 for the trace"
    monkeypatch.setenv("RAG_DEBUG", "1")
    with pytest.raises(KeyError):  # the trace, as Python prints it
        cli.main(args)


def test_a_user_error_is_one_line_without_the_debug_hint(tmp_path):
    result = rag("ask", "q", "--index", str(tmp_path / "idx"), "--corpus", str(tmp_path / "missing"))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert [line for line in err.splitlines() if line.startswith("rag:")] == [f"rag: error: corpus not found: {tmp_path / 'missing'}"]
    assert "RAG_DEBUG" not in err and "Traceback" not in err


def test_broken_pipe_exits_quietly(where):
    process = subprocess.Popen([sys.executable, "-m", "rag.cli", "ask", "--json", "-", *where], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write((EXAMPLE + "\n").encode() * 40)
    process.stdin.close()
    first = process.stdout.readline()  # what `| head -1` reads before it exits
    process.stdout.close()
    code = process.wait(120)
    err = process.stderr.read().decode()
    assert json.loads(first)["answer"]
    assert code == 141 and err == "", err


# --- F13: escape sequences in documents ---

HOSTILE = ("Frobnitz escape report\n\nThe Frobnitz escape code is 4711\x1b]0;PWNED-TITLE\x07 and the "
           "\x1b[2J\x1b[31mscreen\x1b[0m \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ is \x9b31m red\x07 here.\r\n"
           "The Frobnitz plant was built in 1999 by the Frobnitz company.\n")


def test_terminal_safe_removes_sequences_and_controls():
    assert cli.terminal_safe(HOSTILE) == ("Frobnitz escape report\n\nThe Frobnitz escape code is 4711 and the "
                                          "screen link is 31m red here.\nThe Frobnitz plant was built in 1999 by "
                                          "the Frobnitz company.\n")
    assert cli.one_line("a\x1b[1mb\nc\td") == "ab c d"
    started = time.perf_counter()
    cli.terminal_safe("\x1b]" * 200_000 + "\x1b[" + "1;" * 200_000)  # bounded: no quadratic scan
    assert time.perf_counter() - started < 2


@pytest.mark.slow  # `rag ask` and `rag search` in subprocesses: they index and answer with the real model
def test_f13_ask_and_search_print_no_escape_sequences(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "esc\x1b[2Jape.txt").write_text(HOSTILE)
    where = ["--index", str(tmp_path / "idx"), "--corpus", str(corpus)]
    asked = rag("ask", "What is the Frobnitz escape code?", *where)
    searched = rag("search", "Frobnitz escape code", *where)
    for result in (asked, searched):
        assert result.returncode == 0, result.stderr
        assert "4711" in result.stdout.decode()
        assert not re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", result.stdout), result.stdout


# --- F18: k ---

@pytest.mark.parametrize("k", ["0", "-1", "-5", "21", "1000000", "99999999999999999999"])
@pytest.mark.parametrize("command", ["ask", "search"])
def test_f18_cli_rejects_a_bad_k_in_one_line(where, command, k):
    result = rag(command, EXAMPLE, "-k", k, *where)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == f"rag: error: k must be a whole number from 1 to 20 (got {int(k)})"


def test_f18_library_rejects_a_bad_k(assistant):
    for k in (0, -1, 21, True, 2.5):
        with pytest.raises(RagError, match="k must be"):
            assistant.search(EXAMPLE, k=k)
        with pytest.raises(RagError, match="k must be"):
            assistant.ask(EXAMPLE, k=k)
    with pytest.raises(RagError, match="k must be"):
        Config(k=0)
    assert len(assistant.search(EXAMPLE, k=1)) == 1 and len(assistant.search(EXAMPLE, k=20)) == 20


def test_f18_server_rejects_a_bad_k(assistant):
    with TestClient(create_app(assistant), base_url="http://localhost") as client:
        for k in (0, -1, 21):
            assert client.post("/api/ask", json={"question": EXAMPLE, "k": k}).status_code == 422
            assert client.get("/api/ask/stream", params={"question": EXAMPLE, "k": k}).status_code == 422


# --- F9: Host header; F11: connection floods and log floods (a real `rag serve`) ---

CAP = 20


@pytest.fixture(scope="module")
def capped_server(corpus_index, tmp_path_factory):
    """rag serve with a low connection cap from the environment and extra host names from both the
    command line and the environment."""
    server = Server(tmp_path_factory.mktemp("capped") / "serve.log", "--index", str(corpus_index),
                    "--corpus", str(CORPUS), "--allowed-host", "my.box",
                    env={"RAG_MAX_CONNECTIONS": str(CAP), "RAG_ALLOWED_HOSTS": "env.box, other.box"})
    yield server
    server.stop()


def port_of(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def get(server: Server, path: str, host: str) -> httpx.Response:
    return httpx.get(server.url + path, headers={"Host": host}, timeout=10)


def test_f9_foreign_host_headers_are_refused(capped_server, assistant):
    port = port_of(capped_server)
    passage = f"/api/passages/{assistant.store.chunks_of(sorted(assistant.store.manifest['files'])[0])[0].chunk.chunk_id}"
    for host in ("evil.example", f"attacker.example:{port}", "127.0.0.1.evil.example", "localhost.", "", "my.box.evil"):
        for path in ("/healthz", passage, "/"):
            response = get(capped_server, path, host)
            assert response.status_code == 400, (host, path, response.text)
            assert "host name" in response.json()["error"]
    refused = httpx.post(capped_server.url + "/api/ask", json={"question": EXAMPLE}, headers={"Host": "evil.example"})
    assert refused.status_code == 400 and set(refused.json()) == {"error"}


def test_f9_own_and_allowed_host_names_are_answered(capped_server, assistant):
    port = port_of(capped_server)
    passage = f"/api/passages/{assistant.store.chunks_of(sorted(assistant.store.manifest['files'])[0])[0].chunk.chunk_id}"
    for host in ("127.0.0.1", f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}",
                 f"my.box:{port}", "env.box", f"other.box:{port}"):
        assert get(capped_server, "/healthz", host).status_code == 200, host
        assert get(capped_server, passage, host).status_code == 200, host


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def flood(url: str, connections: int, partial_headers: bool) -> list[socket.socket]:
    """Connections that send nothing, or half a request line and stop (slowloris)."""
    host, port = url.split("//")[1].split(":")
    socks = []
    for _ in range(connections):
        sock = socket.create_connection((host, int(port)), timeout=5)
        if partial_headers:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: loc")
        socks.append(sock)
    return socks


def probes(server: Server, count: int = 5) -> list[float]:
    """Seconds each health probe took; a probe that fails raises."""
    took = []
    for _ in range(count):
        started = time.monotonic()
        response = httpx.get(server.url + "/healthz", timeout=3)
        assert response.status_code == 200
        took.append(time.monotonic() - started)
        time.sleep(0.1)
    return took


def test_f11_more_idle_connections_than_the_cap_and_health_still_answers(capped_server):
    log_before = capped_server.log.stat().st_size
    socks = flood(capped_server.url, 3 * CAP, partial_headers=False) + flood(capped_server.url, 3 * CAP, partial_headers=True)
    try:
        time.sleep(0.5)
        took = probes(capped_server)
        fds = open_fds(capped_server.process.pid)
    finally:
        for sock in socks:
            sock.close()
    grown = capped_server.log.stat().st_size - log_before
    print(json.dumps({"connections": len(socks), "cap": CAP, "probe_max_s": round(max(took), 3), "server_fds": fds,
                      "log_bytes": grown}))
    assert max(took) < 2
    assert fds < CAP + 40  # the connections beyond the cap were closed
    assert grown < 2000


def test_f11_connections_beyond_the_file_limit(corpus_index, tmp_path):
    """The finding's case: more connections than the open-file limit. Before, accept failed with EMFILE
    in a loop, probes timed out and the log grew by megabytes."""
    limit = 256

    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    server = Server(tmp_path / "serve.log", "--index", str(corpus_index), "--corpus", str(CORPUS), preexec_fn=low_file_limit)
    socks: list[socket.socket] = []
    try:
        log_before = server.log.stat().st_size
        socks = flood(server.url, 200, partial_headers=True) + flood(server.url, 200, partial_headers=False)
        time.sleep(1)
        took = probes(server)
        fds = open_fds(server.process.pid)
        grown = server.log.stat().st_size - log_before
    finally:
        for sock in socks:
            sock.close()
        server.stop()
    print(json.dumps({"connections": len(socks), "file_limit": limit, "probe_max_s": round(max(took), 3),
                      "server_fds": fds, "log_bytes": grown}))
    assert max(took) < 2 and fds < limit and grown < 2000, server.log.read_text()[-2000:]


def test_f11_a_log_flood_is_rate_limited(capped_server):
    """Garbage requests make uvicorn log a warning each; the log keeps a few a second and a count."""
    log_before = capped_server.log.stat().st_size
    host, port = capped_server.url.split("//")[1].split(":")
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < 2 and sent < 3000:
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"\x16\x03\x01 not http\r\n\r\n")
            sock.recv(100)
        sent += 1
    time.sleep(1.1)
    with socket.create_connection((host, int(port)), timeout=5) as sock:  # the next one carries the count
        sock.sendall(b"\x16\x03\x01 not http\r\n\r\n")
        sock.recv(100)
    time.sleep(0.3)
    seconds = time.monotonic() - started
    text = capped_server.log.read_text(errors="replace")[log_before:]
    logged = text.count("Invalid HTTP request")
    print(json.dumps({"garbage_requests": sent, "seconds": round(seconds, 1), "lines_logged": logged,
                      "log_bytes": len(text)}))
    assert sent > 100
    assert 1 <= logged <= 5 * (seconds + 2)
    assert re.search(r"\[\d+ more like this suppressed\] Invalid HTTP request", text)


def test_rate_limited_log_counts_what_it_drops():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RateLimitedLog(per_second=3))
    logger = logging.getLogger("rag.test.flood")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for n in range(10_000):
            logger.error("accept failed %d", n)
        logger.error("another message")
        time.sleep(1.05)
        logger.error("accept failed %d", 10_000)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert len(lines) <= 3 * 2 + 2
    assert "another message" in lines
    assert re.fullmatch(r"\[\d+ more like this suppressed\] accept failed 10000", lines[-1])


# --- the soak's smoke run ---

@pytest.mark.slow  # `rag serve` with the real model, under load for seconds (bench/soak.py --smoke)
def test_soak_smoke():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--smoke"],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    result = json.loads((ROOT / "bench" / "results" / "soak.smoke.json").read_text())
    assert result["smoke"] is True
    assert result["errors"] == 0 and result["lost"] == 0, result
    assert result["requests"]["ask"] > 0 and result["requests"]["stream"] > 0 and result["requests"]["slow"] > 0
    assert result["reindexes"] >= 1


def test_a_long_unknown_word_is_not_spell_corrected(assistant, monkeypatch):
    """Found by the fuzzer: correcting a 2 000-letter word built 54 000 edits of 2 000 letters each
    (2.6 s a question, under the server's one answering lock)."""
    import rag.retrieve

    calls = []
    real = rag.retrieve.stem
    monkeypatch.setattr(rag.retrieve, "stem", lambda word: calls.append(word) or real(word))
    assert assistant.ask("Deyang " + "b" * 1990).answer
    assert len(calls) < 1000
