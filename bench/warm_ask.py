"""Warm answers: Assistant.ask in a running process, over every gold question.

    python bench/warm_ask.py            # 3 passes over the gold questions after one warm-up pass
    python bench/warm_ask.py --smoke    # 5 questions, one pass

Target: p50 <= 30 ms, p95 <= 60 ms. Reports the split: question encoding, retrieval, answer generation.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, gold_questions, percentiles, rss_mb, save, smoke_corpus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--backend", choices=["onnx", "torch"], default="onnx")
    args = parser.parse_args()

    import os

    if args.backend == "torch":
        os.environ["RAG_BACKEND"] = "torch"
    from rag import Assistant

    questions = gold_questions(5 if args.smoke else None)
    passes = 1 if args.smoke else args.passes
    with tempfile.TemporaryDirectory() as tmp:
        corpus = smoke_corpus(Path(tmp) / "docs") if args.smoke else CORPUS
        assistant = Assistant.open(index_dir=Path(tmp) / "index", corpus=corpus)
        for q in questions:  # warm-up: first calls pay for lazy set-up
            assistant.ask(q)
        total, encode, retrieve, generate = [], [], [], []
        for _ in range(passes):
            for q in questions:
                t0 = time.perf_counter()
                vector = assistant.embedder.encode([q])[0]
                t1 = time.perf_counter()
                retrieval = assistant.retriever.search(vector, q, assistant.config.k)
                t2 = time.perf_counter()
                assistant.generator.generate(q, retrieval)
                t3 = time.perf_counter()
                encode.append((t1 - t0) * 1000)
                retrieve.append((t2 - t1) * 1000)
                generate.append((t3 - t2) * 1000)
                started = time.perf_counter()
                assistant.ask(q)
                total.append((time.perf_counter() - started) * 1000)
        result = {"backend": type(assistant.embedder).__name__, "questions": len(questions), "passes": passes,
                  "chunks": len(assistant.store), "ask": percentiles(total), "encode": percentiles(encode),
                  "retrieve": percentiles(retrieve), "generate": percentiles(generate), "peak_rss_mb": rss_mb(),
                  "target": "p50 <= 30 ms, p95 <= 60 ms"}
        result["met"] = result["ask"]["p50_ms"] <= 30 and result["ask"]["p95_ms"] <= 60
    save("warm_ask" if args.backend == "onnx" else "warm_ask_torch", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
