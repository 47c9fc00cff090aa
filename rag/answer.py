"""The answer generator: pick the sentence or clause of the retrieved passages that answers the question.

It is extractive and offline. The question is analysed once (`analyse`) into a `Question`: the kind of
answer asked for, its specific terms, the measure asked about, its parts. Each candidate (a sentence,
or a clause of a long sentence) is then scored on meaning (its embedding's similarity to the
question), shared key terms, and whether it holds the kind of answer asked for. When even the best
candidate is weak, the generator abstains and says so, still listing the closest passages.

Public names other modules use: `analyse`, `Question`, `specific_terms`, `NUMBER`, `Answer`,
`Citation`, `Generator`, `ExtractiveGenerator` (whose `score` bench/fit_answer.py reads to refit the
weights in rag/answer_weights.json), `Scored`, `NOT_COVERED`; and, for checking a written answer
(rag.llm), `StreamingGenerator`, `AnswerStream`, `stated_terms`, `absent_terms`, `abstention`.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Protocol

from . import vocab
from .retrieve import Passage, Retrieval
from .text import ACRONYM, STOPWORDS, Span, clause_spans, is_code, is_common_word, is_english_word, stem, terms

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
    searched_as: str | None = None  # the English question a question in another language was searched as
    answer_checks: list[dict] = field(default_factory=list)  # a written answer's sentences, each checked
    fallback: str | None = None  # why this extractive answer stands in for the configured generator's

    def to_dict(self) -> dict:
        data = asdict(self)
        # What only a written (LLM) answer, or a question in another language, has is left out of an
        # extractive English one, whose JSON stays as it was.
        for citation in data["citations"]:
            if citation["supported"] is None:
                del citation["supported"]
        for name in ("searched_as", "fallback"):
            if data[name] is None:
                del data[name]
        if not self.answer_checks:
            del data["answer_checks"]
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
# A number's edges are ASCII word edges: in Chinese text a number stands between Han characters ("突破2000亿元").
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"
NUMBER = re.compile(rf"(?<![A-Za-z0-9_.])(?!(?:19|20)\d\d{_EDGE_AFTER})\d[\d,.]*(?:\s*{_UNIT}(?!\w))?|\$\s?\d[\d,.]*(?:\s*{_UNIT}(?!\w))?|\b{_NUMBER_WORDS}\b", re.I)
_PATTERNS = {
    "number": NUMBER,
    # a year, a month, a weekday ("on Tuesdays"), or a time of day ("23:15", "9 a.m.")
    "date": re.compile(rf"{_EDGE_BEFORE}(?:19|20)\d\d{_EDGE_AFTER}|\b{_alt(vocab.MONTHS)}\b|\b{_alt(vocab.WEEKDAYS)}s?\b"
                       r"|(?<![\d:.])\d{1,2}:\d\d(?![\d:]|\.\d)|\b\d{1,2}(?::\d\d)?\s?(?:[AaPp]\.[Mm]\.|[AaPp][Mm]\b)"),
    "rank": re.compile(rf"\b\d+(?:st|nd|rd|th)\b|\b{_alt(vocab.RANK_WORDS)}\b", re.I),
    # a capitalised name, an acronym, a name written as code ("regexp_count()", "pg_dump") or an option
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][A-Za-z&’'-]*[a-z][A-Za-z&’'-]*|\b[A-Z]{2,}\b"
                       r"|\b[A-Za-z]\w*\(\)|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|(?<![\w-])--?[a-z][\w-]{2,}"),  # (and an option: "-nocpp")
    # "3.2", "14.0", "2022g", "LLVM 15", "Visual Studio 2013"
    # ("Chapter 6" or "Figure 2" names no version)
    "version": re.compile(r"(?<![\w.])\d+(?:\.\d+)+[a-z]?(?!\w|\.\d)|(?<![\w.])\d{4}[a-z](?!\w)"
                          rf"|\b(?!(?i:{_alt(vocab.REFERENCE_WORDS + ['line', 'step', 'part'])})\b)[A-Z][\w+-]*\s+v?\d+(?:\.\d+)*\b"
                          rf"|\b(?i:{_alt(vocab.VERSION_WORDS)})s?\s+v?\d+\b(?!\.\d)"),  # "versions 5 up to 12"
}
_QUANTITY = _alt(vocab.QUANTITY_NOUNS)
# "Debian Buster release": a release named by a word between the product and "release".
_CODENAME = re.compile(rf"\b([A-Z][\w+-]*)\s+[A-Z][a-z]+\s+{_alt(vocab.VERSION_WORDS)}\b")
# "What is X?", "What are Xs?", "What does X do?", "What is X used for?": a term to define (a few
# words, none a question word or a quantity: "What is the population of Xi'an?" asks a number).
# (and "Who is a sponsor?" asks what a sponsor is: a role, not a person)
_DEFINITION_ASKED = re.compile(r"^\W*(?:what\s+(?:is|are|does|do)\s+(?:an?\s+|the\s+)?|who\s+is\s+an?\s+)"
                               r"([\w.+/'’-]+(?:\s+[\w.+/'’-]+){0,3}?)\s*(?:\s+(?:do|used\s+for|for))?\s*\??\s*$", re.I)
_REASON_ASKED = re.compile(r"^\W*(?:why|for\s+what\s+reason|what\s+is\s+the\s+reason)\b", re.I)
_REASON = re.compile(rf"\b{_alt(vocab.REASON_MARKERS)}\b", re.I)
# "When does/is X …" (not "when did/was") may be answered by the occasion rather than a date.
_OCCASION_ASKED = re.compile(r"^(?:\w+\s+)?when\s+(?:does|do|is|are|should|must|can|will|would)\b", re.I)
_DURATION_ASKED = re.compile(r"\bhow\s+(?:long|often|frequently)\b", re.I)
_DURATION = re.compile(rf"(?:\d|\b(?:{_alt(vocab.DURATION_QUANTIFIERS + vocab.NUMBER_WORDS)}))\s*"
                       rf"{_alt(vocab.DURATION_UNITS)}\b|\b{_alt(vocab.FREQUENCY_WORDS)}\b"
                       rf"|\bevery\s+(?:\d+(?:st|nd|rd|th)?|{_alt(vocab.ORDINALS + vocab.NUMBER_WORDS)})\b", re.I)  # "every 10th snapshot"
_FREQUENCY = re.compile(rf"(?:{_alt(vocab.FREQUENCY_WORDS + vocab.FREQUENCY_QUANTIFIERS)})\b", re.I)
_OCCASION = re.compile(rf"\b{_alt(vocab.OCCASION_WORDS)}\s+\w", re.I)
_LENGTH = re.compile(rf"\s*{_alt(vocab.LENGTH_UNITS)}\b", re.I)
_NUMERAL = re.compile(r"\$?\s?[\d.,]*")
# "Which Python version …": the thing whose version is asked for ("Python"), if the question names it.
# ("What is the latest version of dh-make?": "dh-make")
_VERSION_ASKED = re.compile(rf"\b(?:which|what)\s+((?:[\w'’-]+\s+){{0,2}}){_alt(vocab.VERSION_WORDS)}s?\b(?!\s+(?:date|notes?)\b)"
                            rf"|\bwhat\s+(?:is|was)\s+the\s+(?:[\w'’-]+\s+)?{_alt(vocab.VERSION_WORDS)}\s+of\s+(?:the\s+)?([\w.+'’-]+)", re.I)
# "What does DER stand for?" asks for the words an acronym is made of.
_EXPANSION_ASKED = re.compile(r"\bwhat\s+(?:does|do|did)\s+(?:the\s+(?:name|acronym|abbreviation|term)\s+)?[\"“']?"
                              r"([A-Z][A-Za-z0-9&-]*[A-Z][A-Za-z0-9&-]*)[\"”']?\s+(?:stand\s+for|mean)\b", re.I)
_QUESTION_TYPES = [
    ("expansion", _EXPANSION_ASKED),
    ("version", _VERSION_ASKED),
    ("date", re.compile(rf"^(?:\w+\s+)?when\b|\b{_alt(vocab.DATE_PHRASES)}\b", re.I)),
    ("rank", re.compile(rf"\b{_alt(vocab.RANK_PHRASES)}\b", re.I)),
    ("number", re.compile(rf"\b(?:how {_alt(vocab.HOW_QUANTITY)}|by how|by what|what (?:is|was|are|were)\b.*\b{_QUANTITY}"
                          rf"|what (?:\w+ ){{0,3}}{_QUANTITY}|in {_alt(vocab.DURATION_UNITS + vocab.LENGTH_UNITS)}(?=\s*,|\W*$)"
                          rf"|(?:which|what) (?:\w+ ){{0,3}}{_alt(vocab.NUMBERED_THINGS)})\b", re.I)),
    ("name", re.compile(rf"\b(?:{_alt(vocab.NAME_PHRASES)}|what {_alt(vocab.NAME_NOUNS)})\b", re.I)),
]
_LIST_QUESTION = re.compile(
    rf"\b(?:which|what)\s+(?:{_alt(vocab.LIST_COUNTS)}\s+)+\w+s\b"
    rf"|\b(?:which|what) (?:\w+ )?{_alt(vocab.LIST_NOUNS)}\b"
    rf"|^\W*what\s+are\s+the\s+(?:{_alt(vocab.LIST_COUNTS)}\s+)?(?:\w+\s+)?\w+s\b"
    r"|\bname (?:the|all)\b|^\W*(?:(?:please|can you|could you)\s+)?list\b", re.I)  # a request, not "the mailing list"
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
# (the things counted run to the verb; when it is not a helping verb, "How many developers maintained
# …", the first word is taken)
_HOW_MANY = re.compile(r"\bhow many ((?:[\w'’-]+ )*?[\w'’-]+)(?= (?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|must|should|from|with|in|of|a|an|the|across|under|made)\b|\?|$)"
                       r"|\bhow many ([\w'’-]+)", re.I)
_AMOUNT = re.compile(rf"\b(?:how much|how big|how large|{_alt(vocab.AMOUNT_WORDS)})", re.I)
_PERCENT_SORT = re.compile(r"[\d.,]+\s*(?:%|percent|percentage points?)|\d+\s*/\s*\d|half\b", re.I)
_MAGNITUDE_UNIT = _alt(vocab.MAGNITUDES)
_AMOUNT_SORT = re.compile(rf"\$|(?:[\d.,]+|{_NUMBER_WORDS})(?:[\s-]*{_MAGNITUDE_UNIT})*[\s-]*{_alt(vocab.CURRENCIES)}\b"
                          rf"|(?:[\d.,]+|{_NUMBER_WORDS})[\s-]*{_alt(vocab.AMOUNT_MAGNITUDES)}\b", re.I)
_THRESHOLD = re.compile(_alt(vocab.THRESHOLD_WORDS), re.I)
_TIME_WORD = re.compile(rf"(?:{_NUMBER_WORDS}|{_alt(vocab.TIME_WORDS)})s?", re.I)
_NAME_WORD_AFTER = re.compile(r"\s+[A-Z]")  # the next word is capitalised too
_MEASURE_WORDS = re.compile(r"\b" + _alt({w for f in vocab.MEASURE_FAMILIES for w in f}) + r"\w*", re.I)
# What the question asks about: "the mayor" in "Who is the mayor of …", "buses" in "How many electric
# buses …", "unemployment rate" in "What was X's unemployment rate in 2025?".
# A name with a version or edition number ("Python 3.5", "release 15.4", "Debian 8"); not a year.
_IDENTIFIER = re.compile(r"\b([A-Za-z][\w'’-]*)\s+v?((?!(?:19|20)\d\d\b)\d+(?:\.\d+)*)\b")
# "Who took over after Stefano Zacchiroli?" asks for the one next to a name.
_NEIGHBOUR = re.compile(rf"\b((?i:{_alt(vocab.FOLLOWING_WORDS + vocab.PRECEDING_WORDS)}))\s+([A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|\d+(?:\.\d+)*))*)")
# The kind of thing "which/what X" asks for: "version" in "Which version introduced …".
# ("Which nine cities" asks for cities: a count is no kind of thing.)
_TARGET = re.compile(rf"\b(?:which|what)\s+(?:{_alt(vocab.LIST_COUNTS)}\s+)?([a-z][\w'’-]*)(?:\s+([\w'’-]+))?", re.I)
# A sentence whose subject refers back ("This release …", "It …", "The city …") names its referent elsewhere.
_REFERRING = re.compile(rf"^(?:{_alt(vocab.REFERRING_WORDS)})\b", re.I)
_DEMONSTRATIVE = re.compile(r"\b(?:this|these)\s+([\w-]+)", re.I)
_PERSONAL = re.compile(rf"^(?:{_alt(vocab.PERSONAL_PRONOUNS)})\b", re.I)
# … unless "it" stands for what follows: "It is not possible to have two mail transport agents …".
_EXPLETIVE = re.compile(r"^it\s+(?:is|was|will be|would be|may be|might be|can be|could be|seems|appears)\s+"
                        r"(?:not\s+)?(?:[\w-]+\s+){1,2}?(?:to|that|whether|if)\b", re.I)
_POINTER = re.compile(rf"(?:\b|(?-i:(?<=[a-z])(?=[A-Z]))){_alt(vocab.REFERENCE_WORDS)}\.?\s*$", re.I)
_DAY_BEFORE = re.compile(rf"\b{_alt(vocab.MONTHS)}\.?\s+$", re.I)
_DAY_AFTER = re.compile(rf"(?:st|nd|rd|th)?\s+(?:of\s+)?{_alt(vocab.MONTHS)}\b", re.I)
_LAST_WORD = re.compile(r"([\w'’]+)[^\w]*$")
# A sentence about the document itself ("This article explains …") introduces; it never answers.
_META = re.compile(rf"^(?:this|the)\s+(?:\w+\s+)?{_alt(vocab.META_SUBJECTS)}\s+(?:\w+\s+)?{_alt(vocab.META_VERBS)}\b", re.I)
_ASKED_ABOUT = re.compile(r"\b(?:how many|wh(?:o|at) (?:is|was|are|were)(?: the| a| an)?(?: [\w'’-]+['’]s)?) ((?:[\w'’-]+ )*?[\w'’-]+)"
                          r"(?= (?:of|in|for|by|at|on|to|did|does|do|is|are|was|were|will|would|has|have|had|can|must)\b|\?|$)", re.I)


_WHO = re.compile(r"^\W*(?:\w+\s+)?who(?:m|se)?\b", re.I)


# "How much is the population of Xi'an?" (how a Chinese question is often read) asks about "population".
_HOW_MUCH_OF = re.compile(r"\bhow much (?:is|was|are|were) the ((?:[\w'’-]+ ){0,3}?[\w'’-]+)(?= of\b)", re.I)


# --- the question, analysed once ---

@dataclass
class Question:
    """What a question asks for, read once; the scorer reads only this."""
    asked: str  # as the user asked it
    text: str  # with its misspelt words corrected
    kind: str  # "number", "date", "rank", "version", "expansion", "name" or "other"
    sort: str | None  # for a number: "percent", "change", "count", "amount", or None when any will do
    counted: list[str]  # "how many <things>": the things' terms
    specific: list[list[str]]  # names and numbers a supporting passage must mention, each as its terms
    phrases: list[list[list[str]]]  # descriptive phrases ("power transmission and distribution equipment")
    measures: frozenset[int]  # the families of measure asked about (vocab.MEASURE_FAMILIES)
    about: list[str]  # the terms of what is asked about ("unemployment rate")
    target: list[str]  # "which/what X": the terms of X, the kind of thing asked for ("version")
    qualifiers: list[str]  # the acronyms that qualify X ("lz4" in "Which LZ4 library version …")
    versioned: list[str]  # "Which Python version": the terms of what the version is of ("python")
    given: dict[str, frozenset[str]]  # per kind, the values the question itself already holds
    listing: bool  # asks for several items
    subject: list[str] = field(default_factory=list)  # what the question is about: its described things' terms
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # ("python", "3.5") for "Python 3.5"
    neighbour_of: list[list[str]] = field(default_factory=list)  # "Who came after X?": X's name, as its terms
    follows: bool = True  # … and the answer comes after X ("after X"), or before it ("before X")
    relation: str = ""  # "after X", as asked: a sentence that says it too states the answer itself
    units: re.Pattern | None = None  # a number in the units of the physical quantity asked about ("… 10 MΩ")
    parts: list["Question"] = field(default_factory=list)  # of a two-part question or a comparison
    comparison: bool = False  # the parts are two sides of a comparison ("X or Y")
    coined: list[list[str]] = field(default_factory=list)  # lower-case words no dictionary has ("knockd"), as terms
    terms: list[str] = field(default_factory=list)  # all its content terms
    # The terms a supporting context should hold: all but the kind of answer asked for ("year" in
    # "In which year …", "licence" in "Which licence …"), which an answer gives by example, not by name.
    checked: list[str] = field(default_factory=list)
    acronyms: frozenset[str] = frozenset()  # its acronyms ("NEV"), lower-cased
    occasion: bool = False  # a date may be given as an occasion ("When does X run?": "… after each commit")
    person: bool = False  # "Who …?": only a sentence that names someone answers
    act: str = ""  # … and what they did or are ("writ" of "Who wrote X?", "maintain", "deputy"), as its stem
    defines: re.Pattern | None = None  # "What is X?": a sentence that defines X ("X is …", "X: …")
    entry: bool = False  # … X is an option, defined by its entry in a list of options ("-k, --keep-index: …")
    reason: bool = False  # "Why …?": a sentence that gives a reason answers best
    duration: bool = False  # "How long / how often …?": a stretch of time answers ("several weeks")
    lasting: bool = False  # … "How long": a stretch of time or a length, never a frequency ("once per week")
    named: bool = False  # "What is X called?": what X is known as answers ("… known as pid")
    form: re.Pattern | None = None  # the form the thing asked for takes (an email address, a link)
    conditions: list[frozenset[str]] = field(default_factory=list)  # per condition asked ("default"), the terms that state it
    setting: str = ""  # "What is the default value of R_PAPERSIZE?": the setting whose default is asked


_NOUN_PHRASE = re.compile(rf"((?:[A-Za-z][\w'’-]*\s+){{1,2}}?)([a-z][\w'’-]*)\s+(?i:{_alt(vocab.AUXILIARIES)})\b")


def _target(question: str) -> tuple[list[str], list[str]]:
    """The terms of X in "What/Which X …", the kind of thing asked for; none when X is a verb ("What
    separates stanzas", "What makes Xi'an …"): a word in -s followed by a determiner, a name or another
    word in -s, where a noun would be followed by its verb ("What cities have …"). And the terms of the
    acronyms that qualify X ("LZ4" in "Which LZ4 library version is …")."""
    asked = _TARGET.search(question)
    if not asked:
        return [], []
    word, after = asked.group(1), asked.group(2) or ""
    # The head of a noun phrase is its last word before the verb: "Which network port do …" asks for a
    # port, "What historic role does …" for a role, "Which HTTP verb does …" for a verb.
    phrase = _NOUN_PHRASE.match(question, asked.start(1))
    if phrase and not any(w.lower() in STOPWORDS for w in phrase.group(1).split() + [phrase.group(2)]):
        return terms(phrase.group(2)), [t for w in phrase.group(1).split() if len(w) > 1 and w.isupper() for t in terms(w)]
    # A name qualifies the noun after it: "Which Postfix service performs …" asks for a service. (A
    # word in -s after the name may be its verb: "Which Apache handles …".)
    if re.fullmatch(r"[A-Z][a-z'’-]+", word) and re.fullmatch(r"[a-z][a-z'’-]*", after) and after not in STOPWORDS \
            and after not in vocab.AUXILIARIES and not re.search(r"[^s]s$", after):
        return terms(after), []
    if word.lower().endswith("s") and after and after.lower() not in vocab.AUXILIARIES and (
            after.lower() in vocab.DETERMINERS or after[0].isupper() or after.lower().endswith("s")):
        return [], []
    return terms(word), []


_BARE_VALUE_TERMS = frozenset(t for w in vocab.BARE_VALUE_WORDS for t in terms(w))


def _without_frame(question: str, target: list[str]) -> str:
    """The question without the word that only frames what is asked for: "What value is LUA_MINSTACK
    defined as?" asks for any value, not a value of output ("What output value …" keeps "output")."""
    frame = re.match(r"\W*(?:what|which)\s+(\w+)", question, re.I)
    bare = frame and frame[1].lower() in vocab.BARE_VALUE_WORDS and terms(frame[1]) == target
    return question[:frame.start(1)] + question[frame.end(1):] if bare else question


def analyse(question: str, corrections: dict[str, str] | None = None, kind: str | None = None) -> Question:
    """Read a question once: what kind of answer it wants, its specific terms, measure and parts."""
    corrected = _corrected(question, corrections or {})
    text = as_question(corrected)  # "List the cities …" is read as "Which cities …"
    top = kind is None
    kind = kind or answer_type(text)
    how_many = _HOW_MANY.search(text)
    match = _ASKED_ABOUT.search(text) or _HOW_MUCH_OF.search(text)
    target, qualifiers = _target(text)
    analysed = Question(
        asked=question, text=text, kind=kind, sort=number_sort(text),
        counted=terms(how_many.group(1) or how_many.group(2)) if how_many else [],
        specific=specific_terms(text), phrases=key_phrases(text), measures=_measures(_without_frame(text, target)),
        about=terms(match.group(1)) if match else [],
        target=target, qualifiers=qualifiers,
        versioned=terms(version.group(1) or version.group(2) or "") if (version := _VERSION_ASKED.search(text)) else [],
        given={k: frozenset(_value(text, m) for m in p.finditer(text) if not _ARGUMENT.search(text, 0, m.start()))
               for k, p in _PATTERNS.items()},
        listing=is_list_question(corrected) or is_list_question(text))
    # The described things ("L3 autonomous vehicles", "foreign trade"), not the kind of answer ("which firms").
    analysed.terms = terms(text)
    analysed.coined = _coined(text, analysed.specific)
    analysed.checked = [t for t in analysed.terms if t not in analysed.target] or analysed.terms
    analysed.units = _units_asked(text) if kind == "number" else None
    analysed.duration = kind == "number" and bool(_DURATION_ASKED.search(text))
    analysed.lasting = analysed.duration and re.search(r"\bhow\s+long\b", text, re.I) is not None
    analysed.acronyms = frozenset(a.lower() for a in ACRONYM.findall(text))
    analysed.occasion = kind == "date" and bool(_OCCASION_ASKED.search(text))
    analysed.person = kind == "name" and bool(re.match(r"\W*(?:who|whom)\b", text, re.I))
    analysed.act = _act_asked(text) if analysed.person else ""
    if analysed.act in _AUTHORSHIP:  # "Who are the authors of X?": a byline says it without the word
        analysed.about = [t for t in analysed.about if t not in _AUTHORSHIP]
        analysed.checked = [t for t in analysed.checked if t not in _AUTHORSHIP] or analysed.checked
    analysed.named = bool(_NAME_ASKED.search(text))
    if kind == "other":
        definition = _definition_of(text)
        entry = None if definition else _entry_of(text)
        analysed.entry = entry is not None
        analysed.defines = entry or definition
        analysed.reason = bool(_REASON_ASKED.match(text))
    asked = set(analysed.about + analysed.target)
    analysed.form = next((form for words, form in _FORMS if words <= asked), None)
    analysed.conditions = [words for word, words in _CONDITIONS.items() if word in analysed.terms]
    # ("Which environment variable overrides the default fontconfig configuration file?" asks for no default)
    analysed.setting = _setting_asked(text) if not set(target) - _BARE_VALUE_TERMS else ""
    analysed.identifiers = [(name.lower(), number) for name, number in _IDENTIFIER.findall(text) if terms(name)]
    neighbour = _NEIGHBOUR.search(text)
    if neighbour and terms(neighbour.group(2)):
        analysed.neighbour_of = [terms(neighbour.group(2))]
        analysed.follows = neighbour.group(1).lower() not in vocab.PRECEDING_WORDS
        analysed.relation = neighbour.group(0).lower()
    # The described things ("L3 autonomous vehicles", "foreign trade"), not the kind of answer ("which firms").
    described = analysed.about + analysed.counted + [t for phrase in analysed.phrases for word in phrase for t in word]
    analysed.subject = [t for t in dict.fromkeys(described) if t not in analysed.target and not t[0].isdigit()]
    if top:
        parts = question_parts(text)
        if parts:
            analysed.comparison = not _SECOND_QUESTION.search(text)
            analysed.parts = [analyse(part, kind=_part_kind(part, text)) for part in parts]
    return analysed


_CONDITIONS = {stem(word): frozenset(stem(w) for w in words) for word, words in vocab.CONDITIONS.items()}
# A number written as a name's argument ("varchar(80)", "numeric(4, -2)") is part of that name: the
# question does not already hold it as a fact ("How many characters can a varchar(80) column hold?": "80 characters").
_ARGUMENT = re.compile(r"\w\((?:[^()]*,\s*)?-?$")
# (by all the noun's terms: "e-mail" is "e" and "mail", and "the mail server" asks for no address)
_FORMS = [(frozenset(terms(noun)), re.compile(form)) for noun, form in vocab.ANSWER_FORMS.items()]


# "the default value of the linktodocfit option", "the default \heavyrulewidth", "R_PAPERSIZE's default"
_SETTING_ASKED = re.compile(
    # ("the default column of nano's guidestripe setting": a setting named as one, after what its value is)
    r"\bdefault\s+(?:\w+\s+){{0,2}}(?:of|for)\s+(?:the\s+)?(?:[\w.-]+['’]s\s+)?(?P<named>[\\-]*[A-Za-z][\w.:-]*)\s+(?:{0})\b"
    # ("the default safe PATH": a name in capitals, an environment variable's)
    r"|\bdefault\s+(?:[a-z]+\s+)?(?P<caps>(?-i:[A-Z][A-Z0-9_]{{2,}}))(?![\w-])"
    r"|\bdefault\s+(?:(?:value|setting)\s+)?(?:(?:of|for)\s+)?(?:the\s+)?(?P<name>[\\-]*[A-Za-z][\w.:-]*)(?P<kind>\s+(?:{0}))?"
    r"|(?P<owner>[\\-]*[A-Za-z][\w.:-]*)['’]s\s+default\b".format("|".join(vocab.SETTING_WORDS)), re.I)


_SETTING_WORD = f"(?:{'|'.join(vocab.SETTING_WORDS)})"  # ("The wal_compression setting defaults to off.")


def _setting_asked(question: str) -> str:
    """The setting whose default the question asks, when it is named as one ("the pagecommand option")
    or written as an identifier ("R_PAPERSIZE", "\\cmidrulekern", "core.editor", "dblRelDivisionLength")."""
    asked = _SETTING_ASKED.search(question)
    if not asked:
        return ""
    name = asked["named"] or asked["caps"] or asked["name"] or asked["owner"]
    identifier = re.search(r"[_.\\]|^-|[a-z][A-Z]", name) is not None
    return name if identifier or asked["kind"] or asked["named"] or asked["caps"] or (name.islower() and not is_common_word(name)) else ""


def _binds_default(setting: str, text: str) -> bool:
    """The text states the setting's default: "R_PAPERSIZE, which defaults to ‘a4’", "\\cmidrulekern
    defaults to 0.5 em", "(Default: linktodocfit=/Fit)", "Default: DeflateBufferSize 8096", "--depth=<number> [default: 30]",
    "Option: Aptitude::ProblemResolver::StepLimit; Default: 5000", "Syntax: DeflateCompressionLevel value; Default:
    Zlib's default", "the default value of X is …"."""
    name = re.escape(setting)
    # ("maximal_backoff_time (default: 4000 seconds)")
    return re.search(rf"(?<![\w-]){name}(?![\w-])(?:\s+{_SETTING_WORD})?(?:\s*,?\s*(?:which|that)\s+|\s+(?:is\s+)?(?:set\s+)?by\s+|\s*\()?\s*defaults?\b"
                     rf"|\bdefault\W{{0,3}}\s*{name}(?:\s*=|\s+\w)"  # (Apache's "Default: DeflateBufferSize 8096")
                     rf"|(?<![\w-]){name}(?![\w-])[^.;]{{0,40}}?\b(?:normally|initially)\s+(?:set\s+to|is)\b"  # ("…, which is normally set to 1073741823")
                     rf"|(?<![\w-]){name}(?![\w-])\S*\s*\[default:"
                     # (a record's fields: "Option: X; Default: 5000", "Syntax: X value; Default: Zlib's default")
                     rf"|(?<![\w-]){name}(?![\w-])[^;]{{0,80}};\s*default:"
                     # ("changes the default of log_checkpoints to on and that of log_autovacuum_min_duration to 10 minutes")
                     rf"|\bdefault\b[^.;]{{0,60}}?\b(?:of|for)\s+(?:the\s+)?{name}(?![\w-])(?:\s+\w+)?\s+(?:is|to)\b", text, re.I) is not None


# A default stated of what the paragraph speaks of, not naming it again: "The default is 200, which
# means …", "The default value is -8.", "Defaults to 5000."
_BARE_DEFAULT = re.compile(r"\W*(?:(?:the|its)\s+)?(?:default(?:\s+(?:value|setting))?\s+(?:is|was)|defaults\s+to)\s", re.I)


def _states_default(setting: str, text: str) -> bool:
    """The text states a default: the setting's own, or one that names no setting (whether that is the
    setting asked is for setting_missing to say: the setting must be named near)."""
    return _binds_default(setting, text) or _BARE_DEFAULT.match(text) is not None


def _act_asked(question: str) -> str:
    """The first content word after "who", stemmed: what the person asked for did or is."""
    after = re.search(r"\bwho(?:m|se)?\b(.*)", question, re.I)
    words = [w for w in re.findall(r"[\w'’-]+", after[1]) if w.lower() not in _NO_ACT] if after else []
    return stem(words[0].lower()) if words else ""


_NO_ACT = STOPWORDS | set(vocab.MODALS + vocab.AUXILIARIES)  # ("Who should be subscribed …": "subscribed")


def _states_act(act: str, text: str) -> bool:
    """The text says what the person did or is, in some form: "writ" in "written", "own" in "owner"."""
    return any(t.startswith(act) or (len(t) >= 4 and act.startswith(t)) for t in terms(text))


# Who did what is also written as a credit, "(Simon Riggs, Pavan Deolasee)" after the change, or as thanks,
# "We are thankful to S Venkataramanan … for correcting this document".
_CREDIT = re.compile(r"\([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+)+(?:,[^()]*)?\)\W*$|\b(?:thank|grateful)\w*\b.*\bfor\b", re.I)


_AUTHORSHIP = frozenset(stem(w) for w in vocab.AUTHORSHIP_WORDS)


def _is_byline(chunk, span: Span, sentence: str) -> bool:
    """The sentence is a name at the head of a document, under its title: "Mark Henning, Germany", "by
    Roberto Ierusalimschy, Luiz Henrique de Figueiredo, Waldemar Celes"."""
    name = _SIGNATURE.match(re.sub(r"^by\s+", "", sentence.strip()))
    return not chunk.heading and chunk.start + span[0] < _BYLINE_REACH and len(sentence.split()) <= _BYLINE_WORDS \
        and name is not None and " " in name[0]


def _signs_document(q: Question, c: _Candidate, passages: list[Passage]) -> bool:
    """The candidate is the byline of the document the question asks the author of: "Who wrote the
    float package?" of "An Improved Environment for Floats", whose passages all speak of floats. (A
    thing only some of its passages name, "the GIF generators", may have been written by another.)"""
    chunk = passages[c.passage].chunk
    if q.act not in _AUTHORSHIP or not _is_byline(chunk, c.sentence, chunk.text[c.sentence[0]:c.sentence[1]]):
        return False
    own = [_bag(p.chunk.text)[0] for p in passages if p.chunk.doc_id == chunk.doc_id and p is not passages[c.passage]]
    title = set(terms(chunk.title))
    return bool(own) and all(t in title or t in _DOCUMENT_NOUNS or 2 * sum(t in bag for bag in own) >= len(own)
                             for t in q.checked)


# (what a question calls the document: "the … user's manual", "the PDF")
_DOCUMENT_NOUNS = frozenset(t for w in vocab.META_SUBJECTS + vocab.DOCUMENT_FORMATS + ["user"] for t in terms(w))


_SIGNATURE = re.compile(r"[A-Z][a-z][\w'’-]*(?:\s+(?:[A-Z]\.|[A-Z][a-z][\w'’-]*))*")  # ("Emden R. Gansner")
_BYLINE_REACH = 200  # characters from the start of the document
_SENTENCE_STOP = re.compile(r"[.!?][\"'”’)]*(?:\s|$)")
_BYLINE_WORDS = 12  # (three authors' names)


def _part_kind(part: str, question: str) -> str:
    """Each side of "which is bigger, X or Y" is answered by how big it is."""
    kind = answer_type(part)
    return "number" if kind in ("name", "other") and _MAGNITUDE.search(question) else kind


_QUANTITY_UNITS = {stem(noun): units for noun, units in vocab.MEASURE_UNITS.items()}


_PRICE_NOUNS = frozenset(stem(noun) for noun in vocab.PRICE_NOUNS)
_MONEY = (rf"{_alt(vocab.CURRENCY_SIGNS)}\s?\d"
          rf"|\d(?:[\d.,]*\d)?\s?(?:{_alt(vocab.MAGNITUDES)}\s?)?{_alt(vocab.CURRENCIES)}(?![A-Za-z])")


def _quantity_in(units) -> str:
    """A number written in one of units: "4 V", "700K", "1.55 MB"."""
    return rf"\d(?:[\d.,]*\d)?\s?{_alt(units)}(?![A-Za-z])"


def _units_asked(question: str) -> re.Pattern | None:
    """A number in the units of the physical quantity the question asks about, if it names one; for
    a price, an amount of money."""
    asked = terms(question)
    words = re.findall(r"[\w'’-]+", question.lower())
    # A measure that qualifies another noun is not what is asked: "the libpq memory disclosure".
    heads = {stem(w) for w, after in zip(words, words[1:] + [""]) if not after or after in STOPWORDS}
    units = [u for t in asked if t in heads for u in _QUANTITY_UNITS.get(t, [])]
    found = [_quantity_in(units)] if units else []
    if _PRICE_NOUNS & set(asked):
        found.append(_MONEY)
    return re.compile("|".join(found), re.I if not units else 0) if found else None


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


_PERSON_NAMED = re.compile(rf"^\W*(?:what|which)\s+(?:is|was|are|were)\s+the\s+(?:full\s+)?names?\s+of\s+(?:the\s+|a\s+|an\s+)?"
                           rf"{_alt(vocab.PERSON_NOUNS)}\s+(?:who|that)\s+", re.I)


def as_question(question: str) -> str:
    """A request ("Give the total output of X", "List the cities …") as the question it stands for."""
    question = re.sub(r"^what'?s\b", "What is", question.strip(), flags=re.I)
    question = _PERSON_NAMED.sub("Who ", question)  # "What is the name of the person who wrote X?"
    match = _REQUEST.match(question)
    if not match:
        return question
    rest = question[match.end():]
    return f"What is the {rest}" if match.group(1) else f"Which {rest}"


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z'’-]{2,}(?![\w'’-])")


def _as_written(question: str, passages: list[Passage]) -> str:
    """The question with the names typed in lower case as the passages write them ("deyang's" ->
    "Deyang's"): a word they always capitalise, mid-sentence too, is a name."""
    texts = [p.chunk.text for p in passages]

    def case(match: re.Match) -> str:
        word = match.group(0)
        base = re.sub(r"['’]s$", "", word)
        if base in STOPWORDS:
            return word
        found = [m for text in texts for m in re.finditer(rf"(?<![\w'’-]){re.escape(base)}(?![\w-])", text, re.I)]
        mid = [m for m in found if re.search(r"[a-z,;:]\s+$", m.string[max(0, m.start() - 3):m.start()])]
        if len(found) < 2 or not mid or any(not m.group(0)[0].isupper() for m in found):
            return word
        return Counter(m.group(0) for m in mid).most_common(1)[0][0] + word[len(base):]
    return _LOWER_WORD.sub(case, question)


def _corrected(question: str, corrections: dict[str, str]) -> str:
    """The question with its misspelt words ("Sichaun") replaced by the corpus terms retrieval took
    them for, keeping a capital."""
    if not corrections:
        return question

    def fix(match: re.Match) -> str:
        word = match.group(0)
        found = corrections.get(stem(word.lower()))
        return word if not found else (found.capitalize() if word[0].isupper() else found)
    return re.sub(r"[A-Za-z][A-Za-z0-9]*", fix, question)


def _definition_of(question: str) -> re.Pattern | None:
    """For "What is X?", what a sentence that defines X looks like: X, its subject, then a defining
    verb ("SQLite is …", "Pbuilder allows …"), X as a term with its definition ("pbuilder – a tool …"),
    or X named ("… are called “Upstreams”")."""
    asked = _DEFINITION_ASKED.match(question)
    if not asked or any(w.lower() in STOPWORDS for w in asked.group(1).split()):
        return None
    words = asked.group(1).split()
    if len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith("ss"):
        words[-1] = words[-1][:-1]  # "Upstreams" is defined as "An Upstream is …" too
    # (or its last word alone, in a list of a command's subcommands: "drop [-q] [<stash>]: Remove …")
    term = r"\s+".join(re.escape(w) for w in words)
    head = f"(?:{term}|{re.escape(words[-1])})" if len(words) > 1 else term
    return re.compile(rf"^\W*(?:an?\s+|the\s+)?{head}s?\b(?:\s*\([^)]*\)|\s*\[[^\]]*\])*"
                      rf"(?:\s+{_alt(vocab.DEFINING_VERBS)}\b(?!\s+not\b)|\s*[:–—,]\s+\w|\s+-\s+\w)"
                      rf"|\b{_alt(vocab.NAMING_WORDS)}\s+[\"“'‘]?{term}", re.I)


def _entry_of(question: str) -> re.Pattern | None:
    """For "What does the --amend option of git commit do?", what the option's own entry in a list of
    options looks like: the option among the names before its description ("-k, --keep-index: …"),
    not an entry that only mentions it ("--reset-author: When used with -C/-c/--amend …")."""
    option = _PURPOSE_ASKED.search(question) and _LITERAL.search(question)
    if not option or not option[0].startswith("-"):
        return None
    return re.compile(rf"^\W*(?:[^\s:.]+,?\s+){{0,4}}?{re.escape(option[0])}(?![\w-])[^:.]{{0,40}}:\s")  # ("-E" is not "-e")


_ROLE_ASKED = re.compile(r"^\W*who\s+is\s+an?\s+[\w'’-]+(?:\s+[\w'’-]+)?\s*\??\s*$", re.I)
# "What does X do?" and "What is X used for?" ask what X is for, whatever X is called ("git stash drop").
_PURPOSE_ASKED = re.compile(r"^\W*what\s+(?:does|do)\s+.+\s+do\s*\??\s*$|\bused\s+for\s*\??\s*$", re.I)


# "What is the identification number of a process called?" asks for a name, whatever the thing named.
_NAME_ASKED = re.compile(rf"\b{_alt(vocab.NAMING_WORDS)}\s*\??\s*$", re.I)
_NAMED = re.compile(rf"\b{_alt(vocab.NAMING_WORDS)}\s+[\"“'‘]?\w", re.I)


# "When entering a character by typing a decimal number, what is the highest value allowed?": the clause
# before the question sets its scene; the question is what follows.
_SCENE = re.compile(r"^\W*(?:when|if|while|after|before|once)\s+[^,?]{3,},\s+(?=(?:what|which|who|whom|how|where|why|when)\b)", re.I)


def answer_type(question: str) -> str:
    question = as_question(question)
    question = question[scene.end():] if (scene := _SCENE.match(question)) else question
    if _PURPOSE_ASKED.search(question) or _ROLE_ASKED.match(question):
        return "other"
    if _NAME_ASKED.search(question):
        return "name"
    if _HOW_MANY.search(question):  # a count, even of the years something ranked first
        return "number"
    for kind, pattern in _QUESTION_TYPES:
        found = pattern.search(question)
        # ("the default rank separation" asks no rank: the word only qualifies the noun after it)
        if found and not (kind == "rank" and found[0].lower() == "rank" and (after := re.match(r"\s+([a-z]+)", question[found.end():]))
                          and after[1] not in STOPWORDS and after[1] not in vocab.AUXILIARIES):
            return kind
    # (the number of a name's version, "PostgreSQL 15", is no quantity)
    if _YES_NO.match(question) and (_CHANGE.search(question)
                                    or re.search(rf"\b{_QUANTITY}\b|\d", _IDENTIFIER.sub("", question), re.I)):
        return "number"
    return "other"


def number_sort(question: str) -> str | None:
    """The sort of number a quantity question wants: a rate or share is a "percent"; a "change" may be
    a percentage or an amount; "how many <things>" is a "count"; a size is an "amount"."""
    how_many = _HOW_MANY.search(question)
    # ("How many times can the inflation ratio limit be crossed?" counts times, whatever it speaks of)
    if how_many and not _RATE.search(how_many.group(0)):
        return "count"
    if _RATE.search(question):
        return "percent"
    if _CHANGE.search(question):
        return "change"
    if _AMOUNT.search(question):
        return "amount"
    return None


# A name written as code ("work_mem", "pg_dump", "expEYES") is as specific as a capitalised one.
_CODE_NAME = re.compile(r"[a-z0-9]_[a-z0-9]|^[a-z]+[A-Z]")


def specific_terms(question: str) -> list[list[str]]:
    """The names and numbers a supporting passage must mention: "Deyang's", "2025", "27th", "3.5", a
    model or level code ("L3", "PT100"). Acronyms ("API", "Q1") are left out: passages often spell them
    differently."""
    # (a dotted name is one word, read as the text's terms read it: "man-1.1B")
    words = [re.sub(r"['’]s$", "", w) for w in re.findall(r"(?<![\w'’-])\d+(?:[.,]\d+)+(?![\w'’-])|[\w'’-]+(?:\.[\w'’-]+)*", question)]
    words = [w for w in words if w.strip("'’-")]
    # A document the question names as its source ("does the Securing Debian Manual suggest") is where
    # the answer is, not a name the answer's sentence must give.
    source = {re.sub(r"['’]s$", "", w) for m in _NAME_RUN.finditer(question) if _names_source(question, m) for w in m[0].split()}
    # A number the question compares with ("faster than 5%", "over 2 trillion") is no fact to find.
    specific = [w for i, w in enumerate(words) if w not in source and (
                _is_model_code(w) or not w.isupper() and ((i > 0 and w[0].isupper()) or _CODE_NAME.search(w)
                                        or (any(ch.isdigit() for ch in w) and not (i > 0 and _THRESHOLD.fullmatch(words[i - 1])))))]
    # A command's option ("-s", "--print-uris") or a path ("/tmp", "/var/backups") is a name the
    # answer must give as written.
    return [t for t in (terms(w) for w in specific) if t] + [[name.lower()] for name in _LITERAL.findall(question)]


_FEW_PASSAGES_IDF = 2.0  # below the idf of a term no passage uses: a term about three passages use


_DOCUMENT_NAMES = frozenset(vocab.META_SUBJECTS + vocab.DOCUMENT_KINDS)
_IN_SOURCE = re.compile(rf"\b(?:according\s+to|in|from)\s+the\s+$", re.I)
_SOURCE_SAYS = re.compile(rf"(?:['’]s)?\s+(?:{_alt(vocab.REPORTING_VERBS)})\b", re.I)


def _names_source(question: str, name: re.Match) -> bool:
    """The name is a document's the question cites as where the answer is: "does the Securing Debian
    Manual recommend …", "in the NUT FAQ", "the Securing Debian Manual's sample script"; not one it asks
    about ("Who wrote the Securing Debian Manual?")."""
    last = re.sub(r"['’]s$", "", name[0].split()[-1]).lower()
    return last in _DOCUMENT_NAMES and (bool(_IN_SOURCE.search(question, 0, name.start()))
                                        or bool(_SOURCE_SAYS.match(question, name.end()))
                                        or question[name.end() - 2:name.end()] in ("'s", "’s"))


def _coined(question: str, specific: list[list[str]]) -> list[list[str]]:
    """The lower-case words of the question that no dictionary has and that are not already among its
    specific terms: a program's or a package's name ("knockd", "shorewall", "libpq")."""
    words = re.findall(r"(?<![\w'’-])[a-z][a-z0-9]*(?:\.[a-z0-9]+)*(?![\w'’-])", question)
    found = [terms(w) for w in words if len(w) > 2 and w not in STOPWORDS and not is_english_word(w)]
    return [t for t in found if t and t not in specific]


def _is_model_code(word: str) -> bool:
    """Capitals with digits that no abbreviation spells out: "L3", "PT100", "H100", not "Q1"."""
    return word.isupper() and any(ch.isdigit() for ch in word) and any(ch.isalpha() for ch in word) \
        and word.lower() not in vocab.SPELT_OUT


_LITERAL = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*|(?<![\w/.])/[A-Za-z][\w-]*(?:[./][\w*-]+)*"
                      r"|(?<![\w/.-])[a-z][\w.-]*/[a-z][\w.-]*(?:/[\w.-]+)*(?<![.-])"  # a relative path: "debian/source/format"
                      r"|\\[A-Za-z@]{2,}")  # a TeX command: "\specialrule"


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


@lru_cache(maxsize=8192)  # every clause of a sentence is measured; passages recur across questions
def _measures(text: str) -> frozenset[int]:
    # (a word of a name, "Shared" of "the Shared MIME-info Database", measures nothing)
    words = {m.group(0).lower() for m in _MEASURE_WORDS.finditer(text)
             if not (m.start() > 0 and re.fullmatch(r"[A-Z][a-z]+", m.group(0)) and _NAME_WORD_AFTER.match(text, m.end()))}
    return frozenset(i for i, family in enumerate(vocab.MEASURE_FAMILIES)
                     if any(w.startswith(tuple(family)) for w in words))


def _value(text: str, match: re.Match) -> str:
    """A value as the question may already give it: "five" of "Five-Year Plan" is part of a compound
    ("five-"), and gives no count of five."""
    compound = re.match(r"-[A-Za-z]", text[match.end():match.end() + 2]) is not None
    return match.group(0).lower() + "-" * compound


_RELATIVE_NUMBER_WORDS = frozenset(vocab.RELATIVE_NUMBER_WORDS)  # ("doubling the 2020 figure" counts nothing)


def _type_evidence(q: Question, text: str, kind: str | None = None, idf: dict[str, float] | None = None) -> float:
    """How strongly text holds an answer of the kind asked for that the question does not already
    contain: 1 for the kind asked for; for a quantity, 0.5 when its only numbers are of another sort
    (a growth rate where an amount is asked, an amount where a count is asked); 0 for none."""
    kind = kind or q.kind
    if q.setting and _states_default(q.setting, text):
        return 1.0  # whatever form the value takes ("/Fit", "‘a4’", "0.5 em")
    if kind == "other":
        if q.defines:
            return float(q.defines.search(text) is not None)
        return float(q.reason and _REASON.search(text) is not None)
    if kind == "expansion":
        return float(_expands(q.text, text))
    if kind == "version" and (named := _CODENAME.search(text)) and set(terms(named.group(1))) & set(q.versioned):
        return 1.0  # a release known by its name: "the Debian Buster release"
    # (a number after a table of contents' leader, "CUSTOMIZING YOUR DEBIAN … 11.6", is where a section is)
    found = [m for m in _PATTERNS[kind].finditer(text) if _value(text, m) not in q.given[kind]
             and not _CONTENTS_LEADER.search(text, max(0, m.start() - 8), m.start())]
    # "figure 4.3" points to a figure, "June 27" is a day and "args[0]" or "[12]" an index: none is a quantity
    if kind == "number":
        found = [m for m in found if not _POINTER.search(text[max(0, m.start() - 12):m.start()])
                 and not _is_label_number(text, m)
                 and not _DAY_BEFORE.search(text[max(0, m.start() - 12):m.start()]) and not _DAY_AFTER.match(text, m.end())
                 and not _is_pronoun_one(text, m)
                 and not (q.sort in ("count", "amount") and m.group(0).lower() in _RELATIVE_NUMBER_WORDS)]
    if kind == "version" and q.versioned:  # "GCC version 10.3.0" is no version of R
        found = [m for m in found if not _version_of_another(q, text, m)]
    if kind == "name" and q.named and _NAMED.search(text):
        return 1.0  # "… an identification number known as pid"
    if kind == "name" and not q.person and _names_the_target(q, text):
        return 1.0  # "Which encoding …?": "The gzip encoding is the only one supported …"
    if kind == "name":
        # A name the question gives, a month, or a name the whole corpus is about ("Debian" in its
        # history) is no answer to "who" or "which".
        question_terms = set(q.terms)
        found = [m for m in found if not set(terms(m.group(0))) <= question_terms and not _PATTERNS["date"].fullmatch(m.group(0))
                 and not (idf and max((idf.get(t, math.inf) for t in terms(m.group(0))), default=0) < _TOPICAL_IDF)]
        words = text.split()
        if q.person and sum(bool(re.fullmatch(r"[\d.,%]+", w)) for w in words) > 0.4 * len(words):
            return 0.0  # a table of figures names no one, whatever its row labels ("read_dict 19.7 24.3 …")
        if q.person:  # a name written as code ("should_bypass_proxies", "iter_content()"), an acronym ("URIs") or
            # with capitals inside ("PostScript") is a thing, not someone; nor is a word capitalised only because
            # it opens an item or a row's field, after a colon or semicolon ("• Uploading your keys", "List
            # [<options>]: List the entries", "Section: 8; Section contents: …"), or a capitalised "This"
            found = [m for m in found if _TITLE_WORD.fullmatch(m.group(0)) and m.group(0).lower() not in STOPWORDS
                     and not _ITEM_OPENING.search(text, 0, m.start()) and _may_be_someone(text, m)]
            # An account is someone too: "… will be owned by user man", "run as user postgres".
            found += [m for m in _ACCOUNT.finditer(text) if m.group(1).lower() not in STOPWORDS | set(vocab.ACCOUNT_WORDS)]
    if kind == "number" and q.duration:
        # ("How long is the synopsis?" may ask a length, "80 characters"; "a four-stage rocket" is neither)
        stretches = [m for m in _DURATION.finditer(text) if not (q.lasting and _FREQUENCY.match(m.group(0)))]
        return 1.0 if stretches else 0.5 if any(_is_length(text, m) for m in found) else 0.0
    if not found:
        return 0.5 if kind == "date" and q.occasion and _OCCASION.search(text) else 0.0
    if kind == "number" and q.units is not None:
        return 1.0 if q.units.search(text) else 0.5
    if kind != "number" or q.sort is None:
        return 1.0
    sorts = {_sort_of(text, m) for m in found}
    if q.sort in ("count", "amount") and sorts == {"percent"}:
        return 0.0  # "how many people" or "what output value" is never answered by a share alone ("about 0.0001%")
    if q.sort == "count":
        if q.counted and q.counted[-1] in terms(text):
            return 1.0 if "count" in sorts else 0.5
        # "How many developers …?" is not answered by "two new architectures": every number counts another thing
        return 0.0 if q.counted and all(_counts_another(text, m) for m in found) else 0.5
    return 1.0 if q.sort in sorts or (q.sort == "change" and sorts & {"percent", "amount"}) else 0.5


_COUNTED_NOUN = re.compile(r"\s+(?:[a-z-]+\s+){0,2}?([a-z]+s)\b")


def _counts_another(text: str, number: re.Match) -> bool:
    """The number counts things the text names right after it ("two new architectures"), of which the
    question counts none (its counted noun is not in the text)."""
    counted = _COUNTED_NOUN.match(text, number.end())
    return counted is not None and not counted[1].endswith("ss")


_OWNER = re.compile(rf"([A-Za-z][\w+-]*)\s+(?:(?i:{_alt(vocab.VERSION_WORDS)})\s+)?v?$")


def _names_the_target(q: Question, text: str) -> bool:
    """The text names a thing of the kind asked for by a word no dictionary has before the kind's noun:
    "the gzip encoding", "the ext4 filesystem" for "Which encoding/filesystem …?"."""
    if len(q.target) != 1:
        return False
    words = re.findall(r"[\w.+-]+", text)
    return any(terms(noun) == q.target and not is_common_word(name) and name.lower() not in STOPWORDS
               and not set(terms(name)) & set(q.terms)
               for name, noun in zip(words, words[1:]))


def _version_of_another(q: Question, text: str, version: re.Match) -> bool:
    """The version is numbered right after a name that is not the one asked about: "GCC version
    10.3.0" where R's version is asked."""
    # (the match may hold its name: "DeflateBufferSize 8096")
    owner = re.match(r"([A-Za-z][\w+-]*)\s", version.group(0)) or _OWNER.search(text, max(0, version.start() - 40), version.start())
    return bool(owner) and owner[1][0].isupper() and owner[1].lower() not in vocab.VERSION_WORDS \
        and not set(terms(owner[1])) & set(q.versioned)


def _is_label_number(text: str, number: re.Match) -> bool:
    """A bare number in brackets labels or indexes something and counts nothing: "args[0]", "[12]", a
    manual section ("sources.list(5)"), an item's number ("(1) MCP2200 drivers (2) Python")."""
    opening, closing = text[number.start() - 1:number.start()], text[number.end():number.end() + 1]
    return (opening, closing) == ("[", "]") or ((opening, closing) == ("(", ")") and number.group(0).isdigit())


_CONTENTS_LEADER = re.compile(r"(?:…|\.{3,}|(?:\.\s){2,})\s*$")
_ONE_AS_PRONOUN = re.compile(rf"\s+(?:another|{_alt(vocab.MODALS)})\b", re.I)
_DETERMINER_BEFORE = re.compile(rf"\b{_alt(vocab.DETERMINERS + ['which', 'another'])}\s+$", re.I)


def _is_pronoun_one(text: str, number: re.Match) -> bool:
    """"one" stands for a noun or for anybody and counts nothing: "a source like this one", "each one",
    "one another", "one should set …"."""
    return number.group(0).lower() == "one" and bool(_DETERMINER_BEFORE.search(text[max(0, number.start() - 12):number.start()])
                                                     or _ONE_AS_PRONOUN.match(text, number.end()))


def _may_be_someone(text: str, name: re.Match) -> bool:
    """A capitalised word that may name a person: one of a run of two or more ("Tom Lane", "Jean-Pierre
    Durand"), or a word that is no common English word ("Zacchiroli"); "If you know Make, …" names a program."""
    before, after = text[:name.start()], text[name.end():]
    in_run = bool(re.search(r"(?:[A-Z][a-z'’-]*|[A-Z]\.)\s+$", before) or re.match(r"\s+[A-Z](?:[a-z]|\.)", after))
    return in_run or not is_common_word(name.group(0))


_ACCOUNT = re.compile(rf"\b(?:by|as)\s+(?:the\s+)?(?:{_alt(vocab.ACCOUNT_WORDS)})\s+[\"'‘“]?([a-z_][\w-]*)\b")
_TITLE_WORD = re.compile(r"[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)*")  # "Jean-Pierre", not "Non-standard"
_ITEM_OPENING = re.compile(r"(?:^|[•:;]|\d\.)\s*$|(?<!\w)-$")  # (a table row reads "Section: 8; Section contents: …")


def _is_length(text: str, number: re.Match) -> bool:
    """The number is a length: a unit of length follows its digits ("4 MB", where NUMBER took the unit in)
    or the whole match ("four characters")."""
    digits_end = number.start() + len(_NUMERAL.match(number.group(0))[0])
    return bool(_LENGTH.match(text, digits_end) or _LENGTH.match(text, number.end()))


def _expands(question: str, text: str) -> bool:
    """text spells out the acronym the question asks about: "Distinguished Encoding Rules (DER)",
    "PHOENIX (Physics with Home-made Equipment …)", "GPG stands for GNU Privacy Guard"."""
    asked = _EXPANSION_ASKED.search(question)
    if not asked:
        return False
    acronym = asked.group(1)
    initial = re.escape(acronym[0])
    # Words that start with the acronym's first letter: "DER (der[0]..der[len-1])" is no expansion.
    return re.search(rf"\b{re.escape(acronym)}s?\s*\((?i:{initial})[\w&'’-]*(?:\s+[\w&'’-]+){{1,10}}\)"
                     rf"|\b(?i:{initial})[\w&-]*(?:\s+[\w&-]+){{1,8}}\s*\(\s*{re.escape(acronym)}s?\s*\)"
                     rf"|\b{re.escape(acronym)}\s+(?:stands\s+for|is\s+short\s+for|is\s+an\s+abbreviation\s+(?:of|for))"
                     rf"\s+(?:the\s+)?[\"“']?(?i:{initial})", text) is not None


def _sort_of(text: str, number: re.Match) -> str:
    tail = text[number.start():number.end() + 30]
    if _PERCENT_SORT.match(tail):
        return "percent"
    return "amount" if _AMOUNT_SORT.match(tail) else "count"


_FAMILY_TERMS = [frozenset(stem(w) for w in family) for family in vocab.MEASURE_FAMILIES]


def _kin(asked: list[str]) -> set[str]:
    """The words of the same measure as any asked about: a "share" is also stated as a "proportion" or
    as what something "accounts for"."""
    return {t for family in _FAMILY_TERMS if family & set(asked) for t in family}


def _measure_match(q: Question, text: str) -> float:
    """1 when the text speaks of the kind of measure asked about (or the question names none). A
    physical quantity is checked by its units instead ("the amplitude of the SINE output" is in volts,
    not an "output" of industry)."""
    return 1.0 if not q.measures or q.units is not None or q.measures & _measures(text) \
        or (q.setting and _states_default(q.setting, text)) \
        or (bool(_SIZE_ASKED & set(q.terms)) and _SIZE.search(text) is not None) else 0.0


# "How big is the base package?" is answered by a number of bytes ("over 700K")
_SIZE_ASKED = frozenset(t for w in vocab.SIZE_WORDS for t in terms(w))
_SIZE = re.compile(_quantity_in(vocab.MEASURE_UNITS["space"]))


# Capitalised words in a row, a name; acronyms ("MIIT", "H1") are left to _unknown_acronym.
_NAME_RUN = re.compile(r"(?<![\w'’-])[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*")


_FRAME_TERMS = frozenset(t for w in vocab.HOW_QUANTITY + vocab.NAMING_WORDS for t in terms(w))


def _asks_about_nothing(q: Question) -> bool:
    """The question names nothing to look for, only its frame: "How long?", "Which day?", "What is it called?"."""
    return not set(q.terms) - _FRAME_TERMS - set(q.target)


def _asks_unknown(q: Question, unknown_terms: list[str]) -> bool:
    """The thing asked about is named with words the corpus never uses, so no passage can answer it:
    the "unemployment rate" asked about, the "charging stations" counted in a corpus about industrial
    output, or any two such words in a row ("hydrogen fuel cell"). One unknown word elsewhere is
    more often the asker's own wording ("Which firm spearheads …")."""
    # (a byline says who wrote a document without the word: "Who are the authors …?" is answered by "by …")
    unknown = set(unknown_terms) - (_AUTHORSHIP if q.act in _AUTHORSHIP else set())
    if unknown & set(q.about + q.counted):
        return True
    # A name the question is about that the corpus never uses ("Ubuntu" in a corpus on Xi'an), unless it
    # is part of a longer name the corpus partly knows ("Microsoft Windows" where it writes "MS Windows").
    names = (terms(m[0]) for m in _NAME_RUN.finditer(q.text) if m.start() > 0)
    if any(name and set(name) <= unknown for name in names):
        return True
    # Half the question's words or more are foreign to the corpus: it is about something else.
    # (the "long" of "How long …?" is the question's frame, no word of what it is about)
    content = set(q.checked) - {t for how in re.finditer(r"\bhow\s+(\w+)", q.text, re.I) for t in terms(how[1])}
    if len(unknown & content) >= max(2, len(content) / 2):
        return True
    run = 0
    for word in re.findall(r"[\w'’-]+", q.text):
        word_terms = terms(word)
        run = run + 1 if word_terms and all(t in unknown for t in word_terms) else 0
        if run >= 2:
            return True
    return False


_DOCUMENT_FORMATS = frozenset(vocab.DOCUMENT_FORMATS)  # ("the PDF" is the document itself)


def _unknown_acronym(q: Question, retrieval: Retrieval) -> bool:
    """An acronym of the question ("GIL") that the corpus never uses and no retrieved passage spells
    out (its words' initials): what it names is not in the corpus."""
    unknown = set(retrieval.unknown_terms) & q.acronyms - _DOCUMENT_FORMATS
    return any(not any(a in _bag(p.chunk.text)[1] for p in retrieval.passages) for a in unknown)


# --- candidates ---

@dataclass
class _Candidate:
    passage: int  # index into passages
    span: Span  # offsets in the passage text
    sentence: Span  # the sentence the span belongs to
    similarity: float  # of the whole sentence to the question
    features: dict = field(default_factory=dict)
    score: float = 0.0
    referent: str = ""  # what the sentence's referring subject ("this release") stands for, shown before it


_LONG = 30  # words; longer sentences are also offered clause by clause
_PART_FLOOR = 0.5  # a part's best sentence is added only when it likely answers that part


def _candidates(passages: list[Passage], commas: bool = True, max_chars: int = 10**9) -> list[_Candidate]:
    found = []
    for p, passage in enumerate(passages):
        chunk = passage.chunk
        text = chunk.text
        for (start, end), similarity in zip(chunk.sentences, passage.sentence_similarity):
            # (a name alone in a document's front matter, before its first sentence, is no label but its
            # byline: "Andreas Matthias", "Thomas Leonard" under "X Desktop Group (http://www.freedesktop.org)")
            if _context_only(text[start:end], chunk) and not (not _SENTENCE_STOP.search(text, 0, start)
                                                              and _is_byline(chunk, (start, end), text[start:end])):
                continue
            found.append(_Candidate(p, (start, end), (start, end), similarity))
            if len(text[start:end].split()) > _LONG:
                windows = _clause_windows(text, start, end, commas or end - start > max_chars)
                found.extend(_Candidate(p, span, (start, end), similarity) for span in windows)
    return found


# A sentence that asks (an FAQ entry, "(9) What is …?"), not one that only ends on a "?" glued to it.
_ASKING = re.compile(rf"\W*(?:\d+(?:\.\d+)*[.)]?\s*)?{_alt(vocab.WH_WORDS + vocab.AUXILIARIES)}\b", re.I)  # ("2.5 Why does …?")


def _is_synopsis(sentence: str) -> bool:
    """A command's usage line ("git stash show [-u | --include-untracked] [<stash>] …"), not prose: many
    brackets (a table's bars are data: "develop | 11 | 5200")."""
    marks = sum(sentence.count(ch) for ch in "[]<>{}")
    return marks >= 8 and marks >= 0.05 * len(sentence)


# A line of two or three capitalised words and nothing else: a table's header row or a label ("Command
# Description", "Objective"), never a statement.
_LABEL = re.compile(r"(?:[A-Z][a-z]+\s){1,2}[A-Z][a-z]+")


def _context_only(sentence: str, chunk) -> bool:
    """Page furniture that may set the context but never answers: the document's title or the section
    heading repeated in the body, a bare number, a sentence about the document itself ("This article
    explains …"), a question (an FAQ's "What is the maximum size of a VARCHAR?"), a usage synopsis, a
    preformatted block (its lines kept: program code, a terminal session)."""
    plain = sentence.strip().rstrip(".:").strip().lower()
    return (not re.search(r"[^\W\d_]", sentence) or _META.match(sentence) is not None or "\n" in sentence
            or _LABEL.fullmatch(sentence.strip()) is not None
            or (sentence.rstrip().endswith(("?", "？")) and _ASKING.match(sentence) is not None)
            or _is_synopsis(sentence) or (is_code(sentence) and not _is_record(sentence))
            or plain in (chunk.title.strip().lower(), chunk.heading.strip().lower()))


def _clause_windows(text: str, start: int, end: int, commas: bool) -> list[Span]:
    """Each clause alone and with the next one; a short lead-in ("By 2030,") is not a window of
    its own, since _as_sentence puts it back in front of whichever clause is chosen. A window that
    would end mid-sentence ("… and is") is no answer."""
    clauses = _paired(text, clause_spans(text, start, end, commas))
    if len(clauses) > 1 and _is_lead_in(text, clauses[0]):
        clauses = clauses[1:]
    windows = []
    for i in range(len(clauses)):
        for j in (i, i + 1):
            if j < len(clauses) and (clauses[i][0], clauses[j][1]) != (start, end) \
                    and not _dangles(text[clauses[i][0]:clauses[j][1]]):
                windows.append((clauses[i][0], clauses[j][1]))
    return windows


def _paired(text: str, clauses: list[Span]) -> list[Span]:
    """The clauses, a clause that opens a pair joined with those up to the one that closes it: "not only
    Linux," and "but other UNIX-like systems …" are one clause, since either alone says something else."""
    joined: list[Span] = []
    for clause in clauses:
        if joined and _opens_pair(text[joined[-1][0]:joined[-1][1]]):
            joined[-1] = (joined[-1][0], clause[1])
        else:
            joined.append(clause)
    return joined


def _opens_pair(span: str) -> bool:
    return any((first := pattern.search(span)) and not second.search(span, first.end()) for pattern, second in _CORRELATIVES)


def _dangles(span: str) -> bool:
    """The span stops mid-sentence: it ends on a word that needs more after it ("… and is")."""
    last = _LAST_WORD.search(span[-40:])
    return bool(last) and last.group(1).lower() in _DANGLING_WORDS


_DANGLING_WORDS = frozenset(vocab.DANGLING_WORDS)
_CORRELATIVES = [(re.compile(rf"\b{first}\b", re.I), re.compile(rf"\b{second}\b", re.I))
                 for first, second in vocab.CORRELATIVES.items()]


def _is_lead_in(text: str, clause: Span) -> bool:
    return len(text[clause[0]:clause[1]].split()) <= 6 and text[clause[1] - 1] == ","


_WEIGHTS_FILE = Path(__file__).with_name("answer_weights.json")


@lru_cache(maxsize=1)
def fitted_weights() -> dict:
    """The scorer's weights and the abstention threshold, as bench/fit_answer.py last fitted them."""
    return json.loads(_WEIGHTS_FILE.read_text(encoding="utf-8"))


def _logistic(model: dict, features: dict) -> float:
    logit = model["bias"] + sum(w * features[k] for k, w in model["weights"].items())
    return 1 / (1 + math.exp(-max(-50.0, min(50.0, logit))))


@dataclass
class Scored:
    """A question read against its retrieval: the candidates that may answer, best first, and the
    probability that the best one answers (None when none may)."""
    question: Question
    candidates: list[_Candidate]
    supported: list[_Candidate]
    answerable: float | None


class ExtractiveGenerator:
    """Answers with the best one or two sentences or clauses, each followed by its [n] marker.

    A candidate's score is the probability that it answers the question, from a logistic model over
    its features. Abstains when no candidate names the question's numbers and the rarer of its
    names (other than those the corpus is about), speaks of what is asked about, or lacks the kind of answer asked for (no number for "how much"), or when a second
    logistic model, over how much of the question's rare terms the best candidate and its context
    cover, judges the question unanswerable. Both models are fitted by bench/fit_answer.py on the dev
    splits of the eval suites rag/answer_weights.json names.
    """

    def __init__(self, max_chars: int = 300) -> None:
        self.max_chars = max_chars
        self.max_list_chars = max_chars * 5 // 4  # a list needs its whole clause; the answer stays under 400
        weights = fitted_weights()
        self.rank_model, self.answerable_model = weights["rank"], weights["answerable"]

    def score(self, question: str, retrieval: Retrieval) -> Scored:
        """Analyse the question and score every candidate of the retrieved passages."""
        q = analyse(_as_written(question, retrieval.passages), retrieval.corrections)
        # A list, or a person ("Who is the deputy head …?" is answered by "Sheng Yi, deputy head of …", not
        # by the appositive alone), needs its sentence whole, not cut at its commas.
        whole = q.listing or bool(_WHO.match(q.text))
        candidates = _candidates(retrieval.passages, commas=not whole, max_chars=self.max_list_chars)
        stats = _corpus_idf(q, retrieval)
        supported = self._rank(q, candidates, retrieval.passages, stats)
        answerable = _logistic(self.answerable_model, supported[0].features) if supported else None
        return Scored(q, candidates, supported, answerable)

    def generate(self, question: str, retrieval: Retrieval) -> Answer:
        passages = retrieval.passages
        if not passages:
            return Answer(question, NOT_COVERED, True)
        scored = self.score(question, retrieval)
        q, candidates, supported = scored.question, scored.candidates, scored.supported
        if not supported or _asks_about_nothing(q) or _asks_unknown(q, retrieval.unknown_terms) or _unknown_acronym(q, retrieval) \
                or (scored.answerable < self.answerable_model["threshold"] and not _signs_document(q, supported[0], passages)):
            return self._abstain(question, passages)
        follow = _enumeration_after(q, supported[0], supported, passages) or _ordinal_items(q, supported[0], candidates, passages) \
            or _entry_rest(q, supported[0], candidates, passages)
        chosen = [supported[0] if follow else _list_introducer(q, supported, passages) or supported[0]]
        # A question in two parts ("which …, and which …") also takes the best sentence for each part
        # that the first does not already answer; a comparison ("X or Y") is answered by the best
        # sentence for each side.
        bests = []
        stats = _corpus_idf(q, retrieval)
        for part in q.parts:
            ranked = self._rank(part, [replace(c) for c in candidates], passages, stats, q.listing)
            if ranked and ranked[0].score >= _PART_FLOOR:
                bests.append(ranked[0])
        if q.comparison and len(bests) == 2:
            chosen = bests[:1]
            self._cover(chosen, bests[1])
        else:
            for best in bests:
                self._cover(chosen, best)
        # (an option's entry is answer enough: the next one is another option's; so is a record: the next
        # row is another thing's)
        best = supported[0]
        if len(chosen) == 1:
            alone = q.entry or _is_record(passages[best.passage].chunk.text[best.sentence[0]:best.sentence[1]])
            chosen += follow or ([] if alone else self._second(best, supported))
        return self._compose(q, question, chosen, passages)

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
              stats: tuple[dict[str, float], float], listing: bool | None = None) -> list[_Candidate]:
        """The candidates that may answer, best first, scored for this question."""
        listing = q.listing if listing is None else listing
        idf = _local_idf(q, passages)
        phrases = _retrieved_phrases(q, passages)
        memo: dict = {}
        for c in candidates:
            c.features = _features(c, q, idf, passages, phrases, stats, memo)
            c.score = _logistic(self.rank_model, c.features)
            c.features["score"] = c.score
        # Only a candidate whose context names the question's numbers and its rarer names, and that
        # holds a number when one is asked for, may answer. Unless the question asks for a list, which
        # needs its whole sentence, a span longer than max_chars is chosen only when no shorter one may.
        # "What does the -E option do?" is answered by the option's own entry, before any sentence that
        # only mentions it ("When called without option -E, …").
        return sorted((c for c in candidates if self._supports(c, q)),
                      key=lambda c: (c.span[1] - c.span[0] > (self.max_list_chars if listing else self.max_chars),
                                     not _signs_document(q, c, passages), q.entry and c.features["type"] < 1, -c.score))

    @staticmethod
    def _supports(c: _Candidate, q: Question) -> bool:
        f = c.features
        if not f["neighbour"] or f["target_missing"] or f["form_missing"] or f["condition_missing"] or f["act_missing"] \
                or f["setting_missing"]:
            return False
        if f["numbers_missing"] or f["names_missing"] > 0.5 or f["conflict"] or f["off_topic"] >= _OFF_TOPIC_WORDS \
                or (q.kind in ("number", "date", "rank") and (f["type"] == 0 or f["measure"] == 0 or f["about_missing"])) \
                or ((q.kind in ("version", "expansion") or q.person or q.setting) and f["type"] == 0):
            return False
        # A rate or share is only ever answered by a percentage or fraction, a voltage by a number of volts.
        return not (q.kind == "number" and f["type"] < 1 and (q.sort == "percent" or q.units is not None))

    def _second(self, best: _Candidate, candidates: list[_Candidate]) -> list[_Candidate]:
        """A second sentence only when it is nearly as good and says something else."""
        for c in candidates[1:6]:
            if c.score < 0.9 * best.score:
                break
            if (c.passage, c.sentence) != (best.passage, best.sentence):
                return [c]
        return []

    def _compose(self, q: Question, question: str, chosen: list[_Candidate], passages: list[Passage]) -> Answer:
        citations: list[Citation] = []
        pieces: list[str] = []
        shown: list[str] = []  # the sentences so far, without their markers
        for c in chosen:
            passage = passages[c.passage]
            sentence = _fields_asked(q, _as_sentence(passage.chunk.text, c.span, c.sentence))
            span = c.span
            items, end = _items_after(passage.chunk.text, c.span[1])
            if items:  # "… one of the following storage classes:" is answered by what follows
                listed = _as_many(items, self.max_list_chars - len(sentence))
                sentence, span = f"{sentence[:-1]}: {listed}{'' if listed.endswith('…') else '.'}", (c.span[0], end)
            if c.referent:
                sentence = f"{c.referent} {sentence}"
            # (Chunks overlap, so a second sentence may hold the first whole: "A. B." after "A.")
            if pieces and (len(" ".join(pieces + [sentence])) > self.max_chars
                           or any(sentence in seen or seen.rstrip(".") in sentence for seen in shown)):
                break
            shown.append(sentence)
            existing = next((x for x in citations if x.chunk_id == passage.chunk.chunk_id), None)
            n = existing.n if existing else len(citations) + 1
            if not existing:
                citations.append(_citation(n, passage, span, c.score))
            pieces.append(f"{sentence} [{n}]")
        return Answer(question, " ".join(pieces), False, citations)

    def _abstain(self, question: str, passages: list[Passage]) -> Answer:
        return abstention(question, passages)


def abstention(question: str, passages: list[Passage]) -> Answer:
    """The corpus does not say, with the closest passages to read instead."""
    citations = [_citation(i + 1, p, (0, 0), p.score) for i, p in enumerate(passages[:3])]
    return Answer(question, f"{NOT_COVERED} The closest passages are listed below.", True, citations)


def _features(c: _Candidate, q: Question, idf: dict, passages: list[Passage], phrases: list[list[list[str]]],
              stats: tuple[dict[str, float], float], memo: dict) -> dict:
    """The candidate's features: those of its sentence (shared by all its clauses, computed once in
    memo) and those of its own span."""
    chunk = passages[c.passage].chunk
    text = chunk.text[c.span[0]:c.span[1]]
    key = (c.passage, c.sentence)
    if key not in memo:
        memo[key] = _sentence_features(q, chunk, c.sentence, idf, phrases, stats)
    shared, before = memo[key]
    sentence = chunk.text[c.sentence[0]:c.sentence[1]]
    kind = _type_evidence(q, text, idf=stats[0])
    if q.listing and _items_after(chunk.text, c.span[1])[0]:
        kind = 1.0  # the sentence introduces a list, and a list is asked for
    c.referent = ""
    # "This release introduced …" answers "which version/release" with what "this release" refers to,
    # and so does "The city …" answer "which city".
    opening = terms(" ".join(sentence.split()[:3]))
    # ("This is version 0.21 …" names its own version: it needs no referent.)
    refers = bool(_REFERRING.match(sentence)) and not _EXPLETIVE.match(sentence)
    asks_referent = bool(q.target) and (refers or sentence.lower().startswith("the ")) \
        and bool(set(q.target) & set(opening)) and not (q.kind in ("version", "number", "date") and kind >= 1)
    # "Who wrote …?" is answered by whom "He also wrote …" stands for, whatever else the sentence names;
    # "Which module …?" by what "When this module is activated, …" stands for.
    asks_referent = asks_referent or (q.person and bool(_PERSONAL.match(sentence))) \
        or (bool(q.target) and kind == 0 and any(terms(m[1]) == q.target for m in _DEMONSTRATIVE.finditer(sentence)))
    # A version is often named only by the section or document the sentence is in ("What's New In
    # Python 3.10": "PEP 634, Structural Pattern Matching").
    # And a section may be headed by the very thing asked for ("Certify your work by adding your
    # Signed-off-by trailer" above "We ask you to certify that you wrote the patch …").
    # And a release's section is headed by its number and date ("2.28.1 (2022-06-29)"): it dates what it holds.
    if asks_referent or (kind == 0 and q.kind != "other" and refers) or (kind == 0 and q.kind == "version") \
            or (kind == 0 and q.kind in ("name", "other") and set(q.target) & set(terms(chunk.heading))
                and _type_evidence(q, chunk.heading, "name", idf=stats[0]) >= 1) \
            or (kind == 0 and q.kind == "date" and _numbers_named(q, chunk.heading)):
        title = chunk.title if q.kind == "version" and _versions_of(q, chunk.title) else ""
        c.referent, referred = _referent(q, chunk.heading or chunk.title, before, title)
        kind = max(kind, referred)
    return {
        **shared,
        "similarity": c.similarity,
        "own": _overlap(text, idf),
        "type": kind,
        "rank": 1 / (1 + c.passage),
        "measure": _measure_match(q, text),
        "length": min(len(text), 600) / 300,  # a long span is more often a dumped passage than an answer
        "form_missing": float(q.form is not None and not q.form.search(text)),
    }


def _sentence_features(q: Question, chunk, span: Span, idf: dict, phrases: list[list[list[str]]],
                       stats: tuple[dict[str, float], float]) -> tuple[dict, str]:
    """The features of a sentence in its context, and the sentence before it."""
    sentence = chunk.text[span[0]:span[1]]
    # The sentence before often names what "the city" or "this plan" refers to; the topic reaches two back.
    preceding = [s for s in chunk.sentences if s[1] <= span[0]]
    earlier = preceding[-2:]
    before = chunk.text[earlier[-1][0]:earlier[-1][1]] if earlier else ""
    lead = _lead(chunk, span[0])
    context = f"{chunk.title} {chunk.heading} {lead} {_referred(chunk, preceding, span, sentence) or before} {sentence}"
    topic = f"{chunk.title} {chunk.heading} {lead} {chunk.text[(earlier[0] if earlier else span)[0]:span[1]]}"
    # What the sentence speaks of: itself, its section heading, its paragraph's lead and the sentence
    # before (the document title is left out: a long document's title names everything in it).
    near = f"{chunk.heading} {lead} {before} {sentence}"
    byline = _is_byline(chunk, span, sentence)
    if byline:  # (… but a byline speaks of the document as a whole)
        near = f"{chunk.title} {near}"
    cover, gap = _coverage(q.checked, q, stats, near)
    asked = [t for t in q.about if not t[0].isdigit()]
    # "Who came after X?" is answered by the sentence next to the one that names X, never by that one.
    later = next((s for s in chunk.sentences if s[0] >= span[1]), None)
    beside = before if q.follows else (chunk.text[later[0]:later[1]] if later else "")
    # ("Beijing has become the second five-trillion-yuan city after Shanghai" says who came after Shanghai.)
    neighbour = not q.neighbour_of or q.relation in sentence.lower() or (all(set(g) <= _bag(beside)[0] for g in q.neighbour_of)
                                       and not any(set(g) <= _bag(sentence)[0] for g in q.neighbour_of))
    # A coined word only a few passages of the corpus use names something in them ("knockd"): it must be
    # near, as a name must. (One it never uses is more often the asker's own; one it often uses, its topic.)
    known = [g for g in q.coined if all(stats[1] - _FEW_PASSAGES_IDF < stats[0].get(t, stats[1]) < stats[1] for t in g)]
    present = _bag(context)[0]
    coined = sum(not all(t in present for t in g) for g in known)
    numbers, names, share = _missing(q.specific, context, stats)
    scattered = _scattered_names(q, context, stats)
    later_text = chunk.text[later[0]:later[1]] if later else ""
    return {
        "around": _overlap(context, idf),
        "missing": numbers + names + scattered + coined,
        "numbers_missing": numbers,
        "names_missing": 1.0 if scattered or coined else share,
        "cover": cover,
        "own_cover": _coverage(q.checked, q, stats, sentence)[0],
        "subject_cover": _coverage(q.subject, q, stats, near)[0],
        "subject_own": _coverage(q.subject, q, stats, sentence)[0],
        "gap": gap,
        "off_topic": _off_topic(phrases, topic),
        "conflict": _conflict(q, (sentence, chunk.heading, chunk.title)) or _names_others(q, sentence)
                    or _relates_others(q, sentence),
        # none of the words for what is asked about ("population") is near: the number is of something else
        "about_missing": float(bool(asked) and not (set(asked) | _kin(asked)) & _bag(near)[0]),
        "neighbour": float(neighbour),
        # the setting whose default is asked must be named near its value
        "setting_missing": float(bool(q.setting) and not (set(terms(q.setting)) or {q.setting.lower()}) <= _bag(near)[0]),
        # "Who founded Launchpad?" is not answered by "… see the Launchpad Help wiki": nothing near says who founded it
        # (who came after X is told by where the sentence stands: "Lucas Nussbaum was elected …" after X's item)
        "act_missing": float(bool(q.act) and not q.neighbour_of and not _states_act(q.act, near) and not _CREDIT.search(sentence)
                             and not (q.act in _AUTHORSHIP and byline)),
        "condition_missing": float(any(not words & _bag(near)[0] for words in q.conditions)),
        # An acronym asked for or qualifying what is asked for ("Which LZ4 library version"), unless
        # the corpus is about it ("HTTP" in an HTTP library's manual), must be near.
        "target_missing": float((bool(q.target) and set(q.target) <= q.acronyms
                                 and not set(q.target) & _bag(f"{context} {later_text}")[0])
                                or any(stats[0].get(t, stats[1]) >= _TOPICAL_IDF and t not in _bag(context)[0]
                                       for t in q.qualifiers)),
    }, before


_REFERENCE_REACH = 4  # sentences


def _referred(chunk, preceding: list[Span], span: Span, sentence: str) -> str:
    """Where what a referring sentence ("Both have an input impedance of 10MΩ.") speaks of may be named:
    the sentences before it in its paragraph, up to a few ("Analog Inputs (A1 & A2): Can measure … ")."""
    if not _REFERRING.match(sentence) or _EXPLETIVE.match(sentence):
        return ""
    earlier = preceding[-_REFERENCE_REACH:]
    text = chunk.text[earlier[0][0]:span[0]] if earlier else ""
    return re.split(r"\n\s*\n", text)[-1]


_LABEL_WORDS = 25  # a paragraph this short with no full stop is a label for the one after it


def _lead(chunk, start: int) -> str:
    """What the paragraph holding a sentence is about: its opening sentence, and the label line just
    before it (a release note's item title, "libpq can leak memory contents … (Jacob Champion)")."""
    text = chunk.text
    breaks = [m.end() for m in re.finditer(r"\n\s*\n", text[:start])]
    begin = breaks[-1] if breaks else 0
    opening = next((text[max(a, begin):b] for a, b in chunk.sentences if b > begin), "")
    if not breaks:
        return opening
    label = text[breaks[-2] if len(breaks) > 1 else 0:begin].strip()
    is_label = label and len(label.split()) <= _LABEL_WORDS and not label.endswith((".", "!", "?", "。", "！", "？"))
    return f"{label} {opening}" if is_label else opening


def _numbers_named(q: Question, text: str) -> bool:
    """text states the numbers the question names ("2.28.1" of "When was Requests 2.28.1 released?"), and it has some."""
    return any(_is_number(g) for g in q.specific) and not _numbers_missing(q.specific, _bag(text)[0], text)


def _versions_of(q: Question, text: str) -> bool:
    """text numbers a version of what the question asks the version of: "Python 3.10" for "Which
    Python version", any "X 15" for a bare "Which version"; not "Release 15" for "Which LZ4 version"."""
    return any(not q.versioned or set(terms(name)) & set(q.versioned) for name, _ in _IDENTIFIER.findall(text))


_OUTLINE = re.compile(r"^\s*(?:[A-Z]\.)?\d+(?:\.\d+)*\.?\s+")


def _referent(q: Question, heading: str, before: str, title: str = "") -> tuple[str, float]:
    """What a referring subject stands for, as the prefix to show ("Debian 8 (jessie):"), and how
    well it holds the kind of answer asked for: the section heading, else the sentence before, else
    the document's title when one is given."""
    # ("Who …" is answered by someone only: a count in the sentence before names no one)
    kinds = ("name", "number", "date") if q.kind in ("name", "other") and not q.person else (q.kind,)
    # A section's outline number ("2.3.", "E.17.2.") places it; it is no quantity.
    for text, prefix in ((_OUTLINE.sub("", heading), f"{heading.rstrip('.:')}:"), (before, before),
                         (title, f"{title.rstrip('.:')}:")):
        evidence = max(_type_evidence(q, text, kind) for kind in kinds) if text else 0.0
        if evidence:
            return prefix, max(_type_evidence(q, text), 0.5)
    return "", 0.0


def _citation(n: int, passage: Passage, span: Span, score: float) -> Citation:
    c = passage.chunk
    return Citation(n, c.doc_id, c.title, c.chunk_id, c.text, span[0], span[1], round(float(score), 4))


def _local_idf(q: Question, passages: list[Passage]) -> dict[str, float]:
    """Weights for the question's terms: rarer among the retrieved sentences means more telling."""
    sentences = [p.chunk.text[a:b] for p in passages for a, b in p.chunk.sentences]
    df = Counter(t for s in sentences for t in set(terms(s)))
    n = max(1, len(sentences))
    return {(t.upper() if t in q.acronyms else t): math.log(1 + n / (1 + df[t])) for t in set(q.terms)}


def _corpus_idf(q: Question, retrieval: Retrieval) -> tuple[dict[str, float], float]:
    """The corpus idf of each question term, and the idf of a term the corpus never uses; the
    retrieved passages stand in for the corpus when retrieval brought no statistics."""
    if retrieval.idf:
        return retrieval.idf, retrieval.max_idf
    local = _local_idf(q, retrieval.passages)
    return {t.lower(): w for t, w in local.items()}, max(local.values(), default=1.0)


def _coverage(wanted: list[str], q: Question, stats: tuple[dict[str, float], float], context: str) -> tuple[float, float]:
    """How much of the weight (corpus idf) of the wanted question terms the context holds, and how
    telling the most telling term it lacks is (its idf over that of a term the corpus never uses): a
    context lacking "hydrogen" in a corpus that never says "hydrogen" speaks of something else."""
    idf, unseen = stats
    weights = {t: idf.get(t, unseen) for t in set(wanted)}
    total = sum(weights.values())
    if not total:
        return 1.0, 0.0
    present, initials, _ = _bag(context)
    absent = [w for t, w in weights.items() if t not in present and not (t in q.acronyms and t in initials)]
    return 1 - sum(absent) / total, max((w for w in absent if w < unseen), default=0.0) / (unseen or 1.0)


def _retrieved_phrases(q: Question, passages: list[Passage]) -> list[list[list[str]]]:
    """Of each key phrase, the words (two or more) that the retrieved passages use: what a passage can
    be expected to name when it answers. A word no passage uses is the asker's own ("show" in "empty
    socket show"); a part of the phrase one passage holds and another part another passage holds
    ("foreign trade" | "grow year-on-year") is all still asked for."""
    seen = set().union(*(terms(p.chunk.text) for p in passages))
    found = []
    for phrase in q.phrases:
        held = [word for word in phrase if all(t in seen for t in word)]
        if len(held) >= 2:
            found.append(held)
    return found


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


def _conflict(q: Question, pieces: tuple[str, ...]) -> float:
    """1 when the sentence speaks of another version of what the question names: "Python 3.6" in the
    sentence, or else in its heading or title, where "Python 3.5" is asked. The nearest piece that
    numbers the name decides; a heading or title "Release 15.2" numbers whatever is named."""
    for name, number in q.identifiers:
        for i, piece in enumerate(pieces):
            found = [n for w, n in _IDENTIFIER.findall(piece) if w.lower() == name or (i and w.lower() in vocab.VERSION_WORDS)]
            if found:
                if not any(n == number or n.startswith(number + ".") for n in found):
                    return 1.0
                break
    return 0.0


# A name written as code with underscores: "SESSION_COOKIE_SAMESITE", "log_autovacuum_min_duration".
_UNDERSCORED = re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")


def _names_others(q: Question, sentence: str) -> float:
    """1 when the question names a setting written as code and the sentence names others of its kind
    but not it: "Changed in version 1.0: LOGGER_NAME and LOGGER_HANDLER_POLICY were removed." says
    nothing of SESSION_COOKIE_SAMESITE."""
    asked = {m.group(0).lower() for m in _UNDERSCORED.finditer(q.text)}
    named = {m.group(0).lower() for m in _UNDERSCORED.finditer(sentence)}
    return float(bool(asked) and bool(named) and not asked & named)


# "the industry of Deyang": a thing of a named owner.
_OF_NAME = re.compile(r"\b([a-z][\w-]*)\s+of\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)")


def _relates_others(q: Question, sentence: str) -> float:
    """1 when the question asks of "the industry of Deyang" and the sentence tells that thing only of
    other owners ("… the vanadium & titanium industry of Panzhihua, crystalline silicon PV industry of
    Leshan …")."""
    for thing, owner in _OF_NAME.findall(q.text):
        owners = {o.lower() for t, o in _OF_NAME.findall(sentence) if stem(t.lower()) == stem(thing.lower())}
        if owners and owner.lower() not in owners:
            return 1.0
    return 0.0


def _is_number(group: list[str]) -> bool:
    return any(ch.isdigit() for t in group for ch in t)


# A name at least one passage in seven uses is what the corpus is about ("PostgreSQL" in its manual),
# not a subject that singles a passage out: a passage need not repeat it.
_TOPICAL_IDF = math.log(7)


def _missing(specific: list[list[str]], context: str, stats: tuple[dict[str, float], float]) -> tuple[int, int, float]:
    """How many of the question's numbers (years, versions) and of its names the context lacks, and
    the share of the names' weight (corpus idf) it lacks, of those it must hold (those that are not
    the corpus's topic): lacking "openSUSE" where "RPM" and "openSUSE" are asked, it speaks of
    another distribution's RPMs."""
    idf, unseen = stats
    present = _bag(context)[0]
    names = {tuple(g): max(idf.get(t, unseen) for t in g) for g in specific if not _is_number(g)}
    names = {g: w for g, w in names.items() if w >= _TOPICAL_IDF}
    absent = [g for g in names if not all(t in present for t in g)]
    # (Lacking all is lacking all; but a name the corpus never uses may be another word for one the
    # context holds, "Microsoft" for "MS", and tells of no other subject.)
    if not absent:
        share = 0.0
    elif len(absent) == len(names):
        share = 1.0
    else:
        share = sum(names[g] for g in absent if names[g] < unseen) / sum(names.values())
    return _numbers_missing(specific, present, context), len(absent), share


def _numbers_missing(specific: list[list[str]], present: frozenset, context: str) -> int:
    """How many of the question's numbers (years, versions) the context does not state."""
    return sum(_is_number(g) and not all(_states(t, present, context) for t in g) for g in specific)


def _scattered_names(q: Question, context: str, stats: tuple[dict[str, float], float]) -> int:
    """How many words of the question's names of several words ("Global Competitiveness Index") the
    context holds only scattered ("competitiveness" … "Global Innovation Index"): it names another; such
    a name counts as missing whole."""
    idf, unseen = stats
    words = terms(context)
    joined = f" {' '.join(words)} "
    count = 0
    # ("Sichuan's Decision-making Advisory Committee" is two names: "… Advisory Committee of the CPC Sichuan …")
    names = [name for match in _NAME_RUN.finditer(q.text) if match.start() > 0 for name in re.split(r"['’]s\s+", match[0])]
    for name in names:
        run = terms(name)
        if len(run) < 2 or max(idf.get(t, unseen) for t in run) < _TOPICAL_IDF:
            continue
        count += len(run) * (set(run) <= set(words) and f" {' '.join(run)} " not in joined)
    return count


def _states(term: str, present: frozenset, context: str) -> bool:
    """The context holds the term; a number only as a number of its own: the "14" asked about in
    "PostgreSQL 14" is not the hour of "14:00:00" nor a piece of "1.14"."""
    if not term[0].isdigit():
        return term in present
    # A term is never an ordinal (stem makes "28th" "28"), but the context may be; version 15.0 is
    # also stated by "15.X" (any 15.n).
    if re.search(rf"(?<![\d:.]){re.escape(term)}(?:st|nd|rd|th)?(?![\d:]|[.,]\d)", context, re.I):
        return True
    family = re.fullmatch(r"(\d+)\.\d+", term)
    return bool(family) and re.search(rf"(?<![\d.]){family.group(1)}\.x\b", context, re.I) is not None


def absent_terms(groups: list[list[str]], context: str) -> list[str]:
    """The groups of terms (a name, a number) that context does not mention, each as text. (The
    extractive scorer's `_missing` weighs names by how topical they are; a written sentence's check
    counts every group.)"""
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


def _path_tails(path: str) -> list[str]:
    """The relative paths of two or more parts a path ends with: "/etc/apt/sources.list" holds
    "etc/apt/sources.list" and "apt/sources.list"."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[i:]) for i in range(0 if path.startswith("/") else 1, len(parts) - 1)]


@lru_cache(maxsize=8192)  # every clause of a sentence shares its context; passages recur across questions
def _bag(text: str) -> tuple[frozenset, str, frozenset]:
    """text's terms, the initials of its terms in order, and its upper-case acronyms (lower-cased)."""
    words = terms(text)
    acronyms = frozenset(a.lower() for a in re.findall(r"\b[A-Z]{2,6}\b", text))
    literal = [name.lower() for name in _LITERAL.findall(text)] if "-" in text or "/" in text or "\\" in text else []
    # a path also states its tails: "debian/source/format" holds "source/format"
    literal += [tail for name in literal if "/" in name for tail in _path_tails(name)]
    # and a TeX command in the plural ("double \\cmidrules") names the command
    literal += [name[:-1] for name in literal if name.startswith("\\") and name.endswith("s")]
    return frozenset(words + literal), "".join(w[0] for w in words), acronyms


_ITEM_SHARE = 0.85  # of the introducing sentence's score
_PLURAL_ASKED = re.compile(rf"^\W*(?:which|what)\s+(?!{_alt(vocab.AUXILIARIES)}\b)\w+[^s\W]s\b", re.I)  # "Which files …"


def _list_introducer(q: Question, supported: list[_Candidate], passages: list[Passage]) -> _Candidate | None:
    """For a question that asks for a list, a sentence nearly as good as the best that introduces one
    ("… one of the following storage classes:"): its items are the answer the best sentence only mentions.
    For one that asks for one thing, the item that answers it rather than the sentence introducing the
    list ("• A C source file f_stubs.c …" rather than "… camlidl generates the following files:")."""
    if not q.listing:
        best = supported[0]
        items, end = _items_after(passages[best.passage].chunk.text, best.span[1])
        if not items or _PLURAL_ASKED.match(q.text):  # ("Which files …?" asks for them all)
            return None
        return next((c for c in supported[1:5] if c.passage == best.passage and best.span[1] <= c.sentence[0] < end
                     and c.score >= _ITEM_SHARE * best.score), None)
    introducer = next((c for c in supported[:5] if c.score >= 0.95 * supported[0].score
                       and _items_after(passages[c.passage].chunk.text, c.span[1])[0]), None)
    if introducer or _enumerates(supported[0], passages):
        return introducer
    return next((c for c in supported[:5] if c.score >= _ENUMERATION_SHARE * supported[0].score and _enumerates(c, passages)), None)


def _enumeration_after(q: Question, best: _Candidate, candidates: list[_Candidate], passages: list[Passage]) -> list[_Candidate]:
    """For a question that asks for a list, the next sentence when it enumerates what the best one
    only names ("Add regular expression functions …" then "The new functions are regexp_count(),
    regexp_instr(), …") and is nearly as good."""
    chunk = passages[best.passage].chunk
    if not q.listing or _ENUMERATION.search(chunk.text[best.sentence[0]:best.sentence[1]]):
        return []
    after = _sentences_after(chunk, best.sentence)[:1]
    return [c for c in candidates[:6] if c.passage == best.passage and [c.sentence] == after
            and c.score >= _ENUMERATION_SHARE * best.score and _enumerates(c, passages)][:1]


def _ordinal_items(q: Question, best: _Candidate, candidates: list[_Candidate], passages: list[Passage]) -> list[_Candidate]:
    """For a question that asks for a list, the sentences after the best one that are the items it
    counts: "There are two ways a system can get into a broken state." then "The first is …" and
    "The second is …"."""
    chunk = passages[best.passage].chunk
    following = _sentences_after(chunk, best.sentence)[:_MAX_ITEMS]
    # (the best sentence counts the items, or the next one opens the first: "… some new features." "Firstly, …")
    opens = bool(following) and re.match(r"\W*(?:the\s+)?first(?:ly)?\b", chunk.text[following[0][0]:following[0][1]], re.I)
    if not q.listing or not (_COUNTED.search(chunk.text[best.sentence[0]:best.sentence[1]]) or opens):
        return []
    items = []
    for sentence in following:
        item = next((c for c in candidates if c.passage == best.passage and c.span == sentence), None)
        if item is None or not _ORDINAL_OPENING.match(chunk.text[sentence[0]:sentence[1]]):
            break
        items.append(item)
    return items if len(items) >= 2 else []


def _entry_rest(q: Question, best: _Candidate, candidates: list[_Candidate], passages: list[Passage]) -> list[_Candidate]:
    """An option's entry goes on past its first sentence ("-k, --keep-index: This option is only valid
    for push and save commands. All changes already added to the index are left intact."): the rest of
    its paragraph, up to two sentences."""
    chunk = passages[best.passage].chunk
    if not q.entry or not q.defines.search(chunk.text[best.sentence[0]:best.sentence[1]]):
        return []
    end = chunk.text.find("\n\n", best.sentence[1])
    rest = [s for s in _sentences_after(chunk, best.sentence) if end < 0 or s[1] <= end][:2]
    return [c for s in rest for c in candidates if c.passage == best.passage and c.span == s]


def _sentences_after(chunk, sentence: Span) -> list[Span]:
    return [s for s in chunk.sentences if s[0] >= sentence[1]]


_COUNTED = re.compile(rf"\b(?:\d+|{_alt(vocab.NUMBER_WORDS)})\s+(?:[\w-]+\s+)?[\w-]+s\b", re.I)
_ORDINAL_OPENING = re.compile(rf"^\W*(?:the\s+)?(?:{_alt(vocab.ORDINALS)})(?:ly)?\b", re.I)  # ("Firstly, …")


def _enumerates(c: _Candidate, passages: list[Passage]) -> bool:
    return _ENUMERATION.search(passages[c.passage].chunk.text[c.span[0]:c.span[1]]) is not None


# Three or more items: "a, b, and c", "a, b or c".
_ENUMERATION = re.compile(r"(?:[^,;:]+,\s){2,}[^,;:]*\b(?:and|or)\s\S")
_ENUMERATION_SHARE = 0.6  # of the best sentence's score


_PROGRAM_CHARS, _PROGRAM_LINES = 160, 3  # a command and its reply, not a session
_LINE_WORDS = 15
_STOPS = (".", "!", "?", ":")
_MAX_ITEMS = 12
_ITEM_WORDS = 40  # an item longer than this is prose, not a list item
_ITEM_LABEL = re.compile(r"^(.{1,60}?)(?:\.\s|:\s|\s[–—-]\s)")


def _items_after(text: str, end: int) -> tuple[list[str], int]:
    """When the sentence ending at end introduces a list ("… the following storage classes:"), the
    list's items as short labels ("NULL", "INTEGER" …: an item's term before its definition), and
    where the list ends; else ([], end)."""
    if not text[:end].rstrip().endswith(":"):
        return [], end
    # A short block of code or a terminal session ("… you use the following command:" / "$ createdb
    # mydb") is what the sentence announces: it is context only as a unit of its own.
    program = re.match(r"\n\n([^\n]+(?:\n[^\n]+)+)", text[end:])
    if program and len(program.group(1)) <= _PROGRAM_CHARS and program.group(1).count("\n") < _PROGRAM_LINES:
        return [" ".join(program.group(1).split())], end + program.end()
    items, position, labelled = [], end, None
    for match in re.finditer(r"\n\n([^\n]+)", text[end:]):
        item = match.group(1).strip()
        label = _ITEM_LABEL.match(item)
        label = label.group(1) if label and len(label.group(1).split()) <= 5 else ""
        # The items of a list are alike: all a term with its definition, or all short lines.
        if len(items) == _MAX_ITEMS or len(item.split()) > _ITEM_WORDS or match.start() != position - end \
                or labelled not in (None, bool(label)):
            break
        labelled = bool(label)
        items.append((label or item).rstrip(".;,"))
        position = end + match.end()
    if len(items) >= 2:
        return items, position
    # So is one short line that is no sentence ("… it will print the following message to the error log:" /
    # "[notice] suEXEC mechanism enabled (wrapper: /path/to/suexec)"), nor a table's header row.
    line = re.match(r"\n\n([^\n]+)(?:\n\n([^\n]+))?", text[end:])
    # (the first of many lines is a block's, "<?xml …?>", and so may be one that ends the chunk)
    if line and _is_line(line.group(1)) and not _LABEL.fullmatch(line.group(1).strip()) \
            and line.group(2) and not _is_line(line.group(2)):
        return [line.group(1).strip()], end + line.end(1)
    return [], end


def _is_line(text: str) -> bool:
    return len(text.split()) <= _LINE_WORDS and not text.rstrip().endswith(_STOPS)


_RECORD_FIELD = re.compile(r"[A-Z][\w-]*(?: [\w-]+){0,2}: \S")


def _is_record(sentence: str) -> bool:
    """Fields, not code: "Constant: bold; Property: weight; Value: 200" (its semicolons separate fields)."""
    fields = sentence.rstrip(".").split("; ")
    return len(fields) >= 2 and all(_RECORD_FIELD.match(f) for f in fields)


def _fields_asked(q: Question, sentence: str) -> str:
    """A record's fields that answer: those that name something asked or hold what is asked for
    ("Syntax: DeflateCompressionLevel value; Default: Zlib's default." of a directive's seven fields)."""
    fields = sentence.rstrip(".").split("; ")
    if len(fields) < 3 or not _is_record(sentence):
        return sentence
    asked = set(q.terms)
    # (a capitalised label or value, "Status: Extension", is no name asked for: only a number, date or version is told by its form)
    told = q.kind in ("number", "date", "version", "rank")
    kept = [f for f in fields if set(terms(f)) & asked or (told and _type_evidence(q, f) >= 1)]
    return f"{'; '.join(kept)}." if kept and len(kept) < len(fields) else sentence


def _as_many(items: list[str], room: int) -> str:
    """The items, as many as fit in room characters, and "…" for the rest."""
    shown = []
    for item in items:
        if shown and len(", ".join(shown + [item, "…"])) > room:
            return ", ".join(shown + ["…"])
        shown.append(item)
    return ", ".join(shown)


def _as_sentence(text: str, span: Span, sentence: Span) -> str:
    """A clause reads as a sentence: keep a short lead-in ("By 2030,"), capitalise, end with a stop."""
    piece = text[span[0]:span[1]]
    if span[0] > sentence[0]:
        lead = clause_spans(text, sentence[0], sentence[1])[0]
        if _is_lead_in(text, lead) and lead[1] <= span[0]:
            piece = f"{text[lead[0]:lead[1]]} {piece}"
    piece = piece.strip().rstrip(",;:-– ")
    # A term being defined ("www-data: …", "sync: …") or a name written in code keeps its case.
    if piece and not re.match(r"[\w.-]*[\d_./-][\w.-]*\b|\S+:", piece):
        piece = piece[0].upper() + piece[1:]
    return piece if piece.endswith((".", "!", "?", '"', "”", "…", "。", "！", "？")) else piece + "."
