"""A real `rag serve` in a subprocess, shared by the browser and load tests."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 180  # s to load the model (and build a small index) in the server process


class Server:
    """`python -m rag.cli serve --port 0 [args]` in a subprocess; the URL is read from its output."""

    def __init__(self, log: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.log = log
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("RAG_")}, **(env or {})}
        self.process = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", "0", *args],
                                        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.url = self._wait()

    def _wait(self) -> str:
        deadline = time.monotonic() + STARTUP
        url = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"rag serve exited with {self.process.returncode}:\n{self.log.read_text()}")
            if url is None and (match := re.search(r"serving on (http://\S+)", self.log.read_text())):
                url = match.group(1)
            if url is not None:
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        return url
                except httpx.HTTPError:
                    pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"rag serve did not become ready in {STARTUP} s:\n{self.log.read_text()}")

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
