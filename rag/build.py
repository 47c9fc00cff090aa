"""The build pipeline: bring a store up to date with the files of a corpus, re-embedding only what changed.

Each file is read, chunked and embedded, then written to the store as one document (`Writer.add`); a file
whose content hash the store already holds is left alone, and within an edited file the passages and
sentences the edit did not touch keep their vectors.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunk import Chunk, chunk_document, model_token_counter
from .embed import Embedder, OnnxUnavailable, export_onnx
from .errors import RagError
from .ingest import UnreadableFile, check_size, file_hash, list_files, load_document, printable_name
from .stores.base import Store, StoredChunk


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


def _safe_signature(path: Path) -> tuple[int, int]:
    try:
        return _signature(path)
    except OSError:
        return (0, 0)


def is_stale(manifest: dict, roots: list[Path], settings: dict, follow_symlinks: bool = False) -> bool:
    """True when the corpus or the settings differ from what the store was built from. Entries skipped
    unread (a FIFO, a link out of the corpus) count by name only: a /proc file whose time changes at
    every look would otherwise make the index stale for ever."""
    if manifest.get("roots") != [str(r.resolve()) for r in roots] or manifest.get("settings") != settings \
            or manifest.get("follow_symlinks", False) != follow_symlinks:
        return True
    known = {**manifest.get("files", {}), **manifest.get("skipped", {})}
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
    store: Store,
    embedder: Embedder,
    settings: dict,
    rebuild: bool = False,
    log: Callable[[str], None] = lambda message: None,
    allow_empty: bool = False,
    follow_symlinks: bool = False,
) -> BuildReport:
    """Bring the store up to date with the files under roots. A build that finds no usable document
    raises NothingUsable and leaves the store as it was, unless allow_empty: an emptied or mistyped
    corpus must not wipe a live index."""
    started = time.perf_counter()
    report = BuildReport()
    with store.writer(log) as writer:
        manifest = store.manifest
        old_files = manifest.get("files", {})
        comparable = (not rebuild and manifest.get("settings") == settings
                      and manifest.get("model", {}).get("path") == str(embedder.path))
        previous_files = old_files if comparable else {}  # else chunks or vectors would not be comparable
        count = model_token_counter(embedder.path)
        fresh: dict[str, tuple[dict, list[Chunk]]] = {}
        known: dict[str, np.ndarray] = {}  # text -> vector, from the old version of files that changed
        found, listed_skips = list_corpus(roots, follow_symlinks)
        skipped: dict[str, dict] = {}
        for doc_id, reason in listed_skips.items():
            skipped[doc_id] = {"reason": reason, "signature": None, "sha256": ""}
            report.skipped[doc_id] = reason
        for doc_id, path in found.items():
            digest = ""
            try:
                signature = _signature(path)
                check_size(signature[0])
                previous = previous_files.get(doc_id)
                digest = previous["sha256"] if previous and list(signature) == previous["signature"] else file_hash(path)
                if previous and previous["sha256"] == digest:
                    report.unchanged.append(doc_id)
                    continue
                doc = load_document(path, doc_id)
                chunks = chunk_document(doc, count, settings["chunk_tokens"], settings["chunk_overlap"])
                if not chunks:
                    raise UnreadableFile("no text")
                if previous:  # an edited file: its unchanged passages and sentences keep their vectors
                    for stored in store.chunks_of(doc_id):
                        c = stored.chunk
                        known.setdefault(c.embedding_text, stored.vector)
                        for (a, b), vector in zip(c.sentences, stored.sentences):
                            known.setdefault(c.text[a:b], vector)
                fresh[doc_id] = ({"sha256": digest, "signature": list(signature)}, chunks)
                (report.updated if previous else report.added).append(doc_id)
            except (UnreadableFile, OSError) as exc:
                reason = str(exc) if isinstance(exc, UnreadableFile) else (exc.strerror or str(exc))
                # With its hash, a skipped file whose time changes but whose bytes do not leaves the index fresh.
                skipped[doc_id] = {"reason": reason, "signature": list(_safe_signature(path)), "sha256": digest}
                report.skipped[doc_id] = reason
        report.skipped = dict(sorted(report.skipped.items()))
        if not fresh and not report.unchanged and not allow_empty:
            raise NothingUsable(f"no usable documents found in {', '.join(map(str, roots))}; the index was left as it was"
                                " (to index nothing anyway: rag index --allow-empty)", report)
        gone = [d for d in old_files if d not in fresh and d not in report.unchanged]
        report.removed = sorted(d for d in gone if d not in skipped)
        dim = _embed_and_add(writer, fresh, known, embedder, log, report)
        for doc_id in gone:
            writer.delete(doc_id)
        if dim is None:
            dim = manifest.get("model", {}).get("dim") or embedder.dim
        writer.finish({"roots": [str(r.resolve()) for r in roots], "follow_symlinks": follow_symlinks, "settings": settings,
                       "model": {"name": embedder.name, "path": str(embedder.path), "dim": int(dim)},
                       "skipped": skipped})
    report.chunks = len(store)
    _ensure_onnx(embedder, log)
    report.seconds = time.perf_counter() - started
    return report


def _embed_and_add(writer, fresh: dict, known: dict, embedder, log, report: BuildReport) -> int | None:
    """Embed the new files' passages and sentences (each distinct text once: a sentence repeated by the
    chunk overlap, or a passage an edit left as it was, costs nothing) and add the files one by one.
    Returns the vectors' dimension, or None when there was nothing to embed."""
    if not fresh:
        return None
    chunks = [c for _, doc_chunks in fresh.values() for c in doc_chunks]
    log(f"Embedding {len(chunks)} chunks from {len(report.added) + len(report.updated)} files…")
    texts = [c.embedding_text for c in chunks] + [c.text[a:b] for c in chunks for a, b in c.sentences]
    wanted = list(dict.fromkeys(t for t in texts if t not in known))
    if wanted:
        known.update(zip(wanted, embedder.encode(wanted, progress=len(wanted) >= 256)))
    for doc_id, (record, doc_chunks) in fresh.items():
        stored = [StoredChunk(c, vector := np.asarray(known[c.embedding_text], dtype=np.float32),
                              np.array([known[c.text[a:b]] for a, b in c.sentences], dtype=np.float32).reshape(-1, len(vector)))
                  for c in doc_chunks]
        writer.add(doc_id, record, stored)
    return len(known[texts[0]])


def _ensure_onnx(embedder, log) -> None:
    """Make the ONNX export that lets queries skip PyTorch; an index without it still works, only slower to start."""
    if not isinstance(embedder, Embedder) or os.environ.get("RAG_BACKEND", "").lower() == "torch":
        return
    try:
        export_onnx(embedder, log)
    except (OnnxUnavailable, ImportError) as exc:
        log(f"Queries will use PyTorch: {exc}")
    except Exception as exc:  # an export that fails must not fail the index
        log(f"Queries will use PyTorch: the ONNX export failed ({exc.__class__.__name__}: {exc})")
