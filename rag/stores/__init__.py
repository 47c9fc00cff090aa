"""Stores behind one interface (rag.stores.base.Store), chosen by name in Config.store."""
from __future__ import annotations

from pathlib import Path

from ..errors import RagError
from .base import IndexCorrupt, IndexMissing, Store, StoredChunk, Writer

__all__ = ["IndexCorrupt", "IndexMissing", "Store", "StoredChunk", "Writer", "open_store"]


class UnknownStore(RagError):
    pass


def open_store(name: str, index_dir: Path, create: bool = False) -> Store:
    """The store called name: "local" (files in index_dir), "memory", or a postgresql:// URL.
    IndexMissing if it holds no index yet, unless create is set (then it opens empty)."""
    if name.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(name, create=create)
    if name == "local":
        from .local import LocalStore

        return LocalStore.create(index_dir) if create else LocalStore(index_dir)
    if name == "memory":
        from .memory import MemoryStore

        store = MemoryStore()
        if not create:
            raise IndexMissing("the memory store starts empty (it is built at every open)")
        return store
    raise UnknownStore(f"unknown store {name!r}: use local, memory, or a postgresql://user@host/db URL")
