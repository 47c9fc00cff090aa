"""A store held in process memory and never persisted: for tests, and for a corpus indexed per run."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Iterable, Iterator

import numpy as np

from .base import Store, StoredChunk, Writer
from .bm25 import BM25
from .dense import exact_search


class MemoryStore(Store):
    def __init__(self) -> None:
        self.manifest: dict = {"files": {}, "skipped": {}}
        self._docs: dict[str, list[StoredChunk]] = {}
        self._version = 0
        self._lock = threading.Lock()
        self._indexed = -1  # the version the search structures below were made for

    def _index(self) -> None:
        """Rebuild the search structures if the content changed since (cheap at the sizes this store is for)."""
        if self._indexed == self._version:
            return
        self._chunks = [s for stored in self._docs.values() for s in stored]
        self._rows = {s.chunk.chunk_id: i for i, s in enumerate(self._chunks)}
        self._vectors = np.stack([s.vector for s in self._chunks]).astype(np.float32) if self._chunks else None
        self._bm25 = BM25.build(s.chunk.embedding_text for s in self._chunks)
        self._indexed = self._version

    @property
    def version(self) -> str:
        return str(self._version)

    def __len__(self) -> int:
        return sum(len(stored) for stored in self._docs.values())

    def dense_search(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        self._index()
        if not self._chunks:
            return []
        return [(self._chunks[r].chunk.chunk_id, score) for r, score in exact_search(self._vectors, vector, n)]

    def keyword_search(self, query: str, n: int) -> list[tuple[str, float]]:
        self._index()
        return [(self._chunks[r].chunk.chunk_id, score) for r, score in self._bm25.top(query, n)]

    def document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        self._index()
        return {t: self._bm25.df(t) for t in terms}

    def fetch(self, chunk_ids: list[str]) -> list[StoredChunk | None]:
        self._index()
        return [self._chunks[self._rows[i]] if i in self._rows else None for i in chunk_ids]

    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        return list(self._docs.get(doc_id, []))

    def texts_matching(self, pattern: re.Pattern) -> Iterator[str]:
        self._index()
        return (s.chunk.text for s in self._chunks if pattern.search(s.chunk.text))

    def refresh(self) -> bool:
        return False  # every change is made in this process, and seen at once

    @contextmanager
    def writer(self, log=lambda message: None) -> Iterator[Writer]:
        with self._lock:
            yield _MemoryWriter(self)


class _MemoryWriter(Writer):
    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def add(self, doc_id: str, record: dict, chunks: list[StoredChunk]) -> None:
        others = [s for d, stored in self.store._docs.items() if d != doc_id for s in stored[:1]]
        if len({len(s.vector) for s in chunks + others[:1]}) > 1:
            raise ValueError(f"{doc_id}: vectors of different dimensions in one store")
        self.store._docs[doc_id] = list(chunks)
        self.store.manifest["files"][doc_id] = {**record, "chunks": len(chunks)}
        self._changed()

    def delete(self, doc_id: str) -> None:
        self.store._docs.pop(doc_id, None)
        self.store.manifest["files"].pop(doc_id, None)
        self._changed()

    def finish(self, manifest: dict) -> None:
        self.store.manifest.update({k: v for k, v in manifest.items() if k != "files"})

    def _changed(self) -> None:
        self.store._version += 1
