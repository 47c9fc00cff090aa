"""`rag serve`: a local chat page and a small JSON API over the same rag.Assistant as the CLI.

The model and index load once and are shared by every request. Answering runs in a worker
thread so the event loop stays free, one question at a time (see Shared.lock).

Nothing waits forever: a question not answered within ANSWER_TIMEOUT gets a 503, a request body
must arrive within BODY_TIMEOUT, the request line and headers within HEADER_TIMEOUT, and an idle
connection closes after KEEP_ALIVE. Errors reach the client as `{"error": "..."}`; an unexpected
one is logged here and reaches the client as "internal error", without a trace or a path.

Only requests addressed to this server's own names are answered (AllowedHosts), so a web page whose
name a DNS rebinding points at 127.0.0.1 cannot read the corpus through a local browser. Open
connections are capped below the open-file limit (the oldest idle one makes room for a new one), and
a message repeated many times a second is logged a few times plus a count (RateLimitedLog).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import resource
import socket
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Union

import anyio
import h11
import jinja2
from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from . import __version__
from .answer import Answer
from .assistant import Assistant
from .cli import EXAMPLE
from .config import K_MAX, PACKAGE_DIR, Config
from .documents_api import UPLOAD_MAX, documents_router
from .errors import RagError
from .followup import not_a_repeat, resolve_followup
from .retrieve import Retrieval
from .streaming import written

if TYPE_CHECKING:
    import uvicorn

MAX_BODY = 64 * 1024  # bytes; a question is at most a few KB, so anything bigger is a mistake or abuse
ANSWER_TIMEOUT = 30.0  # s; longer than any question takes (about 0.1 s), short of a client giving up
BODY_TIMEOUT = 10.0  # s for the whole request body to arrive
HEADER_TIMEOUT = 10.0  # s for the request line and headers to arrive
KEEP_ALIVE = 5  # s an idle connection stays open between requests
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # the names a local browser uses for this server
FILE_HEADROOM = 64  # open files kept free of connections: model, index files, logs, a re-index
LOG_PER_SECOND = 5  # times one message is logged per second before the rest are only counted
log = logging.getLogger("rag.server")

AssistantSource = Union[Assistant, Callable[[], Assistant]]


def web_dir() -> Path:
    """web/ beside the package in a checkout, or rag/web inside an installed wheel."""
    for candidate in (PACKAGE_DIR.parent / "web", PACKAGE_DIR / "web"):
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError("the web page files (web/templates, web/static) are missing from this install")


# --- the app ---

class AskRequest(BaseModel):
    question: str = Field(description="the question", examples=[EXAMPLE])
    k: int | None = Field(None, ge=1, le=K_MAX, description=f"passages to consider (default {Config.k})")
    history: list[str] = Field(default_factory=list, max_length=100,
                               description="earlier questions, oldest first; the last one completes a follow-up question")


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


class Shared:
    """The one Assistant and the lock that serialises its use: the torch model and the index's
    lazily built FAISS search are not meant to run from several threads at once."""

    def __init__(self, source: AssistantSource, timeout: float = ANSWER_TIMEOUT) -> None:
        self.source = source
        self.assistant: Assistant | None = source if isinstance(source, Assistant) else None
        self.lock = threading.Lock()
        self._loading = threading.Lock()
        self.timeout = timeout

    def load(self) -> Assistant:
        if self.assistant is None:  # only before startup has finished; afterwards never blocks
            with self._loading:
                if self.assistant is None:
                    self.assistant = self.source()  # type: ignore[operator]
        return self.assistant

    def deadline(self) -> float:
        return time.monotonic() + self.timeout

    def too_slow(self) -> ApiError:
        return ApiError(503, f"no answer within {self.timeout:g} s: the server is busy; try again in a moment",
                        {"Retry-After": "5"})

    async def run(self, work: Callable[..., Any], *args: Any, deadline: float) -> Any:
        """work(*args, deadline) in a worker thread; a 503 ApiError if it has not returned by the deadline.
        A thread cannot be stopped: one that overruns finishes in the background, and questions behind
        it wait for the lock no longer than their own deadline, so worker threads never pile up."""
        with anyio.move_on_after(deadline - time.monotonic()):
            return await anyio.to_thread.run_sync(work, *args, deadline, abandon_on_cancel=True)
        raise self.too_slow()

    def _acquire(self, deadline: float) -> None:
        if not self.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise self.too_slow()

    def retrieve(self, question: str, k: int | None, deadline: float) -> Retrieval:
        assistant = self.load()
        assistant.refresh()  # a `rag index` run meanwhile is picked up here; quick, so outside the lock
        self._acquire(deadline)
        try:
            return assistant.retrieve(question, k)
        finally:
            self.lock.release()

    def answer(self, question: str, retrieval: Retrieval, started: float, previous: str | None, deadline: float) -> Answer:
        # Assistant.ask is retrieve + answer; the stream sends the passages between the two.
        assistant = self.load()
        self._acquire(deadline)
        try:
            answer = assistant.answer(question, retrieval)
            if previous:  # a completed follow-up
                answer = not_a_repeat(assistant.ask, previous, question, retrieval, answer, assistant.answer)
        finally:
            self.lock.release()
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


def create_app(source: AssistantSource, timeout: float = ANSWER_TIMEOUT,
               allowed_hosts: tuple[str, ...] | list[str] = LOCAL_HOSTS, allow_upload: bool = False) -> FastAPI:
    """The web app over an Assistant, or over a function that opens one (called once, at startup).
    A question not answered within `timeout` seconds gets a 503; a request whose Host header is not
    one of `allowed_hosts` (with or without a port) gets a 400. With allow_upload the page may add
    documents to the corpus folder and remove them."""
    shared = Shared(source, timeout)
    web = web_dir()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(shared.load)
        yield

    app = FastAPI(title="rag", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Grounded, cited answers from a folder of documents, offline. "
                              "Errors are JSON objects `{\"error\": \"...\"}` with a 4xx status, or 503 "
                              f"when no answer came within {timeout:g} s.")
    app.add_middleware(BodyLimit, limit=MAX_BODY, timeout=BODY_TIMEOUT, uploads=UPLOAD_MAX)
    app.add_middleware(AllowedHosts, hosts=allowed_hosts)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=web / "static"), name="static")
    app.include_router(documents_router(shared.load, shared.lock, allow_upload))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(web / "templates"), autoescape=True)
    templates = Jinja2Templates(env=env)

    def limit() -> int:
        return shared.load().config.max_question_chars

    def prepare(question: str, previous: str | None) -> tuple[str, str | None]:
        """The question to answer, and the previous one when it completed a follow-up."""
        if not question.strip():
            raise ApiError(400, "the question is empty: type a question")
        if len(question) > limit():
            raise ApiError(413, f"the question is too long ({len(question)} characters; the limit is {limit()})")
        previous = (previous or "")[: limit()]
        resolved = resolve_followup(question, previous)
        if len(resolved) > limit() or resolved == " ".join(question.split()):
            return question, None
        return resolved, previous

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(_error_body(request, exc.message, exc.status), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        # A bad question is the client's (400); a generator's server failing is upstream's (rag.llm: 502).
        status = getattr(exc, "http_status", 400)
        return JSONResponse(_error_body(request, str(exc), status), status_code=status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(_error_body(request, str(exc.detail), exc.status_code), status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(_error_body(request, "the request body is not valid JSON", 400), status_code=400)
        message = "; ".join(_describe_error(e) for e in errors[:3])
        return JSONResponse(_error_body(request, message, 422), status_code=422)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("error while serving %s", request.url.path)
        return JSONResponse({"error": "internal error"}, status_code=500)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page(request: Request) -> HTMLResponse:
        assistant = shared.load()
        return templates.TemplateResponse(request, "index.html", {
            "example": EXAMPLE, "max_chars": assistant.config.max_question_chars,
            "chunks": len(assistant.store), "version": __version__,
            # the page gives up when nothing arrived for a little longer than the server would wait: its
            # 503, or an LLM generator's wait between two pieces of its stream
            "timeout_ms": int((max(shared.timeout, assistant.config.llm_timeout if assistant.config.generator == "llm" else 0) + 5) * 1000)})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "docs.html", {"api": app.openapi(), "version": __version__})

    @app.post("/api/ask", summary="Answer a question",
              description="The same JSON object as `rag ask --json`. `history` holds earlier questions so a "
                          "follow-up (\"and what about X?\") is completed from the last one; the answer's "
                          "`question` is the question as answered. 400 for an empty question, 413 for one "
                          "longer than the limit, 422 for a bad `k`, 503 when no answer came in time.")
    async def ask(body: AskRequest) -> dict[str, Any]:
        question, previous = prepare(body.question, body.history[-1] if body.history else None)
        started, deadline = time.perf_counter(), shared.deadline()
        retrieval = await shared.run(shared.retrieve, question, body.k, deadline=deadline)
        answer = await shared.run(shared.answer, question, retrieval, started, previous, deadline=deadline)
        return answer.to_dict()

    @app.get("/api/ask/stream", summary="Answer a question, streamed as Server-Sent Events",
             description="Events: `passages` (the retrieved passages, a JSON list), then `answer` (the answer "
                         "text as soon as it is ready, in one or more JSON strings, in order), then `done` (the full answer, as "
                         "from POST /api/ask), or `error` (`{\"error\": ...}`). Invalid requests get a 4xx "
                         "JSON error before the stream starts.")
    async def ask_stream(
        question: str = Query(..., description="the question"),
        k: int | None = Query(None, ge=1, le=K_MAX, description=f"passages to consider (default {Config.k})"),
        context: str | None = Query(None, description="the previous question, to complete a follow-up"),
    ) -> StreamingResponse:
        question, previous = prepare(question, context)
        return StreamingResponse(_events(shared, question, k, previous), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    @app.get("/api/passages/{chunk_id:path}", summary="One passage by its chunk id",
             description="404 for an id the index does not hold.")
    async def passage(chunk_id: str = PathParam(description="a citation's chunk_id, e.g. 001_e0bc9c2f253517cb.txt:0")
                      ) -> dict[str, Any]:
        stored = shared.load().store.fetch([chunk_id])[0]  # only ids the store holds; never a filesystem path
        if stored is None:
            raise ApiError(404, "no passage with that id")
        c = stored.chunk
        return {"chunk_id": c.chunk_id, "source": c.doc_id, "title": c.title, "heading": c.heading, "text": c.text}

    from .openai_api import openai_router  # it uses this module's Shared and ApiError

    app.include_router(openai_router(shared, prepare, ApiError))

    @app.get("/healthz", summary="Liveness, with the index size and model name")
    async def healthz() -> dict[str, Any]:
        assistant = shared.load()
        return {"status": "ok", "chunks": len(assistant.store), "model": assistant.store.model}

    return app


def _error_body(request: Request, message: str, status: int) -> dict:
    """An error reply: {"error": message}; under /v1/, the OpenAI API's shape, whose clients show error.message."""
    if request.url.path.startswith("/v1/"):
        return {"error": {"message": message, "type": "invalid_request_error" if status < 500 else "server_error",
                          "param": None, "code": None}}
    return {"error": message}


async def _events(shared: Shared, question: str, k: int | None, previous: str | None) -> AsyncIterator[str]:
    try:
        started, deadline = time.perf_counter(), shared.deadline()
        retrieval = await shared.run(shared.retrieve, question, k, deadline=deadline)
        yield _sse("passages", [p.to_dict() for p in retrieval.passages])
        async for item in written(shared, question, retrieval, started, deadline, previous):
            yield _sse("answer", item) if isinstance(item, str) else _sse("done", item.to_dict())
    except RagError as exc:  # a bad question, or the LLM failing without fallback
        yield _sse("error", {"error": str(exc)})
    except ApiError as exc:
        yield _sse("error", {"error": exc.message})
    except Exception:
        log.exception("error while answering %r", question)
        yield _sse("error", {"error": "internal error"})


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _describe_error(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid request"))


class BodyLimit:
    """Refuses request bodies over `limit` bytes (`uploads` bytes for a document upload) with 413,
    whether or not Content-Length is sent, and bodies that take longer than `timeout` seconds to
    arrive with 408 (a slow client cannot hold a connection open by sending a byte now and then)."""

    def __init__(self, app: ASGIApp, limit: int, timeout: float = BODY_TIMEOUT, uploads: int = 0) -> None:
        self.app = app
        self.limit = limit
        self.timeout = timeout
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = max(self.limit, self.uploads) if (scope["method"], scope["path"]) == ("POST", "/api/documents") else self.limit
        length = dict(scope["headers"]).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > limit:
            return await self._refuse(scope, receive, send, limit)
        body, more = b"", True
        deadline = time.monotonic() + self.timeout
        while more:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                response = JSONResponse({"error": f"the request body took longer than {self.timeout:g} s to arrive"},
                                        status_code=408, headers={"Connection": "close"})
                return await response(scope, receive, send)
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await self._refuse(scope, receive, send, limit)
        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = JSONResponse({"error": f"request body too large (limit {limit // 1024} KB)"}, status_code=413)
        await response(scope, receive, send)


class AllowedHosts:
    """Answers only requests whose Host header names this server; others get a 400 JSON error.
    The 127.0.0.1 bind alone does not stop DNS rebinding: a page from evil.example whose name is
    re-pointed at 127.0.0.1 is same-origin with this server in the browser, but its requests say
    `Host: evil.example`."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...] | list[str]) -> None:
        self.app = app
        self.hosts = {host_name(h) for h in hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and host_name(dict(scope["headers"]).get(b"host", b"").decode("latin-1")) not in self.hosts:
            response = JSONResponse({"error": "this server does not answer for that host name "
                                              "(start it with --allowed-host NAME to allow one)"}, status_code=400)
            return await response(scope, receive, send)
        await self.app(scope, receive, send)


def host_name(host: str) -> str:
    """The name in a Host header or an address, without the port or IPv6 brackets, lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        return host.split(":", 1)[0]
    return host


class SecurityHeaders:
    """A strict Content-Security-Policy: the page's only scripts and styles are its own files, so
    text from a document can never run even if it reached the DOM as markup."""

    POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"content-security-policy", self.POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


def _guarded_h11(max_connections: int) -> type:
    """uvicorn's HTTP/1.1 protocol, plus a bound on the time to send the request line and headers,
    and on the number of open connections.
    uvicorn only times out idle connections between requests; without this, a client that connects
    and sends its headers a byte at a time (slowloris) would hold a connection for ever. Past
    `max_connections`, a new connection closes the one idle longest (waiting for its request, or
    between requests), or itself when none is idle: the process never runs out of file descriptors
    (then asyncio stops accepting anyone and logs each failed accept), and a real client still gets in."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11(H11Protocol):
        header_timer: asyncio.TimerHandle | None = None
        idle_since = 0.0

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()
            if len(self.connections) > max_connections:
                # this one is idle too (waiting for its request), and the newest
                idle = [c for c in self.connections if isinstance(c, GuardedH11) and c.header_timer is not None]
                oldest = min(idle, key=lambda c: c.idle_since)
                oldest._disarm()  # not picked again before it is gone
                oldest.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._disarm()  # the headers are in; the body has its own limit (BodyLimit)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.conn.their_state is h11.IDLE:
                self._arm()  # the next request on this connection gets the same bound

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self.idle_since = time.monotonic()
            self.header_timer = self.loop.call_later(HEADER_TIMEOUT, self._headers_too_slow)

        def _disarm(self) -> None:
            if self.header_timer is not None:
                self.header_timer.cancel()
                self.header_timer = None

        def _headers_too_slow(self) -> None:
            self.header_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11


def make_server(app: ASGIApp, max_connections: int | None = None) -> "uvicorn.Server":
    """The uvicorn server `rag serve` runs, with its time limits and a cap on open connections
    (at most `max_connections`, and never more than the open-file limit leaves room for);
    start it with .run(sockets=[sock])."""
    import uvicorn

    cap, backlog = connection_limits(max_connections)
    return uvicorn.Server(uvicorn.Config(
        app, log_level="warning", http=_guarded_h11(cap), timeout_keep_alive=KEEP_ALIVE, backlog=backlog,
        log_config=None,  # uvicorn's records go to the root logger, through RateLimitedLog (see serve)
        # A long question percent-encoded in the stream URL can exceed h11's default 16 KB.
        h11_max_incomplete_event_size=MAX_BODY))


def connection_limits(wanted: int | None = None) -> tuple[int, int]:
    """(connections open at once, connections accepted at a time) that fit the open-file limit, whose
    soft value is first raised to the hard one (a common soft default is 1 024). asyncio accepts up to
    a backlog of connections per turn of its loop, and one over the cap is closed a few turns later:
    besides FILE_HEADROOM for the model, index and logs, room for four such batches is kept free."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, 1 << 20) if hard != resource.RLIM_INFINITY else 1 << 20
    if soft == resource.RLIM_INFINITY:
        soft = target
    elif soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    backlog = max(16, min(2048, soft // 16))
    room = max(1, soft - FILE_HEADROOM - 4 * backlog)
    return (min(wanted, room) if wanted else room), backlog


class RateLimitedLog(logging.Filter):
    """Lets each message (told apart by the first 60 characters of its format string, as asyncio puts
    timings and addresses after that) through at most `per_second` times a second; the next one let
    through says how many were dropped. A flood of alike errors (say, every accept failing) costs a
    few lines a second instead of megabytes."""

    def __init__(self, per_second: int = LOG_PER_SECOND) -> None:
        super().__init__()
        self.per_second = per_second
        self.seen: dict[tuple, list] = {}  # key -> [second, passed this second, dropped since last passed]
        self.lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg)[:60])
        second = int(time.monotonic())
        with self.lock:
            if len(self.seen) > 10_000:  # messages that differ every time are not repeats: forget them
                self.seen.clear()
            entry = self.seen.setdefault(key, [second, 0, 0])
            if entry[0] != second:
                entry[0], entry[1] = second, 0
            if entry[1] >= self.per_second:
                entry[2] += 1
                return False
            entry[1] += 1
            dropped, entry[2] = entry[2], 0
        if dropped:
            record.msg = f"[{dropped} more like this suppressed] {record.msg}"
        return True


def _log_to_stderr() -> None:
    """Every logger of this process (ours, uvicorn's, asyncio's) to stderr through one RateLimitedLog."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(RateLimitedLog())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000,
          log: Callable[[str], None] = print, allow_upload: bool = False) -> int:
    """Load the assistant, then serve the page and API until interrupted; returns the exit code."""
    _log_to_stderr()
    try:
        # Bind first: a busy port is a one-line error before the slow model load, and port 0
        # reports the port it got. Connections wait in the listen queue until the app is ready.
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        log(f"rag: error: cannot listen on {host}:{port}: {os.strerror(exc.errno) if exc.errno else exc}")
        return 1
    with sock:
        assistant = Assistant.open(config=config, log=log)
        assistant.embedder.encode(["warm up"])  # load the model now rather than on the first question
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        log(f"rag: serving on http://{shown}:{bound}  (API docs at /docs; Ctrl+C to stop)")
        if host_name(host) in ("0.0.0.0", "::"):
            log("rag: note: requests are answered only when addressed to 127.0.0.1, localhost or a name given with --allowed-host")
        if allow_upload:
            log(f"rag: the page may add documents to and remove them from {config.corpus}")
        hosts = (*LOCAL_HOSTS, host, *config.allowed_hosts)
        app = create_app(assistant, allowed_hosts=hosts, allow_upload=allow_upload)
        make_server(app, config.max_connections).run(sockets=[sock])
    return 0
