"""Question analysis: what a question asks for, read from its text alone.

The question is analysed once (`analyse`) into a `Question`: the kind of answer asked for
(`answer_type`, `number_sort`), its specific terms and key phrases, the measure, setting and person
asked about, its parts. rag.answer scores the candidate sentences against it.

Public names other modules use: `analyse`, `Question`, `specific_terms`, `NUMBER`; and, for the
scorer (rag.answer, rag.evidence), the patterns for the kinds of answer and the helpers it shares
with the question.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import vocab
from .text import ACRONYM, STOPWORDS, UNDERSCORED, is_common_word, is_english_word, stem, terms


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
    "rank": re.compile(rf"\b\d+(?:st|nd|rd|th)\b|\b{_alt(vocab.RANK_WORDS)}\b(?!-\w)", re.I),  # ("first-class" ranks nothing)
    # a capitalised name, an acronym (with its number: "BLOSUM50"), a name written as code ("regexp_count()",
    # "pg_dump") or an option
    "name": re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][A-Za-z&’'-]*[a-z][A-Za-z&’'-]*|\b[A-Z]{2,}\d*\b"
                       r"|\b[A-Za-z]\w*\(\)|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"  # ("GS_DLL")
                       r"|(?<![\w-])--?[a-z][\w-]{2,}"),  # (and an option: "-nocpp")
    # "3.2", "14.0", "1.2beta3", "0.1pl2", "2022g", "LLVM 15", "Visual Studio 2013"
    # ("Chapter 6" or "Figure 2" names no version)
    "version": re.compile(rf"(?<![\w.])\d+(?:\.\d+)+(?:[-~]?{_alt(vocab.PRE_RELEASES)}\d*|[a-z])?(?!\w|\.\d)|(?<![\w.])\d{{4}}[a-z](?!\w)"
                          rf"|\b(?!(?i:{_alt(vocab.REFERENCE_WORDS + ['line', 'step', 'part'])})\b)[A-Z][\w+-]*\s+v?\d+(?:\.\d+)*\b"
                          rf"|\b(?i:{_alt(vocab.VERSION_WORDS)})s?\s+v?\d+\b(?!\.\d)"),  # "versions 5 up to 12"
}
_QUANTITY = _alt(vocab.QUANTITY_NOUNS)
# "What is X?", "What are Xs?", "What does X do?", "What is X used for?": a term to define (a few
# words, none a question word or a quantity: "What is the population of Xi'an?" asks a number).
# (and "Who is a sponsor?" asks what a sponsor is: a role, not a person)
_DEFINITION_ASKED = re.compile(r"^\W*(?:what\s+(?:is|are|does|do)\s+(?:an?\s+|the\s+)?|who\s+is\s+an?\s+)"
                               r"([\w.+/'’-]+(?:\s+[\w.+/'’-]+){0,3}?)\s*(?:\s+(?:do|used\s+for|for))?\s*\??\s*$", re.I)
_REASON_ASKED = re.compile(r"^\W*(?:why|for\s+what\s+reason|what\s+is\s+the\s+reason)\b", re.I)
_MANNER_ASKED = re.compile(r"^\W*how\s+(?:do|does|did|can|could|should|would)\b", re.I)
# "When does/is X …" (not "when did/was") may be answered by the occasion rather than a date.
_OCCASION_ASKED = re.compile(r"^(?:\w+\s+)?when\s+(?:does|do|is|are|should|must|can|will|would)\b", re.I)
_DURATION_ASKED = re.compile(r"\bhow\s+(?:long|often|frequently)\b", re.I)
# "Which Python version …": the thing whose version is asked for ("Python"), if the question names it.
# ("What is the latest version of dh-make?": "dh-make"; "Which version of Microsoft Visual Studio")
_VERSION_ASKED = re.compile(rf"\b(?:what\s+(?:is|was)\s+the|which)\s+(?:[\w'’-]+\s+)?{_alt(vocab.VERSION_WORDS)}\s+of\s+(?:the\s+)?([\w.+'’-]+(?:\s+(?-i:[A-Z])[\w.+'’-]*)*)"
                            rf"|\b(?:which|what)\s+(?:(?:is|was|are|were)\s+the\s+{_alt(vocab.VERSION_SELECTORS)}\s+)?"
                            rf"((?:[\w'’-]+\s+){{0,2}}){_alt(vocab.VERSION_WORDS)}s?\b(?!\s+(?:date|notes?)\b)", re.I)
# "What does DER stand for?" asks for the words an acronym is made of.
_EXPANSION_ASKED = re.compile(r"\bwhat\s+(?:does|do|did)\s+(?:the\s+(?:name|acronym|abbreviation|term)\s+)?[\"“']?"
                              r"(?!(?:it|this|that|these|those|they|he|she|you|we)\b)"  # ("what does it mean when …")
                              r"([A-Z][A-Za-z0-9&-]*[A-Z][A-Za-z0-9&-]*)[\"”']?\s+(?:stand\s+for|mean)\b", re.I)
_QUESTION_TYPES = [
    ("expansion", _EXPANSION_ASKED),
    ("version", _VERSION_ASKED),
    ("date", re.compile(rf"^(?:\w+\s+)?when\b|\b{_alt(vocab.DATE_PHRASES)}\b", re.I)),
    ("rank", re.compile(rf"\b{_alt(vocab.RANK_PHRASES)}\b", re.I)),
    ("number", re.compile(rf"\b(?:how {_alt(vocab.HOW_QUANTITY)}|by how|by what|what (?:is|was|are|were)\s+(?:(?!(?:{_alt(vocab.PREPOSITIONS)})\s)\S+\s+){{0,6}}{_QUANTITY}s?"
                          rf"|what (?:\w+ ){{0,3}}{_QUANTITY}s?|in {_alt(vocab.DURATION_UNITS + vocab.LENGTH_UNITS)}(?=\s*,|\W*$)"
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
_CHANGE = re.compile(rf"\b(?:by how much|how much {_alt(vocab.COMPARATIVES)}\b|{_alt(vocab.CHANGE_WORDS)})", re.I)
# (the things counted run to the verb; when it is not a helping verb, "How many developers maintained
# …", the first word is taken)
_HOW_MANY = re.compile(r"\b(?:how many|(?:the|a) (?:[\w-]+ )?number of) ((?:[\w'’-]+ )*?[\w'’-]+)(?= (?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|must|should|from|with|in|of|a|an|the|across|under|made)\b|\?|$)"
                       r"|\bhow many ([\w'’-]+)", re.I)
_AMOUNT = re.compile(rf"\b(?:how much|how big|how large|{_alt(vocab.AMOUNT_WORDS)})", re.I)
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
_ASKED_ABOUT = re.compile(r"\b(?:how many|wh(?:o|at) (?:is|was|are|were)(?: the| a| an)?(?: [\w'’-]+['’]s)?) ((?:[\w'’-]+ )*?[\w'’-]+)"
                          r"(?= (?:of|in|for|by|at|on|to|did|does|do|is|are|was|were|will|would|has|have|had|can|must)\b|\?|$)", re.I)


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
    act: str = ""  # … and what they did or are ("writ" of "Who wrote X?", "maintain", "deputy"), as its stem;
    # or the event a date is asked of ("releas" of "When was X released?")
    defines: re.Pattern | None = None  # "What is X?": a sentence that defines X ("X is …", "X: …")
    entry: bool = False  # … X is an option, defined by its entry in a list of options ("-k, --keep-index: …")
    reason: bool = False  # "Why …?": a sentence that gives a reason answers best
    manner: bool = False  # "How does X …?": a sentence that says by what means answers best
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
    written = as_question(question)  # "List the cities …" is read as "Which cities …"
    text = as_question(corrected) if corrected != question else written
    # ("…, according to the paper on Xi'an?", "…, as defined in the paper?" say where to look, not what is
    # asked: their words are the document's)
    text = _SOURCE.sub("", text).strip() or text
    # ("… worth in US dollars?" names the currency the answer is given in, not what it is about)
    currency = _IN_CURRENCY.search(text) or _HOW_MANY_CURRENCY.search(text)
    text = _HOW_MANY_CURRENCY.sub(r"\1much", _IN_CURRENCY.sub("", text)).strip() or text
    top = kind is None
    # (the kind is read from the words as written: a correction may split one, "throughput" as "through put")
    kind = kind or answer_type(written)
    how_many = _HOW_MANY.search(text)
    match = _ASKED_ABOUT.search(text) or _HOW_MUCH_OF.search(text)
    target, qualifiers = _target(text)
    analysed = Question(
        asked=question, text=text, kind=kind, sort=number_sort(text),
        counted=terms(_counted(how_many.group(1) or how_many.group(2))) if how_many else [],
        specific=specific_terms(text), phrases=key_phrases(text), measures=_measures(_without_frame(text, target)),
        about=terms(match.group(1)) if match else [],
        target=target, qualifiers=qualifiers,
        versioned=terms(version.group(1) or version.group(2) or "") if (version := _VERSION_ASKED.search(text)) else [],
        given={k: frozenset(_value(text, m) for m in p.finditer(text) if not _ARGUMENT.search(text, 0, m.start()))
               for k, p in _PATTERNS.items()},
        listing=is_list_question(corrected) or is_list_question(text))
    if analysed.about[-1:] == ["number"] and analysed.counted:  # ("the largest number of sequences" is of sequences)
        analysed.about = analysed.counted
    # The described things ("L3 autonomous vehicles", "foreign trade"), not the kind of answer ("which firms").
    analysed.terms = terms(text)
    analysed.coined = _coined(text, analysed.specific)
    analysed.checked = [t for t in analysed.terms if t not in analysed.target] or analysed.terms
    analysed.units = (_FACTOR if _FACTOR_ASKED.search(text) else _RATE_UNIT if _RATE_ASKED.search(text)
                      else _units_asked(text)) if kind == "number" else None
    analysed.duration = kind == "number" and bool(_DURATION_ASKED.search(text))
    analysed.lasting = analysed.duration and re.search(r"\bhow\s+long\b", text, re.I) is not None
    analysed.acronyms = frozenset(a.lower() for a in ACRONYM.findall(text))
    analysed.occasion = kind == "date" and bool(_OCCASION_ASKED.search(text))
    analysed.person = kind == "name" and bool(re.match(r"\W*(?:who|whom)\b", text, re.I))
    analysed.act = _act_asked(text) if analysed.person else _event_asked(text, kind) if kind in ("date", "version") else ""
    if analysed.act in _AUTHORSHIP:  # "Who are the authors of X?": a byline says it without the word
        analysed.about = [t for t in analysed.about if t not in _AUTHORSHIP]
        analysed.checked = [t for t in analysed.checked if t not in _AUTHORSHIP] or analysed.checked
    analysed.named = bool(_NAME_ASKED.search(text))
    if kind == "other":
        # (an option's own entry defines it before any sentence that only mentions it: "--persist: Go to …")
        entry = _entry_of(text)
        asked = _without_scene(text)
        definition = None if entry else _definition_of(asked) or _purpose_of(asked)
        analysed.entry = entry is not None
        analysed.defines = entry or definition
        analysed.reason = bool(_REASON_ASKED.match(text))
        analysed.manner = bool(_MANNER_ASKED.match(text))
    asked = set(analysed.about + analysed.target)
    analysed.form = _CURRENCY_FORMS[currency["currency"].lower()] if currency \
        else next((form for words, form in _FORMS if words <= asked), None)
    # ("Which environment variable overrides the default fontconfig configuration file?" asks for no default)
    analysed.setting = _setting_asked(text) if not set(target) - _BARE_VALUE_TERMS else ""
    # ("From which environment variables does bzip2 read default arguments?" asks for variables, not a default)
    named_thing = kind == "name" and bool(set(analysed.target) - _BARE_VALUE_TERMS) and not analysed.setting
    # (read from the words as written too: a correction may turn "largest" into "large")
    # (but not from a name written as code: MAXIMUM_MNS asks for no maximum)
    asked_words = set(terms(UNDERSCORED.sub(" ", text))) | set(terms(UNDERSCORED.sub(" ", written)))
    analysed.conditions = [words for word, words in _CONDITIONS.items() if word in asked_words
                           and not (named_thing and _modifies_a_noun(word, text))]
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
_CURRENCY_FORMS = {name: re.compile(form, re.I) for name, form in vocab.CURRENCY_FORMS.items()}
_CURRENCY = rf"(?:{_alt(vocab.CURRENCY_COUNTRIES)}\s+)?(?P<currency>{_alt(vocab.CURRENCY_FORMS)})s?(?![\w-])"
_HOW_MANY_CURRENCY = re.compile(rf"\b(how\s+)many\s+{_CURRENCY}", re.I)
_IN_CURRENCY = re.compile(rf"\s*\bin\s+{_CURRENCY}", re.I)


# "the default value of the linktodocfit option", "the default \heavyrulewidth", "R_PAPERSIZE's default"
_SETTING_ASKED = re.compile(
    # ("the default column of nano's guidestripe setting": a setting named as one, after what its value is)
    r"\bdefault\s+(?:\w+\s+){{0,2}}(?:of|for)\s+(?:the\s+)?(?:[\w.-]+['’]s\s+)?(?P<named>[\\-]*[A-Za-z][\w.:-]*)\s+(?:{0})\b"
    # ("the default safe PATH": a name in capitals, an environment variable's)
    r"|\bdefault\s+(?:[a-z]+\s+)?(?P<caps>(?-i:[A-Z][A-Z0-9_]{{2,}}))(?![\w-])"
    r"|\bdefault\s+(?:(?:value|setting)\s+)?(?:(?:of|for)\s+)?(?:the\s+)?(?P<name>[\\-]*[A-Za-z][\w.:-]*)(?P<kind>\s+(?:{0}))?"
    r"|(?P<owner>[\\-]*[A-Za-z][\w.:-]*)['’]s\s+default\b".format("|".join(vocab.SETTING_WORDS)), re.I)


def _setting_asked(question: str) -> str:
    """The setting whose default the question asks, when it is named as one ("the pagecommand option")
    or written as an identifier ("R_PAPERSIZE", "\\cmidrulekern", "core.editor", "dblRelDivisionLength")."""
    asked = _SETTING_ASKED.search(question)
    if not asked:
        return ""
    name = asked["named"] or asked["caps"] or asked["name"] or asked["owner"]
    identifier = re.search(r"[_.\\]|^-|[a-z][A-Z]", name) is not None
    return name if identifier or asked["kind"] or asked["named"] or asked["caps"] or (name.islower() and not is_common_word(name)) else ""


def _act_asked(question: str) -> str:
    """The first content word after "who", stemmed: what the person asked for did or is."""
    after = re.search(r"\bwho(?:m|se)?\b(.*)", question, re.I)
    words = [w for w in re.findall(r"[\w'’-]+", after[1]) if w.lower() not in _NO_ACT and not _is_adverb(w)] if after else []
    return stem(words[0].lower()) if words else ""


def _modifies_a_noun(word: str, question: str) -> bool:
    """ "default arguments": the word describes another thing than the one asked for."""
    return any(after.lower() not in STOPWORDS for after in re.findall(rf"\b{word}\s+([a-z][\w-]*)", question, re.I))


def _event_asked(question: str, kind: str) -> str:
    """ "When was X released?": the event a date question asks about, stemmed, when the question ends with
    it; "In which version was X added?": the introduction a version question asks about."""
    event = re.search(r"\b([a-z]{3,}ed)\W*$", question)
    # (or after the version word: "Which FASTA release added …?", "Which version of Privoxy introduced …?")
    event = event or (_VERSION_ACTING.search(question) if kind == "version" else None)
    # (or after a named subject: "In what year did Michael Sweet first write …?")
    event = event or (_SUBJECT_ACTING.search(question) if kind == "date" else None)
    # (or done to a named subject: "In which year was Xi'an approved to build …?")
    event = event or (_SUBJECT_ACTED_ON.search(question) if kind == "date" else None)
    found = stem(event[1]) if event else ""
    return found if kind == "date" or found in _INTRODUCTION else ""


_SUBJECT_ACTING = re.compile(r"\b(?:did|does|do)\s+(?:[A-Z][\w'’.-]*\s+)+(?:(?:first|originally|initially)\s+)?([a-z]{3,})\b")
_SUBJECT_ACTED_ON = re.compile(r"\b(?:was|were)\s+(?:[A-Z][\w'’.-]*\s+)+(?:(?:first|originally|initially)\s+)?([a-z]{3,}ed)\b")
_VERSION_ACTING = re.compile(rf"\b{_alt(vocab.VERSION_WORDS)}s?\s+(?:of\s+(?:the\s+)?[\w.+-]+\s+)?(?:first\s+)?([a-z]{{3,}}ed)\b", re.I)


_INTRODUCTION = frozenset(stem(w) for w in vocab.INTRODUCTION_WORDS)


def _is_adverb(word: str) -> bool:
    """ "originally", "formerly", "jointly": an adjective made an adverb ("supply" and "reply" are no such thing)."""
    return len(word) > 5 and word.lower().endswith("ly") and is_english_word(word[:-2])


_NO_ACT = STOPWORDS | set(vocab.MODALS + vocab.AUXILIARIES)  # ("Who should be subscribed …": "subscribed")


_AUTHORSHIP = frozenset(stem(w) for w in vocab.AUTHORSHIP_WORDS)


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


# "How many times faster …?" is answered by a factor: "3 times faster", "10x slower", "ten-fold" (not by
# "repeated several hundred times").
_FACTOR_ASKED = re.compile(rf"\bhow many times (?:as \w+|{_alt(vocab.COMPARATIVES)})\b", re.I)
_FACTOR = re.compile(rf"(?:\d+(?:\.\d+)?|\b{_NUMBER_WORDS})\s*(?:(?:times|x|×)\s+(?:as|{_alt(vocab.COMPARATIVES)})\b|-?fold\b)", re.I)


# "… in megabytes per second?" asks for a rate: a number with a unit per another ("8 MB/s", "10 files per second").
# ("How many messages per second …?" too)
_RATE_ASKED = re.compile(r"\b(?:in|as|how\s+many)\s+[\w-]+\s+per\s+\w+", re.I)
_RATE_UNIT = re.compile(r"\d[\d.,]*\s*[A-Za-zµ]*\s*(?:/\s*[A-Za-z]|per\s+(?!cent\b)[a-z])", re.I)


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


_SOURCE = re.compile(rf"(?:,?\s*\baccording\s+to|(?:,\s*(?:as\s+)?|\s+as\s+)(?:defined|described|stated|explained|reported|put)\s+(?:in|by))"
                     rf"\s+(?:the|this|that|its)\s+(?:[\w'’-]+\s+){{0,4}}?"
                     rf"{_alt(vocab.DOCUMENT_KINDS)}s?\b[^,?]*(?=[,?]|$),?", re.I)


def as_question(question: str) -> str:
    """A request ("Give the total output of X", "List the cities …") as the question it stands for."""
    question = re.sub(r"^what'?s\b", "What is", question.strip(), flags=re.I)
    question = _PERSON_NAMED.sub("Who ", question)  # "What is the name of the person who wrote X?"
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
    return re.sub(r"[A-Za-z][A-Za-z0-9]*", fix, question)


# What follows a term that a sentence defines: a defining verb ("is", "allows"), or a dash and the definition.
_DEFINED = rf"(?:\s+\w+ly)?\s+{_alt(vocab.DEFINING_VERBS)}\b(?!\s+not\b)|\s+-\s+\w"  # ("X mainly refers to …")


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
    return re.compile(rf"^\W*(?:an?\s+|the\s+)?{head}s?\b(?:\s*\([^)]*\)|\s*\[[^\]]*\])*(?:{_DEFINED}|\s*[:–—,]\s+\w)"
                      rf"|\b{_alt(vocab.NAMING_WORDS)}\s+[\"“'‘]?{term}", re.I)


# "What does the "Find Outwards" button in PerlPrimer do?": the quoted name, and the noun after it
_QUOTED_PURPOSE = re.compile(r"^\W*what\s+(?:does|do)\s+(?:the\s+|an?\s+)?[\"“'‘]([^\"”'’]{2,60})[\"”'’](?:\s+([a-z]+))?.*\s+do\s*\??\s*$", re.I)


def _purpose_of(question: str) -> re.Pattern | None:
    """For "What does the "X" button do?", what a sentence that says so looks like: X, as the subject of
    a verb in the present ("The "X" button reduces …", "the "X" does the opposite"), or defined."""
    asked = _QUOTED_PURPOSE.match(question)
    if not asked:
        return None
    name = r"\s+".join(re.escape(w) for w in asked[1].split())
    noun = rf"(?:\s+{re.escape(asked[2])})?" if asked[2] else ""
    others = rf"(?!(?:{re.escape(asked[2])}s|and|or|nor)\b)" if asked[2] else r"(?!(?:and|or|nor)\b)"
    return re.compile(rf"^\W*(?:an?\s+|the\s+)?[\"“'‘]?{name}[\"”'’]?{noun}"
                      rf"(?:\s+{others}[a-z]{{2,}}[^\Ws]s\b|{_DEFINED}|\s*[:–—]\s+\w)", re.I)


def _entry_of(question: str) -> re.Pattern | None:
    """For "What does the --amend option of git commit do?", what the option's own entry in a list of
    options looks like: the option among the names before its description ("-k, --keep-index: …"),
    not an entry that only mentions it ("--reset-author: When used with -C/-c/--amend …")."""
    # (and for "What does the 'mu' column represent?", the quoted name's entry: "mu: The value of …")
    quoted = _MEANING_ASKED.search(question) and _QUOTED_WORD.search(question)
    if quoted:
        return re.compile(rf"^\W*{re.escape(quoted[1])}\s*:\s")
    option = _PURPOSE_ASKED.search(question) and _LITERAL.search(question)
    if not option or not option[0].startswith("-"):
        return None
    return re.compile(rf"^\W*(?:[^\s:.]+,?\s+){{0,4}}?{re.escape(option[0])}(?![\w-])[^:.]{{0,40}}:\s")  # ("-E" is not "-e")


_MEANING_ASKED = re.compile(r"^\W*(?:\w+\W+){0,8}?what\s+(?:does|do)\s+.+\s+(?:represent|mean|show|indicate|denote)\s*\??\s*$", re.I)
_QUOTED_WORD = re.compile(r"[\"“'‘]([^\s\"“”'‘’]{1,30})[\"”'’]")


_ROLE_ASKED = re.compile(r"^\W*who\s+is\s+an?\s+[\w'’-]+(?:\s+[\w'’-]+)?\s*\??\s*$", re.I)
# "What does X do?" and "What is X used for?" ask what X is for, whatever X is called ("git stash drop").
_PURPOSE_ASKED = re.compile(r"^\W*what\s+(?:does|do)\s+.+\s+do\s*\??\s*$|\bused\s+for\s*\??\s*$", re.I)


# "What is the identification number of a process called?" asks for a name, whatever the thing named.
_NAME_ASKED = re.compile(rf"\b{_alt(vocab.NAMING_WORDS)}\s*\??\s*$", re.I)


# "When entering a character by typing a decimal number, what is the highest value allowed?": the clause
# before the question sets its scene; the question is what follows.
# ("In flex terminology, what is a scanner?" too)
_SCENE = re.compile(r"^\W*(?:when|if|while|after|before|once|in)\s+[^,?]{3,},\s+(?=(?:what|which|who|whom|how|where|why|when)\b)", re.I)


def _without_scene(question: str) -> str:
    return question[scene.end():] if (scene := _SCENE.match(question)) else question


def answer_type(question: str) -> str:
    question = as_question(question)
    question = _without_scene(question)
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


def _counted(phrase: str) -> str:
    """The things a "how many" counts, without the verb it runs into: "people attended" counts people."""
    words = phrase.split()
    return " ".join(words[:-1]) if len(words) > 1 and re.fullmatch(r"[a-z]{3,}ed", words[-1]) else phrase


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


_DOCUMENT_NAMES = frozenset(vocab.META_SUBJECTS + vocab.DOCUMENT_KINDS)
_IN_SOURCE = re.compile(r"\b(?:according\s+to|in|from)\s+the\s+$", re.I)
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


_SUPERLATIVES = frozenset(vocab.SUPERLATIVES)


@lru_cache(maxsize=8192)  # every clause of a sentence is measured; passages recur across questions
def _measures(text: str) -> frozenset[int]:
    # (a word of a name, "Shared" of "the Shared MIME-info Database", measures nothing, nor does a
    # superlative: "the largest number of sequences" is a count)
    words = {m.group(0).lower() for m in _MEASURE_WORDS.finditer(text)
             if not (m.start() > 0 and re.fullmatch(r"[A-Z][a-z]+", m.group(0)) and _NAME_WORD_AFTER.match(text, m.end()))
             and m.group(0).lower() not in _SUPERLATIVES}
    return frozenset(i for i, family in enumerate(vocab.MEASURE_FAMILIES)
                     if any(w.startswith(tuple(family)) for w in words))


def _value(text: str, match: re.Match) -> str:
    """A value as the question may already give it: "five" of "Five-Year Plan" is part of a compound
    ("five-"), and gives no count of five."""
    compound = re.match(r"-[A-Za-z]", text[match.end():match.end() + 2]) is not None
    return match.group(0).lower() + "-" * compound


# Capitalised words in a row, a name; acronyms ("MIIT", "H1") are left to _unknown_acronym.
_NAME_RUN = re.compile(r"(?<![\w'’-])[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)*")
