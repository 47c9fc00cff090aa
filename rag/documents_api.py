"""The page's documents API, mounted by rag.server: what the index holds, whole documents, example
questions drawn from them, answer feedback, and — only with `rag serve --allow-upload`, since it
writes to the corpus folder — adding and removing documents, each followed by an incremental index
update that runs in the background and reports its progress.
"""
from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from . import feedback
from .answer import ExtractiveGenerator
from .assistant import Assistant, build_index, roots_of
from .embed import load_embedder
from .build import corpus_files
from .ingest import SUFFIXES, UnreadableFile, load_document

UPLOAD_MAX = 5 << 20  # bytes; a bigger document is better added with `rag index`, which shows a progress bar
EXAMPLES = 4
EXAMPLE_TRIES = 24  # candidates asked at most: about 20 ms each, once per index version
_NAME = re.compile(r"^[\w][\w .()'’,-]{0,150}$")  # a plain file name: no path, no hidden file
_HEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*\.?|[IVX]+\.|[（(]?[一二三四五六七八九十]+[）)、.])\s*")


class FeedbackRequest(BaseModel):
    question: str = Field(max_length=4000, description="the question as the user typed it")
    answer: dict[str, Any] = Field(description="the answer as returned by /api/ask")
    rating: str = Field(pattern="^(up|down)$", description="up or down")
    comment: str = Field("", max_length=feedback.MAX_COMMENT, description="optional")


class Job:
    """The one index update at a time: its state and the progress lines the page shows."""

    def __init__(self) -> None:
        self.state = "idle"  # idle | running | done | failed
        self.action = ""
        self.doc_id = ""
        self.lines: list[str] = []
        self.summary = ""
        self._claim = threading.Lock()

    def claim(self, action: str, doc_id: str) -> None:
        """Mark an update as running, or 409 if one already is (two requests may race here)."""
        with self._claim:
            if self.state == "running":
                raise HTTPException(409, "the index is being updated; try again when it has finished")
            self.state, self.action, self.doc_id, self.lines, self.summary = "running", action, doc_id, [f"{action}…"], ""

    def fail(self, message: str) -> None:
        self.summary, self.state = message, "failed"
        self.lines.append(message)

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "action": self.action, "doc_id": self.doc_id,
                "progress": self.lines[-20:], "summary": self.summary}


def documents_router(load: Callable[[], Assistant], assistant_lock: threading.Lock, allow_upload: bool) -> APIRouter:
    """The routes; `load` returns the served Assistant, `assistant_lock` serialises its use."""
    router = APIRouter()
    job = Job()
    builder: list[Any] = []  # the embedder index updates use, loaded on the first one
    cached_examples: dict[str, Any] = {}  # the welcome screen's questions for one store version

    def manifest() -> dict[str, Any]:
        return {"files": {}, "skipped": {}, **load().store.manifest}

    def titles() -> dict[str, str]:
        store = load().store
        return {doc_id: chunks[0].chunk.title for doc_id in store.manifest.get("files", {})
                if (chunks := store.chunks_of(doc_id))}

    def examples() -> list[str]:
        assistant = load()
        version = assistant.store.version
        if cached_examples.get("version") != version:
            with assistant_lock:
                cached_examples.update(version=version, questions=example_questions(assistant))
        return cached_examples["questions"]

    def upload_folder() -> Path:
        roots = roots_of(load().config)
        if len(roots) != 1 or not roots[0].is_dir():
            raise HTTPException(409, "uploads need the corpus to be one folder (rag serve --corpus FOLDER)")
        return roots[0]

    def require_upload() -> None:
        if not allow_upload:
            raise HTTPException(403, "adding and removing documents is off; start the server with rag serve --allow-upload")

    @router.get("/api/documents", summary="The indexed documents, the skipped files and example questions",
                description="Each document: doc_id, title, size in bytes, chunks, when it was indexed. `skipped` lists "
                            "files the index left out, with the reason. `upload` says whether adding and removing "
                            "documents is allowed, with its size limit and file types.")
    async def documents() -> dict[str, Any]:
        data = await run_in_threadpool(manifest)
        names = titles()
        docs = [{"doc_id": doc_id, "title": names.get(doc_id, doc_id), "size": entry["signature"][0],
                 "chunks": entry["chunks"], "indexed": entry.get("indexed") or data.get("created", "")}
                for doc_id, entry in sorted(data["files"].items())]
        skipped = [{"doc_id": doc_id, "reason": entry["reason"]} for doc_id, entry in sorted(data["skipped"].items())]
        return {"documents": docs, "skipped": skipped, "examples": await run_in_threadpool(examples),
                "upload": {"allowed": allow_upload, "max_bytes": UPLOAD_MAX, "types": list(SUFFIXES)}}

    @router.get("/api/documents/status", summary="Progress of the index update after an upload or removal")
    async def status() -> dict[str, Any]:
        return job.to_dict()

    @router.get("/api/documents/{doc_id:path}", summary="A whole document, with where each of its passages sits",
                description="`text` is the document as cleaned for indexing; `passages` maps each chunk_id to its "
                            "[start, end] in text. 404 for a document the index does not hold.")
    async def document(doc_id: str = PathParam(description="a document id, e.g. 001_e0bc9c2f253517cb.txt")) -> dict[str, Any]:
        assistant = load()
        chunks = [s.chunk for s in assistant.store.chunks_of(doc_id)]
        path = corpus_files(roots_of(assistant.config)).get(doc_id) if chunks else None
        if path is None:  # only ids the index holds; never a path from the request
            raise HTTPException(404, "no document with that id")
        try:
            doc = await run_in_threadpool(load_document, path, doc_id)
        except UnreadableFile as exc:
            raise HTTPException(410, f"the document can no longer be read: {exc}") from None
        return {"doc_id": doc_id, "title": doc.title, "text": doc.text,
                "passages": {c.chunk_id: [c.start, c.end] for c in chunks}}

    @router.post("/api/documents", status_code=202, summary="Add a document (rag serve --allow-upload only)",
                 description=f"The request body is the file's bytes; `name` its file name ({', '.join(SUFFIXES)}; "
                             f"at most {UPLOAD_MAX >> 20} MB). It is checked with the same rules as `rag index`, "
                             "saved into the corpus folder, and the index is updated in the background: follow "
                             "GET /api/documents/status. 403 when uploads are off, 409 while an update runs, "
                             "413 too large, 415 wrong type, 422 a file `rag index` would skip (with the reason).")
    async def upload(request: Request, name: str) -> dict[str, Any]:
        require_upload()
        if not _NAME.match(name) or Path(name).suffix.lower() not in SUFFIXES:
            raise HTTPException(415, f"only {', '.join(SUFFIXES)} files with a plain name can be added")
        data = await request.body()
        if len(data) > UPLOAD_MAX:
            raise HTTPException(413, f"the file is too large (limit {UPLOAD_MAX >> 20} MB)")
        folder = upload_folder()
        await run_in_threadpool(_check_readable, data, name)
        job.claim(f"Adding {name}", name)
        try:
            temporary = folder / f".upload-{name}"  # hidden, so `rag index` skips it until it is whole
            temporary.write_bytes(data)
            temporary.replace(folder / name)
        except OSError as exc:
            job.fail(f"could not save {name}: {exc.strerror or exc}")
            raise HTTPException(507 if exc.errno == 28 else 500, job.summary) from None
        start()
        return job.to_dict()

    @router.delete("/api/documents/{doc_id:path}", status_code=202,
                   summary="Remove a document from the corpus folder and the index (rag serve --allow-upload only)")
    async def remove(doc_id: str = PathParam(description="a document id")) -> dict[str, Any]:
        require_upload()
        folder = upload_folder()
        path = corpus_files([folder]).get(doc_id)
        if path is None:
            raise HTTPException(404, "no document with that id")
        job.claim(f"Removing {doc_id}", doc_id)
        try:
            path.unlink()
        except OSError as exc:
            job.fail(f"could not remove {doc_id}: {exc.strerror or exc}")
            raise HTTPException(500, job.summary) from None
        start()
        return job.to_dict()

    @router.post("/api/feedback", summary="Rate an answer 👍 or 👎, with an optional comment",
                 description="Appended to the feedback file (Config.feedback_path; by default feedback.jsonl in the index directory); `rag feedback --to-gold` turns "
                             "the file into gold-set candidates.")
    async def rate(body: FeedbackRequest) -> dict[str, Any]:
        path = load().config.feedback_file
        await run_in_threadpool(feedback.record, path, body.question, body.answer, body.rating, body.comment)
        return {"stored": True}

    def start() -> None:
        threading.Thread(target=update, name="rag-index-update", daemon=True).start()

    def update() -> None:
        """`rag index` over the corpus (only changed files are embedded), then the served index switches."""
        assistant = load()
        try:
            if not builder:
                job.lines.append("Loading the embedding model…")
                builder.append(load_embedder(assistant.config.model))
            report = build_index(assistant.config, builder[0], log=job.lines.append)
            with assistant_lock:
                assistant.refresh()
            reason = report.skipped.get(job.doc_id)
            job.summary = f"skipped {job.doc_id}: {reason}" if reason else f"Indexed {report.summary()}"
            job.lines.append(job.summary)
            job.state = "done"
        except Exception as exc:  # the page shows it; the previous index stays in use
            job.fail(f"the index update failed: {exc}")

    return router


def _check_readable(data: bytes, name: str) -> None:
    """The skip rules of `rag index` (size, encoding, PDF, no text), applied before the file is saved."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            doc = load_document(path, name)
        except UnreadableFile as exc:
            raise HTTPException(422, f"{name} cannot be indexed: {exc}") from None
    if not doc.text.strip():
        raise HTTPException(422, f"{name} cannot be indexed: no text")


def example_questions(assistant: Assistant, limit: int = EXAMPLES) -> list[str]:
    """A few questions the corpus answers, from its section headings: one per document, documents in turn.
    A heading names what a section is about; a candidate is kept only if the extractive answerer answers it, so the
    welcome screen never offers a question that ends in "The corpus does not say"."""
    seen: set[str] = set()
    by_doc: dict[str, list[str]] = {}
    store = assistant.store
    for chunk in (s.chunk for doc_id in store.manifest.get("files", {}) for s in store.chunks_of(doc_id)):
        topic = _HEADING_NUMBER.sub("", chunk.heading).strip(" :：-—")
        words = topic.split()
        if 3 <= len(words) <= 12 and not topic.endswith(("?", ".", "!")) and topic.lower() not in seen:
            seen.add(topic.lower())
            by_doc.setdefault(chunk.doc_id, []).append(topic)
    questions: list[str] = []
    tried = 0
    checker = ExtractiveGenerator()  # quick and local whatever generator answers the page (an LLM may take seconds)
    while len(questions) < limit and tried < EXAMPLE_TRIES and any(by_doc.values()):
        for topics in by_doc.values():
            if topics and len(questions) < limit and tried < EXAMPLE_TRIES:
                tried += 1
                question = f"What does the corpus say about “{topics.pop(0)}”?"
                if not checker.generate(question, assistant.retrieve(question)).abstained:
                    questions.append(question)
    return questions

