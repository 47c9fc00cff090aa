"""Cold `rag ask`: from typing the command to the printed answer, with the index already built.

    python bench/cold_ask.py            # hyperfine, 5 runs (+1 warm-up) per backend: ONNX, then PyTorch
    python bench/cold_ask.py --smoke    # one run of the ONNX path, a few seconds

Without hyperfine on PATH it times the subprocesses itself. Target: median <= 1.5 s (ONNX path).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, run, save, smoke_corpus  # noqa: E402

QUESTION = "What is Xi'an's 2030 NEV output target?"
# The same question in Chinese: it also loads OpenCC, jieba and the cached CC-CEDICT lexicon.
QUESTION_ZH = "西安2030年智能网联新能源汽车产量目标是多少？"


def rag_command() -> list[str]:
    exe = Path(sys.executable).parent / "rag"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "rag.cli"]


def time_runs(cmd: list[str], env: dict, runs: int, warmup: int) -> dict:
    if shutil.which("hyperfine"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            shell_cmd = " ".join(_quote(c) for c in cmd)
            run(["hyperfine", "-N", "--warmup", str(warmup), "--runs", str(runs), "--export-json", out.name, shell_cmd], env=env)
            data = json.loads(Path(out.name).read_text())["results"][0]
        times = data["times"]
        tool = "hyperfine"
    else:
        for _ in range(warmup):
            run(cmd, env=env)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            run(cmd, env=env)
            times.append(time.perf_counter() - started)
        tool = "subprocess"
    return {"tool": tool, "runs": len(times), "median_s": round(statistics.median(times), 3),
            "mean_s": round(statistics.fmean(times), 3), "min_s": round(min(times), 3), "max_s": round(max(times), 3)}


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\\''") + "'" if any(c in arg for c in " '\"$") else arg


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", help="index directory (default: a fresh one in a temporary folder)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(args.index or Path(tmp) / "index")
        corpus = smoke_corpus(Path(tmp) / "docs") if args.smoke else CORPUS
        env = {**os.environ, "RAG_INDEX": str(index), "RAG_CORPUS": str(corpus), "NO_COLOR": "1"}
        env.pop("RAG_BACKEND", None)
        run(rag_command() + ["index"], env=env, cwd=ROOT)  # builds the index and the ONNX export
        cmd = rag_command() + ["ask", QUESTION]
        cmd_zh = rag_command() + ["ask", QUESTION_ZH]
        for command in (cmd, cmd_zh):  # the first Chinese question also builds the cached lexicon
            answer = run(command, env=env, cwd=ROOT).stdout
            assert "310" in answer, answer
        result = {"question": QUESTION, "question_zh": QUESTION_ZH,
                  "corpus": str(corpus.relative_to(ROOT)) if corpus == CORPUS else "one bundled file",
                  "target": "median <= 1.5 s, in English and in Chinese"}
        if args.smoke:
            result["onnx"] = time_runs(cmd, env, runs=1, warmup=0)
            result["onnx_zh"] = time_runs(cmd_zh, env, runs=1, warmup=0)
        else:
            result["onnx"] = time_runs(cmd, env, runs=args.runs, warmup=1)
            result["onnx_zh"] = time_runs(cmd_zh, env, runs=args.runs, warmup=1)
            result["torch"] = time_runs(cmd, {**env, "RAG_BACKEND": "torch"}, runs=args.runs, warmup=1)
        result["met"] = result["onnx"]["median_s"] <= 1.5 and result["onnx_zh"]["median_s"] <= 1.5
    save("cold_ask", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
