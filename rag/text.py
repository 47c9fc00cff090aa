"""Text primitives shared by chunking, retrieval and answering: sentences, clauses, terms."""
from __future__ import annotations

import re
from functools import lru_cache

from .vocab import ABBREVIATIONS, IRREGULAR_FORMS, MONTHS, SHORT_FORMS, STOPWORDS

# A date as a document's cover or byline writes it: "August 17, 2001", "August 2011", "28 December 2020", "2001-08-17".
DATE = rf"(?:{'|'.join(MONTHS)})\.?\s+(?:\d{{1,2}},?\s+)?\d{{4}}|\d{{1,2}}\s+[A-Z][a-z]+\.?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}"

Span = tuple[int, int]

# A sentence ends at . ! ? (or a CJK full stop) followed by space and a capital, digit or quote, or a
# name written with its capitals inside ("expEYES Junior is …"), unless the dot belongs to a known
# abbreviation or a number.
_SENTENCE_END = re.compile(r"""[.!?。](?:["'”’)\]]+)?(?=\s+["'“‘(\[]?(?:[A-Z0-9\u4e00-\u9fff]|[a-z]+[A-Z]))|。""")


_ABBREVIATION_WINDOW = 2 + max(map(len, ABBREVIATIONS))


_LABEL_ABBREVIATION = re.compile(r"[A-Z][a-z]{1,3}")
_LABELLED = re.compile(r"\s?\d|\s?[A-Z]{2,}[\w.]*[-\d]")  # a number, or a code in capitals with a hyphen or digit


# An initial inside a name: a capital letter alone after a capitalised word ("John W. Eaton") or
# opening the sentence ("D. Richard Hipp").
_INITIAL = re.compile(r"(?:\b[A-Z][a-z]+\s+|^\s*)[A-Z]$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Character spans of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    begin = start
    for match in _SENTENCE_END.finditer(text, start, end):
        # Only the last few characters can hold an abbreviation; searching all of text[begin:] would be
        # quadratic on a long run of letters before the stop.
        word = re.search(r"([\w.]+)\.$", text[max(begin, match.start() - _ABBREVIATION_WINDOW):match.start() + 1])
        if word and word.group(1).lower() in ABBREVIATIONS:
            continue
        # (a short capitalised non-word before a number or a code is a label's abbreviation: "Rec. 709",
        # "Rec. ITU-R BT.709-3")
        if word and _LABEL_ABBREVIATION.fullmatch(word.group(1)) and _LABELLED.match(text, match.end(), end) \
                and not is_common_word(word.group(1)):
            continue
        if text[match.start()] == "." and _INITIAL.search(text[max(begin, match.start() - 40):match.start()]):
            continue
        spans.append((begin, match.end()))
        begin = match.end()
    spans.append((begin, end))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s[1] > s[0]]


# Clause boundaries inside a long sentence: after a semicolon, or after a comma that is followed
# by a space (so "1,542.82" stays whole) and does not separate items of a short list. A colon is
# no boundary: what follows it is what it announces.
_CLAUSE_END = re.compile(r";(?=\s)|,(?=\s)")
_SEMICOLON = re.compile(r";(?=\s)")
_MIN_CLAUSE_WORDS = 4


def clause_spans(text: str, start: int, end: int, commas: bool = True) -> list[Span]:
    """Spans of the clauses of the sentence text[start:end]; list items ("Samsung, Micron,") stay
    together. With commas=False only semicolons divide, so whole lists stay in one clause."""
    pieces, begin = [], start
    for match in (_CLAUSE_END if commas else _SEMICOLON).finditer(text, start, end):
        pieces.append((begin, match.end()))
        begin = match.end()
    pieces.append((begin, end))
    merged: list[Span] = []
    previous_short = False
    for a, b in pieces:
        short = len(text[a:b].split()) < _MIN_CLAUSE_WORDS
        if merged and text[merged[-1][1] - 1] == "," and (short or previous_short):
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
        # A short item draws the next clause in ("Deyang, Mianyang and Yibin were listed"), unless it
        # is the last item of a list ("…, and new energy,"): what follows that starts a new clause.
        previous_short = short and not re.match(r"(?:and|or)\s", text[a:b].lstrip())
    return [s for s in (_trim(text, a, b) for a, b in merged) if s[1] > s[0]]


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# An acronym a question may use for words the corpus spells out ("NEV", "MIIT"); two letters ("AI",
# "EV") spell too many chance word pairs to be worth expanding.
ACRONYM = re.compile(r"\b[A-Z]{3,6}\b")
# A name written as code with underscores: "SESSION_COOKIE_SAMESITE", "log_autovacuum_min_duration", "MAXIMUM_MNS".
UNDERSCORED = re.compile(r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w-])")

# Han characters (CJK ideographs and their extensions): a question with any is read as Chinese.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def has_han(text: str) -> bool:
    return bool(HAN.search(text))


def mostly_han(text: str) -> bool:
    """Written in Chinese: more of its letters are Han characters than not."""
    han = len(HAN.findall(text))
    return han * 2 > han + len(re.findall(r"[^\W\d_]", HAN.sub("", text)))


_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*|[\u4e00-\u9fff]")


def terms(text: str) -> list[str]:
    """Lower-cased, lightly stemmed content terms; CJK characters are one term each."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [stem(w) for w in words if w not in STOPWORDS]


_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)")


@lru_cache(maxsize=1 << 16)  # the answerer stems the same few thousand words for every candidate
def stem(word: str) -> str:
    """A tiny suffix stripper, so 'cities'/'city', 'manufacturing'/'manufacture', '28th'/'28' and 'max'/'maximum' meet."""
    if _ORDINAL.fullmatch(word):
        return word[:-2]
    word = IRREGULAR_FORMS.get(word) or SHORT_FORMS.get(word, word)
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    return word[:-1] if word.endswith("e") and len(word) > 3 else word


_COMMON_WORDS = 30_000  # the most used English words; the list's rarer entries include misspellings ("recieve")


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str]]:
    """The 30,000 most used English words, and all 126,000 that wordninja's frequency list holds."""
    import gzip
    from importlib.util import find_spec
    from pathlib import Path

    # wordninja is one module with its list in a folder beside it; importing it would build its model.
    path = Path(find_spec("wordninja").origin).parent / "wordninja" / "wordninja_words.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        words = f.read().split()
    return frozenset(words[:_COMMON_WORDS]), frozenset(words)


def is_common_word(word: str) -> bool:
    """word is one of the 30,000 most used English words (by wordninja's frequency list): no typo."""
    return word.lower() in _words()[0]


def is_english_word(word: str) -> bool:
    """word is in wordninja's list at all: no coined name ("knockd", "libpq") nor typo."""
    return word.lower() in _words()[1]


def is_code(text: str, min_marks: int = 1) -> bool:
    """A run of program code ("import asyncio async def main(): await …"), not prose: many brackets
    and operators (at least min_marks), few function words."""
    words = text.split()
    marks = sum(text.count(ch) for ch in "(){}=;")
    stops = sum(w.lower() in STOPWORDS for w in words)
    return len(words) >= 6 and marks >= max(min_marks, 0.04 * len(text)) and stops < 0.15 * len(words)
