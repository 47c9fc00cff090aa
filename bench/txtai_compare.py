"""Build time at 100,000 chunks with the vectors given: rag's local store against txtai, in one session.

    python bench/txtai_compare.py            # 100k chunks (a few minutes)
    python bench/txtai_compare.py --smoke    # 3k chunks

Both get the same synthetic texts (bench/synthetic.py) and the same vectors, and build what answering needs:
rag a local store (string columns, BM25 postings, IVF index above rag.stores.dense.EXACT_LIMIT, checksums),
txtai a hybrid index with content (dense faiss + BM25 keyword index + the texts in SQLite). Each build runs
in a fresh process; the figure is the wall time of the build call and the peak RSS of that process. txtai
is not a dependency of rag: `pip install txtai` first (it is skipped, and said so, when missing).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import rss_mb, save  # noqa: E402


def prepare(folder: Path, size: int, seed: int) -> None:
    from rag.embed import OnnxEmbedder
    from synthetic import SyntheticCorpus

    folder.mkdir(parents=True, exist_ok=True)
    corpus = SyntheticCorpus(size, seed)
    pool = OnnxEmbedder().encode(corpus.pool)
    vectors = np.zeros((size, pool.shape[1]), dtype=np.float32)
    corpus.vectors(pool, vectors)
    np.save(folder / "pool.npy", pool)
    np.save(folder / "vectors.npy", vectors)


def build_rag(folder: Path, size: int, seed: int) -> dict:
    from rag.stores.local import LocalStore
    from synthetic import SyntheticCorpus

    corpus = SyntheticCorpus(size, seed)
    vectors, pool = np.load(folder / "vectors.npy"), np.load(folder / "pool.npy")
    started = time.perf_counter()
    store = LocalStore.create(folder / "rag")
    with store.writer() as writer:
        for doc_id, record, chunks in corpus.documents(vectors, pool):
            writer.add(doc_id, record, chunks)
        writer.finish({"roots": [], "settings": {}, "skipped": {}, "model": {"name": "all-MiniLM-L6-v2", "path": "", "dim": 384}})
    return {"build_s": round(time.perf_counter() - started, 1), "peak_rss_mb": rss_mb(), "chunks": len(store)}


def build_txtai(folder: Path, size: int, seed: int) -> dict:
    from synthetic import SyntheticCorpus
    from txtai import Embeddings

    corpus = SyntheticCorpus(size, seed)
    vectors = np.load(folder / "vectors.npy")
    texts = list(corpus.texts())
    row = {t: i for i, t in enumerate(texts)}
    started = time.perf_counter()
    embeddings = Embeddings(method="external", transform=lambda batch: vectors[[row[t] for t in batch]],
                            content=True, hybrid=True, backend="faiss")
    embeddings.index((i, t, None) for i, t in enumerate(texts))
    embeddings.save(str(folder / "txtai"))
    return {"build_s": round(time.perf_counter() - started, 1), "peak_rss_mb": rss_mb(), "chunks": embeddings.count()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", default=None, help="where the synthetic indexes go (default: a new temporary folder; deleted after)")
    parser.add_argument("--step", nargs=2, metavar=("WHO", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = 3000 if args.smoke else args.size
    if args.step:
        who, folder = args.step
        print(json.dumps((build_rag if who == "rag" else build_txtai)(Path(folder), size, args.seed)))
        return 0
    folder = Path(args.work or tempfile.mkdtemp(prefix="rag-txtai-"))  # never a folder another run is using
    shutil.rmtree(folder, ignore_errors=True)
    prepare(folder, size, args.seed)
    result = {"chunks": size}
    for who in ("rag", "txtai"):
        cmd = [sys.executable, __file__, "--seed", str(args.seed), "--step", who, str(folder)] + (["--smoke"] if args.smoke else [])
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            result[who] = {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
        else:
            result[who] = json.loads(done.stdout.strip().splitlines()[-1])
    if "build_s" in result.get("txtai", {}) and "build_s" in result["rag"]:
        result["ratio"] = round(result["rag"]["build_s"] / result["txtai"]["build_s"], 2)
        result["met"] = result["ratio"] <= 2
    shutil.rmtree(folder, ignore_errors=True)
    save("txtai_compare", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
