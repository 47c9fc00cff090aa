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
from .text import Span, clause_spans, stem, terms

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
_QUANTITY = r"(?:output|value|scale|size|revenue|gdp|growth|rate|percentage|percent|share|proportion|amount|investment|production|figure|number|total|increase|decrease|decline|drop|fall|rise|surge|budget|capacity|worth)"
_QUESTION_TYPES = [
    ("date", re.compile(r"\b(?:when|what year|which year|in what year|what date|since when|how long ago)\b", re.I)),
    ("rank", re.compile(r"\b(?:rank|ranking|ranked|place did|position)\b", re.I)),
    ("number", re.compile(rf"\b(?:how (?:much|many|big|large|high|fast|far|sharply|steeply)|by how|by what|what (?:is|was|are|were)\b.*\b{_QUANTITY}|what (?:\w+ ){{0,3}}{_QUANTITY})\b", re.I)),
    ("name", re.compile(r"\b(?:which|who|whom|what (?:company|companies|firm|firms|city|cities|province|organi[sz]ation|enterprise|enterprises|brand|ministry))\b", re.I)),
]


_LIST_QUESTION = re.compile(
    r"\b(?:which|what)\s+(?:(?:two|three|four|five|six|seven|eight|nine|ten|several|main|key)\s+)+\w+s\b"
    r"|\b(?:which|what) (?:\w+ )?(?:sectors|industries|areas|cities|companies|firms|enterprises|problems|requirements|features|measures|fields)\b"
    r"|\b(?:list|name (?:the|all))\b", re.I)


def is_list_question(question: str) -> bool:
    """Asks for several items, so the answer should be a whole sentence, not one clause of it."""
    return bool(_LIST_QUESTION.search(question))


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
    return 1.0 if found else 0.0


# --- candidates ---

@dataclass
class _Candidate:
    passage: int  # index into passages
    span: Span  # offsets in the passage text
    sentence: Span  # the sentence the span belongs to
    similarity: float  # of the whole sentence to the question
    features: dict = field(default_factory=dict)
    score: float = 0.0


_LONG = 30  # words; longer sentences are also offered clause by clause


def _candidates(passages: list[Passage], commas: bool = True) -> list[_Candidate]:
    found = []
    for p, passage in enumerate(passages):
        text = passage.chunk.text
        for (start, end), similarity in zip(passage.chunk.sentences, passage.sentence_similarity):
            found.append(_Candidate(p, (start, end), (start, end), similarity))
            if len(text[start:end].split()) > _LONG:
                windows = _clause_windows(text, start, end, commas)
                found.extend(_Candidate(p, span, (start, end), similarity) for span in windows)
    return found


def _clause_windows(text: str, start: int, end: int, commas: bool) -> list[Span]:
    """Each clause alone and with the next one; a short lead-in ("By 2030,") is not a window of
    its own, since _as_sentence puts it back in front of whichever clause is chosen."""
    clauses = clause_spans(text, start, end, commas)
    if len(clauses) > 1 and _is_lead_in(text, clauses[0]):
        clauses = clauses[1:]
    windows = []
    for i in range(len(clauses)):
        for j in (i, i + 1):
            if j < len(clauses) and (clauses[i][0], clauses[j][1]) != (start, end):
                windows.append((clauses[i][0], clauses[j][1]))
    return windows


def _is_lead_in(text: str, clause: Span) -> bool:
    return len(text[clause[0]:clause[1]].split()) <= 6 and text[clause[1] - 1] == ","


class ExtractiveGenerator:
    """Answers with the best one or two sentences or clauses, each followed by its [n] marker.

    Abstains when the best candidate is weak overall, misses the question's key terms, or lacks
    the kind of answer asked for (no number for "how much"). The thresholds were tuned on the
    gold set's dev split.
    """

    weights = {"similarity": 0.45, "overlap": 0.35, "focus": 0.15, "type": 0.2, "rank": 0.1}

    def __init__(self, min_score: float = 0.0, min_coverage: float = 0.0, max_chars: int = 300) -> None:
        self.min_score = min_score
        self.min_coverage = min_coverage
        self.max_chars = max_chars

    def generate(self, question: str, passages: list[Passage]) -> Answer:
        if not passages:
            return Answer(question, NOT_COVERED, True)
        kind = answer_type(question)
        idf = _local_idf(question, passages)
        specific = specific_terms(question)
        candidates = _candidates(passages, commas=not is_list_question(question))
        for c in candidates:
            c.features = f = _features(c, question, kind, idf, specific, passages)
            c.score = (sum(self.weights[k] * f[k] for k in self.weights) - 0.3 * f["missing"]
                       - 0.002 * max(0, f["chars"] - self.max_chars))
        candidates.sort(key=lambda c: -c.score)
        best = candidates[0]
        if self._unsupported(best, kind):
            return self._abstain(question, passages)
        return self._compose(question, [best] + self._second(best, candidates), passages)

    def _unsupported(self, best: _Candidate, kind: str) -> bool:
        f = best.features
        return (best.score < self.min_score or f["coverage"] < self.min_coverage or f["missing"] > 0
                or (kind in ("number", "date", "rank") and (f["type"] == 0 or f["measure"] == 0)))

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
        pieces: list[str] = []
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


def _features(c: _Candidate, question: str, kind: str, idf: dict, specific: list[list[str]],
              passages: list[Passage]) -> dict:
    chunk = passages[c.passage].chunk
    text = chunk.text[c.span[0]:c.span[1]]
    # The sentence before often names what "the city" or "this plan" refers to.
    before = max((s for s in chunk.sentences if s[1] <= c.sentence[0]), default=(0, 0))
    context = f"{chunk.title} {chunk.heading} {chunk.text[before[0]:before[1]]} {chunk.text[c.sentence[0]:c.sentence[1]]}"
    own, around = _overlap(text, idf), _overlap(context, idf)
    return {
        "similarity": c.similarity,
        "overlap": 0.7 * own + 0.3 * around,
        "focus": own if c.span != c.sentence else 0.0,  # a clause earns its place by its own terms
        "type": _type_evidence(kind, text, question),
        "rank": 1 / (1 + c.passage),
        "coverage": around,
        "missing": _missing(specific, context),
        "measure": _measure_match(question, text),
        "chars": len(text),
    }


def _citation(n: int, passage: Passage, span: Span, score: float) -> Citation:
    c = passage.chunk
    return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, span[0], span[1], round(float(score), 4))


def _local_idf(question: str, passages: list[Passage]) -> dict[str, float]:
    """Weights for the question's terms: rarer among the retrieved sentences means more telling."""
    sentences = [p.chunk.text[a:b] for p in passages for a, b in p.chunk.sentences]
    df = Counter(t for s in sentences for t in set(terms(s)))
    n = max(1, len(sentences))
    acronyms = {a.lower() for a in re.findall(r"\b[A-Z]{3,6}\b", question)}
    return {(t.upper() if t in acronyms else t): math.log(1 + n / (1 + df[t])) for t in set(terms(question))}


def specific_terms(question: str) -> list[list[str]]:
    """The names and numbers a supporting passage must mention: "Deyang's", "2025", "27th".
    Acronyms ("GDP", "Q1") are left out: passages often spell them differently."""
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"[\w'’-]+", question)]
    specific = [w for i, w in enumerate(words)
                if not w.isupper() and ((i > 0 and w[0].isupper()) or any(ch.isdigit() for ch in w))]
    return [t for t in (terms(w) for w in specific) if t]


# Words for the same kind of measure: a question about "size" is answered by a "scale".
_MEASURE_FAMILIES = [
    {"output", "value", "scale", "size", "revenue", "production", "capacity", "amount", "total", "worth", "big", "large", "gdp"},
    {"growth", "grow", "rate", "increase", "decrease", "decline", "drop", "fall", "rise", "surge", "shrink", "percentage", "percent", "sharply", "steeply"},
    {"share", "proportion", "percentage", "percent"},
    {"investment", "invest", "funding", "fund", "budget"},
]
_MEASURE_WORDS = re.compile(r"\b(?:" + "|".join(sorted({w for f in _MEASURE_FAMILIES for w in f})) + r")\w*", re.I)


def _measures(text: str) -> set[int]:
    words = {m.group(0).lower() for m in _MEASURE_WORDS.finditer(text)}
    return {i for i, family in enumerate(_MEASURE_FAMILIES)
            if any(w.startswith(tuple(family)) for w in words)}


def _measure_match(question: str, text: str) -> float:
    """1 when the text speaks of the kind of measure asked about (or the question names none)."""
    asked = _measures(question)
    return 1.0 if not asked or asked & _measures(text) else 0.0


def _missing(specific: list[list[str]], context: str) -> int:
    present = set(terms(context))
    return sum(not all(t in present for t in group) for group in specific)


def _overlap(text: str, idf: dict[str, float]) -> float:
    """Share of the question's term weight found in text. An acronym term (kept upper-case by
    _local_idf, e.g. "NEV") is also found where the initials of consecutive words spell it
    ("new energy vehicle")."""
    total = sum(idf.values())
    if not total:
        return 0.0
    words = terms(text)
    present = set(words)
    initials = "".join(w[0] for w in words)
    return sum(w for t, w in idf.items() if t.lower() in present or (t.isupper() and t.lower() in initials)) / total


def _as_sentence(text: str, span: Span, sentence: Span) -> str:
    """A clause reads as a sentence: keep a short lead-in ("By 2030,"), capitalise, end with a stop."""
    piece = text[span[0]:span[1]]
    if span[0] > sentence[0]:
        lead = clause_spans(text, sentence[0], sentence[1])[0]
        if _is_lead_in(text, lead) and lead[1] <= span[0]:
            piece = f"{text[lead[0]:lead[1]]} {piece}"
    piece = piece.strip().rstrip(",;:-– ")
    piece = piece[0].upper() + piece[1:] if piece else piece
    return piece if piece.endswith((".", "!", "?", '"', "”", "…")) else piece + "."
