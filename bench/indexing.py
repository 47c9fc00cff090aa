"""Indexing throughput: a full build and an incremental update, PyTorch (sentence-transformers) vs ONNX.

    python bench/indexing.py            # bundled corpus x3 (distinct copies), 2 rounds per backend, best kept
    python bench/indexing.py --smoke    # one short file, one round, ONNX only

Each build is a fresh `rag index` process, so model loading and imports are included, as a user sees them.
The embedding throughput (texts/s: chunks plus their sentences, which are embedded too) is timed inside
the process on the same texts. Target: ONNX >= 2x PyTorch chunks/s; a progress bar with ETA on long builds.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CORPUS, ROOT, run, save, smoke_corpus  # noqa: E402
from cold_ask import rag_command  # noqa: E402


def make_corpus(folder: Path, copies: int) -> Path:
    """The bundled corpus, copies times. Copy n differs in letter case (as is, lower, upper, …): the model's
    tokenizer lower-cases, so each copy costs the model exactly what the original does, while no sentence
    is the same string as another copy's (the build embeds each distinct string once)."""
    folder.mkdir(parents=True)
    cases = [lambda t: t, str.lower, str.upper, str.swapcase]
    for n in range(copies):
        for path in sorted(CORPUS.iterdir()):
            text = cases[n % len(cases)](path.read_text(encoding="utf-8"))
            (folder / f"copy{n}_{path.name}").write_text(text, encoding="utf-8")
    return folder


def timed(cmd: list[str], env: dict) -> tuple[float, str]:
    started = time.perf_counter()
    done = run(cmd, env=env, cwd=ROOT)
    return time.perf_counter() - started, done.stderr


def encode_rate(backend: str, texts: list[str]) -> float:
    from rag.embed import Embedder, OnnxEmbedder

    embedder = OnnxEmbedder() if backend == "onnx" else Embedder()
    embedder.encode(texts[:8])
    started = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--copies", type=int, default=3, help="copies of the bundled corpus (at most 4 distinct)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    backends = ["onnx"] if args.smoke else ["onnx", "torch"]
    rounds = 1 if args.smoke else args.rounds
    result: dict = {"target": "ONNX full-build chunks/s >= 2x PyTorch", "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = smoke_corpus(tmp / "docs") if args.smoke else make_corpus(tmp / "docs", args.copies)
        base = {**os.environ, "RAG_CORPUS": str(corpus)}
        base.pop("RAG_BACKEND", None)
        run(rag_command() + ["index"], env={**base, "RAG_INDEX": str(tmp / "warmup")}, cwd=ROOT)  # makes the ONNX export once
        for backend in backends:
            env = {**base, "RAG_INDEX": str(tmp / backend)}
            if backend == "torch":
                env["RAG_BACKEND"] = "torch"
            full, update = [], []
            for _ in range(rounds):
                seconds, log = timed(rag_command() + ["index", "--rebuild"], env)
                full.append(seconds)
                victim = sorted(corpus.iterdir())[0]
                victim.write_text(victim.read_text(encoding="utf-8") + f"\n\nA sentence added at {time.time_ns()}.\n", encoding="utf-8")
                seconds, _ = timed(rag_command() + ["index"], env)
                update.append(seconds)
            from rag.stores.local import LocalStore

            store = LocalStore(tmp / backend)
            chunks = [s.chunk for doc_id in store.manifest["files"] for s in store.chunks_of(doc_id)]
            texts = [c.embedding_text for c in chunks] + [c.text[a:b] for c in chunks for a, b in c.sentences]
            result["backends"][backend] = {
                "chunks": len(store), "texts_embedded": len(texts), "full_build_s": round(min(full), 2),
                "chunks_per_s": round(len(store) / min(full), 1), "incremental_update_s": round(min(update), 2),
                "encode_texts_per_s": round(encode_rate(backend, texts), 1), "progress_lines": log.count("ETA")}
        if "torch" in result["backends"]:
            onnx, torch = result["backends"]["onnx"], result["backends"]["torch"]
            result["speedup_full_build"] = round(onnx["chunks_per_s"] / torch["chunks_per_s"], 2)
            result["speedup_encode"] = round(onnx["encode_texts_per_s"] / torch["encode_texts_per_s"], 2)
            result["met"] = result["speedup_full_build"] >= 2
    save("indexing", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
