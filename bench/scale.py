"""Scale: synthetic corpora of 10k, 100k and 1M chunks; build time, disk size, search latency, recall, memory.

    python bench/scale.py                       # 10k, 100k, 1M (about 10-15 min in all on 2 cores)
    python bench/scale.py --sizes 100000        # one size
    python bench/scale.py --smoke               # 3k chunks, ANN forced on; seconds

For each size a generator process makes the corpus (bench/synthetic.py: deterministic from --seed), embeds a
sample and the gold questions with the real model (ONNX), writes vectors.npy, the texts, and — above the
exact-search threshold (rag.index.EXACT_LIMIT) — the IVF-SQ8 index that rag writes at build time, and
computes exact top-10 for every question. A fresh search process then loads what `rag ask` would hold for
search (ANN index; vectors memory-mapped; BM25 built from the texts) and times the hybrid search per gold
question (dense ANN + exact re-scoring, BM25 over all chunks, top-50 of each, reciprocal rank fusion).
Targets at 1M: search p95 <= 20 ms, dense recall@10 >= 0.95 against exact search, resident memory <= 2 GB.
"""
from __future__ import annotations

import argparse
import gc
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import current_rss_mb, gold_questions, percentiles, rss_mb, save  # noqa: E402


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generate(out: Path, size: int, seed: int, sample: int, exact_limit: int, questions: list[str]) -> dict:
    from rag.embed import OnnxEmbedder
    from rag.index import build_ann, exact_search
    from synthetic import SyntheticCorpus

    out.mkdir(parents=True, exist_ok=True)
    embedder = OnnxEmbedder()
    timings = {}
    started = time.perf_counter()
    corpus = SyntheticCorpus(size, seed)
    pool_vectors = embedder.encode(corpus.pool)
    with open(out / "texts.txt", "w", encoding="utf-8") as f:
        for text in corpus.texts():
            f.write(text + "\n")
    vectors = np.lib.format.open_memmap(out / "vectors.npy", mode="w+", dtype=np.float32, shape=(size, embedder.dim))
    corpus.vectors(pool_vectors, vectors)
    timings["generate_s"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    rows = np.random.default_rng(seed + 7).choice(size, size=min(sample, size), replace=False)
    real = embedder.encode([corpus.text(int(i)) for i in rows])
    fidelity = float(np.mean(np.sum(real * np.asarray(vectors[np.sort(rows)])[np.argsort(np.argsort(rows))], axis=1)))
    vectors[rows] = real
    vectors.flush()
    timings["embed_sample_s"] = round(time.perf_counter() - started, 1)
    timings["embed_sample_texts_per_s"] = round(len(rows) / timings["embed_sample_s"], 1) if timings["embed_sample_s"] else None

    queries = embedder.encode(questions)
    np.save(out / "queries.npy", queries)
    (out / "questions.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")

    # Exact top-10 for every question, and the cost of exact search at this size (the threshold's evidence).
    loaded = np.load(out / "vectors.npy", mmap_mode="r")
    in_memory = np.ascontiguousarray(loaded)
    exact_ms, truth = [], []
    for q in queries:
        t0 = time.perf_counter()
        truth.append([r for r, _ in exact_search(in_memory, q, 10)])
        exact_ms.append((time.perf_counter() - t0) * 1000)
    np.save(out / "truth.npy", np.array(truth, dtype=np.int64))
    result = {"chunks": size, "real_sample": int(len(rows)), "synthetic_vs_real_cosine": round(fidelity, 3),
              "exact_search": percentiles(exact_ms)}
    if size > exact_limit:
        import faiss

        started = time.perf_counter()
        ann, params = build_ann(in_memory)
        faiss.write_index(ann, str(out / "ann.faiss"))
        timings["ann_build_s"] = round(time.perf_counter() - started, 1)
        (out / "ann.json").write_text(json.dumps(params))
        result["ann"] = params
    del in_memory
    result["timings"] = timings
    return result


def search(folder: Path, passes: int) -> dict:
    """Runs in a fresh process: load, build BM25, time hybrid searches, report memory."""
    from rag.index import ann_search, exact_search, load_ann
    from rag.retrieve import BM25, reciprocal_rank_fusion

    base_rss = current_rss_mb()
    # The order rag uses: the Retriever builds BM25 when the index opens; the ANN index loads on first search.
    started = time.perf_counter()
    with open(folder / "texts.txt", encoding="utf-8") as f:
        bm25 = BM25(line.rstrip("\n") for line in f)
    bm25_s = time.perf_counter() - started
    started = time.perf_counter()
    ann_params = json.loads((folder / "ann.json").read_text()) if (folder / "ann.json").is_file() else None
    if ann_params:
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        ann = load_ann(folder / "ann.faiss", ann_params)
    else:
        vectors, ann = np.load(folder / "vectors.npy"), None
    load_s = time.perf_counter() - started
    gc.collect()
    loaded_rss = current_rss_mb()
    queries = np.load(folder / "queries.npy")
    questions = (folder / "questions.txt").read_text(encoding="utf-8").splitlines()
    truth = np.load(folder / "truth.npy")
    dense_ms, lexical_ms, total_ms, recall = [], [], [], []
    depth = 50
    for p in range(passes + 1):
        for q, question, expected in zip(queries, questions, truth):
            t0 = time.perf_counter()
            dense = ann_search(ann, vectors, q, depth) if ann is not None else exact_search(vectors, q, depth)
            t1 = time.perf_counter()
            lexical = bm25.scores(question)
            top = np.argpartition(-lexical, depth)[:depth] if len(lexical) > depth else np.arange(len(lexical))
            top = top[np.argsort(-lexical[top])]
            lexical_rank = [int(r) for r in top if lexical[r] > 0]
            t2 = time.perf_counter()
            fused = reciprocal_rank_fusion([[r for r, _ in dense], lexical_rank])
            sorted(fused, key=lambda r: -fused[r])[:8]
            t3 = time.perf_counter()
            if p == 0:
                recall.append(len({r for r, _ in dense[:10]} & set(expected.tolist())) / 10)
                continue  # the first pass warms caches
            dense_ms.append((t1 - t0) * 1000)
            lexical_ms.append((t2 - t1) * 1000)
            total_ms.append((t3 - t0) * 1000)
    return {"load_s": round(load_s, 2), "bm25_build_s": round(bm25_s, 1), "bm25_terms": len(bm25.postings),
            "bm25_postings_mb": round((bm25._rows.nbytes + bm25._impact.nbytes + bm25._starts.nbytes) / 2**20, 1),
            "bm25_dense_terms": len(getattr(bm25, "_dense", {})),
            "bm25_dense_mb": round(sum(r.nbytes for r in getattr(bm25, "_dense", {}).values()) / 2**20, 1),
            "rss_after_imports_mb": base_rss, "rss_loaded_mb": loaded_rss, "rss_after_search_mb": current_rss_mb(),
            "peak_rss_mb": rss_mb(), "recall_at_10": round(float(np.mean(recall)), 4),
            "dense": percentiles(dense_ms), "bm25": percentiles(lexical_ms), "hybrid": percentiles(total_ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=500, help="chunks embedded with the real model (default 500)")
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--work", default="/tmp/rag-scale", help="where the synthetic indexes go (deleted after)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--search-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.search_only:
        print(json.dumps(search(Path(args.search_only), args.passes)))
        return 0

    import rag.index

    exact_limit = rag.index.EXACT_LIMIT
    questions = gold_questions()
    sizes, sample = args.sizes, args.sample
    if args.smoke:
        sizes, sample, exact_limit, questions = [3000], 50, 1000, questions[:20]
    results = []
    for size in sizes:
        folder = Path(args.work) / f"{size}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        built = generate(folder, size, args.seed, sample, exact_limit, questions)
        built["disk_mb"] = {p.name: round(p.stat().st_size / 2**20, 1) for p in sorted(folder.iterdir())}
        built["index_disk_mb"] = round(sum(v for k, v in built["disk_mb"].items()
                                           if k in ("vectors.npy", "ann.faiss", "texts.txt")), 1)
        done = subprocess.run([sys.executable, __file__, "--search-only", str(folder), "--passes", str(1 if args.smoke else args.passes)],
                              capture_output=True, text=True, check=True)
        built["search"] = json.loads(done.stdout.strip().splitlines()[-1])
        built["total_s"] = round(time.perf_counter() - started, 1)
        results.append(built)
        print(json.dumps({"size": size, "hybrid": built["search"]["hybrid"], "recall": built["search"]["recall_at_10"],
                          "rss": built["search"]["rss_after_search_mb"]}), file=sys.stderr, flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    top = results[-1]
    result = {"exact_limit": exact_limit, "seed": args.seed, "sizes": results,
              "target": "at 1M: hybrid search p95 <= 20 ms, recall@10 >= 0.95, resident memory <= 2 GB"}
    if top["chunks"] >= 1_000_000:
        s = top["search"]
        result["met"] = s["hybrid"]["p95_ms"] <= 20 and s["recall_at_10"] >= 0.95 and s["rss_after_search_mb"] <= 2048
    save("scale", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
