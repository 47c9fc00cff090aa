"""Stores behind one interface (rag.stores.base.Store), chosen by name in Config.store."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import RagError
from .base import IndexCorrupt, IndexMissing, Store, StoredChunk, Writer

__all__ = ["IndexCorrupt", "IndexMissing", "Store", "StoredChunk", "Writer", "namespaced", "open_store"]


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


def namespaced(name: str, namespace: str) -> str:
    """The store name for a separate index beside the named one (an eval suite's): a database store gets
    its own schema; the local store is separated by its index directory, so its name is unchanged."""
    if not name.startswith(("postgresql://", "postgres://")):
        return name
    parts = urlsplit(name)
    options = dict(parse_qsl(parts.query))
    namespace = re.sub(r"[^a-z0-9_]", "_", namespace.lower())
    options["schema"] = "_".join(x for x in (options.get("schema"), namespace) if x)[:63]
    return urlunsplit(parts._replace(query=urlencode(options)))
