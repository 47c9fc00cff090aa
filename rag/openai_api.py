"""`rag serve` as an OpenAI-compatible model, so chat clients (the official `openai` package, Open WebUI,
LibreChat) can use rag as if it were one: GET /v1/models and POST /v1/chat/completions, streamed or not.

The last user message is the question; the user message before it completes a follow-up ("and in 2035?"),
as on the chat page. The reply's text is the answer with its [n] markers, then a sources list; the
citations also come whole in an extra top-level `citations` field (on the last chunk when streamed), and
when the LLM failed and the extractive answer stands in, the text says so and a `fallback` field holds the error.
Sampling settings (temperature, max_tokens …) are accepted and ignored: the answer is rag's.
"""
from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from .answer import Answer
from .errors import RagError
from .streaming import written

if TYPE_CHECKING:
    from .server import Shared

MODEL = "rag"
CREATED = 1767225600  # 2026-01-01, when the model id "rag" was first served
MAX_MESSAGES = 200


class ChatMessage(BaseModel):
    role: str = Field(max_length=20, examples=["user"])
    # A string, or a list of content parts ({"type": "text", "text": "..."}) as newer clients send.
    content: str | list[dict[str, Any]] | None = Field(None, examples=["What is Xi'an's 2030 NEV output target?"])


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    model: str = Field(MODEL, max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


def openai_router(shared: "Shared", prepare: Callable[[str, str | None], tuple[str, str | None]], error: type[Exception]) -> APIRouter:
    """The /v1 routes over the server's shared Assistant; `prepare` checks a question and completes a
    follow-up from the previous one; `error(status, message)` is the server's error response."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])

    @router.get("/models", summary="The one model this server offers, `rag` (OpenAI API)")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": CREATED, "owned_by": "rag"}]}

    @router.post("/chat/completions", summary="Answer the last user message (OpenAI API, streamed or not)",
                 description="The answer text carries `[n]` markers and a sources list; the top-level "
                             "`citations` field holds them whole. With `stream: true`, Server-Sent Events "
                             "of `chat.completion.chunk` objects end with `data: [DONE]`.")
    async def chat(body: ChatRequest) -> Any:
        questions = [_text(m.content) for m in body.messages if m.role == "user"]
        if not questions:
            raise error(400, "no user message: the last user message is the question")
        question, previous = prepare(questions[-1], questions[-2] if len(questions) > 1 else None)
        started, deadline = time.perf_counter(), shared.deadline()
        retrieval = await shared.run(shared.retrieve, question, None, deadline=deadline)
        reply = f"chatcmpl-{uuid.uuid4().hex}"
        pieces = written(shared, question, retrieval, started, deadline, previous, whole=False)
        if body.stream:
            return StreamingResponse(_chunks(reply, pieces), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        answer = None
        async for item in pieces:
            if isinstance(item, Answer):
                answer = item
        return {"id": reply, "object": "chat.completion", "created": int(time.time()), "model": MODEL,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": _ending(answer, "").lstrip("\n")},
                             "finish_reason": "stop"}],
                "citations": _citations(answer), **_fallback(answer)}

    return router


async def _chunks(reply: str, pieces: AsyncIterator[str | Answer]) -> AsyncIterator[str]:
    created = int(time.time())

    def chunk(delta: dict, finish: str | None = None, **extra: Any) -> str:
        body = {"id": reply, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    streamed = []
    try:
        async for item in pieces:
            if isinstance(item, str):
                streamed.append(item)
                yield chunk({"content": item})
                continue
            yield chunk({"content": _ending(item, " ".join("".join(streamed).split()))})
            yield chunk({}, "stop", citations=_citations(item), **_fallback(item))
    except RagError as exc:  # the question, or the LLM failing without fallback
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'rag_error'}})}\n\n"
    except Exception as exc:  # the server's time-out (ApiError) and any bug end the stream as an error too
        message = getattr(exc, "message", "internal error")
        yield f"data: {json.dumps({'error': {'message': message, 'type': 'server_error'}})}\n\n"
    yield "data: [DONE]\n\n"


def _ending(answer: Answer, streamed: str) -> str:
    """What follows the streamed text: the sources; first the final answer, when it is not the text streamed
    (a written answer its passages did not support, or the extractive answer after the LLM failed)."""
    if answer.answer == streamed:
        return _sources(answer)
    note = f"\n\n({answer.fallback}; the extractive answer follows)\n" if answer.fallback else "\n\n"
    return note + answer.answer + _sources(answer)


def _fallback(answer: Answer) -> dict[str, str]:
    """The extra `fallback` field (the LLM's error) when the extractive answer stands in for the LLM's."""
    return {"fallback": answer.fallback} if answer.fallback else {}


def _sources(answer: Answer) -> str:
    lines = [f"[{c.n}] {c.title or c.source} ({c.source})" for c in answer.citations]
    unsupported = [f"- {c['sentence']} ({c['reason']})" for c in answer.answer_checks if not c["supported"]]
    text = ""
    if unsupported and not answer.abstained:
        text += "\n\nNot supported by the passages it cites:\n" + "\n".join(unsupported)
    if lines:
        text += "\n\n" + ("Closest passages:" if answer.abstained else "Sources:") + "\n" + "\n".join(lines)
    return text


def _citations(answer: Answer) -> list[dict]:
    return answer.to_dict()["citations"]


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if part.get("type") == "text")
    return content or ""
