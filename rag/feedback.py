"""👍/👎 feedback on answers: one JSON object a line in Config.feedback_path, and gold-set candidates made from it.

A thumbs-up answer becomes a candidate whose expected answer is the numbers it gave (or its first words),
a thumbs-down one a candidate with no expected answer yet and the user's comment, for a person to fill in.
Candidates go to a file to review, never straight into a gold set.
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from .errors import RagError

RATINGS = ("up", "down")
MAX_COMMENT = 2000
_NUMBER = re.compile(r"\d[\d,.]*\d|\d")
_MARKER = re.compile(r"\s*\[\d+\]")


class FeedbackError(RagError):
    """A feedback record that cannot be stored or read."""


def record(path: Path, question: str, answer: dict[str, Any], rating: str, comment: str = "") -> dict[str, Any]:
    """Append one rating of an answer (the JSON of `rag ask --json`); returns what was stored."""
    if rating not in RATINGS:
        raise FeedbackError(f"rating must be one of {', '.join(RATINGS)}")
    citations = answer.get("citations") if isinstance(answer.get("citations"), list) else []
    entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rating": rating, "comment": comment.strip()[:MAX_COMMENT],
             "question": question, "answered_as": str(answer.get("question") or question),
             "answer": str(answer.get("answer") or ""), "abstained": bool(answer.get("abstained")),
             "sources": sorted({str(c.get("source") or "") for c in citations if isinstance(c, dict)} - {""})}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:  # one write per line: concurrent appends stay whole lines
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def read(path: Path) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FeedbackError(f"no feedback yet at {path}") from None
    entries = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                raise FeedbackError(f"{path}:{n}: not a JSON line") from None
    return entries


def gold_candidates(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gold records (eval/gold.jsonl fields) from feedback, the latest rating of each question winning,
    plus `feedback` and `comment` fields for the reviewer; all in the dev split."""
    latest: dict[str, dict[str, Any]] = {}
    for entry in entries:
        latest[" ".join(entry["answered_as"].split()).lower()] = entry
    candidates = []
    for n, entry in enumerate(latest.values(), 1):
        answers: list[list[str]] = []
        kind = "review"  # a thumbs-down: the right answer is for the reviewer to write
        if entry["rating"] == "up" and entry["abstained"]:
            kind = "unanswerable"
        elif entry["rating"] == "up":
            text = _MARKER.sub("", entry["answer"])
            numbers = list(dict.fromkeys(_NUMBER.findall(text)))[:3]
            if numbers:
                kind, answers = "number", [[re.escape(x)] for x in numbers]
            else:
                kind, answers = "text", [[re.escape(" ".join(text.split()[:6]))]]
        candidates.append({"id": f"fb{n:03d}", "question": entry["answered_as"], "kind": kind, "answers": answers,
                           "source": entry["sources"] if entry["rating"] == "up" and not entry["abstained"] else [],
                           "split": "dev", "feedback": entry["rating"], "comment": entry.get("comment", ""),
                           "answer_given": entry["answer"]})
    return candidates
