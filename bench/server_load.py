"""`rag serve` under a bounded load from a second process, on 127.0.0.1 only.

    python bench/server_load.py            # 1, 8 and 32 concurrent clients, 20 s or 2000 requests per level
    python bench/server_load.py --smoke    # one short file, 1 and 4 clients, 10 requests each

Starts `rag serve --port 0` on a prebuilt index, waits for it, then each client (a thread with its own
keep-alive connection) POSTs gold questions to /api/ask back to back. Reports requests/s, latency
p50/p95 and errors (any non-200 reply or failed connection) per level; the server is stopped at the end.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, gold_questions, percentiles, run, save, smoke_corpus, stop  # noqa: E402
from cold_ask import rag_command  # noqa: E402

HOST = "127.0.0.1"


def start_server(env: dict) -> tuple[subprocess.Popen, int, list[str]]:
    proc = subprocess.Popen(rag_command() + ["serve", "--host", HOST, "--port", "0"], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        match = re.search(r"serving on http://[^:]+:(\d+)", line)
        if match:
            threading.Thread(target=lambda: [lines.append(l.rstrip()) for l in proc.stdout], daemon=True).start()
            return proc, int(match.group(1)), lines
    proc.kill()
    raise RuntimeError("rag serve did not start:\n" + "\n".join(lines[-20:]))


def load(port: int, clients: int, questions: list[str], max_requests: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(max_requests))
    stop_at = time.monotonic() + max_seconds

    def client(worker: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        while time.monotonic() < stop_at:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            body = json.dumps({"question": questions[n % len(questions)]})
            started = time.perf_counter()
            try:
                conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
                reply = conn.getresponse()
                data = reply.read()
                ok = reply.status == 200 and b'"answer"' in data
                error = None if ok else f"HTTP {reply.status}: {data[:120]!r}"
            except (OSError, http.client.HTTPException) as exc:
                error = f"{exc.__class__.__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (errors.append(error) if error else latencies.append(elapsed))
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, range(clients)))
    wall = time.perf_counter() - started
    return {"clients": clients, "requests": len(latencies) + len(errors), "errors": len(errors),
            "error_examples": errors[:3], "seconds": round(wall, 2),
            "requests_per_s": round((len(latencies) + len(errors)) / wall, 1), **percentiles(latencies or [0.0])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    levels, seconds, requests = args.clients, args.seconds, args.requests
    if args.smoke:
        levels, seconds, requests = [1, 4], 10.0, 10
    with tempfile.TemporaryDirectory() as tmp:
        corpus = smoke_corpus(Path(tmp) / "docs") if args.smoke else CORPUS
        env = {**os.environ, "RAG_INDEX": str(Path(tmp) / "index"), "RAG_CORPUS": str(corpus)}
        env.pop("RAG_BACKEND", None)
        run(rag_command() + ["index"], env=env, cwd=ROOT)
        proc, port, log = start_server(env)
        try:
            questions = gold_questions()
            load(port, 1, questions[:5], 5, 30)  # warm-up
            results = [load(port, c, questions, requests, seconds) for c in levels]
        finally:
            stop(proc)
    result = {"levels": results, "target": "0 errors at 1, 8 and 32 clients", "met": all(r["errors"] == 0 for r in results)}
    save("server_load", result, args.smoke)
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
