"""The on-disk index: chunk store, vectors, FAISS index and a manifest, swapped in atomically.

Layout of an index directory:
    CURRENT          name of the live version directory (replaced atomically)
    v<ns>/           one complete version: manifest.json, chunks.jsonl, vectors.npy, sentences.npy
    .lock            held while a build runs
A build writes a new version directory and only then points CURRENT at it, so a build that is
interrupted at any point leaves the previous index as it was.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .chunk import Chunk, chunk_document, model_token_counter
from .embed import Embedder
from .ingest import UnreadableFile, file_hash, find_files, load_document

FORMAT = 1
_VERIFY_LIMIT = 64 << 20  # files larger than this are checked by size, not by hash, when loading


class IndexMissing(Exception):
    pass


class IndexCorrupt(Exception):
    pass


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
        self._faiss = None

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
        """(row, cosine) of the n nearest chunks."""
        if not self.chunks:
            return []
        if self._faiss is None:
            import faiss

            self._faiss = faiss.IndexFlatIP(self.vectors.shape[1])
            self._faiss.add(np.ascontiguousarray(self.vectors, dtype=np.float32))
        scores, rows = self._faiss.search(query.reshape(1, -1).astype(np.float32), min(n, len(self.chunks)))
        return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]

    @classmethod
    def load(cls, index_dir: Path) -> "Index":
        version = current_version(index_dir)
        if version is None:
            raise IndexMissing(f"no index in {index_dir} (run: rag index)")
        try:
            manifest = json.loads((version / "manifest.json").read_text())
            _verify(version, manifest)
            with open(version / "chunks.jsonl", encoding="utf-8") as f:
                chunks = [Chunk.from_dict(json.loads(line)) for line in f]
            vectors = np.load(version / "vectors.npy")
            sentences = np.load(version / "sentences.npy")
        except IndexCorrupt:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"index in {index_dir} is unreadable ({exc.__class__.__name__}); rebuild it: rag index --rebuild") from None
        if len(vectors) != len(chunks) or len(sentences) != sum(len(c.sentences) for c in chunks):
            raise IndexCorrupt(f"index in {index_dir} is inconsistent; rebuild it: rag index --rebuild")
        return cls(version, manifest, chunks, vectors, sentences)


def current_version(index_dir: Path) -> Path | None:
    try:
        name = (Path(index_dir) / "CURRENT").read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise IndexCorrupt(f"cannot read {index_dir}/CURRENT ({exc.strerror})") from None
    version = Path(index_dir) / name
    if not name or "/" in name or not version.is_dir():
        raise IndexCorrupt(f"index in {index_dir} points at a missing version; rebuild it: rag index --rebuild")
    return version


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

def corpus_files(roots: list[Path]) -> dict[str, Path]:
    """doc_id -> path. With one root the id is the path below it; with several, the root's name leads."""
    files: dict[str, Path] = {}
    for root in roots:
        for path in find_files(root):
            rel = path.name if root.is_file() else path.relative_to(root).as_posix()
            files[f"{root.name}/{rel}" if len(roots) > 1 else rel] = path
    return files


def _signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def is_stale(index: Index, roots: list[Path], settings: dict) -> bool:
    """True when the corpus or the settings differ from what the index was built from."""
    if index.manifest.get("roots") != [str(r.resolve()) for r in roots] or index.manifest.get("settings") != settings:
        return True
    known = {**index.manifest["files"], **index.manifest["skipped"]}
    files = corpus_files(roots)
    if files.keys() != known.keys():
        return True
    for doc_id, path in files.items():
        try:
            if list(_signature(path)) != known[doc_id]["signature"] and file_hash(path) != known[doc_id]["sha256"]:
                return True
        except OSError:
            return True
    return False


def build(
    roots: list[Path],
    index_dir: Path,
    embedder: Embedder,
    settings: dict,
    rebuild: bool = False,
    log: Callable[[str], None] = lambda message: None,
) -> BuildReport:
    """Bring the index up to date with the files under roots, re-embedding only what changed."""
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
        if old is not None and (old.manifest.get("settings") != settings or old.manifest["model"]["path"] != str(embedder.path)):
            old = None  # chunks or vectors would not be comparable
        report, chunks, vectors, sentences, files, skipped = _collect(roots, old, embedder, settings, log)
        report.chunks = len(chunks)
        if old is not None and not report.changed and old.manifest.get("skipped") == skipped \
                and old.manifest.get("roots") == [str(r.resolve()) for r in roots]:
            report.seconds = time.perf_counter() - started
            return report
        manifest = {
            "format": FORMAT,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "roots": [str(r.resolve()) for r in roots],
            "settings": settings,
            "model": {"name": embedder.name, "path": str(embedder.path), "dim": int(vectors.shape[1])},
            "files": files,
            "skipped": skipped,
        }
        _write_version(index_dir, manifest, chunks, vectors, sentences)
    report.seconds = time.perf_counter() - started
    return report


def _collect(roots, old: Index | None, embedder: Embedder, settings: dict, log):
    report = BuildReport()
    old_files = old.manifest["files"] if old else {}
    by_doc: dict[str, list[int]] = {}
    if old:
        for row, c in enumerate(old.chunks):
            by_doc.setdefault(c.doc_id, []).append(row)
    count = model_token_counter(embedder.path)
    chunks: list[Chunk] = []
    reused_vectors, reused_sentences, fresh = [], [], []
    files, skipped = {}, {}
    for doc_id, path in corpus_files(roots).items():
        try:
            signature = _signature(path)
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
                (report.updated if previous else report.added).append(doc_id)
        except (UnreadableFile, OSError) as exc:
            reason = str(exc) if isinstance(exc, UnreadableFile) else (exc.strerror or str(exc))
            skipped[doc_id] = {"reason": reason, "signature": list(_safe_signature(path)), "sha256": ""}
            report.skipped[doc_id] = reason
            continue
        files[doc_id] = {"sha256": digest, "signature": list(signature), "chunks": 0}
    report.removed = sorted(set(old_files) - set(files) - set(skipped))
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
        encoded = embedder.encode(texts + sentence_texts, progress=len(texts) + len(sentence_texts) >= 256)
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
        manifest["checksums"] = {
            name: {"sha256": file_hash(tmp / name), "size": (tmp / name).stat().st_size}
            for name in ("chunks.jsonl", "vectors.npy", "sentences.npy")
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        for name in os.listdir(tmp):
            _fsync(tmp / name)
        os.rename(tmp, version)
        pointer = index_dir / f".CURRENT.{os.getpid()}"
        pointer.write_text(version.name)
        _fsync(pointer)
        os.replace(pointer, index_dir / "CURRENT")
        _fsync(index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _remove_old_versions(index_dir, keep=version.name)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    for entry in index_dir.iterdir():
        if entry.is_dir() and entry.name != keep and (entry.name.startswith("v") or entry.name.startswith(".tmp-")):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _lock(index_dir: Path, log: Callable[[str], None]) -> Iterator[None]:
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Another rag index is running on {index_dir}; waiting for it to finish…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
