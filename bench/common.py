"""Shared helpers for the benchmarks: machine description, percentiles, result files."""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOLD = ROOT / "eval" / "suites" / "bundled" / "gold.jsonl"
RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    except (OSError, ValueError, IndexError):
        memory = 0
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory, "python": platform.python_version(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load_average_1m": round(os.getloadavg()[0], 2)}


def percentiles(samples_ms: list[float]) -> dict:
    data = np.asarray(samples_ms, dtype=np.float64)
    return {"n": int(len(data)), "p50_ms": round(float(np.percentile(data, 50)), 2),
            "p95_ms": round(float(np.percentile(data, 95)), 2), "mean_ms": round(float(data.mean()), 2),
            "max_ms": round(float(data.max()), 2)}


def _status_mb(field: str) -> float | None:
    """A memory figure from /proc/self/status, in MB; None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Peak resident memory of this process, in MB (VmHWM: unlike ru_maxrss it does not carry over
    the parent's peak into a child started with fork and exec)."""
    peak = _status_mb("VmHWM")
    return peak if peak is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    current = _status_mb("VmRSS")
    return current if current is not None else rss_mb()


def gold_questions(limit: int | None = None) -> list[str]:
    questions = [json.loads(line)["question"] for line in GOLD.read_text().splitlines() if line.strip()]
    return questions[:limit] if limit else questions


def save(name: str, result: dict, smoke: bool) -> Path:
    """Write bench/results/<name>.json (smoke runs go to a temporary name, never over real figures)."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / (f"{name}.smoke.json" if smoke else f"{name}.json")
    result = {"bench": name, "smoke": smoke, "machine": machine(), "command": " ".join([Path(sys.executable).name] + sys.argv), **result}
    path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=1, ensure_ascii=False))
    return path


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def smoke_corpus(folder: Path) -> Path:
    """One short bundled document: enough to prove a benchmark runs, quick to index."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "001_e0bc9c2f253517cb.txt", folder / "001_e0bc9c2f253517cb.txt")
    return folder


def stop(proc: subprocess.Popen) -> None:
    """Ask a server process to end; kill it if it has not within 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
