"""The answer generator: pick the sentence or clause of the retrieved passages that answers the question.

It is extractive and offline. The question is analysed once (rag.question's `analyse`) into a
`Question`: the kind of answer asked for, its specific terms, the measure asked about, its parts.
This module holds the rest: each candidate (a sentence, or a clause of a long sentence) is scored on
meaning (its embedding's similarity to the question), shared key terms, and whether it holds the
kind of answer asked for (what a candidate's text holds is read by rag.evidence). When even the best
candidate is weak, the generator abstains and says so, still listing the closest passages.

Public names other modules use: `Answer`, `Citation`, `Generator`, `ExtractiveGenerator` (whose
`score` bench/fit_answer.py reads to refit the weights in rag/answer_weights.json), `Scored`,
`NOT_COVERED`; and, for checking a written answer (rag.llm), `StreamingGenerator`, `AnswerStream`,
`stated_terms`, `absent_terms`, `abstention`.
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
from .evidence import (_BARE_DEFAULT, _DEMONSTRATIVE, _EXPLETIVE, _PERSONAL, _REASON, _REFERRING, _TOPICAL_IDF, _bag, _conflict,
                       _coverage, _defaults_another, _kin,
                       _lead, _measure_match, _missing, _names_others, _numbers_named, _off_topic, _other_end, _other_year,
                       _overlap, _owned_by_another, _referent, _whole_year,
                       _referred, _relates_others, _scattered_names, _states_act, _type_evidence, _versions_of)
from .question import _AUTHORSHIP, _INTRODUCTION, _NAME_RUN, Question, _alt, analyse, specific_terms
from .retrieve import Passage, Retrieval
from .text import DATE, STOPWORDS, Span, clause_spans, is_code, stem, terms

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


_LAST_WORD = re.compile(r"([\w'’]+)[^\w]*$")
# A sentence about the document itself ("This article explains …") introduces; it never answers.
_META = re.compile(rf"^(?:this|the)\s+(?:\w+\s+)?{_alt(vocab.META_SUBJECTS)}\s+(?:\w+\s+)?{_alt(vocab.META_VERBS)}\b", re.I)


_WHO = re.compile(r"^\W*(?:\w+\s+)?who(?:m|se)?\b", re.I)


# Who did what is also written as a credit, "(Simon Riggs, Pavan Deolasee)" after the change, or as thanks,
# "We are thankful to S Venkataramanan … for correcting this document".
_CREDIT = re.compile(r"\([A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+)+(?:,[^()]*)?\)\W*$|\b(?:thank|grateful)\w*\b.*\bfor\b", re.I)


def _is_byline(chunk, span: Span, sentence: str) -> bool:
    """The sentence is a name at the head of a document, under its title: "Mark Henning, Germany", "by
    Roberto Ierusalimschy, Luiz Henrique de Figueiredo, Waldemar Celes"."""
    name = _SIGNATURE.match(_LEADING_DATE.sub("", _CREDITED.sub("", sentence.strip())))
    return _at_head(chunk, span) and len(sentence.split()) <= _BYLINE_WORDS and name is not None and " " in name[0]


def _dates_document(q: Question, chunk, span: Span, sentence: str) -> bool:
    """The question asks the date of the document it calls by a document noun ("When is the GLPK note
    dated?"), and the sentence is a date alone at the document's head ("August 2011" under its author)."""
    return q.kind == "date" and bool(_DOCUMENT_NOUNS & set(q.checked)) and _at_head(chunk, span) \
        and _LEADING_DATE.match(f"{sentence.strip()} ") is not None and len(_CLOCK.sub("", sentence).split()) <= 3


def _at_head(chunk, span: Span) -> bool:
    """The span is in a document's front matter: before its first heading, near its start."""
    return not chunk.heading and chunk.start + span[0] < _BYLINE_REACH


def _signs_document(q: Question, c: _Candidate, passages: list[Passage]) -> bool:
    """The candidate is the byline of the document the question asks the author of: "Who wrote the
    float package?" of "An Improved Environment for Floats", whose passages all speak of floats, or the
    date on its cover, when its date is asked. (A thing only some of its passages name, "the GIF
    generators", may have been written by another.)"""
    if not q.act and q.kind != "date":  # (most questions: this runs for every candidate)
        return False
    chunk = passages[c.passage].chunk
    sentence = chunk.text[c.sentence[0]:c.sentence[1]]
    credited = _CREDITED.match(sentence.strip())
    # (or did to it what its credit line says: "Corrected by Tom Berger" for "Who corrected the FAQ?")
    acted = q.act in _AUTHORSHIP or bool(credited and credited[1]) and stem(credited[1].lower()) == q.act
    # (and the date on its cover dates it: "When is the GLPK note dated?")
    dated = _dates_document(q, chunk, c.sentence, sentence)
    if not dated and (not acted or not _is_byline(chunk, c.sentence, sentence)):
        return False
    own = [_bag(p.chunk.text)[0] for p in passages if p.chunk.doc_id == chunk.doc_id and p is not passages[c.passage]]
    title = set(terms(chunk.title))
    # (a question that calls it a document, "the GLPK note on …", names it: one mention in it will do)
    needed = 1 if _DOCUMENT_NOUNS & set(q.checked) else len(own) / 2
    cover = _bag(chunk.text)[0]  # (the cover itself may number it: "Version 1.6.3")
    return bool(own) and all(t in title or t in _DOCUMENT_NOUNS or sum(t in bag for bag in own) + (t in cover) >= needed
                             for t in q.checked if t != q.act and not (dated and t in _DATE_NOUNS))


# (what a question calls the document: "the … user's manual", "the FAQ", "the PDF")
_DOCUMENT_NOUNS = frozenset(t for w in vocab.META_SUBJECTS + vocab.DOCUMENT_KINDS + vocab.DOCUMENT_FORMATS + vocab.DOCUMENT_READERS
                            for t in terms(w))
# A credit line: "by …", "Corrected by …", "Translated by …".
_CREDITED = re.compile(r"^(?:([A-Za-z]+ed)\s+)?by\s+", re.I)


_CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])")  # ("February 8, 2015 12:53:50")
_LEADING_DATE = re.compile(rf"^(?:{DATE}),?\s+")  # ("February 20, 2021 David …")
_SIGNATURE = re.compile(r"[A-Z][a-z][\w'’-]*(?:\s+(?:[A-Z]\.|[A-Z][a-z][\w'’-]*))*")  # ("Emden R. Gansner")
_BYLINE_REACH = 200  # characters from the start of the document
_SENTENCE_STOP = re.compile(r"[.!?][\"'”’)]*(?:\s|$)")
_BYLINE_WORDS = 12  # (three authors' names)


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


_FEW_PASSAGES_IDF = 2.0  # below the idf of a term no passage uses: a term about three passages use


_FRAME_TERMS = frozenset(t for w in vocab.HOW_QUANTITY + vocab.NAMING_WORDS for t in terms(w))


def _shares_nothing(q: Question, best: _Candidate) -> bool:
    """The question asks for no particular kind of answer and the best sentence shares none of its words:
    "What market capitalisation did Yuanjie Technology reach …?" is not answered by "… ranking second from
    the bottom among the 29 cities …"."""
    return q.kind == "other" and not best.features.get("own_cover") and not best.features.get("type")


def _asks_about_nothing(q: Question) -> bool:
    """The question names nothing to look for, only its frame: "How long?", "Which day?", "What is it called?"."""
    return not set(q.terms) - _FRAME_TERMS - set(q.target)


def _asks_unknown(q: Question, unknown_terms: list[str]) -> bool:
    """The thing asked about is named with words the corpus never uses, so no passage can answer it:
    the "unemployment rate" asked about, the "charging stations" counted in a corpus about industrial
    output, or any two such words in a row ("hydrogen fuel cell"). One unknown word elsewhere is
    more often the asker's own wording ("Which firm spearheads …")."""
    # (a byline says who wrote a document without the word: "Who are the authors …?" is answered by "by …")
    # (nor does any say "oldest" of the oldest version that can do X: "0.9.0 and later can …")
    # (nor does any say "drop" of a drop: "decreased by 4.7%" is one; a word of change names the measure asked)
    unknown = set(unknown_terms) - (_AUTHORSHIP if q.act in _AUTHORSHIP else set()) - _CONDITION_WORDS - _CHANGE_TERMS
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
    # (the kind of thing asked for is no word of what it is about: "Which author cited …" is answered by "Cao [8]")
    for word in re.findall(r"[\w'’-]+", q.text):
        word_terms = terms(word)
        run = run + 1 if word_terms and all(t in unknown and t not in q.target for t in word_terms) else 0
        if run >= 2:
            return True
    return False


_DOCUMENT_FORMATS = frozenset(vocab.DOCUMENT_FORMATS)  # ("the PDF" is the document itself)
_CONDITION_WORDS = frozenset(stem(w) for w in vocab.CONDITIONS)
_CHANGE_TERMS = frozenset(stem(w) for w in vocab.CHANGE_WORDS)
_DATE_NOUNS = frozenset(stem(w) for w in vocab.DATE_NOUNS)


def _unknown_acronym(q: Question, retrieval: Retrieval) -> bool:
    """An acronym of the question ("GIL") that the corpus never uses and no retrieved passage spells
    out (its words' initials), nor any of their titles ("FAQ" of "Frequently Asked Questions and Answers
    about w3m"): what it names is not in the corpus."""
    unknown = set(retrieval.unknown_terms) & q.acronyms - _DOCUMENT_FORMATS
    return any(not any(a in _bag(p.chunk.text)[1] or a in _bag(p.chunk.title)[1] for p in retrieval.passages) for a in unknown)


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


# A sentence that asks (an FAQ entry, "(9) What is …?", "Shouldn't this be …?"), not one that only ends on a "?"
# glued to it.
_ASKING = re.compile(rf"\W*(?:(?:[A-Z]\.)?\d+(?:\.\d+)*[.)]?\s*)?{_alt(vocab.WH_WORDS + vocab.AUXILIARIES + vocab.MODALS)}"
                     r"(?:n[’']t)?\b", re.I)  # ("2.5 Why does …?", "A.9.1 Is …?")


# A question glued to the end of a run-on PDF line ("… = 2.19kΩ What is the limitation of this method ?") leaves
# the fact before it a statement; any other sentence ending on "?" is one ("So gp is just a fancy calculator …?").
_GLUED_QUESTION = re.compile(rf"\s(?:{'|'.join(w.capitalize() for w in vocab.WH_WORDS + vocab.AUXILIARIES)})\b")


def _is_synopsis(sentence: str) -> bool:
    """A command's usage line ("git stash show [-u | --include-untracked] [<stash>] …"), not prose: many
    brackets (a table's bars are data: "develop | 11 | 5200")."""
    marks = sum(sentence.count(ch) for ch in "[]<>{}")
    return marks >= 8 and marks >= 0.05 * len(sentence)


# A line of two or three capitalised words and nothing else: a table's header row or a label ("Command
# Description", "Objective"), never a statement.
_LABEL = re.compile(r"(?:[A-Z][a-z]+\s){1,2}[A-Z][a-z]+")


# A section's number and title kept in the body of a PDF: "7.5.1 Ecasound is not able to find any LADSPA plugins!"
# (a release's entry in a version history, "1.0 First public release, …", or "2.6.4 Fixed …", ends on a full stop)
_NUMBERED_HEADING = re.compile(r"\s*\d+\.\d+\.\d+(?:\.\d+)*\.?\s+[A-Z][^.]*[!?]?\s*$")
_HEADING_WORDS = 14


def _context_only(sentence: str, chunk) -> bool:
    """Page furniture that may set the context but never answers: the document's title or the section
    heading repeated in the body, a bare number, a sentence about the document itself ("This article
    explains …"), a question (an FAQ's "What is the maximum size of a VARCHAR?"), a usage synopsis, a
    preformatted block (its lines kept: program code, a terminal session). (One pair of brackets is
    prose's too: "Support for ODMR (On-Demand Mail Relay), RFC 2645.")"""
    plain = sentence.strip().rstrip(".:").strip().lower()
    return (not re.search(r"[^\W\d_]", sentence) or _META.match(sentence) is not None or "\n" in sentence
            or _LABEL.fullmatch(sentence.strip()) is not None
            or (sentence.rstrip().endswith(("?", "？")) and (_ASKING.match(sentence) is not None
                                                           or not _GLUED_QUESTION.search(sentence)))
            or _is_synopsis(sentence) or (is_code(sentence, min_marks=3) and not _is_record(sentence))
            or (_NUMBERED_HEADING.match(sentence) is not None and len(sentence.split()) <= _HEADING_WORDS)
            or plain in (chunk.title.strip().lower(), chunk.heading.strip().lower()))


def _clause_windows(text: str, start: int, end: int, commas: bool) -> list[Span]:
    """Each clause alone and with the next one; a short lead-in ("By 2030,") is not a window of
    its own, since _as_sentence puts it back in front of whichever clause is chosen. A window that
    would end mid-sentence ("… and is") or open on a relative pronoun ("which is the reason …") is no answer."""
    clauses = _paired(text, clause_spans(text, start, end, commas))
    if len(clauses) > 1 and _is_lead_in(text, clauses[0]):
        clauses = clauses[1:]
    windows = []
    for i in range(len(clauses)):
        for j in (i, i + 1):
            if j < len(clauses) and (clauses[i][0], clauses[j][1]) != (start, end) \
                    and not _dangles(text[clauses[i][0]:clauses[j][1]]) and not _RELATIVE.match(text, clauses[i][0]) \
                    and not (i < j and _leads_into_next(text, clauses[j])):
                windows.append((clauses[i][0], clauses[j][1]))
    return windows


def _leads_into_next(text: str, clause: Span) -> bool:
    """The clause is a lead-in to the one after it ("…, while for wideband (16 kHz), the delay is 34 ms"):
    a window that ends on it gives the earlier clause's fact as if it were the lead-in's."""
    return _is_lead_in(text, clause) and _LEAD_IN.match(text, clause[0]) is not None


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
_LEAD_IN = re.compile(rf"\W*(?:{_alt(vocab.LEAD_IN_OPENERS)})\b", re.I)
_RELATIVE = re.compile(rf"\W*(?:{_alt(vocab.RELATIVE_PRONOUNS)})\b", re.I)  # (a window that opens on one lacks its noun)
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
                or _shares_nothing(q, supported[0]) \
                or (scored.answerable < self.answerable_model["threshold"] and not _signs_document(q, supported[0], passages)):
            return self._abstain(question, passages)
        follow = _enumeration_after(q, supported[0], supported, passages) or _ordinal_items(q, supported[0], candidates, passages) \
            or _entry_rest(q, supported[0], candidates, passages) or _items_announced(q, supported[0], candidates, passages)
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
        # row is another thing's; and so is the byline of the document whose author is asked)
        best = supported[0]
        if len(chosen) == 1 and (q.reason or q.manner):
            chosen = _with_explanation(best, candidates, passages, _REASON if q.reason else _MEANS)
        if len(chosen) == 1:
            alone = q.entry or _is_record(passages[best.passage].chunk.text[best.sentence[0]:best.sentence[1]]) \
                or _signs_document(q, best, passages)
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
        # (the byline of the document asked about answers, though it never repeats the document's name)
        return sorted((c for c in candidates if self._supports(c, q) or (c.features["type"] and _signs_document(q, c, passages))),
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
                sentence, span = f"{sentence.removesuffix('.')}: {listed}{'' if listed.endswith('…') else '.'}", (c.span[0], end)
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


_TERM_WORDS = 8  # a line no longer may be the term a definition list's entry describes


def _features(c: _Candidate, q: Question, idf: dict, passages: list[Passage], phrases: list[list[list[str]]],
              stats: tuple[dict[str, float], float], memo: dict) -> dict:
    """The candidate's features: those of its sentence (shared by all its clauses, computed once in
    memo) and those of its own span."""
    chunk = passages[c.passage].chunk
    text = chunk.text[c.span[0]:c.span[1]]
    key = (c.passage, c.sentence)
    if key not in memo:
        if chunk.doc_id not in memo:
            memo[chunk.doc_id] = _words_elsewhere(chunk.doc_id, passages)
        memo[key] = _sentence_features(q, chunk, c.sentence, idf, phrases, stats, memo[chunk.doc_id])
    shared, before = memo[key]
    sentence = chunk.text[c.sentence[0]:c.sentence[1]]
    kind = _type_evidence(q, text, idf=stats[0])
    items = _items_after(chunk.text, c.span[1])[0] if q.listing or (q.person and kind == 0) else []
    # the sentence introduces a list, and a list is asked for, or the people asked for ("… was written by:")
    if items and (q.listing or _type_evidence(q, items[0], idf=stats[0]) >= 1):
        kind = 1.0
    c.referent = ""
    # "This release introduced …" answers "which version/release" with what "this release" refers to,
    # and so does "The city …" answer "which city".
    opening = terms(" ".join(sentence.split()[:3]))
    # ("This is version 0.21 …" names its own version: it needs no referent.)
    refers = bool(_REFERRING.match(sentence)) and not _EXPLETIVE.match(sentence)
    # (and so does a predicate under the term it describes: "‘-s, --nodefault’" then "causes the default rule …")
    refers = refers or (sentence[:1].islower() and 0 < len(before.split()) <= _TERM_WORDS and before[-1:] not in ".!?")
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
        c.referent, referred = _referent(q, chunk.heading or chunk.title, before, title, near_first=refers)
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


def _introduces_another(q: Question, near: str) -> bool:
    """The question asks when a thing was introduced, and the context lacks what it is (all its words but
    one, of three or more)."""
    introduced = set(q.subject) - {q.act}
    absent = introduced - _bag(near)[0]
    return q.act in _INTRODUCTION and bool(absent) and len(absent) > (len(introduced) >= 3)


def _words_elsewhere(doc_id: str, passages: list[Passage]) -> frozenset:
    """The terms that only the retrieved passages of other documents than this one use (titles included)."""
    def words(ours: bool) -> frozenset:
        return frozenset().union(*(_bag(f"{p.chunk.title} {p.chunk.text}")[0] for p in passages
                                   if (p.chunk.doc_id == doc_id) == ours))
    return words(False) - words(True)


def _sentence_features(q: Question, chunk, span: Span, idf: dict, phrases: list[list[list[str]]],
                       stats: tuple[dict[str, float], float], elsewhere: frozenset) -> tuple[dict, str]:
    """The features of a sentence in its context (elsewhere: the words only other documents use), and
    the sentence before it."""
    sentence = chunk.text[span[0]:span[1]]
    # The sentence before often names what "the city" or "this plan" refers to; the topic reaches two back.
    preceding = [s for s in chunk.sentences if s[1] <= span[0]]
    earlier = preceding[-2:]
    before = chunk.text[earlier[-1][0]:earlier[-1][1]] if earlier else ""
    lead = _lead(chunk, span[0])
    referred = _referred(chunk, preceding, span, sentence) or before
    context = f"{chunk.title} {chunk.heading} {lead} {referred} {sentence}"
    topic = f"{chunk.title} {chunk.heading} {lead} {chunk.text[(earlier[0] if earlier else span)[0]:span[1]]}"
    # What the sentence speaks of: itself, its section heading, its paragraph's lead and the sentence
    # before (the document title is left out: a long document's title names everything in it).
    near = f"{chunk.heading} {lead} {before} {sentence}"
    byline = _is_byline(chunk, span, sentence)
    acted = f"{chunk.heading} {sentence}" if q.kind == "date" else near
    if byline:  # (… but a byline speaks of the document as a whole)
        near = f"{chunk.title} {near}"
    cover, gap = _coverage(q.checked, q, stats, near)
    # (what is asked about, not the kind of answer: "the date of the manual" asks about the manual)
    asked = [t for t in q.about if not t[0].isdigit() and not (q.kind == "date" and t in _DATE_NOUNS)]
    # "Who came after X?" is answered by the sentence next to the one that names X, never by that one.
    later = next((s for s in chunk.sentences if s[0] >= span[1]), None)
    beside = referred if q.follows else (chunk.text[later[0]:later[1]] if later else "")
    # ("Beijing has become the second five-trillion-yuan city after Shanghai" says who came after Shanghai.)
    neighbour = not q.neighbour_of or q.relation in sentence.lower() or (all(set(g) <= _bag(beside)[0] for g in q.neighbour_of)
                                       and not any(set(g) <= _bag(sentence)[0] for g in q.neighbour_of))
    # A coined word only a few passages of the corpus use names something in them ("knockd"): it must be
    # near, as a name must. (One it never uses is more often the asker's own; one it often uses, its topic.)
    known = [g for g in q.coined if all(stats[1] - _FEW_PASSAGES_IDF < stats[0].get(t, stats[1]) < stats[1] for t in g)]
    coined = len(absent_terms(known, context)) if known else 0
    numbers, names, share = _missing(q.specific, context, stats, elsewhere)
    scattered = _scattered_names(q, context, stats)
    later_text = chunk.text[later[0]:later[1]] if later else ""
    return {
        "around": _overlap(context, idf),
        "missing": numbers + names + scattered + coined,
        "numbers_missing": numbers,
        "names_missing": 1.0 if scattered or coined else share,
        "cover": cover,
        # ("The default is +5/-4." states the default of what the sentence before names: "-r +n/-m Specify match/mismatch scores")
        "own_cover": _coverage(q.checked, q, stats, f"{before} {sentence}" if _BARE_DEFAULT.match(sentence) else sentence)[0],
        "subject_cover": _coverage(q.subject, q, stats, near)[0],
        "subject_own": _coverage(q.subject, q, stats, sentence)[0],
        "gap": gap,
        "off_topic": _off_topic(phrases, topic),
        "conflict": _conflict(q, (sentence, chunk.heading, chunk.title)) or _names_others(q, sentence)
                    or _relates_others(q, sentence) or _defaults_another(q, sentence, chunk.heading)
                    or _other_end(q, sentence) or _other_year(q, sentence) or _whole_year(q, sentence)
                    or _owned_by_another(q, sentence),
        # none of the words for what is asked about ("population") is near: the number is of something else
        "about_missing": float(bool(asked) and not (set(asked) | _kin(asked)) & _bag(near)[0]),
        "neighbour": float(neighbour),
        # the setting whose default is asked must be named near its value
        "setting_missing": float(bool(q.setting) and not (set(terms(q.setting)) or {q.setting.lower()}) <= _bag(near)[0]),
        # "Who founded Launchpad?" is not answered by "… see the Launchpad Help wiki": nothing near says who founded it
        # (who came after X is told by where the sentence stands: "Lucas Nussbaum was elected …" after X's item)
        # (and "When was X released?" by a section headed by a release's number and date: "2.28.1 (2022-06-29)")
        # (a date is the date of the event its own sentence tells: "In 1999, I purchased a printer" after "… was
        # first written by Michael Sweet" does not date the writing)
        # (and a thing's introduction is no other thing's: "Privoxy, whose first stable version, 3.0, …" did not
        # introduce https inspection)
        "act_missing": float(bool(q.act) and not q.neighbour_of and (not _states_act(q.act, acted) or _introduces_another(q, near))
                             and not _CREDIT.search(sentence)
                             and not (q.act in _AUTHORSHIP and byline)
                             and not (q.kind == "date" and _type_evidence(q, chunk.heading) >= 1)
                             # (a document is dated by the date on its cover: "When is the GLPK note dated?")
                             and not _dates_document(q, chunk, span, sentence)),
        "condition_missing": float(any(not words & _bag(near)[0] for words in q.conditions)),
        # An acronym asked for or qualifying what is asked for ("Which LZ4 library version"), unless
        # the corpus is about it ("HTTP" in an HTTP library's manual), must be near.
        "target_missing": float((bool(q.target) and set(q.target) <= q.acronyms
                                 and not set(q.target) & _bag(f"{context} {later_text}")[0])
                                or any(stats[0].get(t, stats[1]) >= _TOPICAL_IDF and t not in _bag(context)[0]
                                       for t in q.qualifiers)),
    }, before


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


_ITEM_SHARE = 0.85  # of the introducing sentence's score
_PLURAL_ASKED = re.compile(rf"^\W*(?:which|what)\s+(?!{_alt(vocab.AUXILIARIES)}\b)(?:[\w-]+\s+)?\w+[^s\W]s\b", re.I)  # "Which (third-party) files …"


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
        # (… unless the introducer holds the answer itself: "Each keyword record is 80 ASCII characters long and
        # has the following format:")
        return next((c for c in supported[1:5] if c.passage == best.passage and best.span[1] <= c.sentence[0] < end
                     and c.score >= _ITEM_SHARE * best.score
                     and (best.features["type"] == 0 or c.features["type"] > best.features["type"])), None)
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


def _items_announced(q: Question, best: _Candidate, candidates: list[_Candidate], passages: list[Passage]) -> list[_Candidate]:
    """For a question that asks for a list, the short sentence after the best one that announces the
    items ("… in various third-party repositories." then "These include:" and the list)."""
    chunk = passages[best.passage].chunk
    after = _sentences_after(chunk, best.sentence)[:1]
    if not (q.listing or _PLURAL_ASKED.match(q.text)) or not after:
        return []
    text = chunk.text[after[0][0]:after[0][1]]
    if len(text.split()) > _ANNOUNCING_WORDS or not _REFERRING.match(text) or not _items_after(chunk.text, after[0][1])[0]:
        return []
    return [c for c in candidates if c.passage == best.passage and c.span == after[0]][:1]


_ANNOUNCING_WORDS = 4  # "These include:", "They are as follows:"


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


def _with_explanation(best: _Candidate, candidates: list[_Candidate], passages: list[Passage],
                      marker: re.Pattern) -> list[_Candidate]:
    """ "Why …?" or "How does X …?" answered by a sentence that only restates what is asked, with the sentence
    that explains it (one that holds marker: a reason, a means): the one before a consequence ("… uses *^
    instead of e. Thus, the output is not suitable …"), or the next one of its paragraph that speaks of it
    ("… before enabling NTS. This may reduce the time spent debugging.") or holds marker ("… IDLE extension.
    On IMAP servers that don't, it can simulate it using periodic NOOP commands.")."""
    chunk = passages[best.passage].chunk
    sentence = chunk.text[best.sentence[0]:best.sentence[1]]
    index = chunk.sentences.index(best.sentence) if best.sentence in chunk.sentences else -1
    whole = {c.span: c for c in candidates if c.passage == best.passage}
    if marker is _REASON and _CONSEQUENCE.match(sentence) and index > 0 and chunk.sentences[index - 1] in whole:
        return [whole[chunk.sentences[index - 1]], best]
    paragraph_end = chunk.text.find("\n\n", best.sentence[1])
    after = chunk.sentences[index + 1] if 0 <= index < len(chunk.sentences) - 1 else None
    if not marker.search(sentence) and after in whole and (paragraph_end < 0 or after[1] <= paragraph_end):
        following = chunk.text[after[0]:after[1]]
        if _REFERRING.match(following) or marker.search(following):
            return [best, whole[after]]
    return [best]


_MEANS = re.compile(rf"\b{_alt(vocab.MEANS_MARKERS)}\b", re.I)
_CONSEQUENCE = re.compile(rf"^\W*(?:{_alt(vocab.CONSEQUENCE_OPENINGS)})\b", re.I)


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
    before = text[:end].rstrip()
    if not before.endswith(":"):
        # (a PDF may lose the colon before a command: "… I used the command line" / "xfig -pwidth 8 -pheight 5.5")
        opens = before[-1:].isalnum() and _COMMAND_LINE.match(text, end) is not None
        return _line_after(text, end) if opens else ([], end)
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
        # The items of a list are alike: all a term with its definition, or all short lines. (One that
        # ends on a colon introduces the next list: "Thanks to:")
        # (an entry's definition may run long: only its term is shown)
        if len(items) == _MAX_ITEMS or (len(item.split()) > _ITEM_WORDS and not label) or match.start() != position - end \
                or labelled not in (None, bool(label)) or item.endswith(":") or (not label and _prose_after_names(items, item)):
            break
        labelled = bool(label)
        items.append((label or item).rstrip(".;,"))
        position = end + match.end()
    if len(items) >= 2:
        return items, position
    return _line_after(text, end)


def _prose_after_names(items: list[str], item: str) -> bool:
    """After a list of names ("Fisher", "Fundle", "Oh My Fish") a sentence is the text that follows the
    list, not an item of it ("This is not an exhaustive list and …")."""
    return len(items) >= 2 and all(len(i.split()) <= _NAME_ITEM_WORDS for i in items) \
        and len(item.split()) > 2 * _NAME_ITEM_WORDS and item.endswith(".")


_NAME_ITEM_WORDS = 4
_COMMAND_LINE = re.compile(r"\n\n[a-z][\w.-]*(?:\s+\S+)*?\s+--?[a-z]")  # a program and its options


def _line_after(text: str, end: int) -> tuple[list[str], int]:
    """One short line that is no sentence after the sentence ending at end ("… it will print the
    following message to the error log:" / "[notice] suEXEC mechanism enabled (wrapper: …)"), nor a
    table's header row, as ([line], where it ends); else ([], end)."""
    line = re.match(r"\n\n([^\n]+)(?:\n\n([^\n]+))?", text[end:])
    # (the first of many lines is a block's, "<?xml …?>", and so may be one that ends the chunk, unless
    # it is a command line whole: "echo "ladspa-register" | ecasound -c")
    if line and _is_line(line.group(1)) and not _LABEL.fullmatch(line.group(1).strip()) \
            and (not _is_line(line.group(2)) if line.group(2) else _COMMAND_LINE.match(text, end) is not None):
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
        # (unless the clause has its own: "while for wideband (16 kHz), the delay is 34 ms")
        own = clause_spans(text, span[0], span[1])[0]
        if _is_lead_in(text, lead) and lead[1] <= span[0] and not (own[1] < span[1] and _leads_into_next(text, own)):
            piece = f"{text[lead[0]:lead[1]]} {piece}"
    piece = piece.strip().rstrip(",;:-– ")
    # A term being defined ("www-data: …", "sync: …") or a name written in code keeps its case.
    if piece and not re.match(r"[\w.-]*[\d_./-][\w.-]*\b|\S+:", piece):
        piece = piece[0].upper() + piece[1:]
    # (a clause ending on a number is left without a stop: "for release 2.1." would read as "2.1." a version)
    return piece if piece.endswith((".", "!", "?", '"', "”", "…", "。", "！", "？")) or piece[-1:].isdigit() else piece + "."
