"""A soak of `rag serve` on 127.0.0.1: mixed asks, streams, slow clients and re-indexes, for a bounded time.

    python bench/soak.py                  # 10 minutes on a copy of the bundled corpus
    python bench/soak.py --seconds 120
    python bench/soak.py --smoke          # a few seconds on one short document

The corpus is copied to a temporary folder and indexed, `rag serve --port 0` starts on it, and until the
time is up these run together, each a thread with its own connections:
- askers POST gold questions and odd ones to /api/ask (and one in 25 an empty one, which must get a
  clean 400: counted apart, as "empty");
- streamers read /api/ask/stream to its end;
- slow clients send a request a few bytes at a time and read the reply in small pieces with pauses;
- a re-indexer changes the corpus copy (a new fact appended, a file touched, a file added or removed),
  runs `rag index` while the server answers, then asks the server about the new fact.
Every request must end in a complete answer (200 with an answer; a stream that ends with `done`) or a
clean error (a JSON `{"error": ...}` with a 4xx or 503). Anything else is an error (a 5xx, a malformed
reply, a failed `rag index`, a trace in the server's log) or lost (no reply, a reset, a stream cut
short). The server's RSS is sampled every second: growth is the median of the last tenth of the run
over the median of the first tenth after the warm-up. Target: 0 errors, 0 lost, growth at most 10 %.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, gold_questions, run, save, smoke_corpus, stop  # noqa: E402
from cold_ask import rag_command  # noqa: E402
from server_load import HOST, start_server  # noqa: E402

TIMEOUT = 60  # s a client waits for a reply: beyond the server's 30 s answer bound, so a slow answer is a 503
ODD = ["Who 's the leader?", "What is Xi'an 's 2030 NEV output target?", "西安的目标是什么？"]


class Tally:
    """Outcomes by kind of client: ok, clean (a clean error), error, lost; and the first few problems."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def add(self, kind: str, outcome: str, detail: str = "") -> None:
        with self.lock:
            self.counts.setdefault(kind, {"ok": 0, "clean": 0, "error": 0, "lost": 0})[outcome] += 1
            if outcome in ("error", "lost") and len(self.problems) < 20:
                self.problems.append(f"{kind} {outcome}: {detail[:300]}")

    def total(self, outcome: str) -> int:
        return sum(c[outcome] for c in self.counts.values())


def judge_json(status: int, body: bytes) -> tuple[str, str]:
    """An /api/ask reply: ok, clean, or error (with why)."""
    try:
        data = json.loads(body)
    except ValueError:
        return "error", f"HTTP {status}, not JSON: {body[:200]!r}"
    if status == 200 and isinstance(data.get("answer"), str) and data["answer"]:
        return "ok", ""
    if (400 <= status < 500 or status == 503) and isinstance(data.get("error"), str) and set(data) == {"error"}:
        return "clean", ""
    return "error", f"HTTP {status}: {body[:200]!r}"


def judge_stream(status: int, body: bytes) -> tuple[str, str]:
    """A /api/ask/stream reply: ok if it ends with a `done` event holding an answer; clean if it is a
    JSON error before the stream or ends with an `error` event; lost if it stops short."""
    if status != 200:
        return judge_json(status, body)
    events = [block for block in body.decode("utf-8", errors="replace").split("\n\n") if block.strip()]
    if not events:
        return "lost", "an empty stream"
    last = dict(line.split(": ", 1) for line in events[-1].splitlines() if ": " in line)
    try:
        data = json.loads(last.get("data", ""))
    except ValueError:
        return "lost", f"a stream cut short: {events[-1][:200]!r}"
    if last.get("event") == "done" and data.get("answer"):
        return "ok", ""
    if last.get("event") == "error" and data.get("error"):
        return "clean", ""
    return "lost", f"a stream that ends with {events[-1][:200]!r}"


def request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def stream_path(question: str) -> str:
    from urllib.parse import urlencode

    return "/api/ask/stream?" + urlencode({"question": question})


def slow_exchange(port: int, raw: bytes, piece: int = 7, pause: float = 0.02, read_pause: float = 0.05) -> tuple[int, bytes]:
    """Send `raw` a few bytes at a time, then read the reply 256 bytes at a time with pauses."""
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        for i in range(0, len(raw), piece):
            sock.sendall(raw[i:i + piece])
            time.sleep(pause)
        reply = b""
        while chunk := sock.recv(256):
            reply += chunk
            time.sleep(read_pause)
    head, _, body = reply.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        raise ConnectionError(f"no status line: {reply[:100]!r}")
    if b"transfer-encoding: chunked" in head.lower():
        body = _unchunk(body)
    return int(head.split()[1]), body


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return out
        out, body = out + body[:size], body[size + 2:]
    raise ConnectionError("a chunked reply cut short")


def slow_request(kind: str, question: str) -> bytes:
    if kind == "ask":
        body = json.dumps({"question": question}).encode()
        return (f"POST /api/ask HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body
    return f"GET {stream_path(question)} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()


def client_loop(kind: str, port: int, questions: list[str], stop_at: float, tally: Tally, seed: int) -> None:
    n = seed
    while time.monotonic() < stop_at:
        n += 1
        question = questions[n % len(questions)] if n % 7 else ODD[n % len(ODD)]
        try:
            if kind == "ask":
                if n % 25 == 0:
                    status, body = request(port, "POST", "/api/ask", json.dumps({"question": "   "}).encode())
                    outcome, detail = judge_json(status, body)
                    outcome = "clean" if outcome == "clean" and status == 400 else "error"
                    tally.add("empty", outcome, detail or f"an empty question got HTTP {status}")
                    continue
                outcome, detail = judge_json(*request(port, "POST", "/api/ask", json.dumps({"question": question}).encode()))
            elif kind == "stream":
                outcome, detail = judge_stream(*request(port, "GET", stream_path(question)))
            else:
                which = "ask" if n % 2 else "stream"
                status, body = slow_exchange(port, slow_request(which, question))
                outcome, detail = (judge_json if which == "ask" else judge_stream)(status, body)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            outcome, detail = "lost", f"{exc.__class__.__name__}: {exc}"
        tally.add(kind, outcome, detail)
        time.sleep(0.05)


def reindex_loop(port: int, corpus: Path, env: dict, every: float, stop_at: float, tally: Tally, log: list) -> None:
    """Change the corpus copy and re-index it while the server answers, every `every` seconds."""
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    facts = corpus / "soak_facts.txt"
    facts.write_text("Soak plant report\n\nThe soak plant report lists the widget output of each soak plant.\n")
    rounds = 0
    while time.monotonic() + every < stop_at:
        time.sleep(every)
        rounds += 1
        with facts.open("a") as f:
            f.write(f"Soak plant number {rounds} makes {rounds * 7 + 1000} widgets a day.\n")
        os.utime(files[rounds % len(files)])  # touched, same content
        extra = corpus / f"soak_extra_{rounds % 2}.txt"
        if extra.exists():
            extra.unlink()
        else:
            extra.write_text(f"Extra soak note {rounds}\n\nThe soak note number {rounds} is about river barges.\n")
        started = time.monotonic()
        done = subprocess.run(rag_command() + ["index"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
        log.append({"round": rounds, "seconds": round(time.monotonic() - started, 1), "rc": done.returncode})
        if done.returncode != 0:
            tally.add("reindex", "error", done.stderr[-300:])
            continue
        tally.add("reindex", "ok")
        question = f"How many widgets a day does soak plant number {rounds} make?"
        try:
            status, body = request(port, "POST", "/api/ask", json.dumps({"question": question}).encode())
            seen = status == 200 and str(rounds * 7 + 1000) in json.loads(body)["answer"]
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            seen = False
        log[-1]["new_fact_answered"] = seen


def rss_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def soak(seconds: float, corpus_source: Path | None, clients: dict[str, int], reindex_every: float, tmp: Path) -> dict:
    corpus = tmp / "corpus"
    if corpus_source is None:
        smoke_corpus(corpus)
    else:
        shutil.copytree(corpus_source, corpus)
    env = {**os.environ, "RAG_INDEX": str(tmp / "index"), "RAG_CORPUS": str(corpus)}
    env.pop("RAG_BACKEND", None)
    run(rag_command() + ["index"], env=env, cwd=ROOT)
    proc, port, server_log = start_server(env)
    tally, reindexes, samples = Tally(), [], []
    try:
        questions = gold_questions()
        request(port, "POST", "/api/ask", json.dumps({"question": questions[0]}).encode())  # warm-up
        started = time.monotonic()
        stop_at = started + seconds
        threads = [threading.Thread(target=client_loop, args=(kind, port, questions, stop_at, tally, 1000 * i + j))
                   for i, (kind, count) in enumerate(clients.items()) for j in range(count)]
        threads.append(threading.Thread(target=reindex_loop, args=(port, corpus, env, reindex_every, stop_at, tally, reindexes)))
        for t in threads:
            t.start()
        while time.monotonic() < stop_at:
            samples.append((time.monotonic() - started, rss_of(proc.pid)))
            time.sleep(1)
        for t in threads:
            t.join(TIMEOUT + 660)
        alive = sum(t.is_alive() for t in threads)
        server_up = proc.poll() is None
    finally:
        stop(proc)
    traces = [line for line in server_log if "Traceback" in line or line.startswith(("ERROR", "CRITICAL"))]
    tenth = max(1, len(samples) // 10)
    first = statistics.median(mb for _, mb in samples[:tenth])
    last = statistics.median(mb for _, mb in samples[-tenth:])
    errors = tally.total("error") + len(traces) + alive + (0 if server_up else 1)
    return {
        "seconds": seconds, "clients": clients, "requests": {k: sum(c.values()) for k, c in tally.counts.items()},
        "outcomes": tally.counts, "errors": errors, "lost": tally.total("lost"), "clean_errors": tally.total("clean"),
        "problems": tally.problems + traces[:5], "threads_still_running": alive, "server_alive_at_end": server_up,
        "reindexes": len(reindexes), "reindex_seconds_max": max((r["seconds"] for r in reindexes), default=None),
        "new_fact_answered": sum(bool(r.get("new_fact_answered")) for r in reindexes),
        "rss_mb": {"first_tenth_median": round(first, 1), "last_tenth_median": round(last, 1),
                   "max": round(max(mb for _, mb in samples), 1)},
        "rss_growth_pct": round(100 * (last - first) / first, 1), "server_log_lines": len(server_log),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few seconds on one short document")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--reindex-every", type=float, default=30.0, help="seconds between re-indexes")
    args = parser.parse_args()
    clients = {"ask": 4, "stream": 2, "slow": 2}
    seconds, every, source = args.seconds, args.reindex_every, CORPUS
    if args.smoke:
        seconds, every, source, clients = 8.0, 2.0, None, {"ask": 2, "stream": 1, "slow": 1}
    with tempfile.TemporaryDirectory() as tmp:
        result = soak(seconds, source, clients, every, Path(tmp))
    result["target"] = "0 errors, 0 lost, RSS growth <= 10 %"
    result["met"] = result["errors"] == 0 and result["lost"] == 0 and (args.smoke or result["rss_growth_pct"] <= 10)
    save("soak", result, args.smoke)
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
