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
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from typing import Protocol

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
    def generate(self, question: str, retrieval: Retrieval) -> Answer: ...


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


_WH = r"(?:what|which|who|whom|where|when|why|how|to what|from what|by how|by what|in what|in which)"
_SECOND_QUESTION = re.compile(rf",?\s+and\s+(?={_WH}\b)", re.I)
_PART_FLOOR = 0.5  # a part's best sentence is added only when it likely answers that part
_MAGNITUDE = re.compile(r"\b(?:bigger|larger|greater|smaller|higher|lower|more|less|fewer|faster|slower|"
                        r"steeply|sharply|grew|grow|rose|fell)\b", re.I)
_OR = re.compile(r"\s+(or|and)\s+([^,:?]+?)(?=\s*[,?]|$)", re.I)
_COMPARATIVE = re.compile(r"\b(?:\w+er|more|less|fewer|first|earlier|later|faster|slower|better|worse)\b", re.I)


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
        preposition = re.match(r"(in|for|of|on|at|by|from|to|with)\s", right, re.I)
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


# A request instead of a question: "Tell me/Give the X" asks "What is the X", "List/Name the X" asks
# "Which X". ("Tell me about X" asks for no particular kind of answer.)
_REQUEST = re.compile(r"^(?:please\s+)?(?:(tell|give|show)(?:\s+me|\s+us)?|(list|name|state|provide|find))\s+(?!about\b)(?:(?:the|all)\s+)?", re.I)
# A yes/no question ("Did X grow faster than 5%?") about a quantity is answered by the quantity.
_YES_NO = re.compile(r"^(?:did|does|do|is|are|was|were|has|have|had|will|would|can|could)\b", re.I)


def as_question(question: str) -> str:
    """A request ("Give the total output of X", "List the cities …") as the question it stands for."""
    question = re.sub(r"^what'?s\b", "What is", question.strip(), flags=re.I)
    match = _REQUEST.match(question)
    if not match:
        return question
    rest = question[match.end():]
    return f"What is the {rest}" if match.group(1) or match.group(2).lower() in ("state", "provide", "find") else f"Which {rest}"


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


def _type_evidence(kind: str, text: str, question: str) -> float:
    """How strongly text holds an answer of this kind that the question does not already contain:
    1 for the kind asked for; for a quantity, 0.5 when its only numbers are of another sort (a
    growth rate where an amount is asked, an amount where a count is asked); 0 for none."""
    if kind == "other":
        return 0.0
    asked = {m.group(0).lower() for m in _PATTERNS[kind].finditer(question)}
    found = [m for m in _PATTERNS[kind].finditer(text) if m.group(0).lower() not in asked]
    if kind == "name":
        question_terms = set(terms(question))
        found = [m for m in found if not set(terms(m.group(0))) <= question_terms]
    if not found:
        return 0.0
    if kind != "number":
        return 1.0
    wanted = number_sort(question)
    if wanted is None:
        return 1.0
    sorts = {_sort_of(text, m) for m in found}
    if wanted == "count":
        counted = terms(_HOW_MANY.search(question).group(1))
        return 1.0 if "count" in sorts and counted and counted[-1] in terms(text) else 0.5
    return 1.0 if wanted in sorts or (wanted == "change" and sorts & {"percent", "amount"}) else 0.5


# The sort of number a quantity question wants. A rate or share is a percentage; a change may be a
# percentage or an amount; "how many <things>" is a count of those things; a size is an amount.
_RATE = re.compile(r"\b(?:share|proportion|percentage|percent|rate|ratio)\b", re.I)
_CHANGE = re.compile(r"\b(?:by how much|grow|grew|growth|increase|decrease|decline|drop|fall|fell|rise|rose|surge|shrink|jump)", re.I)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w'’-]+ )*?[\w'’-]+)(?= (?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|must|should|from|with|in|of|a|an|the|across|under|made)\b|\?|$)", re.I)
_AMOUNT = re.compile(r"\b(?:how much|how big|how large|output|value|scale|size|revenue|gdp|grp|investment|invest|funding|budget|worth|capacity)", re.I)
_PERCENT_SORT = re.compile(r"[\d.,]+\s*(?:%|percent|percentage points?)|\d+\s*/\s*\d|half\b", re.I)
_AMOUNT_SORT = re.compile(rf"\$|(?:[\d.,]+|{_NUMBER_WORDS})(?:[\s-]*(?:hundred|thousand|million|billion|trillion))*[\s-]*(?:yuan|rmb|dollars?|usd)\b"
                          rf"|(?:[\d.,]+|{_NUMBER_WORDS})[\s-]*(?:billion|trillion)\b", re.I)


def number_sort(question: str) -> str | None:
    """"percent", "change", "count", "amount", or None when any number will do."""
    if _RATE.search(question):
        return "percent"
    if _CHANGE.search(question):
        return "change"
    if _HOW_MANY.search(question):
        return "count"
    if _AMOUNT.search(question):
        return "amount"
    return None


def _sort_of(text: str, number: re.Match) -> str:
    tail = text[number.start():number.end() + 30]
    if _PERCENT_SORT.match(tail):
        return "percent"
    return "amount" if _AMOUNT_SORT.match(tail) else "count"


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
        asked, question = question, _corrected(question, retrieval.corrections)
        listing = is_list_question(question)
        candidates = _candidates(passages, commas=not listing, max_chars=self.max_list_chars)
        supported = self._rank(question, candidates, passages, listing)
        if not supported or _asks_unknown(question, retrieval.unknown_terms):
            return self._abstain(asked, passages)
        chosen = [supported[0]]
        # A question in two parts ("which …, and which …") also takes the best sentence for each part
        # that the first does not already answer; a comparison ("X or Y") is answered by the best
        # sentence for each side.
        parts, comparison = question_parts(question), not _SECOND_QUESTION.search(question)
        bests = []
        for part in parts:
            # Each side of "which is bigger, X or Y" is answered by how big it is.
            kind = answer_type(part)
            if kind in ("name", "other") and _MAGNITUDE.search(question):
                kind = "number"
            ranked = self._rank(part, [replace(c) for c in candidates], passages, listing, kind)
            if ranked and ranked[0].score >= _PART_FLOOR:
                bests.append(ranked[0])
        if comparison and len(bests) == 2:
            chosen = bests[:1]
            self._cover(chosen, bests[1])
        else:
            for best in bests:
                self._cover(chosen, best)
        if len(chosen) == 1:
            chosen += self._second(supported[0], supported)
        return self._compose(asked, chosen, passages)

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

    def _rank(self, question: str, candidates: list[_Candidate], passages: list[Passage],
              listing: bool, kind: str | None = None) -> list[_Candidate]:
        """The candidates that may answer, best first, scored for this question (as of this kind)."""
        kind = kind or answer_type(question)
        idf = _local_idf(question, passages)
        specific = specific_terms(question)
        phrases = _retrieved_phrases(question, passages)
        for c in candidates:
            c.features = f = _features(c, question, kind, idf, specific, passages, phrases)
            logit = self.bias + sum(w * f[k] for k, w in self.weights.items())
            c.score = 1 / (1 + math.exp(-logit))
        # Only a candidate whose context names the question's names and numbers, and that holds a
        # number when one is asked for, may answer. Unless the question asks for a list, which needs
        # its whole sentence, a span longer than max_chars is chosen only when no shorter one may.
        # (A floor on the best probability was tried and only cost answers on dev.)
        return sorted((c for c in candidates if self._supports(c, kind, question)),
                      key=lambda c: (c.features["off_topic"] > 0,
                                     c.span[1] - c.span[0] > (self.max_list_chars if listing else self.max_chars), -c.score))

    @staticmethod
    def _supports(c: _Candidate, kind: str, question: str) -> bool:
        f = c.features
        if f["missing"] or f["off_topic"] >= _OFF_TOPIC_WORDS or (kind in ("number", "date", "rank") and (f["type"] == 0 or f["measure"] == 0)):
            return False
        # A rate or share is only ever answered by a percentage or fraction.
        return not (kind == "number" and f["type"] < 1 and number_sort(question) == "percent")

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
              passages: list[Passage], phrases: list[list[list[str]]] = ()) -> dict:
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
        "type": _type_evidence(kind, text, question),
        "rank": 1 / (1 + c.passage),
        "missing": _missing(specific, context),
        "off_topic": _off_topic(phrases, topic),
        "measure": _measure_match(question, text),
        "length": min(len(text), 600) / 300,  # a long span is more often a dumped passage than an answer
    }


# What the question asks about: "the mayor" in "Who is the mayor of …", "buses" in "How many electric
# buses …", "unemployment rate" in "What was Xi'an's unemployment rate in 2025?".
_ASKED_ABOUT = re.compile(r"\b(?:how many|wh(?:o|at) (?:is|was|are|were)(?: the| a| an)?(?: [\w'’-]+['’]s)?) ((?:[\w'’-]+ )*?[\w'’-]+)"
                          r"(?= (?:of|in|for|by|at|on|to|did|does|do|is|are|was|were|will|would|has|have|had|can|must)\b|\?|$)", re.I)


def _asks_unknown(question: str, unknown_terms: list[str]) -> bool:
    """The thing asked about is named with a word the corpus never uses (an "unemployment rate" in a
    corpus about industrial output): no passage can answer it."""
    match = _ASKED_ABOUT.search(question)
    return bool(match and set(terms(match.group(1))) & set(unknown_terms))


def _citation(n: int, passage: Passage, span: Span, score: float) -> Citation:
    c = passage.chunk
    return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, span[0], span[1], round(float(score), 4))


def _local_idf(question: str, passages: list[Passage]) -> dict[str, float]:
    """Weights for the question's terms: rarer among the retrieved sentences means more telling."""
    sentences = [p.chunk.text[a:b] for p in passages for a, b in p.chunk.sentences]
    df = Counter(t for s in sentences for t in set(terms(s)))
    n = max(1, len(sentences))
    acronyms = {a.lower() for a in ACRONYM.findall(question)}
    return {(t.upper() if t in acronyms else t): math.log(1 + n / (1 + df[t])) for t in set(terms(question))}


_THRESHOLD = re.compile(r"than|over|above|below|under|exceed(?:ed|ing|s)?|beyond", re.I)


def specific_terms(question: str) -> list[list[str]]:
    """The names and numbers a supporting passage must mention: "Deyang's", "2025", "27th".
    Acronyms ("GDP", "Q1") are left out: passages often spell them differently."""
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"(?<![\w'’-])\d+(?:[.,]\d+)+(?![\w'’-])|[\w'’-]+", question)]
    # A number the question compares with ("faster than 5%", "over 2 trillion") is no fact to find.
    specific = [w for i, w in enumerate(words)
                if not w.isupper() and ((i > 0 and w[0].isupper())
                                        or (any(ch.isdigit() for ch in w) and not (i > 0 and _THRESHOLD.fullmatch(words[i - 1]))))]
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


_TIME_WORD = re.compile(rf"(?:{_NUMBER_WORDS}|first|second|third|fourth|quarter|half|year|month|week|day|annual|annually"
                        r"|yearly|period|end|start|beginning|recent|recently|current|currently|latest|previous)s?", re.I)


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


def _retrieved_phrases(question: str, passages: list[Passage]) -> list[list[list[str]]]:
    """The key phrases some retrieved sentence holds in full: what the passages can be expected to
    name when they answer."""
    sentences = [set(terms(p.chunk.text[a:b])) for p in passages for a, b in p.chunk.sentences]
    return [phrase for phrase in key_phrases(question)
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
    present = _bag(context)[0]
    return sum(not all(t in present for t in group) for group in specific)


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
