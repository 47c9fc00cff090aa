"""Answers as they are written, for the server's streams (the chat page's events and the OpenAI API).

A generator that streams (the LLM one) is read in a worker thread outside the shared lock, since it only
waits on its server; when the client goes away, Starlette cancels the response, and closing the stream
here cancels the upstream request. An answer that comes whole (the extractive one) is cut into pieces.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, AsyncIterator

import anyio

from .answer import Answer
from .retrieve import Retrieval

if TYPE_CHECKING:
    from .server import Shared

PIECE_DELAY = 0.012  # s between the pieces of an answer that came whole, so the page visibly writes it


async def written(shared: "Shared", question: str, retrieval: Retrieval, started: float, deadline: float,
                  pace: bool = True) -> AsyncIterator[str | Answer]:
    """The answer's text pieces in order, then the Answer itself."""
    stream = shared.load().stream(question, retrieval)
    if stream is None:
        answer = await shared.run(shared.answer, question, retrieval, started, deadline=deadline)
        for piece in re.findall(r"\S+\s*", answer.answer):
            yield piece
            if pace:
                await asyncio.sleep(PIECE_DELAY)
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
