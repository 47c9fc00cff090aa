"""Dense search for the local and in-memory stores: exact for small collections, an IVF index with exact
re-scoring above EXACT_LIMIT chunks, its nprobe calibrated at build time."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Up to this many chunks, search is exact (a matrix-vector product: ~5 ms at 50k chunks on 2 cores, see
# bench/RESULTS.md); above it the build also writes an IVF index with 8-bit codes (ann.faiss), whose
# candidates are re-scored exactly against the vectors.
EXACT_LIMIT = int(os.environ.get("RAG_EXACT_LIMIT", 50_000))
ANN_CANDIDATES = 64  # candidates taken from the ANN index and re-scored exactly


def exact_search(vectors: np.ndarray, query: np.ndarray, n: int) -> list[tuple[int, float]]:
    """(row, cosine) of the n best rows, by brute force (no FAISS import: it costs ~0.2 s at start-up)."""
    scores = vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
    n = min(n, len(scores))
    top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(r), float(scores[r])) for r in top]


def build_ann(vectors: np.ndarray, seed: int = 0):
    """IVF with 8-bit scalar codes: ~1/4 of the vectors' memory, quick to build; returns (faiss index, params)."""
    import faiss

    count, dim = vectors.shape
    nlist = max(16, int(2 * np.sqrt(count)))  # ~500 vectors a list at 1M
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 20
    index.cp.min_points_per_centroid = 16  # a 32-a-centroid sample is plenty for these lists, and twice as quick to train
    sample = np.random.default_rng(seed).choice(count, size=min(count, 32 * nlist), replace=False)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
    for start in range(0, count, 65536):
        index.add(np.ascontiguousarray(vectors[start:start + 65536], dtype=np.float32))
    nprobe, recall = _calibrate(index, vectors, np.random.default_rng(seed + 1))
    params = {"type": "IVF-SQ8", "nlist": nlist, "nprobe": nprobe, "candidates": ANN_CANDIDATES,
              "calibration_recall_at_10": round(recall, 4)}
    return index, params


def _calibrate(index, vectors: np.ndarray, rng, target: float = 0.95, queries: int = 200) -> tuple[int, float]:
    """The smallest nprobe (a power of two) whose recall@10 against exact search reaches target on probe
    queries: random chunks' vectors plus isotropic noise of half their length. On the 100k and 1M synthetic
    corpora of bench/scale.py the nprobe this picks gives the real gold questions recall@10 >= 0.99."""
    count, dim = vectors.shape
    rows = rng.integers(0, count, size=queries)
    probe = np.asarray(vectors[np.sort(rows)], dtype=np.float32)
    probe += 0.5 * rng.standard_normal(probe.shape).astype(np.float32) / np.sqrt(dim)
    probe /= np.maximum(np.linalg.norm(probe, axis=1, keepdims=True), 1e-12)
    for start in range(0, count, 65536):  # exact top-10, streamed so a memory-mapped matrix stays cold
        block = np.asarray(vectors[start:start + 65536], dtype=np.float32) @ probe.T
        take = min(10, len(block))
        rows = (np.argpartition(-block, take - 1, axis=0)[:take] if take < len(block) else np.argsort(-block, axis=0)[:take]).T + start
        if start == 0:
            truth, best = rows, np.take_along_axis(block.T, rows - start, axis=1)
        else:
            merged = np.concatenate([truth, rows], axis=1)
            scores = np.concatenate([best, np.take_along_axis(block.T, rows - start, axis=1)], axis=1)
            keep = np.argsort(-scores, axis=1)[:, :10]  # the best ten of the running and the new ones
            truth, best = np.take_along_axis(merged, keep, axis=1), np.take_along_axis(scores, keep, axis=1)
    nlist = index.nlist
    nprobe = 8
    while True:
        index.nprobe = min(nprobe, nlist)
        found = [{r for r, _ in ann_search(index, vectors, q, 10)} for q in probe]
        recall = float(np.mean([len(set(t) & f) / 10 for t, f in zip(truth.tolist(), found)]))
        if recall >= target or nprobe >= nlist:
            return min(nprobe, nlist), recall
        nprobe *= 2


def load_ann(path: Path, params: dict):
    import faiss

    # Memory-mapped: opening costs nothing at any size, pages are read as searches touch them, and the
    # mapping outlives the file if a newer build removes this version while a search still runs.
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
    faiss.extract_index_ivf(index).nprobe = int(params["nprobe"])
    return index


def ann_search(ann, vectors: np.ndarray, query: np.ndarray, n: int, candidates: int = ANN_CANDIDATES) -> list[tuple[int, float]]:
    """Candidates from the ANN index, re-scored with the exact vectors (memory-mapped for large indexes)."""
    query = np.asarray(query, dtype=np.float32).reshape(1, -1)
    _, rows = ann.search(query, max(n, candidates))
    rows = np.sort(rows[0][rows[0] >= 0])
    if not len(rows):
        return []
    scores = vectors[rows] @ query[0]
    order = np.argsort(-scores, kind="stable")[:n]
    return [(int(rows[i]), float(scores[i])) for i in order]
