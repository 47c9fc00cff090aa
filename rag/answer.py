"""The answer generator: pick the sentence or clause of the retrieved passages that answers the question.

It is extractive and offline. Each candidate (a sentence, or a clause of a long sentence) is scored on
meaning (its embedding's similarity to the question), shared key terms, and whether it holds the kind
of answer the question asks for (a number, a year, a name, a rank). When even the best candidate is
weak, the generator abstains and says so, still listing the closest passages.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Protocol

from .retrieve import Passage
from .text import Span, clause_spans, terms

NOT_COVERED = "The corpus does not say."


@dataclass
class Citation:
    n: int
    source: str
    title: str
    chunk_id: str
    text: str  # the passage
    start: int  # the supporting sentence, as offsets into text
    end: int
    score: float


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class Generator(Protocol):
    def generate(self, question: str, passages: list[Passage]) -> Answer: ...


# --- what kind of answer the question asks for ---

_NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|half|double|doubling)"
_UNIT = r"(?:%|percent|percentage points?|billion|million|trillion|thousand|yuan|rmb|usd|dollars?|times|units|vehicles|enterprises|companies|cities|projects|clusters|years)"
_PATTERNS = {
    "number": re.compile(rf"(?<![\w.])(?!(?:19|20)\d\d\b)\d[\d,.]*(?:\s*{_UNIT})?|\$\s?\d|\b{_NUMBER_WORDS}\b", re.I),
    "date": re.compile(r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"),
    "rank": re.compile(r"\b\d+(?:st|nd|rd|th)\b|\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|top|bottom|last|leading|largest|biggest)\b", re.I),
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][A-Za-z&’'-]*[a-z][A-Za-z&’'-]*|\b[A-Z]{2,}\b"),
}
_QUESTION_TYPES = [
    ("date", re.compile(r"\b(?:when|what year|which year|in what year|what date|since when|how long ago)\b", re.I)),
    ("rank", re.compile(r"\b(?:rank|ranking|ranked|place did|position)\b", re.I)),
    ("number", re.compile(r"\b(?:how (?:much|many|big|large|high|fast|far)|by how|what (?:percentage|percent|share|proportion|amount|value|figure|number|size|scale|rate|sum|level|output|target|total)|growth rate|how much)\b", re.I)),
    ("name", re.compile(r"\b(?:which|who|whom|what (?:company|companies|firm|city|cities|province|organi[sz]ation|enterprise|industry|industries|brand|ministry))\b", re.I)),
]


def answer_type(question: str) -> str:
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    return "other"


def _type_evidence(kind: str, text: str, question: str) -> float:
    """How strongly text holds an answer of this kind that the question does not already contain."""
    if kind == "other":
        return 0.0
    asked = {m.group(0).lower() for m in _PATTERNS[kind].finditer(question)}
    found = [m.group(0) for m in _PATTERNS[kind].finditer(text) if m.group(0).lower() not in asked]
    if kind == "name":
        question_terms = set(terms(question))
        found = [f for f in found if not set(terms(f)) <= question_terms]
    return min(1.0, len(found) / (1 if kind != "name" else 2))


# --- candidates ---

@dataclass
class _Candidate:
    passage: int  # index into passages
    span: Span  # offsets in the passage text
    sentence: Span
    similarity: float
    score: float = 0.0


_LONG = 30  # words; longer sentences are also offered clause by clause


def _candidates(passages: list[Passage]) -> list[_Candidate]:
    found = []
    for p, passage in enumerate(passages):
        text = passage.chunk.text
        for (start, end), similarity in zip(passage.chunk.sentences, passage.sentence_similarity):
            found.append(_Candidate(p, (start, end), (start, end), similarity))
            if len(text[start:end].split()) > _LONG:
                clauses = clause_spans(text, start, end)
                for i in range(len(clauses)):
                    for j in (i, i + 1):  # a clause alone, or with the next one
                        if j < len(clauses) and (i, j) != (0, len(clauses) - 1):
                            found.append(_Candidate(p, (clauses[i][0], clauses[j][1]), (start, end), similarity))
    return found


class ExtractiveGenerator:
    """Answers with the best one or two sentences or clauses, each followed by its [n] marker."""

    def __init__(self, threshold: float = 0.42, max_chars: int = 300, weights: dict | None = None) -> None:
        self.threshold = threshold
        self.max_chars = max_chars
        self.weights = {"similarity": 0.45, "overlap": 0.35, "type": 0.2, "rank": 0.1, "clause": 0.1} | (weights or {})

    def generate(self, question: str, passages: list[Passage]) -> Answer:
        if not passages:
            return Answer(question, NOT_COVERED, True)
        candidates = _candidates(passages)
        kind = answer_type(question)
        idf = _local_idf(question, passages)
        for c in candidates:
            c.score = self._score(c, question, kind, idf, passages)
        candidates.sort(key=lambda c: -c.score)
        best = candidates[0]
        if best.score < self.threshold:
            return self._abstain(question, passages)
        chosen = [best] + self._second(best, candidates)
        return self._compose(question, chosen, passages)

    def _score(self, c: _Candidate, question: str, kind: str, idf: dict, passages: list[Passage]) -> float:
        w = self.weights
        passage = passages[c.passage]
        text = passage.chunk.text[c.span[0]:c.span[1]]
        context = f"{passage.chunk.title} {passage.chunk.heading} {passage.chunk.text[c.sentence[0]:c.sentence[1]]}"
        overlap = 0.7 * _overlap(text, idf) + 0.3 * _overlap(context, idf)
        is_clause = c.span != c.sentence
        return (w["similarity"] * c.similarity + w["overlap"] * overlap
                + w["type"] * _type_evidence(kind, text, question)
                + w["rank"] / (1 + c.passage)
                + (w["clause"] * _overlap(text, idf) if is_clause else 0.0)
                - (0.002 * max(0, len(text) - self.max_chars)))

    def _second(self, best: _Candidate, candidates: list[_Candidate]) -> list[_Candidate]:
        """A second sentence only when it is nearly as good and says something else."""
        for c in candidates[1:6]:
            if c.score < 0.9 * best.score:
                break
            if (c.passage, c.sentence) != (best.passage, best.sentence):
                return [c]
        return []

    def _compose(self, question: str, chosen: list[_Candidate], passages: list[Passage]) -> Answer:
        citations: list[Citation] = []
        pieces = []
        for c in chosen:
            passage = passages[c.passage]
            sentence = _as_sentence(passage.chunk.text, c.span, c.sentence)
            if pieces and (len(" ".join(pieces + [sentence])) > self.max_chars or sentence in " ".join(pieces)):
                break
            existing = next((x for x in citations if x.chunk_id == passage.chunk.chunk_id), None)
            n = existing.n if existing else len(citations) + 1
            if not existing:
                citations.append(_citation(n, passage, c.span, c.score))
            pieces.append(f"{sentence} [{n}]")
        return Answer(question, " ".join(pieces), False, citations)

    def _abstain(self, question: str, passages: list[Passage]) -> Answer:
        citations = [_citation(i + 1, p, (0, 0), p.score) for i, p in enumerate(passages[:3])]
        return Answer(question, f"{NOT_COVERED} The closest passages are listed below.", True, citations)


def _citation(n: int, passage: Passage, span: Span, score: float) -> Citation:
    c = passage.chunk
    return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, span[0], span[1], round(float(score), 4))


def _local_idf(question: str, passages: list[Passage]) -> dict[str, float]:
    """Weights for the question's terms: rarer among the retrieved sentences means more telling."""
    sentences = [p.chunk.text[a:b] for p in passages for a, b in p.chunk.sentences]
    df = Counter(t for s in sentences for t in set(terms(s)))
    n = max(1, len(sentences))
    return {t: math.log(1 + n / (1 + df[t])) for t in set(terms(question))}


def _overlap(text: str, idf: dict[str, float]) -> float:
    total = sum(idf.values())
    if not total:
        return 0.0
    present = set(terms(text))
    return sum(w for t, w in idf.items() if t in present) / total


def _as_sentence(text: str, span: Span, sentence: Span) -> str:
    """A clause reads as a sentence: keep a short lead-in ("By 2030,"), capitalise, end with a stop."""
    piece = text[span[0]:span[1]]
    if span[0] > sentence[0]:
        lead = clause_spans(text, sentence[0], sentence[1])[0]
        lead_text = text[lead[0]:lead[1]]
        if len(lead_text.split()) <= 6 and lead[1] <= span[0]:
            piece = f"{lead_text} {piece}"
    piece = piece.strip().rstrip(",;:-– ")
    piece = piece[0].upper() + piece[1:] if piece else piece
    return piece if piece.endswith((".", "!", "?", '"', "”", "…")) else piece + "."
