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
from array import array
from typing import Iterable, Iterator, NamedTuple

import numpy as np

from ..chunk import Chunk
from ..ingest import file_hash
from . import dense
from ..errors import RagError
from .base import IndexCorrupt, IndexMissing, Store, StoredChunk, Writer
from .bm25 import BM25
from .bm25 import Builder as BM25Builder
from .columns import Strings, StringsWriter, hash64, load_array, write_hash_lookup

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
            try:
                yield writer
                writer.commit()
            finally:
                writer.close()
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
    """Collects the changes, then writes them and the unchanged documents as a new version. An added
    document's chunks go straight to spill files (`_Spill`), so a build holds one document at a time in
    memory, not every chunk with its sentence vectors."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.old = store._v
        self.files = dict(self.old.manifest.get("files", {}))
        self.added: dict[str, tuple[int, int, str]] = {}  # doc_id: its rows in the spill, its title
        self.manifest = {k: v for k, v in self.old.manifest.items() if k in _BUILD_KEYS}
        self.changed = False
        self.spill: _Spill | None = None

    def add(self, doc_id: str, record: dict, chunks: list[StoredChunk]) -> None:
        chunks = list(chunks)
        if self.spill is None:
            self.spill = _Spill(self.store.index_dir / f".tmp-spill-{time.time_ns()}")
        a, b = self.spill.add(chunks)
        self.added[doc_id] = (a, b, chunks[0].chunk.title if chunks else "")
        self.files[doc_id] = {**record, "chunks": len(chunks)}
        self.changed = True

    def delete(self, doc_id: str) -> None:
        self.added.pop(doc_id, None)
        self.changed |= self.files.pop(doc_id, None) is not None

    def finish(self, manifest: dict) -> None:
        self.changed |= any(self.manifest.get(k) != manifest.get(k) for k in _BUILD_KEYS)
        self.manifest = {k: v for k, v in manifest.items() if k != "files"}

    def commit(self) -> None:
        try:
            if self.changed:
                _write_version(self.store.index_dir, {**self.manifest, "files": self.files}, self._documents(), self.old)
        finally:
            self.close()

    def close(self) -> None:
        if self.spill is not None:
            self.spill.remove()
            self.spill = None

    def _documents(self) -> Iterator[tuple[str, "_Spill | _Version", int, int, str]]:
        """(doc_id, where its chunks are, their rows there, its title): the spill for an added document,
        the old version for an unchanged one."""
        old = self.old
        if self.spill is not None:
            self.spill.flush()
        for doc_id in self.files:
            if doc_id in self.added:
                a, b, title = self.added[doc_id]
                yield doc_id, self.spill, a, b, title
            else:
                d = old.docs.find(doc_id)
                a, b = int(old.doc_starts[d]), int(old.doc_starts[d + 1])
                yield doc_id, old, a, b, old.titles[int(old.info[a][4])] if b > a else ""


class _Spill:
    """Added chunks appended to files in a temporary directory as they arrive, read back by position
    (file reads, not memory maps, so what was read does not stay resident). Per chunk: id, text, heading,
    title (a chunk's own title goes into the text BM25 indexes), start/end/tokens/llm_tokens, vector, and
    its sentences' spans and vectors."""

    _STRINGS = ("ids", "texts", "headings", "titles")

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.folder = folder
        self.dim: int | None = None
        self.rows = 0
        self.sentence_starts = array("q", [0])
        self.offsets = {name: array("q", [0]) for name in self._STRINGS}
        self.files = {name: open(folder / name, "w+b")
                      for name in (*self._STRINGS, "info", "vectors", "sentences", "spans")}

    def add(self, chunks: list[StoredChunk]) -> tuple[int, int]:
        """Append the chunks; returns their rows."""
        a = self.rows
        if not chunks:
            return a, a
        for name, values in (("ids", [s.chunk.chunk_id for s in chunks]), ("texts", [s.chunk.text for s in chunks]),
                             ("headings", [s.chunk.heading for s in chunks]), ("titles", [s.chunk.title for s in chunks])):
            offsets = self.offsets[name]
            for value in values:
                data = value.encode("utf-8")
                self.files[name].write(data)
                offsets.append(offsets[-1] + len(data))
        info = np.array([[s.chunk.start, s.chunk.end, s.chunk.tokens, s.chunk.llm_tokens] for s in chunks], dtype=np.int64)
        vectors = np.stack([s.vector for s in chunks]).astype(np.float32)
        self.dim = vectors.shape[1]
        sentences = np.concatenate([np.asarray(s.sentences, dtype=np.float32).reshape(-1, self.dim) for s in chunks])
        spans = np.concatenate([np.asarray(s.chunk.sentences, dtype=np.int32).reshape(-1, 2) for s in chunks])
        for s in chunks:
            self.sentence_starts.append(self.sentence_starts[-1] + len(s.chunk.sentences))
        for name, values in (("info", info), ("vectors", vectors), ("sentences", sentences), ("spans", spans)):
            self.files[name].write(np.ascontiguousarray(values).tobytes())
        self.rows += len(chunks)
        return a, self.rows

    def flush(self) -> None:
        for f in self.files.values():
            f.flush()

    def _read(self, name: str, dtype, width: int, a: int, b: int) -> np.ndarray:
        size = np.dtype(dtype).itemsize * width
        data = os.pread(self.files[name].fileno(), (b - a) * size, a * size)
        return np.frombuffer(data, dtype=dtype).reshape(-1, width)

    def strings(self, name: str, a: int, b: int) -> list[str]:
        offsets = self.offsets[name]
        start = offsets[a]
        blob = os.pread(self.files[name].fileno(), offsets[b] - start, start)
        return [blob[offsets[i] - start:offsets[i + 1] - start].decode("utf-8") for i in range(a, b)]

    def rows_of(self, a: int, b: int) -> "_Rows":
        s0, s1 = self.sentence_starts[a], self.sentence_starts[b]
        dim = self.dim or 0
        return _Rows(self.strings("ids", a, b), self.strings("texts", a, b), self.strings("headings", a, b),
                     self.strings("titles", a, b), self._read("info", np.int64, 4, a, b),
                     np.diff(np.frombuffer(self.sentence_starts, dtype=np.int64)[a:b + 1]), self._read("spans", np.int32, 2, s0, s1),
                     self._read("vectors", np.float32, dim, a, b), self._read("sentences", np.float32, dim, s0, s1))

    def sentence_count(self, a: int, b: int) -> int:
        return self.sentence_starts[b] - self.sentence_starts[a]

    def remove(self) -> None:
        for f in self.files.values():
            f.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class _Rows(NamedTuple):
    """A document's chunks as columns, from the spill or the old version."""
    ids: list[str]
    texts: list[str]
    headings: list[str]
    titles: list[str]  # each chunk's title (for the BM25 text)
    info: np.ndarray  # start, end, tokens, llm_tokens
    sentence_counts: np.ndarray
    spans: np.ndarray
    vectors: np.ndarray
    sentences: np.ndarray


def _old_rows(old: _Version, a: int, b: int, title: str) -> _Rows:
    s0, s1 = int(old.sentence_starts[a]), int(old.sentence_starts[b])
    return _Rows([old.ids[r] for r in range(a, b)], [old.texts[r] for r in range(a, b)],
                 [old.headings[r] for r in range(a, b)], [title] * (b - a), np.asarray(old.info[a:b, :4]),
                 np.diff(np.asarray(old.sentence_starts[a:b + 1])), np.asarray(old.spans[s0:s1]),
                 np.asarray(old.vectors[a:b]), np.asarray(old.sentence_vectors[s0:s1]))


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
    """Write the version's files from the documents in order, one document at a time (the vectors and
    strings go straight to their files; BM25 is fed as it goes); fills manifest["chunks"] (and "ann")."""
    documents = list(documents)  # (doc_id, source, first row, end row, title)
    dim = int(manifest["model"]["dim"])
    count = sum(b - a for _, _, a, b, _ in documents)
    sentence_count = sum(_sentence_count(source, a, b) for _, source, a, b, _ in documents)
    info_parts, count_parts, doc_starts = [], [], [0]
    id_hashes, doc_hashes = array("Q"), array("Q")
    bm25 = BM25Builder()
    with _NpyWriter(folder / "vectors.npy", np.float32, (count, dim)) as vectors, \
            _NpyWriter(folder / "sentences.npy", np.float32, (sentence_count, dim)) as sentences, \
            _NpyWriter(folder / "spans.npy", np.int32, (sentence_count, 2)) as spans, \
            StringsWriter(folder, "ids") as ids, StringsWriter(folder, "texts") as texts, \
            StringsWriter(folder, "headings") as headings, StringsWriter(folder, "docs") as doc_ids, \
            StringsWriter(folder, "titles") as titles:
        for doc_id, source, a, b, title in documents:
            rows = source.rows_of(a, b) if isinstance(source, _Spill) else _old_rows(source, a, b, title)
            for chunk_id, text, heading, chunk_title in zip(rows.ids, rows.texts, rows.headings, rows.titles):
                ids.append(chunk_id)
                id_hashes.append(hash64(chunk_id))
                texts.append(text)
                headings.append(heading)
                bm25.add(Chunk("", doc_id, chunk_title, heading, text, 0, 0).embedding_text)
            row_info = np.zeros((b - a, 5), dtype=np.int64)
            row_info[:, :4] = rows.info
            row_info[:, 4] = len(doc_starts) - 1
            info_parts.append(row_info)
            count_parts.append(np.asarray(rows.sentence_counts, dtype=np.int64))
            vectors.write(rows.vectors)
            sentences.write(rows.sentences)
            spans.write(rows.spans)
            doc_ids.append(doc_id)
            doc_hashes.append(hash64(doc_id))
            titles.append(title)
            doc_starts.append(doc_starts[-1] + b - a)
    arrays = {
        "chunk_info.npy": np.concatenate(info_parts) if info_parts else np.zeros((0, 5), np.int64),
        "sentence_starts.npy": np.concatenate([[0], np.cumsum(np.concatenate(count_parts) if count_parts else [], dtype=np.int64)]).astype(np.int64),
        "doc_starts.npy": np.array(doc_starts, dtype=np.int64),
    }
    for name, values in arrays.items():
        np.save(folder / name, values)
    del info_parts, count_parts, arrays
    names = ["vectors.npy", "sentences.npy", "chunk_info.npy", "sentence_starts.npy", "spans.npy", "doc_starts.npy"]
    names += ids.names + write_hash_lookup(folder, "ids", np.frombuffer(id_hashes, dtype=np.uint64))
    names += texts.names + headings.names
    names += doc_ids.names + write_hash_lookup(folder, "docs", np.frombuffer(doc_hashes, dtype=np.uint64))
    names += titles.names
    del id_hashes, doc_hashes
    names += bm25.finish().save(folder)
    manifest["chunks"] = count
    manifest.pop("ann", None)
    if count > dense.EXACT_LIMIT:
        import faiss

        ann, manifest["ann"] = dense.build_ann(np.load(folder / "vectors.npy", mmap_mode="r"))
        faiss.write_index(ann, str(folder / "ann.faiss"))
        names.append("ann.faiss")
    return names


def _sentence_count(source: "_Spill | _Version", a: int, b: int) -> int:
    if isinstance(source, _Spill):
        return source.sentence_count(a, b)
    return int(source.sentence_starts[b]) - int(source.sentence_starts[a]) if b > a else 0


class _NpyWriter:
    """An .npy file of a known shape written in row blocks (the same bytes np.save writes for the whole array)."""

    def __init__(self, path: Path, dtype, shape: tuple[int, ...]) -> None:
        self.path, self.dtype, self.shape = path, np.dtype(dtype), shape
        self._file = open(path, "wb")
        np.lib.format.write_array_header_1_0(self._file, {"descr": np.lib.format.dtype_to_descr(self.dtype),
                                                          "fortran_order": False, "shape": shape})
        self.rows = 0

    def write(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=self.dtype).reshape(-1, *self.shape[1:])
        self._file.write(block.tobytes())
        self.rows += len(block)

    def __enter__(self) -> "_NpyWriter":
        return self

    def __exit__(self, *exc) -> None:
        self._file.close()
        if exc[0] is None and self.rows != self.shape[0]:
            raise RuntimeError(f"{self.path.name}: wrote {self.rows} rows of {self.shape[0]}")


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
