"""The local store: one directory of files that open by memory-mapping, swapped in atomically.

Layout of an index directory:
    CURRENT          name of the live version directory (replaced atomically)
    v<ns>/           one complete version (below)
    .lock            held while a build runs
A version holds manifest.json and, for its n chunks (grouped by document, in document order):
    vectors.npy, sentences.npy          chunk and sentence embeddings (float32)
    chunk_info.npy                      per chunk: start, end, tokens, llm_tokens, document number
    sentence_starts.npy, spans.npy      each chunk's sentence rows, and the sentences' spans in its text
    ids.*, texts.*, headings.*          string columns (texts.bin + texts.off.npy), ids with a hash lookup
    docs.*, titles.*, doc_starts.npy    per document: its id (with a lookup), title and first chunk
    bm25_*                              the keyword index (rag.stores.bm25)
    ann.faiss                           above EXACT_LIMIT chunks: the IVF index (rag.stores.dense)
Nothing is parsed or rebuilt at open, so opening costs about the same at a thousand or a million chunks;
pages are read when a search touches them. A build writes a new version directory and only then points
CURRENT at it, so a build interrupted at any point leaves the previous version as it was.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..chunk import Chunk
from ..ingest import file_hash
from . import dense
from ..errors import RagError
from .base import IndexCorrupt, IndexMissing, Store, StoredChunk, Writer
from .bm25 import BM25
from .columns import Strings, load_array, write_lookup, write_strings

FORMAT = 2
_BUILD_KEYS = ("roots", "follow_symlinks", "settings", "model", "skipped")  # what a build records beside the files
_VERSION_NAME = re.compile(r"v[0-9]{1,30}")
_VERIFY_LIMIT = 64 << 20  # files larger than this are checked by size, not by hash, when opening
_REBUILD = "rebuild it: rag index --rebuild"


class LocalStore(Store):
    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._v = _Version.open(self.index_dir)

    @property
    def manifest(self) -> dict:  # type: ignore[override]
        return self._v.manifest

    @property
    def version(self) -> str:
        return self._v.path.name

    @property
    def path(self) -> Path:
        return self._v.path

    def __len__(self) -> int:
        return self._v.count

    def dense_search(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        v = self._v
        return [(v.ids[r], score) for r, score in v.search(vector, n)]

    def keyword_search(self, query: str, n: int) -> list[tuple[str, float]]:
        v = self._v
        if not v.count:
            return []
        return [(v.ids[r], score) for r, score in v.bm25.top(query, n)]

    def document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        v = self._v
        return {t: v.bm25.df(t) if v.count else 0 for t in terms}

    def fetch(self, chunk_ids: list[str]) -> list[StoredChunk | None]:
        v = self._v
        rows = [v.ids.find(i) if v.count else None for i in chunk_ids]
        return [None if r is None else v.stored(r) for r in rows]

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        v = self._v
        d = v.docs.find(doc_id) if v.count else None
        return [] if d is None else [v.stored(r) for r in range(int(v.doc_starts[d]), int(v.doc_starts[d + 1]))]

    def texts_matching(self, pattern: re.Pattern) -> Iterator[str]:
        if not self._v.count:
            return iter(())
        texts = self._v.texts
        return (t for t in (texts[r] for r in range(len(texts))) if pattern.search(t))

    def refresh(self) -> bool:
        """Open the newest version if a build has written one since; the old one stays readable until
        nothing refers to it (a search in flight finishes on it). Cheap: nothing is parsed. IndexMissing
        or IndexCorrupt if the directory is damaged (the version open is kept)."""
        if _current(self.index_dir) == self._v.path:
            return False
        self._v = _Version.open(self.index_dir)
        return True

    @contextmanager
    def writer(self, log=lambda message: None) -> Iterator[Writer]:
        with _lock(self.index_dir, log):
            try:  # a build starts from the newest version; a damaged one is rebuilt from the files
                self._v = _Version.open(self.index_dir)
                live = self._v.path.name
            except (IndexMissing, IndexCorrupt):
                self._v, live = _Version.empty(self.index_dir), None
            _remove_debris(self.index_dir, keep=live)
            writer = _LocalWriter(self)
            yield writer
            writer.commit()
        self.refresh()

    @classmethod
    def create(cls, index_dir: Path) -> "LocalStore":
        """The store in index_dir, opening it if it holds a readable version, else starting empty."""
        index_dir = Path(index_dir)
        index_dir.mkdir(parents=True, exist_ok=True)
        try:
            return cls(index_dir)
        except (IndexMissing, IndexCorrupt):
            store = cls.__new__(cls)
            store.index_dir = index_dir
            store._v = _Version.empty(index_dir)
            return store


class _Version:
    """One version directory, memory-mapped."""

    def __init__(self, path: Path, manifest: dict) -> None:
        self.path, self.manifest = path, manifest
        self.count = int(manifest.get("chunks", 0))
        self._ann = None
        if not self.count:
            return
        m = lambda name: load_array(path / name)  # noqa: E731
        self.vectors, self.sentence_vectors = m("vectors.npy"), m("sentences.npy")
        self.info, self.sentence_starts, self.spans = m("chunk_info.npy"), m("sentence_starts.npy"), m("spans.npy")
        self.doc_starts = m("doc_starts.npy")
        self.ids = Strings(path, "ids", lookup=True)
        self.texts, self.headings = Strings(path, "texts"), Strings(path, "headings")
        self.docs, self.titles = Strings(path, "docs", lookup=True), Strings(path, "titles")
        self.bm25 = BM25.load(path)
        if manifest.get("ann"):
            self._ann = dense.load_ann(path / "ann.faiss", manifest["ann"])
        dim = manifest["model"]["dim"]
        if len(self.vectors) != self.count or len(self.ids) != self.count or len(self.sentence_vectors) != len(self.spans) \
                or self.vectors.ndim != 2 or self.sentence_vectors.ndim != 2 or self.vectors.shape[1] != dim \
                or self.sentence_vectors.shape[1] != dim or len(self.info) != self.count or len(self.sentence_starts) != self.count + 1:
            raise IndexCorrupt(f"index in {path.parent} is inconsistent; {_REBUILD}")

    @classmethod
    def open(cls, index_dir: Path) -> "_Version":
        path = _current(index_dir)
        if path is None:
            raise IndexMissing(f"no index in {index_dir} (run: rag index)")
        try:
            manifest = json.loads((path / "manifest.json").read_text())
            _check_manifest(manifest, index_dir)
            _verify(path, manifest)
            return cls(path, manifest)
        except IndexCorrupt:
            raise
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"index in {index_dir} is unreadable ({exc.__class__.__name__}); {_REBUILD}") from None

    @classmethod
    def empty(cls, index_dir: Path) -> "_Version":
        return cls(Path(index_dir) / "<none>", {"files": {}, "skipped": {}, "chunks": 0})

    def stored(self, row: int) -> StoredChunk:
        start, end, tokens, llm_tokens, doc = (int(x) for x in self.info[row])
        a, b = int(self.sentence_starts[row]), int(self.sentence_starts[row + 1])
        chunk = Chunk(chunk_id=self.ids[row], doc_id=self.docs[doc], title=self.titles[doc], heading=self.headings[row],
                      text=self.texts[row], start=start, end=end, sentences=[(int(s), int(e)) for s, e in self.spans[a:b]],
                      tokens=tokens, llm_tokens=llm_tokens)
        return StoredChunk(chunk, np.asarray(self.vectors[row]), np.asarray(self.sentence_vectors[a:b]))

    def search(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """(row, cosine) of the n nearest chunks: exact for small indexes, ANN plus exact re-scoring for large."""
        if not self.count:
            return []
        if self._ann is None:
            return dense.exact_search(self.vectors, query, n)
        return dense.ann_search(self._ann, self.vectors, query, n)


def _current(index_dir: Path) -> Path | None:
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
            and isinstance(manifest["settings"], dict) and isinstance(manifest["roots"], list) and is_int(manifest["chunks"])
            and all(isinstance(entry["sha256"], str) and isinstance(entry["signature"], (list, type(None)))
                    for part in ("files", "skipped") for entry in manifest[part].values())
            and all(is_int(c["size"]) and isinstance(c.get("sha256", ""), str) for c in manifest["checksums"].values()))
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise IndexCorrupt(f"index in {index_dir} has a damaged manifest; run: rag index (it rebuilds the index)")


def _verify(version: Path, manifest: dict) -> None:
    if manifest.get("format") != FORMAT:
        raise IndexCorrupt(f"index in {version.parent} has an old format; {_REBUILD}")
    for name, expected in manifest["checksums"].items():
        path = version / name
        if not path.is_file() or path.stat().st_size != expected["size"]:
            raise IndexCorrupt(f"index file {name} is truncated or missing; {_REBUILD}")
        if "sha256" in expected and file_hash(path) != expected["sha256"]:
            raise IndexCorrupt(f"index file {name} does not match its checksum; {_REBUILD}")


class _LocalWriter(Writer):
    """Collects the changes, then writes them and the unchanged documents as a new version."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.old = store._v
        self.files = dict(self.old.manifest.get("files", {}))
        self.added: dict[str, list[StoredChunk]] = {}
        self.manifest = {k: v for k, v in self.old.manifest.items() if k in _BUILD_KEYS}
        self.changed = False

    def add(self, doc_id: str, record: dict, chunks: list[StoredChunk]) -> None:
        self.added[doc_id] = list(chunks)
        self.files[doc_id] = {**record, "chunks": len(chunks)}
        self.changed = True

    def delete(self, doc_id: str) -> None:
        self.added.pop(doc_id, None)
        self.changed |= self.files.pop(doc_id, None) is not None

    def finish(self, manifest: dict) -> None:
        self.changed |= any(self.manifest.get(k) != manifest.get(k) for k in _BUILD_KEYS)
        self.manifest = {k: v for k, v in manifest.items() if k != "files"}

    def commit(self) -> None:
        if self.changed:
            _write_version(self.store.index_dir, {**self.manifest, "files": self.files}, self._documents(), self.old)

    def _documents(self) -> Iterator[tuple[str, list[StoredChunk] | tuple[int, int]]]:
        """(doc_id, its new chunks, or the row range of its unchanged chunks in the old version)."""
        old = self.old
        for doc_id in self.files:
            if doc_id in self.added:
                yield doc_id, self.added[doc_id]
            else:
                d = old.docs.find(doc_id)
                yield doc_id, (int(old.doc_starts[d]), int(old.doc_starts[d + 1]))


def _write_version(index_dir: Path, manifest: dict, documents, old: _Version) -> None:
    version = index_dir / f"v{time.time_ns()}"
    tmp = index_dir / f".tmp-{version.name}"
    tmp.mkdir()
    try:
        manifest = {"format": FORMAT, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **manifest}
        names = _write_arrays(tmp, manifest, documents, old)
        # Large files are checked by size at open (hashing them would cost seconds), so only small ones get a hash.
        manifest["checksums"] = {name: {"size": size, **({"sha256": file_hash(tmp / name)} if size <= _VERIFY_LIMIT else {})}
                                 for name in names for size in [(tmp / name).stat().st_size]}
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


def _write_arrays(folder: Path, manifest: dict, documents, old: _Version) -> list[str]:
    """Write the version's files from the documents in order; fills manifest["chunks"] (and "ann")."""
    ids, texts, headings, embedding_texts, doc_ids, titles = [], [], [], [], [], []
    info, sentence_counts, spans, doc_starts = [], [], [], [0]
    vector_parts, sentence_parts = [], []
    for doc_id, chunks in documents:
        if isinstance(chunks, tuple):  # rows of the old version, copied as they are
            a, b = chunks
            for r in range(a, b):
                ids.append(old.ids[r])
                texts.append(old.texts[r])
                headings.append(old.headings[r])
            title = old.titles[int(old.info[a][4])] if b > a else ""
            embedding_texts.extend(Chunk("", doc_id, title, h, t, 0, 0).embedding_text
                                   for h, t in zip(headings[len(headings) - (b - a):], texts[len(texts) - (b - a):]))
            row_info = np.asarray(old.info[a:b]).copy()
            row_info[:, 4] = len(doc_ids)
            info.extend(row_info.tolist())
            s0, s1 = int(old.sentence_starts[a]), int(old.sentence_starts[b])
            sentence_counts.extend(np.diff(np.asarray(old.sentence_starts[a:b + 1])).tolist())
            spans.append(np.asarray(old.spans[s0:s1]))
            vector_parts.append(np.asarray(old.vectors[a:b]))
            sentence_parts.append(np.asarray(old.sentence_vectors[s0:s1]))
        else:
            title = chunks[0].chunk.title if chunks else ""
            for s in chunks:
                c = s.chunk
                ids.append(c.chunk_id)
                texts.append(c.text)
                headings.append(c.heading)
                embedding_texts.append(c.embedding_text)
                info.append([c.start, c.end, c.tokens, c.llm_tokens, len(doc_ids)])
                sentence_counts.append(len(c.sentences))
                spans.append(np.asarray(c.sentences, dtype=np.int32).reshape(-1, 2))
            if chunks:
                vector_parts.append(np.stack([s.vector for s in chunks]))
                sentence_parts.append(np.concatenate([s.sentences for s in chunks]))
        doc_ids.append(doc_id)
        titles.append(title)
        doc_starts.append(len(ids))
    dim = int(manifest["model"]["dim"])
    vectors = np.concatenate(vector_parts).astype(np.float32) if vector_parts else np.zeros((0, dim), np.float32)
    sentences = np.concatenate(sentence_parts).astype(np.float32) if sentence_parts else np.zeros((0, dim), np.float32)
    arrays = {
        "vectors.npy": vectors, "sentences.npy": sentences,
        "chunk_info.npy": np.array(info, dtype=np.int64).reshape(-1, 5),
        "sentence_starts.npy": np.concatenate([[0], np.cumsum(sentence_counts, dtype=np.int64)]).astype(np.int64),
        "spans.npy": np.concatenate(spans).astype(np.int32) if spans else np.zeros((0, 2), np.int32),
        "doc_starts.npy": np.array(doc_starts, dtype=np.int64),
    }
    for name, values in arrays.items():
        np.save(folder / name, values)
    names = list(arrays)
    names += write_strings(folder, "ids", ids) + write_lookup(folder, "ids", ids)
    names += write_strings(folder, "texts", texts) + write_strings(folder, "headings", headings)
    names += write_strings(folder, "docs", doc_ids) + write_lookup(folder, "docs", doc_ids)
    names += write_strings(folder, "titles", titles)
    del texts, headings
    names += BM25.build(embedding_texts).save(folder)
    manifest["chunks"] = len(ids)
    manifest.pop("ann", None)
    if len(vectors) > dense.EXACT_LIMIT:
        import faiss

        ann, manifest["ann"] = dense.build_ann(vectors)
        faiss.write_index(ann, str(folder / "ann.faiss"))
        names.append("ann.faiss")
    return names


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_debris(index_dir: Path, keep: str | None) -> None:
    """Remove what crashed or finished builds left: temporary version directories, pointer files, and
    every version but keep (all versions stay when keep is None: CURRENT could not say which is live).
    Only a build holding the lock calls this, so no other process is writing any of it; a process
    still reading a removed version keeps its memory-mapped files."""
    for entry in index_dir.iterdir():
        if entry.name.startswith(".CURRENT.") and entry.is_file():
            entry.unlink(missing_ok=True)
        elif entry.is_dir() and not entry.is_symlink() and (
                entry.name.startswith(".tmp-") or (keep is not None and entry.name != keep and _VERSION_NAME.fullmatch(entry.name))):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _lock(index_dir: Path, log) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    if (index_dir / ".lock").is_dir():
        raise RagError(f"{index_dir}/.lock is a directory, not the build lock; remove it (rmdir {index_dir}/.lock) and run again")
    with open(index_dir / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"Another rag index is running on {index_dir}; waiting for it to finish…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
