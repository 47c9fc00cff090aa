"""Follow-up questions: complete a question that cannot stand alone from the one before it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Callable

from .answer import Answer
from .retrieve import Retrieval

_CONNECTIVE = re.compile(r"(?:and|but|also|so|then|ok|okay)\b[,\s]*", re.I)
_ABOUT = re.compile(r"(?:what|how)\s+about\b[,\s]*|what\s+of\b[,\s]*", re.I)
_WH = re.compile(r"(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|will|has|have)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|its|it's|they|them|their|theirs|that|this|these|those|he|she|him|his|her|there)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NAME_WORD = r"[A-Z][a-z]+(?:['’-](?!s\b)[A-Za-z]+)*"  # Xi'an, Hong, Jean-Luc; not the possessive 's
_NAME = re.compile(rf"(?<=\s){_NAME_WORD}(?:\s+{_NAME_WORD})*")
_ACRONYM = re.compile(r"\b[A-Z]{2,}(?:-[A-Z]{2,})*s?\b")
_ARTICLE = re.compile(r"(?:the|a|an)\s+", re.I)
_PREPOSITION = re.compile(r"(?:in|by|for|of|at|from)\s+", re.I)
_FIRST_QUESTION = re.compile(r"^.+?\?(?=\s+\S)")


def resolve_followup(question: str, previous: str | None) -> str:
    """The question made to stand alone, using the previous question when it cannot.

    A question needs the previous one when it starts with "what about" / "how about", or names
    nothing itself (no capitalised name or acronym) and starts with "and", is very short, or
    leans on a pronoun (it, they, that...).
    "What about X?" swaps X into the previous question in place of the part of the same kind (a
    year for a year, a name for a name, a topic for an acronym-named topic); anything else is
    read as the previous question followed by the new one, which retrieval handles well.
    A previous question that was itself completed that way ("What is X? How big is it?") lends only
    its first question, so a follow-up of a follow-up does not pile the questions up.
    """
    question = " ".join(question.split())
    previous = " ".join((previous or "").split())
    previous = _first_question(previous)
    if not previous or not question or _foreign(question) or _foreign(previous):
        return question  # the rules below read English: a question in another script stands alone
    rest, led = question, False
    while match := _CONNECTIVE.match(rest):
        rest, led = rest[match.end():], True
    if match := _ABOUT.match(rest):
        return _swap_topic(previous, rest[match.end():])
    if not rest.strip(" ?.!,"):
        return previous  # "And?" asks the same again
    if led and not _WH.match(rest):
        return _swap_topic(previous, rest)  # "And in 2035?", "and Chengdu?"
    if not _names_something(rest) and (led or len(rest.split()) <= 3 or _PRONOUN.search(rest)):
        return f"{previous} {rest[0].upper()}{rest[1:]}"
    return question  # it names its own subject: "And what is the population of Mars?"


def _foreign(text: str) -> bool:
    """Whether text has letters of a script other than Latin (Chinese, Japanese, Cyrillic …)."""
    return any(ch.isalpha() and not unicodedata.name(ch, "LATIN").startswith("LATIN") for ch in text)


def _first_question(text: str) -> str:
    first = _FIRST_QUESTION.match(text)
    return first.group(0) if first else text


def _names_something(text: str) -> bool:
    """Whether text names its own subject: a capitalised word after the first, or an acronym."""
    words = re.findall(r"[\w'’-]+", text)
    return any(w[0].isupper() and w != "I" for w in words[1:]) or bool(_ACRONYM.search(text))


def _swap_topic(previous: str, topic: str) -> str:
    topic = topic.strip(" ?.!,")
    if not topic:
        return previous
    value = _ARTICLE.sub("", topic, count=1) if _ARTICLE.match(topic) else topic
    core = _PREPOSITION.sub("", value, count=1) if _PREPOSITION.match(value) else value
    if _YEAR.fullmatch(core) and _YEAR.search(previous):
        return _YEAR.sub(core, previous, count=1)
    words = [w for w in core.split() if w.lower() not in ("and", "of", "the")]
    is_name = bool(words) and all(w[0].isupper() for w in words) and not core.isupper()
    target = (_NAME if is_name else _ACRONYM).search(previous)
    if target:
        return previous[:target.start()] + (core if is_name else value) + previous[target.end():]
    return f"{previous} {topic}?"


def not_a_repeat(ask: Callable[[str], Answer], previous: str, question: str, retrieval: Retrieval,
                 answer: Answer, generate: Callable[[str, Retrieval], Answer]) -> Answer:
    """A follow-up that swaps in a new topic ("And what about X?") asks something the previous question
    did not: an answer that is the previous answer's very sentences is made again without the passages
    they came from. (A follow-up that adds a question, "How big is it?", may well have the same answer.)
    `ask` answers a question, `generate` answers from a retrieval."""
    if question.startswith(_first_question(" ".join(previous.split()))):
        return answer
    before = ask(previous)
    if answer.abstained or before.abstained or _cited(answer) != _cited(before):
        return answer
    used = {c.chunk_id for c in before.citations}
    return generate(question, replace(retrieval, passages=[p for p in retrieval.passages if p.chunk.chunk_id not in used]))


def _cited(answer: Answer) -> set:
    return {(c.chunk_id, c.start, c.end) for c in answer.citations}
