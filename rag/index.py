"""The on-disk index: chunk store, vectors, FAISS index and a manifest, swapped in atomically.

Layout of an index directory:
    CURRENT          name of the live version directory (replaced atomically)
    v<ns>/           one complete version: manifest.json, chunks.jsonl, vectors.npy, sentences.npy,
                     and ann.faiss for a corpus too large for exact search
    .lock            held while a build runs
A build writes a new version directory and only then points CURRENT at it, so a build that is
interrupted at any point leaves the previous index as it was.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .chunk import Chunk, chunk_document, model_token_counter
from .embed import Embedder, OnnxEmbedder, OnnxUnavailable, export_onnx
from .errors import RagError
from .ingest import UnreadableFile, check_size, file_hash, list_files, load_document, printable_name

FORMAT = 1
_VERIFY_LIMIT = 64 << 20  # files larger than this are checked by size, not by hash, when loading
_MMAP_LIMIT = 64 << 20  # vector files larger than this are memory-mapped, not read into memory
# Up to this many chunks, search is exact (a matrix-vector product: ~5 ms at 50k chunks on 2 cores, see
# bench/RESULTS.md); above it the build also writes an IVF index with 8-bit codes (ann.faiss), whose
# candidates are re-scored exactly against vectors.npy.
EXACT_LIMIT = int(os.environ.get("RAG_EXACT_LIMIT", 50_000))
ANN_CANDIDATES = 64  # candidates taken from the ANN index and re-scored exactly


class IndexMissing(RagError):
    pass


class IndexCorrupt(RagError):
    pass


class NothingUsable(RagError):
    """A build that found no usable document: the index is left as it was. report lists what was skipped."""

    def __init__(self, message: str, report: "BuildReport") -> None:
        super().__init__(message)
        self.report = report


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [f"{self.chunks} chunks from {len(self.added) + len(self.updated) + len(self.unchanged)} files"]
        for label, items in (("added", self.added), ("updated", self.updated), ("removed", self.removed)):
            if items:
                parts.append(f"{len(items)} {label}")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts) + f" in {self.seconds:.1f} s"


class Index:
    """A loaded index version: chunks, their vectors, and per-sentence vectors for answering."""

    def __init__(self, path: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray, sentences: np.ndarray):
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self.vectors = vectors
        self.sentence_vectors = sentences
        self._by_id = {c.chunk_id: i for i, c in enumerate(chunks)}
        self._sentence_rows = np.cumsum([0] + [len(c.sentences) for c in chunks])
        self._ann = None

    def __len__(self) -> int:
        return len(self.chunks)

    @property
    def model(self) -> str:
        return self.manifest["model"]["name"]

    def row(self, chunk_id: str) -> int | None:
        return self._by_id.get(chunk_id)

    def sentences_of(self, row: int) -> np.ndarray:
        return self.sentence_vectors[self._sentence_rows[row]:self._sentence_rows[row + 1]]

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(row, cosine) of the n nearest chunks: exact for small indexes, ANN plus exact re-scoring for large."""
        if not self.chunks:
            return []
        ann = self.manifest.get("ann")
        if ann is None:
            return exact_search(self.vectors, query, n)
        if self._ann is None:
            self._ann = load_ann(self.path / "ann.faiss", ann)
        return ann_search(self._ann, self.vectors, query, n)

    @classmethod
    def load(cls, index_dir: Path) -> "Index":
        version = current_version(index_dir)
        if version is None:
            raise IndexMissing(f"no index in {index_dir} (run: rag index)")
        try:
            manifest = json.loads((version / "manifest.json").read_text())
            _check_manifest(manifest, index_dir)
            _verify(version, manifest)
            with open(version / "chunks.jsonl", encoding="utf-8") as f:
                chunks = [Chunk.from_dict(json.loads(line)) for line in f]
            vectors = _load_array(version / "vectors.npy")
            sentences = _load_array(version / "sentences.npy")
        except IndexCorrupt:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"index in {index_dir} is unreadable ({exc.__class__.__name__}); rebuild it: rag index --rebuild") from None
        dim = manifest["model"]["dim"]
        if len(vectors) != len(chunks) or len(sentences) != sum(len(c.sentences) for c in chunks) \
                or vectors.ndim != 2 or sentences.ndim != 2 or vectors.shape[1] != dim or sentences.shape[1] != dim:
            raise IndexCorrupt(f"index in {index_dir} is inconsistent; rebuild it: rag index --rebuild")
        return cls(version, manifest, chunks, vectors, sentences)


def _load_array(path: Path) -> np.ndarray:
    return np.load(path, mmap_mode="r" if path.stat().st_size > _MMAP_LIMIT else None)


# --- dense search ---

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

    index = faiss.read_index(str(path))
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


_VERSION_NAME = re.compile(r"v[0-9]{1,30}")


def current_version(index_dir: Path) -> Path | None:
    """The live version directory, None if there is no index; IndexCorrupt if CURRENT is damaged
    (not a file, too long, not a version name, or naming no directory)."""
    damaged = f"{index_dir}/CURRENT is damaged; run: rag index (it rebuilds the index)"
    try:
        with open(Path(index_dir) / "CURRENT", "rb") as f:
            raw = f.read(64)  # a version name is 20 bytes: a huge CURRENT is damage, not a name to print
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise IndexCorrupt(f"{damaged} ({exc.strerror})") from None
    name = raw.decode("ascii", "replace").strip()
    if not _VERSION_NAME.fullmatch(name):
        raise IndexCorrupt(damaged)
    version = Path(index_dir) / name
    if not version.is_dir():
        raise IndexCorrupt(f"index in {index_dir} points at a missing version; run: rag index (it rebuilds the index)")
    return version


def _check_manifest(manifest, index_dir: Path) -> None:
    """The manifest is the root of trust, so its shape is checked before anything reads it."""
    def is_int(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    try:
        model = manifest["model"]
        ok = manifest["format"] != FORMAT or (  # an old format is reported by _verify
            isinstance(model["name"], str) and isinstance(model["path"], str) and is_int(model["dim"]) and model["dim"] > 0
            and isinstance(manifest["settings"], dict) and isinstance(manifest["roots"], list)
            and all(isinstance(entry["sha256"], str) and isinstance(entry["signature"], (list, type(None)))
                    for part in ("files", "skipped") for entry in manifest[part].values())
            and all(is_int(c["size"]) and isinstance(c["sha256"], str) for c in manifest["checksums"].values()))
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise IndexCorrupt(f"index in {index_dir} has a damaged manifest; run: rag index (it rebuilds the index)")


def _verify(version: Path, manifest: dict) -> None:
    if manifest.get("format") != FORMAT:
        raise IndexCorrupt(f"index in {version.parent} has an old format; rebuild it: rag index --rebuild")
    for name, expected in manifest["checksums"].items():
        path = version / name
        if not path.is_file() or path.stat().st_size != expected["size"]:
            raise IndexCorrupt(f"index file {name} is truncated or missing; rebuild it: rag index --rebuild")
        if expected["size"] <= _VERIFY_LIMIT and file_hash(path) != expected["sha256"]:
            raise IndexCorrupt(f"index file {name} does not match its checksum; rebuild it: rag index --rebuild")


# --- building ---

def corpus_files(roots: list[Path], follow_symlinks: bool = False) -> dict[str, Path]:
    """doc_id -> path. With one root the id is the path below it; with several, the root's name leads."""
    return list_corpus(roots, follow_symlinks)[0]


def list_corpus(roots: list[Path], follow_symlinks: bool = False) -> tuple[dict[str, Path], dict[str, str]]:
    """corpus_files, and doc_id -> reason for the entries that are not read (links out of the corpus,
    FIFOs, devices, names that are not UTF-8)."""
    files: dict[str, Path] = {}
    listed_skips: dict[str, str] = {}
    for root in roots:
        found, skipped = list_files(root, follow_symlinks)
        for path in [*found, *skipped]:
            rel = path.name if root.is_file() else path.relative_to(root).as_posix()
            doc_id = printable_name(f"{root.name}/{rel}" if len(roots) > 1 else rel)
            if path in skipped:
                listed_skips[doc_id] = skipped[path]
            else:
                files[doc_id] = path
    return files, listed_skips


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def is_stale(index: Index, roots: list[Path], settings: dict, follow_symlinks: bool = False) -> bool:
    """True when the corpus or the settings differ from what the index was built from. Entries skipped
    unread (a FIFO, a link out of the corpus) count by name only: a /proc file whose time changes at
    every look would otherwise make the index stale for ever."""
    if index.manifest.get("roots") != [str(r.resolve()) for r in roots] or index.manifest.get("settings") != settings \
            or index.manifest.get("follow_symlinks", False) != follow_symlinks:
        return True
    known = {**index.manifest["files"], **index.manifest["skipped"]}
    files, listed_skips = list_corpus(roots, follow_symlinks)
    if files.keys() | listed_skips.keys() != known.keys():
        return True
    for doc_id, path in files.items():
        entry = known[doc_id]
        try:
            if entry["signature"] is None or (list(_signature(path)) != entry["signature"]
                                              and (not entry["sha256"] or file_hash(path) != entry["sha256"])):
                return True
        except OSError:
            return True
    return any(known[doc_id]["signature"] is not None for doc_id in listed_skips)


def build(
    roots: list[Path],
    index_dir: Path,
    embedder: Embedder,
    settings: dict,
    rebuild: bool = False,
    log: Callable[[str], None] = lambda message: None,
    allow_empty: bool = False,
    follow_symlinks: bool = False,
) -> BuildReport:
    """Bring the index up to date with the files under roots, re-embedding only what changed.
    A build that finds no usable document raises NothingUsable and leaves the index as it was,
    unless allow_empty: an emptied or mistyped corpus must not wipe a live index."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _lock(index_dir, log):
        old = None
        if not rebuild:
            try:
                old = Index.load(index_dir)
            except (IndexMissing, IndexCorrupt):
                old = None
        _remove_debris(index_dir, keep=old.path.name if old is not None else None)
        if old is not None and (old.manifest.get("settings") != settings or old.manifest["model"]["path"] != str(embedder.path)):
            old = None  # chunks or vectors would not be comparable
        report, chunks, vectors, sentences, files, skipped = _collect(roots, old, embedder, settings, log, follow_symlinks)
        report.chunks = len(chunks)
        if not chunks and not allow_empty:
            raise NothingUsable(f"no usable documents found in {', '.join(map(str, roots))}; the index was left as it was"
                                " (to index nothing anyway: rag index --allow-empty)", report)
        if old is not None and not report.changed and old.manifest.get("skipped") == skipped \
                and old.manifest.get("roots") == [str(r.resolve()) for r in roots] \
                and old.manifest.get("follow_symlinks", False) == follow_symlinks:
            _ensure_onnx(embedder, log)
            report.seconds = time.perf_counter() - started
            return report
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "roots": [str(r.resolve()) for r in roots],
            "follow_symlinks": follow_symlinks,
            "settings": settings,
            "model": {"name": embedder.name, "path": str(embedder.path), "dim": int(vectors.shape[1])},
            "files": files,
            "skipped": skipped,
        }
        _write_version(index_dir, manifest, chunks, vectors, sentences)
    _ensure_onnx(embedder, log)
    report.seconds = time.perf_counter() - started
    return report


def _ensure_onnx(embedder, log) -> None:
    """Make the ONNX export that lets queries skip PyTorch; an index without it still works, only slower to start."""
    if isinstance(embedder, OnnxEmbedder) or os.environ.get("RAG_BACKEND", "").lower() == "torch":
        return
    try:
        export_onnx(embedder, log)
    except (OnnxUnavailable, ImportError) as exc:
        log(f"Queries will use PyTorch: {exc}")
    except Exception as exc:  # an export that fails must not fail the index
        log(f"Queries will use PyTorch: the ONNX export failed ({exc.__class__.__name__}: {exc})")


def _collect(roots, old: Index | None, embedder: Embedder, settings: dict, log, follow_symlinks: bool):
    report = BuildReport()
    old_files = old.manifest["files"] if old else {}
    by_doc: dict[str, list[int]] = {}
    if old:
        for row, c in enumerate(old.chunks):
            by_doc.setdefault(c.doc_id, []).append(row)
    count = model_token_counter(embedder.path)
    chunks: list[Chunk] = []
    reused_vectors, reused_sentences, fresh = [], [], []
    known: dict[str, np.ndarray] = {}  # text -> vector, from the old version of files that changed
    found, listed_skips = list_corpus(roots, follow_symlinks)
    files, skipped = {}, {}
    for doc_id, reason in listed_skips.items():
        skipped[doc_id] = {"reason": reason, "signature": None, "sha256": ""}
        report.skipped[doc_id] = reason
    for doc_id, path in found.items():
        digest = ""
        try:
            signature = _signature(path)
            check_size(signature[0])
            previous = old_files.get(doc_id)
            digest = previous["sha256"] if previous and list(signature) == previous["signature"] else file_hash(path)
            if previous and previous["sha256"] == digest:
                rows = by_doc.get(doc_id, [])
                chunks.extend(old.chunks[r] for r in rows)
                reused_vectors.extend(old.vectors[r] for r in rows)
                reused_sentences.extend(old.sentences_of(r) for r in rows)
                report.unchanged.append(doc_id)
            else:
                doc = load_document(path, doc_id)
                new_chunks = chunk_document(doc, count, settings["chunk_tokens"], settings["chunk_overlap"])
                if not new_chunks:
                    raise UnreadableFile("no text")
                fresh.extend(new_chunks)
                if previous:  # an edited file: its unchanged passages and sentences keep their vectors
                    for r in by_doc.get(doc_id, []):
                        known.setdefault(old.chunks[r].embedding_text, old.vectors[r])
                        c = old.chunks[r]
                        for (a, b), vector in zip(c.sentences, old.sentences_of(r)):
                            known.setdefault(c.text[a:b], vector)
                (report.updated if previous else report.added).append(doc_id)
        except (UnreadableFile, OSError) as exc:
            reason = str(exc) if isinstance(exc, UnreadableFile) else (exc.strerror or str(exc))
            # With its hash, a skipped file whose time changes but whose bytes do not leaves the index fresh.
            skipped[doc_id] = {"reason": reason, "signature": list(_safe_signature(path)), "sha256": digest}
            report.skipped[doc_id] = reason
            continue
        files[doc_id] = {"sha256": digest, "signature": list(signature), "chunks": 0}
    report.removed = sorted(set(old_files) - set(files) - set(skipped))
    report.skipped = dict(sorted(report.skipped.items()))
    dim = embedder.dim if (fresh or not reused_vectors) else len(reused_vectors[0])
    vectors = np.zeros((0, dim), dtype=np.float32)
    sentences = np.zeros((0, dim), dtype=np.float32)
    if reused_vectors:
        vectors = np.vstack(reused_vectors).astype(np.float32)
        sentences = np.vstack(reused_sentences).astype(np.float32)
    if fresh:
        log(f"Embedding {len(fresh)} chunks from {len(report.added) + len(report.updated)} files…")
        texts = [c.embedding_text for c in fresh]
        sentence_texts = [c.text[a:b] for c in fresh for a, b in c.sentences]
        # Each distinct text is embedded once: a sentence repeated by the chunk overlap, or a passage
        # that an edit left as it was, costs nothing.
        wanted = list(dict.fromkeys(t for t in texts + sentence_texts if t not in known))
        if wanted:
            known.update(zip(wanted, embedder.encode(wanted, progress=len(wanted) >= 256)))
        encoded = np.array([known[t] for t in texts + sentence_texts], dtype=np.float32).reshape(-1, dim)
        vectors = np.vstack([vectors, encoded[: len(texts)]])
        sentences = np.vstack([sentences, encoded[len(texts):]])
        chunks.extend(fresh)
    for c in chunks:
        files[c.doc_id]["chunks"] += 1
    return report, chunks, vectors, sentences, files, skipped


def _safe_signature(path: Path) -> tuple[int, int]:
    try:
        return _signature(path)
    except OSError:
        return (0, 0)


def _write_version(index_dir: Path, manifest: dict, chunks: list[Chunk], vectors: np.ndarray, sentences: np.ndarray) -> None:
    version = index_dir / f"v{time.time_ns()}"
    tmp = index_dir / f".tmp-{version.name}"
    tmp.mkdir()
    try:
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c in chunks:
                f.write(json.dumps(c.to_dict(), ensure_ascii=False) + "\n")
        np.save(tmp / "vectors.npy", vectors)
        np.save(tmp / "sentences.npy", sentences)
        names = ["chunks.jsonl", "vectors.npy", "sentences.npy"]
        manifest.pop("ann", None)
        if len(vectors) > EXACT_LIMIT:
            import faiss

            ann, manifest["ann"] = build_ann(vectors)
            faiss.write_index(ann, str(tmp / "ann.faiss"))
            names.append("ann.faiss")
        manifest["checksums"] = {
            name: {"sha256": file_hash(tmp / name), "size": (tmp / name).stat().st_size}
            for name in names
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        for name in os.listdir(tmp):
            _fsync(tmp / name)
        os.rename(tmp, version)
        pointer = index_dir / f".CURRENT.{os.getpid()}"
        pointer.write_text(version.name)
        _fsync(pointer)
        current = index_dir / "CURRENT"
        if current.is_dir() and not current.is_symlink():  # damage that os.replace cannot overwrite
            shutil.rmtree(current)
        os.replace(pointer, current)
        _fsync(index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_debris(index_dir, keep=version.name)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_debris(index_dir: Path, keep: str | None) -> None:
    """Remove what crashed or finished builds left: temporary version directories, pointer files, and
    every version but keep (all versions stay when keep is None: CURRENT could not say which is live).
    Only a build holding the lock calls this, so no other process is writing any of it."""
    for entry in index_dir.iterdir():
        if entry.name.startswith(".CURRENT.") and entry.is_file():
            entry.unlink(missing_ok=True)
        elif entry.is_dir() and not entry.is_symlink() and (
                entry.name.startswith(".tmp-") or (keep is not None and entry.name != keep and _VERSION_NAME.fullmatch(entry.name))):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _lock(index_dir: Path, log: Callable[[str], None]) -> Iterator[None]:
    if (index_dir / ".lock").is_dir():
        raise RagError(f"{index_dir}/.lock is a directory, not the build lock; remove it (rmdir {index_dir}/.lock) and run again")
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Another rag index is running on {index_dir}; waiting for it to finish…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
