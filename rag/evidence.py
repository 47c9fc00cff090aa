"""Evidence in a candidate's text: what a sentence, its context or its heading holds of what is asked.

The feature functions the scorer (rag.answer) reads: whether the text holds the kind of answer asked
for (`_type_evidence`) and the measure asked about (`_measure_match`), how much of the question's
terms it covers (`_coverage`, `_overlap`, `_missing`, `_scattered_names`), whether it speaks of
something else (`_off_topic`, `_conflict`, `_names_others`, `_relates_others`), and where what a
referring subject stands for is named (`_lead`, `_referred`, `_referent`). They read text, never a
candidate: rag.answer builds and ranks the candidates.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache

from . import vocab
from .question import (_EXPANSION_ASKED, _IDENTIFIER, _INTRODUCTION, _LITERAL, _NAME_RUN, _NUMBER_WORDS, _PATTERNS, Question, _alt,
                       _measures, _quantity_in, _value)
from .text import STOPWORDS, UNDERSCORED, Span, is_common_word, stem, terms


# --- patterns for the kinds of answer, in a candidate ---

# "Debian Buster release": a release named by a word between the product and "release".
_CODENAME = re.compile(rf"\b([A-Z][\w+-]*)\s+[A-Z][a-z]+\s+{_alt(vocab.VERSION_WORDS)}\b")
_REASON = re.compile(rf"\b{_alt(vocab.REASON_MARKERS)}\b", re.I)
_DURATION = re.compile(rf"(?:\d|\b(?:{_alt(vocab.DURATION_QUANTIFIERS + vocab.NUMBER_WORDS)}))\s*"
                       rf"{_alt(vocab.DURATION_UNITS)}\b|\b{_alt(vocab.FREQUENCY_WORDS)}\b"
                       rf"|\bevery\s+(?:\d+(?:st|nd|rd|th)?|{_alt(vocab.ORDINALS + vocab.NUMBER_WORDS)})\b", re.I)  # "every 10th snapshot"
_FREQUENCY = re.compile(rf"(?:{_alt(vocab.FREQUENCY_WORDS + vocab.FREQUENCY_QUANTIFIERS)})\b", re.I)
_OCCASION = re.compile(rf"\b{_alt(vocab.OCCASION_WORDS)}\s+\w", re.I)
_LENGTH = re.compile(rf"\s*(?:[A-Za-z][\w-]*\s+)?{_alt(vocab.LENGTH_UNITS)}\b", re.I)  # ("80 ASCII characters")
_NUMERAL = re.compile(r"\$?\s?[\d.,]*")
_PERCENT_SORT = re.compile(r"[\d.,]+\s*(?:%|percent|percentage points?)|\d+\s*/\s*\d|half\b", re.I)
_MAGNITUDE_UNIT = _alt(vocab.MAGNITUDES)
_AMOUNT_SORT = re.compile(rf"\$|(?:[\d.,]+|{_NUMBER_WORDS})(?:[\s-]*{_MAGNITUDE_UNIT})*[\s-]*{_alt(vocab.CURRENCIES)}\b"
                          rf"|(?:[\d.,]+|{_NUMBER_WORDS})[\s-]*{_alt(vocab.AMOUNT_MAGNITUDES)}\b", re.I)
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


_SETTING_WORD = f"(?:{'|'.join(vocab.SETTING_WORDS)})"  # ("The wal_compression setting defaults to off.")


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


def _states_act(act: str, text: str) -> bool:
    """The text says what the person did or is, in some form: "writ" in "written", "own" in "owner"; or
    that a thing was introduced, in any of the words for it."""
    found = terms(text)
    if act in _INTRODUCTION:
        return bool(_INTRODUCTION & set(found))
    return any(t.startswith(act) or (len(t) >= 4 and act.startswith(t)) for t in found)


_NAMED = re.compile(rf"\b{_alt(vocab.NAMING_WORDS)}\s+[\"“'‘]?\w", re.I)


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
        return float(_expands(q.asked, text))  # (as asked: a correction may split "stand" into "st and")
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
                 and not _is_pronoun_one(text, m) and not _is_version(text, m)
                 and not (q.sort in ("count", "amount") and m.group(0).lower() in _RELATIVE_NUMBER_WORDS)]
    if kind == "version":  # a section's number, opening its heading ("2.4 glp_minisat1 — solve …") or pointed to,
        # is none, nor is an equation's, alone in brackets ("the format (1.5)")
        outline = _OUTLINE.match(text)
        found = [m for m in found if not (outline and outline.end() >= m.end())
                 and not _POINTER.search(text[max(0, m.start() - 12):m.start()])
                 and not (text[m.start() - 1:m.start()] == "(" and text[m.end():m.end() + 1] == ")")]
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
        # (an identifier made of the question's words is not one it gives: "FONTCONFIG_FILE" for "… fontconfig file")
        found = [m for m in found if not (set(terms(m.group(0))) <= question_terms
                                          and ("_" not in m.group(0) or m.group(0).lower() in q.text.lower()))
                 and not _PATTERNS["date"].fullmatch(m.group(0))
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


# ("NTPsec-versions before 1.1.9" are NTPsec's)
_OWNER = re.compile(rf"([A-Za-z][\w+-]*)\s+(?:(?i:{_alt(vocab.TIME_PREPOSITIONS)})\s+)?(?:(?i:{_alt(vocab.VERSION_WORDS)})\s+)?v?$")


def _names_the_target(q: Question, text: str) -> bool:
    """The text names a thing of the kind asked for by a word no dictionary has before the kind's noun:
    "the gzip encoding", "the ext4 filesystem" for "Which encoding/filesystem …?"."""
    if len(q.target) != 1:
        return False
    words = re.findall(r"\$?[\w.+-]+", text)
    # (a name made of the question's own words is the asker's: "s6-rc" is not "s6"; one written as code,
    # "the $status variable", is a name whatever its word)
    return any(terms(noun) == q.target and name.lower() not in STOPWORDS
               and ((name[0] == "$" and name.lower() not in q.text.lower())
                    or (not is_common_word(name) and not set(terms(name)) <= set(q.terms)))
               for name, noun in zip(words, words[1:]))


def _version_of_another(q: Question, text: str, version: re.Match) -> bool:
    """The version is numbered right after a name that is not the one asked about: "GCC version
    10.3.0" where R's version is asked."""
    # (the match may hold its name: "DeflateBufferSize 8096"; one in a list is the first one's: "MacOS X 10.1, 10.2")
    start = version.start()
    while listed := _LISTED_VERSION.search(text, max(0, start - 30), start):
        start = listed.start()
    owner = re.match(r"([A-Za-z][\w+-]*)\s", version.group(0))
    if not owner or owner[1].lower() in vocab.VERSION_WORDS:  # ("License version 2": the licence's)
        owner = _OWNER.search(text, max(0, start - 40), start + (len(owner[0]) if owner else 0)) or owner
    # (a function word opening the sentence owns nothing: "Since version 0.30, …"; a lower-case name is one
    # after a capitalised word: "GNU make version 3.81")
    named = bool(owner) and (owner[1][0].isupper()
                             or re.search(r"\b[A-Z][\w+-]*\s+$", text[max(0, owner.start(1) - 30):owner.start(1)]) is not None)
    return named and owner[1].lower() not in vocab.VERSION_WORDS \
        and owner[1].lower() not in STOPWORDS | _TIME_PREPOSITIONS and not set(terms(owner[1])) & set(q.versioned)


_TIME_PREPOSITIONS = frozenset(vocab.TIME_PREPOSITIONS)
_LISTED_VERSION = re.compile(r"(?<![\w.])\d+(?:\.\d+)+[a-z]?(?:\s*,\s*|\s+(?:and|or)\s+)$")


def _is_version(text: str, number: re.Match) -> bool:
    """The number is a version, no quantity: "2.5.1", "version 2.5", "Gutenprint 5.2" (a bare decimal
    after a capitalised name; "USD 1.5 million" has its magnitude)."""
    value = number.group(0).rstrip(".")
    before = text[max(0, number.start() - 30):number.start()]
    return value.count(".") >= 2 or _VERSION_BEFORE.search(before) is not None \
        or (re.fullmatch(r"\d+\.\d+", value) is not None and _NAME_BEFORE.search(before) is not None)


_VERSION_BEFORE = re.compile(rf"\b(?i:{_alt(vocab.VERSION_WORDS)})s?\s+v?$")
_NAME_BEFORE = re.compile(r"(?<![\w.])[A-Z][a-z][\w+-]*\s+$")


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
    "PHOENIX (Physics with Home-made Equipment …)", "GPG stands for GNU Privacy Guard", or the name
    in quotes: 'Privoxy is the "Privacy Enhancing Proxy"'."""
    asked = _EXPANSION_ASKED.search(question)
    if not asked:
        return False
    acronym = asked.group(1)
    initial = re.escape(acronym[0])
    # Words that start with the acronym's first letter: "DER (der[0]..der[len-1])" is no expansion.
    return re.search(rf"\b{re.escape(acronym)}s?\s*\((?i:{initial})[\w&'’-]*(?:\s+[\w&'’-]+){{1,10}}\)"
                     rf"|\b(?i:{initial})[\w&'’-]*(?:\s+[\w&'’-]+){{1,8}}\s*\(\s*{re.escape(acronym)}s?\s*\)"
                     rf"|\b{re.escape(acronym)}\s+(?:stands\s+for|is\s+short\s+for|is\s+an\s+abbreviation\s+(?:of|for))"
                     rf"\s+(?:the\s+)?[\"“']?(?i:{initial})"
                     rf"|\b{re.escape(acronym)}\s+is\s+(?:the\s+|an?\s+)?[\"“'](?i:{initial})[\w&-]*(?:\s+[\w&-]+){{1,8}}[\"”']", text) is not None


def _sort_of(text: str, number: re.Match) -> str:
    tail = text[number.start():number.end() + 30]
    # (the 4 of "1/4" is a fraction's denominator, no count)
    if _PERCENT_SORT.match(tail) or re.search(r"\d\s*/\s*$", text[max(0, number.start() - 4):number.start()]):
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


_REFERENCE_REACH = 4  # sentences
_CONTINUING = re.compile(rf"^(?:{_alt(vocab.CONSEQUENCE_OPENINGS)})\b", re.I)


def _referred(chunk, preceding: list[Span], span: Span, sentence: str) -> str:
    """Where what a referring sentence ("Both have an input impedance of 10MΩ.") speaks of may be named:
    the sentences before it in its paragraph, up to a few ("Analog Inputs (A1 & A2): Can measure … ")."""
    # (a consequence, "So Stefan Waldherr started maintaining …", continues the sentences before it too)
    if not (_REFERRING.match(sentence) or _CONTINUING.match(sentence)) or _EXPLETIVE.match(sentence):
        return ""
    earlier = preceding[-_REFERENCE_REACH:]
    text = chunk.text[earlier[0][0]:span[0]] if earlier else ""
    return re.split(r"\n\s*\n", text.rstrip())[-1]


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


def _referent(q: Question, heading: str, before: str, title: str = "", near_first: bool = False) -> tuple[str, float]:
    """What a referring subject stands for, as the prefix to show ("Debian 8 (jessie):"), and how
    well it holds the kind of answer asked for: the section heading, else the sentence before, else
    the document's title when one is given. (near_first: the sentence before, then the heading, when the
    subject refers back to it: "… one more release (4.2.7) in July 2004. This wound up being the final …")"""
    # ("Who …" is answered by someone only: a count in the sentence before names no one)
    kinds = ("name", "number", "date") if q.kind in ("name", "other") and not q.person else (q.kind,)
    # A section's outline number ("2.3.", "E.17.2.") places it; it is no quantity.
    places = [(_OUTLINE.sub("", heading), f"{heading.rstrip('.:')}:"), (before, before)]
    for text, prefix in places[::-1 if near_first else 1] + [(title, f"{title.rstrip('.:')}:")]:
        evidence = max(_type_evidence(q, text, kind) for kind in kinds) if text else 0.0
        if evidence:
            return prefix, max(_type_evidence(q, text), 0.5)
    return "", 0.0


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


_YEAR = re.compile(r"(?<![\w.,-])(1[89]\d\d|20\d\d)(?![\w.,-]\d)")


def _other_year(q: Question, sentence: str) -> float:
    """1 when the question asks of a year and the sentence tells of other years only: "In 2022, the
    production of new energy vehicles exceeded one million" does not say how many were made in 2025."""
    asked = {t for g in q.specific for t in g if _YEAR.fullmatch(t)}
    said = set(_YEAR.findall(sentence))
    return float(bool(asked) and bool(said) and not asked & said)


def _whole_year(q: Question, sentence: str) -> float:
    """1 when the question asks of a part of a year and the sentence tells of a year and no part of one:
    "In 2025, Xi'an's GDP grew by 4.7%" does not say how fast it grew in the first quarter."""
    return float(bool(set(q.terms) & _PERIODS) and bool(_YEAR.search(sentence)) and not set(terms(sentence)) & _PERIODS)


_PERIODS = frozenset(stem(w) for w in vocab.PERIOD_WORDS)


def _other_end(q: Question, sentence: str) -> float:
    """1 when the question asks of the first of something and the sentence speaks only of the last, or
    the other way round. (A question that names both ends, "the first quarter … its latest report", asks
    of neither.)"""
    asked, said = set(q.terms), set(terms(sentence))
    for end, other in ((_FIRST, _LAST), (_LAST, _FIRST)):
        if asked & end and not asked & other and said & other and not said & end:
            return 1.0
    return 0.0


_FIRST = frozenset(stem(w) for w in vocab.FIRST_WORDS)
_LAST = frozenset(stem(w) for w in vocab.LAST_WORDS)




def _names_others(q: Question, sentence: str) -> float:
    """1 when the question names a setting written as code and the sentence names others of its kind
    but not it: "Changed in version 1.0: LOGGER_NAME and LOGGER_HANDLER_POLICY were removed." says
    nothing of SESSION_COOKIE_SAMESITE."""
    asked = {m.group(0).lower() for m in UNDERSCORED.finditer(q.text)}
    named = {m.group(0).lower() for m in UNDERSCORED.finditer(sentence)}
    return float(bool(asked) and bool(named) and not asked & named)


# "the industry of Deyang": a thing of a named owner.
_OF_NAME = re.compile(r"\b([a-z][\w-]*)\s+of\s+([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*)")


def _defaults_another(q: Question, sentence: str, heading: str) -> float:
    """1 when a bare "Default value is '15'." is the default of the setting its entry is headed by
    ("Hidden preferences: cache_min_keep_time") and the question names another or none."""
    if not _BARE_DEFAULT.match(sentence):
        return 0.0
    asked = q.text.lower()
    headed = [m.group(0) for m in UNDERSCORED.finditer(heading)]
    return float(bool(headed) and not any(name.lower() in asked for name in headed))


def _relates_others(q: Question, sentence: str) -> float:
    """1 when the question asks of "the industry of Deyang" and the sentence tells that thing only of
    other owners ("… the vanadium & titanium industry of Panzhihua, crystalline silicon PV industry of
    Leshan …")."""
    for thing, owner in _OF_NAME.findall(q.text):
        owners = {o.lower() for t, o in _OF_NAME.findall(sentence) if stem(t.lower()) == stem(thing.lower())}
        if owners and owner.lower() not in owners:
            return 1.0
    return 0.0


def _owned_by_another(q: Question, sentence: str) -> float:
    """1 when the question asks a number of a name, the sentence names it in one clause and gives its
    numbers only in clauses about another name: "While Guangzhou targets AI models and Shanghai invests
    55 billion RMB …" says nothing of what Guangzhou invests."""
    names = [set(g) for g in q.specific if not _is_number(g)]
    if q.kind != "number" or not names:
        return 0.0
    clauses = _CLAUSE_BREAK.split(sentence)
    def named(clause: str) -> bool:
        return any(g <= set(terms(clause)) for g in names)
    numbered = [c for c in clauses if _PATTERNS["number"].search(c)]
    others = [c for c in numbered if not named(c) and any(set(terms(m[0])) - STOPWORDS for m in _NAME_RUN.finditer(c))]
    return float(bool(numbered) and len(others) == len(numbered) and any(named(c) for c in clauses))


_CLAUSE_BREAK = re.compile(r",\s+|\s+(?:and|while|whereas|but)\s+")


def _is_number(group: list[str]) -> bool:
    return any(ch.isdigit() for t in group for ch in t)


# A name at least one passage in seven uses is what the corpus is about ("PostgreSQL" in its manual),
# not a subject that singles a passage out: a passage need not repeat it.
_TOPICAL_IDF = math.log(7)


def _missing(specific: list[list[str]], context: str, stats: tuple[dict[str, float], float],
             others: frozenset = frozenset()) -> tuple[int, int, float]:
    """How many of the question's numbers (years, versions) and of its names the context lacks, and
    the share of the names' weight (corpus idf) it lacks, of those it must hold (those that are not
    the corpus's topic, unless others, the words of the other documents only, hold them): lacking
    "openSUSE" where "RPM" and "openSUSE" are asked, it speaks of another distribution's RPMs."""
    idf, unseen = stats
    present = _bag(context)[0]
    names = {tuple(g): max(idf.get(t, unseen) for t in g) for g in specific if not _is_number(g)}
    # (a name the corpus is about is the topic of the documents that use it: "Speex" in a Speex manual
    # need not be repeated, but a date in another program's manual is no date of Speex)
    names = {g: w for g, w in names.items() if w >= _TOPICAL_IDF or all(t in others for t in g)}
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
    # (an initial between the names scatters nothing: "Dan J. Bernstein" is the "Dan Bernstein" asked of)
    words = [w for w in terms(context) if len(w) > 1]
    joined = f" {' '.join(words)} "
    count = 0
    # ("Sichuan's Decision-making Advisory Committee" is two names: "… Advisory Committee of the CPC Sichuan …")
    names = [name for match in _NAME_RUN.finditer(q.text) if match.start() > 0 for name in re.split(r"['’]s\s+", match[0])]
    for name in names:
        run = [t for t in terms(name) if len(t) > 1]
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
    if family:
        return re.search(rf"(?<![\d.]){family.group(1)}\.x\b", context, re.I) is not None
    size = _DIMENSIONS.fullmatch(term)
    return bool(size) and re.search(rf"\b{_spelled(size[1])}\s*(?:x|×|by)\s*{_spelled(size[2])}\b", context, re.I) is not None


# "4x4" is also written "4 × 4" or "four by four".
_DIMENSIONS = re.compile(r"(\d+)x(\d+)")


def _spelled(number: str) -> str:
    """A pattern for a number as digits or, up to twelve, as a word."""
    n = int(number)
    return f"(?:{n}|{vocab.NUMBER_WORDS[n - 1]})" if 1 <= n <= 12 else number


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
