"""The Store interface: where chunks, their vectors and their keyword statistics live.

Retrieval reads a store only through these methods, and the build pipeline (rag.build) writes one only
through a `Writer`, so the local files, an in-memory store and PostgreSQL are interchangeable. Chunks are
named by their chunk_id everywhere.

A store's `manifest` is what the last build recorded: {"roots", "settings", "model": {name, path, dim},
"files": {doc_id: {sha256, signature, chunks}}, "skipped": {doc_id: {reason, signature, sha256}}}.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from ..chunk import Chunk
from ..errors import RagError


class IndexMissing(RagError):
    pass


class IndexCorrupt(RagError):
    pass


@dataclass
class StoredChunk:
    chunk: Chunk
    vector: np.ndarray  # the chunk's embedding (L2-normalised float32)
    sentences: np.ndarray  # one embedding per chunk.sentences entry


class Writer(ABC):
    """Changes to a store, one document (file) at a time. Leaving the `with` block commits what is not
    committed yet; an exception inside it leaves the store as the last commit left it."""

    @abstractmethod
    def add(self, doc_id: str, record: dict, chunks: list[StoredChunk]) -> None:
        """Put a document's chunks in the store, replacing any it had; record: {sha256, signature}."""

    @abstractmethod
    def delete(self, doc_id: str) -> None:
        """Remove a document and its chunks."""

    @abstractmethod
    def finish(self, manifest: dict) -> None:
        """Record the build's roots, settings, model and skipped files (the manifest less "files")."""


class Store(ABC):
    """Chunks with a dense and a keyword index over them. The local store reads one version until
    `refresh()` moves it to the newest; a database store reads what is committed, and `refresh()`
    reloads its manifest when the version says something changed."""

    manifest: dict

    @property
    @abstractmethod
    def version(self) -> str:
        """Changes whenever the content changes: two processes reading one version see the same chunks."""

    @abstractmethod
    def __len__(self) -> int:
        """The number of chunks."""

    @abstractmethod
    def dense_search(self, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(chunk_id, cosine) of the n chunks nearest the vector, best first."""

    @abstractmethod
    def keyword_search(self, query: str, n: int) -> list[tuple[str, float]]:
        """(chunk_id, score) of the n best keyword matches with a score above 0, best first."""

    @abstractmethod
    def document_frequency(self, terms: Iterable[str]) -> dict[str, int]:
        """How many chunks use each of the terms (rag.text.terms output); 0 for a term no chunk uses."""

    @abstractmethod
    def fetch(self, chunk_ids: list[str]) -> list[StoredChunk | None]:
        """The chunks with those ids, in that order; None for an id the store does not hold."""

    @abstractmethod
    def chunks_of(self, doc_id: str) -> list[StoredChunk]:
        """A document's chunks, in order (the build reuses the vectors of unchanged passages)."""

    @abstractmethod
    def texts_matching(self, pattern: re.Pattern) -> Iterator[str]:
        """Every chunk text the pattern finds a match in (it may also yield texts it does not match)."""

    @abstractmethod
    def refresh(self) -> bool:
        """Move to the newest committed version; True if it changed."""

    @abstractmethod
    def writer(self, log=lambda message: None) -> AbstractContextManager[Writer]:
        """A writer; one at a time per store (a second waits, saying so through log)."""

    @property
    def model(self) -> str:
        return self.manifest.get("model", {}).get("name", "")

    def close(self) -> None:
        """Release connections or file handles."""
