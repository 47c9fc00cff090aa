"""The answer generator: pick the sentence or clause of the retrieved passages that answers the question.

It is extractive and offline. The question is analysed once (`analyse`) into a `Question`: the kind of
answer asked for, its specific terms, the measure asked about, its parts. Each candidate (a sentence,
or a clause of a long sentence) is then scored on meaning (its embedding's similarity to the
question), shared key terms, and whether it holds the kind of answer asked for. When even the best
candidate is weak, the generator abstains and says so, still listing the closest passages.

Public names other modules use: `analyse`, `Question`, `specific_terms`, `NUMBER`, `Answer`,
`Citation`, `Generator`, `ExtractiveGenerator`, `NOT_COVERED`; and, for checking a written answer
(rag.llm), `StreamingGenerator`, `AnswerStream`, `stated_terms`, `absent_terms`, `abstention`.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Iterator, Protocol

from . import vocab
from .retrieve import Passage, Retrieval
from .text import ACRONYM, STOPWORDS, Span, clause_spans, stem, terms

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
    supported: bool | None = None  # a written answer's: does a sentence citing it hold up against it


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    latency_ms: float = 0.0
    answer_checks: list[dict] = field(default_factory=list)  # a written answer's sentences, each checked
    fallback: str | None = None  # why this extractive answer stands in for the configured generator's

    def to_dict(self) -> dict:
        data = asdict(self)
        # What only a written (LLM) answer has is left out of an extractive one, whose JSON stays as it was.
        for citation in data["citations"]:
            if citation["supported"] is None:
                del citation["supported"]
        if not self.answer_checks:
            del data["answer_checks"]
        if self.fallback is None:
            del data["fallback"]
        return data


class Generator(Protocol):
    def generate(self, question: str, retrieval: Retrieval) -> Answer: ...


class AnswerStream(Protocol):
    """A generator's answer as it is written: iterating gives the text piece by piece; afterwards
    `answer` holds the final Answer. close() cancels it, from any thread."""
    answer: Answer | None

    def __iter__(self) -> Iterator[str]: ...

    def close(self) -> None: ...


class StreamingGenerator(Generator, Protocol):
    def stream(self, question: str, retrieval: Retrieval) -> AnswerStream: ...


def _alt(words) -> str:
    """A regex alternation of words, longest first (so "percentage points" wins over "percent")."""
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True)) + ")"


# --- patterns for the kinds of answer, in a question and in a candidate ---

_NUMBER_WORDS = _alt(vocab.NUMBER_WORDS)
_UNIT = _alt(vocab.UNITS)
NUMBER = re.compile(rf"(?<![\w.])(?!(?:19|20)\d\d\b)\d[\d,.]*(?:\s*{_UNIT}(?!\w))?|\$\s?\d|\b{_NUMBER_WORDS}\b", re.I)
_PATTERNS = {
    "number": NUMBER,
    "date": re.compile(rf"\b(?:19|20)\d\d\b|\b{_alt(vocab.MONTHS)}\b"),
    "rank": re.compile(rf"\b\d+(?:st|nd|rd|th)\b|\b{_alt(vocab.RANK_WORDS)}\b", re.I),
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][A-Za-z&’'-]*[a-z][A-Za-z&’'-]*|\b[A-Z]{2,}\b"),
}
_QUANTITY = _alt(vocab.QUANTITY_NOUNS)
_QUESTION_TYPES = [
    ("date", re.compile(rf"\b{_alt(vocab.DATE_PHRASES)}\b", re.I)),
    ("rank", re.compile(rf"\b{_alt(vocab.RANK_PHRASES)}\b", re.I)),
    ("number", re.compile(rf"\b(?:how {_alt(vocab.HOW_QUANTITY)}|by how|by what|what (?:is|was|are|were)\b.*\b{_QUANTITY}"
                          rf"|what (?:\w+ ){{0,3}}{_QUANTITY})\b", re.I)),
    ("name", re.compile(rf"\b(?:{_alt(vocab.NAME_PHRASES)}|what {_alt(vocab.NAME_NOUNS)})\b", re.I)),
]
_LIST_QUESTION = re.compile(
    rf"\b(?:which|what)\s+(?:{_alt(vocab.LIST_COUNTS)}\s+)+\w+s\b"
    rf"|\b(?:which|what) (?:\w+ )?{_alt(vocab.LIST_NOUNS)}\b"
    r"|\b(?:list|name (?:the|all))\b", re.I)
_WH = _alt(vocab.WH_WORDS)
_SECOND_QUESTION = re.compile(rf",?\s+and\s+(?={_WH}\b)", re.I)
_MAGNITUDE = re.compile(rf"\b{_alt(vocab.MAGNITUDE_WORDS)}\b", re.I)
_OR = re.compile(r"\s+(or|and)\s+([^,:?]+?)(?=\s*[,?]|$)", re.I)
_COMPARATIVE = re.compile(r"\b(?:\w+er|more|less|fewer|first|earlier|later|faster|slower|better|worse)\b", re.I)
_PREPOSITION = re.compile(rf"({_alt(vocab.PREPOSITIONS)})\s", re.I)
# A request instead of a question: "Tell me/Give the X" asks "What is the X", "List/Name the X" asks
# "Which X". ("Tell me about X" asks for no particular kind of answer.)
_REQUEST = re.compile(rf"^(?:please\s+)?(?:({_alt(vocab.REQUEST_VERBS_WHAT)})(?:\s+me|\s+us)?|({_alt(vocab.REQUEST_VERBS_WHICH)}))"
                      r"\s+(?!about\b)(?:(?:the|all)\s+)?", re.I)
# A yes/no question ("Did X grow faster than 5%?") about a quantity is answered by the quantity.
_YES_NO = re.compile(rf"^{_alt(vocab.AUXILIARIES)}\b", re.I)
_RATE = re.compile(rf"\b{_alt(vocab.RATE_WORDS)}\b", re.I)
_CHANGE = re.compile(rf"\b(?:by how much|{_alt(vocab.CHANGE_WORDS)})", re.I)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w'’-]+ )*?[\w'’-]+)(?= (?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|must|should|from|with|in|of|a|an|the|across|under|made)\b|\?|$)", re.I)
_AMOUNT = re.compile(rf"\b(?:how much|how big|how large|{_alt(vocab.AMOUNT_WORDS)})", re.I)
_PERCENT_SORT = re.compile(r"[\d.,]+\s*(?:%|percent|percentage points?)|\d+\s*/\s*\d|half\b", re.I)
_MAGNITUDE_UNIT = _alt(vocab.MAGNITUDES)
_AMOUNT_SORT = re.compile(rf"\$|(?:[\d.,]+|{_NUMBER_WORDS})(?:[\s-]*{_MAGNITUDE_UNIT})*[\s-]*{_alt(vocab.CURRENCIES)}\b"
                          rf"|(?:[\d.,]+|{_NUMBER_WORDS})[\s-]*(?:billion|trillion)\b", re.I)
_THRESHOLD = re.compile(_alt(vocab.THRESHOLD_WORDS), re.I)
_TIME_WORD = re.compile(rf"(?:{_NUMBER_WORDS}|{_alt(vocab.TIME_WORDS)})s?", re.I)
_MEASURE_WORDS = re.compile(r"\b" + _alt({w for f in vocab.MEASURE_FAMILIES for w in f}) + r"\w*", re.I)
# What the question asks about: "the mayor" in "Who is the mayor of …", "buses" in "How many electric
# buses …", "unemployment rate" in "What was X's unemployment rate in 2025?".
_ASKED_ABOUT = re.compile(r"\b(?:how many|wh(?:o|at) (?:is|was|are|were)(?: the| a| an)?(?: [\w'’-]+['’]s)?) ((?:[\w'’-]+ )*?[\w'’-]+)"
                          r"(?= (?:of|in|for|by|at|on|to|did|does|do|is|are|was|were|will|would|has|have|had|can|must)\b|\?|$)", re.I)


# --- the question, analysed once ---

@dataclass
class Question:
    """What a question asks for, read once; the scorer reads only this."""
    asked: str  # as the user asked it
    text: str  # with its misspelt words corrected
    kind: str  # "number", "date", "rank", "name" or "other"
    sort: str | None  # for a number: "percent", "change", "count", "amount", or None when any will do
    counted: list[str]  # "how many <things>": the things' terms
    specific: list[list[str]]  # names and numbers a supporting passage must mention, each as its terms
    phrases: list[list[list[str]]]  # descriptive phrases ("power transmission and distribution equipment")
    measures: frozenset[int]  # the families of measure asked about (vocab.MEASURE_FAMILIES)
    about: list[str]  # the terms of what is asked about ("unemployment rate")
    given: dict[str, frozenset[str]]  # per kind, the values the question itself already holds
    listing: bool  # asks for several items
    parts: list["Question"] = field(default_factory=list)  # of a two-part question or a comparison
    comparison: bool = False  # the parts are two sides of a comparison ("X or Y")

    @property
    def terms(self) -> list[str]:
        return terms(self.text)


def analyse(question: str, corrections: dict[str, str] | None = None, kind: str | None = None) -> Question:
    """Read a question once: what kind of answer it wants, its specific terms, measure and parts."""
    text = _corrected(question, corrections or {})
    top = kind is None
    kind = kind or answer_type(text)
    how_many = _HOW_MANY.search(text)
    match = _ASKED_ABOUT.search(text)
    analysed = Question(
        asked=question, text=text, kind=kind, sort=number_sort(text),
        counted=terms(how_many.group(1)) if how_many else [],
        specific=specific_terms(text), phrases=key_phrases(text), measures=frozenset(_measures(text)),
        about=terms(match.group(1)) if match else [],
        given={k: frozenset(m.group(0).lower() for m in p.finditer(text)) for k, p in _PATTERNS.items()},
        listing=is_list_question(text))
    if top:
        parts = question_parts(text)
        if parts:
            analysed.comparison = not _SECOND_QUESTION.search(text)
            analysed.parts = [analyse(part, kind=_part_kind(part, text)) for part in parts]
    return analysed


def _part_kind(part: str, question: str) -> str:
    """Each side of "which is bigger, X or Y" is answered by how big it is."""
    kind = answer_type(part)
    return "number" if kind in ("name", "other") and _MAGNITUDE.search(question) else kind


def is_list_question(question: str) -> bool:
    """Asks for several items, so the answer should be a whole sentence, not one clause of it."""
    return bool(_LIST_QUESTION.search(question))


def question_parts(question: str) -> list[str]:
    """The parts of a two-part question ("What share …, and where did it rank?") or the two sides of
    a comparison ("Which is bigger: X or Y?", "Between X and Y, which …"), each as a question of its
    own; [] for a simple question."""
    halves = _SECOND_QUESTION.split(question, maxsplit=1)
    if len(halves) == 2:
        first, second = halves
        # The second part's "it" is the first part's subject: it keeps the first part's names.
        names = [w for w in re.findall(r"[\w'’-]+", first)[1:] if w[0].isupper() and w not in second]
        return [first.rstrip(" ,?") + "?", " ".join([second[0].upper() + second[1:]] + names)]
    if not _COMPARATIVE.search(question):
        return []
    for match in _OR.finditer(question):
        right = match.group(2)
        preposition = _PREPOSITION.match(right)
        before = question[:match.start()]
        if preposition and re.search(rf"\b{preposition.group(1)}\s", before, re.I):
            start = max(m.start() for m in re.finditer(rf"\b{preposition.group(1)}\s", before, re.I))
        else:
            start = max([m.end() for m in re.finditer(r"[,:]\s*|\bbetween\s+", before, re.I)], default=0)
        left = before[start:]
        if match.group(1).lower() == "and" and not before[:start].lower().rstrip().endswith("between"):
            continue
        if not left.strip() or len(left.split()) > 8 or len(right.split()) > 8:
            continue
        if match.group(1).lower() == "and":
            start -= len("between ")  # "Between X and Y, which …" asks "X, which …"
        head, tail = question[:start], question[match.end(2):]
        return [f"{head}{left}{tail}", f"{head}{right}{tail}"]
    return []


def as_question(question: str) -> str:
    """A request ("Give the total output of X", "List the cities …") as the question it stands for."""
    question = re.sub(r"^what'?s\b", "What is", question.strip(), flags=re.I)
    match = _REQUEST.match(question)
    if not match:
        return question
    rest = question[match.end():]
    return f"What is the {rest}" if match.group(1) else f"Which {rest}"


def _corrected(question: str, corrections: dict[str, str]) -> str:
    """The question with its misspelt words ("Sichaun") replaced by the corpus terms retrieval took
    them for, keeping a capital."""
    if not corrections:
        return question

    def fix(match: re.Match) -> str:
        word = match.group(0)
        found = corrections.get(stem(word.lower()))
        return word if not found else (found.capitalize() if word[0].isupper() else found)
    return re.sub(r"[A-Za-z]+", fix, question)


def answer_type(question: str) -> str:
    question = as_question(question)
    for kind, pattern in _QUESTION_TYPES:
        if pattern.search(question):
            return kind
    if _YES_NO.match(question) and (_CHANGE.search(question) or re.search(rf"\b{_QUANTITY}\b|\d", question, re.I)):
        return "number"
    return "other"


def number_sort(question: str) -> str | None:
    """The sort of number a quantity question wants: a rate or share is a "percent"; a "change" may be
    a percentage or an amount; "how many <things>" is a "count"; a size is an "amount"."""
    if _RATE.search(question):
        return "percent"
    if _CHANGE.search(question):
        return "change"
    if _HOW_MANY.search(question):
        return "count"
    if _AMOUNT.search(question):
        return "amount"
    return None


def specific_terms(question: str) -> list[list[str]]:
    """The names and numbers a supporting passage must mention: "Deyang's", "2025", "27th", "3.5".
    Acronyms ("API", "Q1") are left out: passages often spell them differently."""
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"(?<![\w'’-])\d+(?:[.,]\d+)+(?![\w'’-])|[\w'’-]+", question)]
    words = [w for w in words if w.strip("'’-")]
    # A number the question compares with ("faster than 5%", "over 2 trillion") is no fact to find.
    specific = [w for i, w in enumerate(words)
                if not w.isupper() and ((i > 0 and w[0].isupper())
                                        or (any(ch.isdigit() for ch in w) and not (i > 0 and _THRESHOLD.fullmatch(words[i - 1]))))]
    return [t for t in (terms(w) for w in specific) if t]


def key_phrases(question: str) -> list[list[list[str]]]:
    """The question's descriptive phrases: runs of lower-case content words, "and" allowed inside
    ("power transmission and distribution equipment", "autonomous vehicles"); each word as its terms
    (a hyphenated word is one word). Names and numbers are left to specific_terms."""
    runs, current = [], []
    for token in re.findall(r"[\w'’-]+|[^\w\s]", question) + ["."]:
        if re.match(r"\w", token) and token.lower() not in STOPWORDS and not token[0].isupper() \
                and not any(ch.isdigit() for ch in token) and terms(token) and not _TIME_WORD.fullmatch(token):
            current.append(terms(token))
        elif token.lower() == "and" and current:
            continue
        else:
            if len(current) >= 2:
                runs.append(current)
            current = []
    return runs


def _measures(text: str) -> set[int]:
    words = {m.group(0).lower() for m in _MEASURE_WORDS.finditer(text)}
    return {i for i, family in enumerate(vocab.MEASURE_FAMILIES)
            if any(w.startswith(tuple(family)) for w in words)}


def _type_evidence(q: Question, text: str, kind: str | None = None) -> float:
    """How strongly text holds an answer of the kind asked for that the question does not already
    contain: 1 for the kind asked for; for a quantity, 0.5 when its only numbers are of another sort
    (a growth rate where an amount is asked, an amount where a count is asked); 0 for none."""
    kind = kind or q.kind
    if kind == "other":
        return 0.0
    found = [m for m in _PATTERNS[kind].finditer(text) if m.group(0).lower() not in q.given[kind]]
    if kind == "name":
        question_terms = set(q.terms)
        found = [m for m in found if not set(terms(m.group(0))) <= question_terms]
    if not found:
        return 0.0
    if kind != "number" or q.sort is None:
        return 1.0
    sorts = {_sort_of(text, m) for m in found}
    if q.sort == "count":
        return 1.0 if "count" in sorts and q.counted and q.counted[-1] in terms(text) else 0.5
    return 1.0 if q.sort in sorts or (q.sort == "change" and sorts & {"percent", "amount"}) else 0.5


def _sort_of(text: str, number: re.Match) -> str:
    tail = text[number.start():number.end() + 30]
    if _PERCENT_SORT.match(tail):
        return "percent"
    return "amount" if _AMOUNT_SORT.match(tail) else "count"


def _measure_match(q: Question, text: str) -> float:
    """1 when the text speaks of the kind of measure asked about (or the question names none)."""
    return 1.0 if not q.measures or q.measures & _measures(text) else 0.0


def _asks_unknown(q: Question, unknown_terms: list[str]) -> bool:
    """The thing asked about is named with a word the corpus never uses (an "unemployment rate" in a
    corpus about industrial output): no passage can answer it."""
    return bool(set(q.about) & set(unknown_terms))


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
_PART_FLOOR = 0.5  # a part's best sentence is added only when it likely answers that part


def _candidates(passages: list[Passage], commas: bool = True, max_chars: int = 10**9) -> list[_Candidate]:
    found = []
    for p, passage in enumerate(passages):
        text = passage.chunk.text
        for (start, end), similarity in zip(passage.chunk.sentences, passage.sentence_similarity):
            found.append(_Candidate(p, (start, end), (start, end), similarity))
            if len(text[start:end].split()) > _LONG:
                windows = _clause_windows(text, start, end, commas or end - start > max_chars)
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

    A candidate's score is the probability that it answers the question, from a logistic model over
    its features. Abstains when even the best candidate misses the question's names and numbers or
    lacks the kind of answer asked for (no number for "how much").
    """

    # Fitted by logistic regression (scikit-learn, C=0.3, balanced classes) on the candidates of the
    # gold set's dev split, 8 passages per question, labelled by whether the candidate matches the
    # gold answer; chosen over other feature sets by 5-fold cross-validation across questions.
    weights = {"similarity": 2.67, "own": 5.26, "around": 1.47, "type": 1.46, "rank": 1.52, "missing": -0.15,
               "length": -1.4}
    bias = -4.46

    def __init__(self, max_chars: int = 300) -> None:
        self.max_chars = max_chars
        self.max_list_chars = max_chars * 5 // 4  # a list needs its whole clause; the answer stays under 400

    def generate(self, question: str, retrieval: Retrieval) -> Answer:
        passages = retrieval.passages
        if not passages:
            return Answer(question, NOT_COVERED, True)
        q = analyse(question, retrieval.corrections)
        candidates = _candidates(passages, commas=not q.listing, max_chars=self.max_list_chars)
        supported = self._rank(q, candidates, passages)
        if not supported or _asks_unknown(q, retrieval.unknown_terms):
            return self._abstain(question, passages)
        chosen = [supported[0]]
        # A question in two parts ("which …, and which …") also takes the best sentence for each part
        # that the first does not already answer; a comparison ("X or Y") is answered by the best
        # sentence for each side.
        bests = []
        for part in q.parts:
            ranked = self._rank(part, [replace(c) for c in candidates], passages, q.listing)
            if ranked and ranked[0].score >= _PART_FLOOR:
                bests.append(ranked[0])
        if q.comparison and len(bests) == 2:
            chosen = bests[:1]
            self._cover(chosen, bests[1])
        else:
            for best in bests:
                self._cover(chosen, best)
        if len(chosen) == 1:
            chosen += self._second(supported[0], supported)
        return self._compose(question, chosen, passages)

    def _cover(self, chosen: list[_Candidate], extra: _Candidate) -> None:
        """Make chosen cover extra too: widen a clause of the same sentence to take it in (when that
        stays short), or add it."""
        for i, c in enumerate(chosen):
            if (c.passage, c.sentence) != (extra.passage, extra.sentence):
                continue
            if c.span[0] <= extra.span[0] and extra.span[1] <= c.span[1]:
                return
            span = (min(c.span[0], extra.span[0]), max(c.span[1], extra.span[1]))
            if span[1] - span[0] <= self.max_chars:
                chosen[i] = replace(c, span=span)
                return
        chosen.append(extra)

    def _rank(self, q: Question, candidates: list[_Candidate], passages: list[Passage],
              listing: bool | None = None) -> list[_Candidate]:
        """The candidates that may answer, best first, scored for this question."""
        listing = q.listing if listing is None else listing
        idf = _local_idf(q, passages)
        phrases = _retrieved_phrases(q, passages)
        for c in candidates:
            c.features = f = _features(c, q, idf, passages, phrases)
            logit = self.bias + sum(w * f[k] for k, w in self.weights.items())
            c.score = 1 / (1 + math.exp(-logit))
        # Only a candidate whose context names the question's names and numbers, and that holds a
        # number when one is asked for, may answer. Unless the question asks for a list, which needs
        # its whole sentence, a span longer than max_chars is chosen only when no shorter one may.
        # (A floor on the best probability was tried and only cost answers on dev.)
        return sorted((c for c in candidates if self._supports(c, q)),
                      key=lambda c: (c.features["off_topic"] > 0,
                                     c.span[1] - c.span[0] > (self.max_list_chars if listing else self.max_chars), -c.score))

    @staticmethod
    def _supports(c: _Candidate, q: Question) -> bool:
        f = c.features
        if f["missing"] or f["off_topic"] >= _OFF_TOPIC_WORDS or (q.kind in ("number", "date", "rank") and (f["type"] == 0 or f["measure"] == 0)):
            return False
        # A rate or share is only ever answered by a percentage or fraction.
        return not (q.kind == "number" and f["type"] < 1 and q.sort == "percent")

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
        return abstention(question, passages)


def abstention(question: str, passages: list[Passage]) -> Answer:
    """The corpus does not say, with the closest passages to read instead."""
    citations = [_citation(i + 1, p, (0, 0), p.score) for i, p in enumerate(passages[:3])]
    return Answer(question, f"{NOT_COVERED} The closest passages are listed below.", True, citations)


def _features(c: _Candidate, q: Question, idf: dict, passages: list[Passage], phrases: list[list[list[str]]] = ()) -> dict:
    chunk = passages[c.passage].chunk
    text = chunk.text[c.span[0]:c.span[1]]
    # The sentence before often names what "the city" or "this plan" refers to; the topic reaches two back.
    earlier = [s for s in chunk.sentences if s[1] <= c.sentence[0]][-2:]
    before = earlier[-1] if earlier else (0, 0)
    context = f"{chunk.title} {chunk.heading} {chunk.text[before[0]:before[1]]} {chunk.text[c.sentence[0]:c.sentence[1]]}"
    topic = f"{chunk.title} {chunk.heading} {chunk.text[(earlier[0] if earlier else c.sentence)[0]:c.sentence[1]]}"
    own, around = _overlap(text, idf), _overlap(context, idf)
    return {
        "similarity": c.similarity,
        "own": own,
        "around": around,
        "type": _type_evidence(q, text),
        "rank": 1 / (1 + c.passage),
        "missing": _missing(q.specific, context),
        "off_topic": _off_topic(phrases, topic),
        "measure": _measure_match(q, text),
        "length": min(len(text), 600) / 300,  # a long span is more often a dumped passage than an answer
    }


def _citation(n: int, passage: Passage, span: Span, score: float) -> Citation:
    c = passage.chunk
    return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, span[0], span[1], round(float(score), 4))


def _local_idf(q: Question, passages: list[Passage]) -> dict[str, float]:
    """Weights for the question's terms: rarer among the retrieved sentences means more telling."""
    sentences = [p.chunk.text[a:b] for p in passages for a, b in p.chunk.sentences]
    df = Counter(t for s in sentences for t in set(terms(s)))
    n = max(1, len(sentences))
    acronyms = {a.lower() for a in ACRONYM.findall(q.text)}
    return {(t.upper() if t in acronyms else t): math.log(1 + n / (1 + df[t])) for t in set(q.terms)}


def _retrieved_phrases(q: Question, passages: list[Passage]) -> list[list[list[str]]]:
    """The key phrases some retrieved sentence holds in full: what the passages can be expected to
    name when they answer."""
    sentences = [set(terms(p.chunk.text[a:b])) for p in passages for a, b in p.chunk.sentences]
    return [phrase for phrase in q.phrases
            if any(all(t in s for word in phrase for t in word) for s in sentences)]


_OFF_TOPIC_WORDS = 3  # a candidate missing this many words of a key phrase never answers; fewer only go last


def _off_topic(phrases: list[list[list[str]]], context: str) -> int:
    """How many words of a key phrase that another retrieved sentence holds the context lacks, when
    that is two or more and at least half the phrase, else 0: it speaks of something else
    ("manufacturing output" where "semiconductor and photonics" output is asked). An acronym of the
    phrase ("NEV") counts as it."""
    present, _, acronyms = _bag(context)
    worst = 0
    for phrase in phrases:
        if "".join(word[0][0] for word in phrase) in acronyms:
            continue
        absent = sum(not all(t in present for t in word) for word in phrase)
        if absent >= 2 and 2 * absent >= len(phrase):
            worst = max(worst, absent)
    return worst


def _missing(specific: list[list[str]], context: str) -> int:
    return len(absent_terms(specific, context))


def absent_terms(groups: list[list[str]], context: str) -> list[str]:
    """The groups of terms (a name, a number) that context does not mention, each as text."""
    present = _bag(context)[0]
    return [" ".join(group) for group in groups if not all(t in present for t in group)]


def stated_terms(sentence: str) -> list[list[str]]:
    """The names and numbers a written sentence states, each as its terms: what a passage must mention
    to support it. These are a question's specific terms, plus a name that opens the sentence and every
    number, even one after "over" or "than" (a bound in a question, a claim in an answer)."""
    opening = re.match(r"[A-Z][\w'’-]*", sentence)
    extra = [opening.group(0)] if opening and opening.group(0).lower() not in STOPWORDS else []
    groups = specific_terms(sentence) + [terms(w) for w in extra + re.findall(r"\d+(?:[.,]\d+)*", sentence)]
    return [list(g) for g in dict.fromkeys(tuple(g) for g in groups if g)]


def _overlap(text: str, idf: dict[str, float]) -> float:
    """Share of the question's term weight found in text. An acronym term (kept upper-case by
    _local_idf, e.g. "NEV") is also found where the initials of consecutive words spell it
    ("new energy vehicle")."""
    total = sum(idf.values())
    if not total:
        return 0.0
    present, initials, _ = _bag(text)
    return sum(w for t, w in idf.items() if t.lower() in present or (t.isupper() and t.lower() in initials)) / total


@lru_cache(maxsize=8192)  # every clause of a sentence shares its context; passages recur across questions
def _bag(text: str) -> tuple[frozenset, str, frozenset]:
    """text's terms, the initials of its terms in order, and its upper-case acronyms (lower-cased)."""
    words = terms(text)
    acronyms = frozenset(a.lower() for a in re.findall(r"\b[A-Z]{2,6}\b", text))
    return frozenset(words), "".join(w[0] for w in words), acronyms


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
