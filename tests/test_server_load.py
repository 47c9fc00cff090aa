"""A real `rag serve` subprocess on 127.0.0.1: where it listens by default, 50 concurrent clients from a
second process for a bounded time, and a re-index while it answers."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from serving import Server

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
CLIENTS = 50
LOAD_SECONDS = 20
RSS_GROWTH_MB = 100


@pytest.fixture(scope="module")
def server(corpus_index, tmp_path_factory):
    # no --host: the default
    server = Server(tmp_path_factory.mktemp("serve") / "serve.log", "--index", str(corpus_index), "--corpus", str(CORPUS))
    yield server
    server.stop()


def listening_addresses(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: LISTEN
                continue
            address, port = local.split(":")
            raw = bytes.fromhex(address)
            if family == socket.AF_INET:
                raw = raw[::-1]
            else:  # four little-endian 32-bit words
                raw = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
            found.add((socket.inet_ntop(family, raw), int(port, 16)))
    return found


def outward_address() -> str | None:
    """This machine's address on its default route, if it has one (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: routing only
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_serve_binds_127_0_0_1_by_default(server):
    port = int(server.url.rsplit(":", 1)[1])
    assert server.url.startswith("http://127.0.0.1:")
    assert listening_addresses(server.process.pid) == {("127.0.0.1", port)}
    address = outward_address()
    if address:  # the port is not reachable from the machine's other address
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=2).close()


LOAD_CLIENT = r"""
import json, sys, threading, time
import httpx

url, clients, seconds, chunk_id = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
questions = ["What is Xi'an's 2030 NEV output target?", "What is the population of Mars?",
             "Which cities were listed as Sichuan's first pilot competitive manufacturing cities?",
             "How fast did Shenzhen's GDP grow?", "西安的目标是什么？"]
results, lock = [], threading.Lock()
stop_at = time.monotonic() + seconds

def client(n):
    mine = []
    with httpx.Client(base_url=url, timeout=60) as http:
        i = n
        while time.monotonic() < stop_at:
            i += 1
            kind = ("ask", "ask", "ask", "health", "passage", "stream")[i % 6]
            started = time.monotonic()
            try:
                if kind == "ask":
                    r = http.post("/api/ask", json={"question": questions[i % len(questions)]})
                    ok = r.status_code == 200 and r.json()["answer"]
                elif kind == "health":
                    r = http.get("/healthz")
                    ok = r.status_code == 200 and r.json()["status"] == "ok"
                elif kind == "passage":
                    r = http.get(f"/api/passages/{chunk_id}")
                    ok = r.status_code == 200 and r.json()["chunk_id"] == chunk_id
                else:
                    r = http.get("/api/ask/stream", params={"question": questions[i % len(questions)]})
                    ok = r.status_code == 200 and "event: done" in r.text and "event: error" not in r.text
                error = None if ok else f"{kind} {r.status_code} {r.text[:200]}"
            except Exception as exc:
                error = f"{kind} {exc.__class__.__name__}: {exc}"
            mine.append((kind, time.monotonic() - started, error))
    with lock:
        results.extend(mine)

threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join(seconds + 120)

def pct(values, p):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p * len(values)))], 3) if values else None

errors = [e for _, _, e in results if e]
summary = {"requests": len(results), "errors": len(errors), "first_errors": errors[:5],
           "alive_threads": sum(t.is_alive() for t in threads)}
for kind in ("all", "ask", "stream", "health", "passage"):
    times = [s for k, s, _ in results if kind in ("all", k)]
    summary[kind] = {"n": len(times), "p50": pct(times, 0.5), "p95": pct(times, 0.95), "max": pct(times, 1.0)}
print(json.dumps(summary))
"""


def test_50_clients_from_another_process_no_errors_memory_stable(server, assistant, tmp_path):
    chunk_id = assistant.store.chunks_of(sorted(assistant.store.manifest["files"])[0])[3].chunk.chunk_id
    rss_before = server.rss_mb()
    started = time.monotonic()
    client = subprocess.Popen([sys.executable, "-c", LOAD_CLIENT, server.url, str(CLIENTS), str(LOAD_SECONDS), chunk_id],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []  # (seconds since start, RSS MB)
    while client.poll() is None and time.monotonic() - started < LOAD_SECONDS + 150:
        samples.append((time.monotonic() - started, server.rss_mb()))
        time.sleep(0.25)
    out, err = client.communicate(timeout=30)
    assert client.returncode == 0, err
    summary = json.loads(out)
    first = [mb for t, mb in samples if t < LOAD_SECONDS / 2]
    second = [mb for t, mb in samples if LOAD_SECONDS / 2 <= t <= LOAD_SECONDS]
    report = {**summary, "rss_mb": {"before": round(rss_before), "first_half_max": round(max(first)),
                                    "second_half_max": round(max(second)), "end": round(samples[-1][1])}}
    (Path(os.environ.get("RAG_LOAD_REPORT", tmp_path / "load.json"))).write_text(json.dumps(report, indent=1))
    print(json.dumps(report))
    assert summary["errors"] == 0, summary["first_errors"]
    assert summary["alive_threads"] == 0
    assert summary["ask"]["n"] >= CLIENTS and summary["stream"]["n"] > 0 and summary["passage"]["n"] > 0
    assert max(second) - max(first) < RSS_GROWTH_MB, report["rss_mb"]
    assert server.process.poll() is None
    assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


NEW_FACT = "Deyang builds 7 turbine plants near the river."
NEW_QUESTION = "How many turbine plants does Deyang build?"
OLD_QUESTION = "Which cities were listed as Sichuan's first pilot competitive manufacturing cities?"


def test_a_running_server_keeps_answering_during_a_reindex(tmp_path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for name in ("001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt"):
        shutil.copy(CORPUS / name, corpus / name)
    index_dir = tmp_path / "idx"
    server = Server(tmp_path / "serve.log", "--index", str(index_dir), "--corpus", str(corpus))
    try:
        expected = httpx.post(f"{server.url}/api/ask", json={"question": OLD_QUESTION}, timeout=30).json()["answer"]
        assert NEW_FACT not in expected
        results: list[str | None] = []
        done = threading.Event()

        def keep_asking() -> None:
            with httpx.Client(base_url=server.url, timeout=30) as http:
                deadline = time.monotonic() + 300
                while not done.is_set() and time.monotonic() < deadline:
                    try:
                        r = http.post("/api/ask", json={"question": OLD_QUESTION})
                        ok = r.status_code == 200 and r.json()["answer"] == expected
                        results.append(None if ok else f"{r.status_code} {r.text[:200]}")
                    except httpx.HTTPError as exc:
                        results.append(f"{exc.__class__.__name__}: {exc}")

        asker = threading.Thread(target=keep_asking)
        asker.start()
        (corpus / "extra.txt").write_text(f"Deyang turbines\n\n{NEW_FACT} Deyang is a city in Sichuan known for heavy equipment.\n")
        index = subprocess.run([sys.executable, "-m", "rag.cli", "index", str(corpus), "--index", str(index_dir)],
                               capture_output=True, text=True, timeout=300, cwd=ROOT)
        time.sleep(1)  # a few more questions after the switch
        done.set()
        asker.join(60)
        assert index.returncode == 0, index.stderr
        errors = [r for r in results if r]
        assert len(results) >= 10 and not errors, errors[:5]
        answer = httpx.post(f"{server.url}/api/ask", json={"question": NEW_QUESTION}, timeout=30).json()
        assert "7 turbine plants" in answer["answer"], answer
        assert any(c["source"] == "extra.txt" for c in answer["citations"])
        print(json.dumps({"questions_during_reindex": len(results), "errors": len(errors)}))
    finally:
        server.stop()
