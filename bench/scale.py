"""Scale: the whole Assistant over a local store of 10k, 100k and 1M synthetic chunks.

    python bench/scale.py                       # 10k, 100k, 1M (about 15-20 min in all on 2 cores)
    python bench/scale.py --sizes 100000        # one size
    python bench/scale.py --smoke               # 3k chunks, ANN forced on; seconds

For each size a generator process makes the corpus (bench/synthetic.py: deterministic from --seed), embeds
a sample and the gold questions with the real model (ONNX), computes exact top-10 for every question, and
builds a local store from the chunks with their vectors given (rag.stores.local through its Writer: the
string columns, BM25 postings, ANN index and checksums of a real `rag index`), streamed a document of 100
chunks at a time (the writer spills each to files), so the build's memory does not grow with the corpus. A fresh process then opens
an `Assistant` on it (nothing rebuilt at open: the time and RSS at open are the store's) and asks every
gold question: p50/p95 of the whole answer (encode, hybrid retrieval, extractive generator), dense
recall@10 against exact search, and RSS after the questions.
Targets at 1M: open <= 2 s, RSS at open <= 1 GB, search p95 <= 20 ms, recall@10 >= 0.95.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import current_rss_mb, gold_questions, percentiles, rss_mb, save  # noqa: E402


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def generate(out: Path, size: int, seed: int, sample: int, questions: list[str]) -> dict:
    """The synthetic corpus's vectors (vectors.npy), questions, their vectors and exact top-10 in out."""
    from rag.embed import OnnxEmbedder
    from rag.stores.dense import exact_search
    from synthetic import SyntheticCorpus

    out.mkdir(parents=True, exist_ok=True)
    embedder = OnnxEmbedder()
    started = time.perf_counter()
    corpus = SyntheticCorpus(size, seed)
    pool_vectors = embedder.encode(corpus.pool)
    np.save(out / "pool.npy", pool_vectors)
    vectors = np.lib.format.open_memmap(out / "vectors.npy", mode="w+", dtype=np.float32, shape=(size, embedder.dim))
    corpus.vectors(pool_vectors, vectors)
    rows = np.random.default_rng(seed + 7).choice(size, size=min(sample, size), replace=False)
    real = embedder.encode([corpus.text(int(i)) for i in rows])
    fidelity = float(np.mean(np.sum(real * np.asarray(vectors[np.sort(rows)])[np.argsort(np.argsort(rows))], axis=1)))
    vectors[rows] = real
    vectors.flush()
    queries = embedder.encode(questions)
    np.save(out / "queries.npy", queries)
    (out / "questions.txt").write_text("\n".join(questions) + "\n", encoding="utf-8")
    in_memory = np.ascontiguousarray(np.load(out / "vectors.npy", mmap_mode="r"))
    exact_ms, truth = [], []
    for q in queries:
        t0 = time.perf_counter()
        truth.append([r for r, _ in exact_search(in_memory, q, 10)])
        exact_ms.append((time.perf_counter() - t0) * 1000)
    np.save(out / "truth.npy", np.array(truth, dtype=np.int64))
    return {"chunks": size, "real_sample": int(len(rows)), "synthetic_vs_real_cosine": round(fidelity, 3),
            "exact_search": percentiles(exact_ms), "generate_s": round(time.perf_counter() - started, 1)}


class RowReader:
    """The rows of a 2-D .npy file, read with file reads a block at a time: a memory map would keep every
    page the build has read resident, so the build's peak RSS would count the whole file."""

    def __init__(self, path: Path) -> None:
        mapped = np.load(path, mmap_mode="r")
        self.shape, self.dtype, self.offset = mapped.shape, mapped.dtype, mapped.offset
        del mapped
        self._file = open(path, "rb")

    def __getitem__(self, rows: slice) -> np.ndarray:
        a, b, _ = rows.indices(self.shape[0])
        width = self.dtype.itemsize * self.shape[1]
        data = os.pread(self._file.fileno(), max(0, b - a) * width, self.offset + a * width)
        return np.frombuffer(data, dtype=self.dtype).reshape(-1, self.shape[1])


def build_store(folder: Path, store_name: str, size: int, seed: int, exact_limit: int) -> dict:
    """Runs in a fresh process: write the store from the chunks, vectors given; time and peak RSS. The chunks
    are made and handed to the writer a document (100 chunks) at a time, and the local store's writer spills
    each to files, so neither holds the corpus in memory."""
    import rag.stores.dense
    from rag.stores import open_store
    from synthetic import SyntheticCorpus

    rag.stores.dense.EXACT_LIMIT = exact_limit
    corpus = SyntheticCorpus(size, seed)
    vectors = RowReader(folder / "vectors.npy")
    pool = np.load(folder / "pool.npy")
    started = time.perf_counter()
    store = open_store(store_name, folder / "index", create=True)
    with store.writer() as writer:
        for doc_id, record, chunks in corpus.documents(vectors, pool):
            writer.add(doc_id, record, chunks)
        writer.finish({"roots": [], "settings": {}, "skipped": {},
                       "model": {"name": "all-MiniLM-L6-v2", "path": "", "dim": int(vectors.shape[1])}})
    result = {"build_s": round(time.perf_counter() - started, 1), "build_peak_rss_mb": rss_mb(), "ann": store.manifest.get("ann")}
    if store_name == "local":
        result["index_disk_mb"] = round(du(store.path) / 2**20, 1)
    else:
        result["index_disk_mb"] = round(store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)
    return result


def ask(folder: Path, store_name: str, passes: int, limit: int | None = None) -> dict:
    """Runs in a fresh process: open the Assistant, ask every question, report times, recall and memory."""
    from rag import Assistant, Config

    base_rss = current_rss_mb()
    started = time.perf_counter()
    assistant = Assistant.open(config=Config(index_dir=folder / "index", store=store_name), update=False)
    open_s = time.perf_counter() - started
    gc.collect()
    open_rss = current_rss_mb()
    store = assistant.store
    queries = np.load(folder / "queries.npy")
    questions = (folder / "questions.txt").read_text(encoding="utf-8").splitlines()
    truth = np.load(folder / "truth.npy")
    timed = list(zip(queries, questions))[:limit]  # recall is over every question; times over the first `limit`
    recall = []
    for q, expected in zip(queries, truth):
        found = {int(i[3:9]) * 100 + int(i.rsplit(":", 1)[1]) for i, _ in store.dense_search(q, 10)}  # doc000123.txt:7
        recall.append(len(found & set(expected.tolist())) / 10)
    search_ms, ask_ms = [], []
    for p in range(passes + 1):
        for q, question in timed:
            t0 = time.perf_counter()
            assistant.retriever.search(q, question, assistant.config.k)
            t1 = time.perf_counter()
            assistant.ask(question)
            t2 = time.perf_counter()
            if p:  # the first pass warms caches (and finds the long forms of the questions' acronyms)
                search_ms.append((t1 - t0) * 1000)
                ask_ms.append((t2 - t1) * 1000)
    return {"open_s": round(open_s, 2), "rss_after_imports_mb": base_rss, "rss_open_mb": open_rss,
            "rss_after_asking_mb": current_rss_mb(), "peak_rss_mb": rss_mb(), "recall_at_10": round(float(np.mean(recall)), 4),
            "search": percentiles(search_ms), "ask": percentiles(ask_ms)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=500, help="chunks embedded with the real model (default 500)")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--work", default=None, help="where the synthetic indexes go (default: a new temporary folder; deleted after)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--questions", type=int, default=None, help="time only the first N gold questions (recall uses all)")
    parser.add_argument("--store", choices=["local", "postgres"], default="local",
                        help="postgres: a PostgreSQL with pgvector started by pgserver in the work folder")
    parser.add_argument("--step", nargs=4, metavar=("STEP", "DIR", "STORE", "ARG"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step, folder, store_name, arg = args.step
        if step == "build":
            size, exact_limit = (int(x) for x in arg.split(","))
            print(json.dumps(build_store(Path(folder), store_name, size, args.seed, exact_limit)))
        else:
            print(json.dumps(ask(Path(folder), store_name, int(arg), args.questions)))
        return 0

    import rag.stores.dense

    exact_limit = rag.stores.dense.EXACT_LIMIT
    questions = gold_questions()
    sizes, sample, passes = args.sizes, args.sample, args.passes
    if args.smoke:
        sizes, sample, exact_limit, questions, passes = [3000], 50, 1000, questions[:20], 1
    results = []
    work = Path(args.work or tempfile.mkdtemp(prefix="rag-scale-"))  # never a folder another run is using
    for size in sizes:
        folder = work / f"{size}"
        shutil.rmtree(folder, ignore_errors=True)
        started = time.perf_counter()
        result = generate(folder, size, args.seed, sample, questions)
        store_name, server = "local", None
        if args.store == "postgres":
            import pgserver

            server = pgserver.get_server(folder / "pg", cleanup_mode="stop")
            store_name = server.get_uri()
        for step, arg in (("build", f"{size},{exact_limit}"), ("ask", str(passes))):
            limit = ["--questions", str(args.questions)] if args.questions else []
            done = subprocess.run([sys.executable, __file__, "--seed", str(args.seed), *limit, "--step", step, str(folder), store_name, arg],
                                  capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
            result[step] = json.loads(done.stdout.strip().splitlines()[-1])
        if server is not None:
            server.cleanup()
        result["total_s"] = round(time.perf_counter() - started, 1)
        results.append(result)
        print(json.dumps({"size": size, "open_s": result["ask"]["open_s"], "rss_open_mb": result["ask"]["rss_open_mb"],
                          "ask": result["ask"]["ask"], "recall": result["ask"]["recall_at_10"]}), file=sys.stderr, flush=True)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    top = results[-1]
    result = {"store": args.store, "exact_limit": exact_limit, "seed": args.seed, "sizes": results,
              "target": "at 1M: open <= 2 s, RSS at open <= 1 GB, search p95 <= 20 ms, recall@10 >= 0.95"}
    if top["chunks"] >= 1_000_000:
        a = top["ask"]
        result["met"] = (a["open_s"] <= 2 and a["rss_open_mb"] <= 1024 and a["search"]["p95_ms"] <= 20
                         and a["recall_at_10"] >= 0.95)
    save("scale" if args.store == "local" else f"scale_{args.store}", result, args.smoke)
    return 0


if __name__ == "__main__":
    sys.exit(main())
