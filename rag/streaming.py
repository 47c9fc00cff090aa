"""Answers as they are written, for the server's streams (the chat page's events and the OpenAI API).

A generator that streams (the LLM one) is read in a worker thread outside the shared lock, since it only
waits on its server; when the client goes away, Starlette cancels the response, and closing the stream
here cancels the upstream request. An answer that comes whole (the extractive one) is sent whole, as one piece
(the chat page shows it at once; no staged replay), or cut into word pieces for the OpenAI API's chunks.
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, AsyncIterator

import anyio

from .answer import Answer
from .retrieve import Retrieval

if TYPE_CHECKING:
    from .server import Shared


async def written(shared: "Shared", question: str, retrieval: Retrieval, started: float, deadline: float,
                  previous: str | None = None, whole: bool = True) -> AsyncIterator[str | Answer]:
    """The answer's text pieces in order, then the Answer itself. `previous` is the question a follow-up
    completed (an answer that comes whole is checked not to repeat it)."""
    stream = shared.load().stream(question, retrieval)
    if stream is None:
        answer = await shared.run(shared.answer, question, retrieval, started, previous, deadline=deadline)
        for piece in [answer.answer] if whole else re.findall(r"\S+\s*", answer.answer):
            yield piece
        yield answer
        return
    try:
        while (piece := await anyio.to_thread.run_sync(next, stream, None, abandon_on_cancel=True)) is not None:
            yield piece
    finally:
        stream.close()
    answer = stream.answer
    answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    yield answer
