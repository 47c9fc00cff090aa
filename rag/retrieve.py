"""Hybrid retrieval over a Store: its dense and keyword rankings of the same chunks, merged by reciprocal rank
fusion; misspelt question terms corrected to corpus terms, acronyms expanded for the keyword search."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from . import vocab
from .chunk import Chunk, safe_id
from .stores.base import Store
from .stores.bm25 import idf
from .text import ACRONYM, STOPWORDS, is_common_word, mostly_han, stem, terms

RRF_K = 60  # the constant from Cormack et al. (2009); damps the weight of top ranks


@dataclass
class Passage:
    chunk: Chunk
    score: float  # fused score
    dense: float  # cosine similarity of the chunk to the question
    lexical: float  # BM25 score
    sentence_similarity: list[float] = field(default_factory=list)  # cosine per chunk.sentences entry

    def to_dict(self) -> dict:
        c = self.chunk
        return {"chunk_id": c.chunk_id, "source": c.doc_id, "title": c.title, "heading": c.heading,
                "text": c.text, "score": round(self.score, 4), "dense": round(self.dense, 4),
                "lexical": round(self.lexical, 4)}


@dataclass
class Retrieval:
    """What retrieval found for one question: the passages, best first, and what it learnt about the
    question itself; the generator receives it whole."""
    question: str
    passages: list[Passage]
    unknown_terms: list[str] = field(default_factory=list)  # terms of the question no chunk of the corpus uses
    corrections: dict[str, str] = field(default_factory=dict)  # a misspelt question term -> the corpus term meant
    # Corpus statistics of the question's terms (and their corrections): BM25 idf, and the idf a term no
    # chunk uses would have (the most telling a term can be), so the generator can weigh what a sentence
    # leaves out without seeing the index.
    idf: dict[str, float] = field(default_factory=dict)
    max_idf: float = 0.0


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


_CLEAR_LEAD = 1.2  # a BM25 score this many times the runner-up's
_FEW_PASSAGES = 3
_MAX_HEADS = 1  # documents' first chunks added to what was found
# A title of fewer terms is more often the name of what the document is about ("expEYES Junior"), which
# nearly every question names, than the document's own name ("Lua 5.2 Reference Manual").
_TITLE_TERMS = 3
_AUTHORSHIP = frozenset(stem(w) for w in vocab.AUTHORSHIP_WORDS)
_DOCUMENT_NOUNS = frozenset(stem(w) for w in vocab.DOCUMENT_KINDS)
MAX_CORRECTED = 40  # letters; a 2 000-letter "word" took 2.6 s to correct


_WORD = re.compile(r"[a-z]+")


class Retriever:
    """Hybrid search over a Store: its dense and its keyword ranking, fused by reciprocal rank."""

    def __init__(self, store: Store, depth: int = 50) -> None:
        self.store = store
        self.depth = depth  # candidates taken from each ranking before fusion
        self._long_forms: dict[str, str] = {}

    def search(self, query_vector: np.ndarray, question: str, k: int, asked: str = "") -> Retrieval:
        """The k best passages for question (embedded as query_vector). `asked` is the question in the
        asker's words when `question` is its translation: passages written in Chinese are also ranked
        by those words, since the translation shares none with them."""
        dense = self.store.dense_search(query_vector, self.depth)
        question_terms = list(dict.fromkeys(terms(question)))
        df = self.store.document_frequency(question_terms)
        unknown = [t for t in question_terms if not df[t]]
        written = {stem(w): w for w in _WORD.findall(question.lower())} if unknown else {}
        corrections = {t: c for t in unknown if (c := self.correct(t, written.get(t, t)))}
        unknown = [t for t in unknown if t not in corrections]
        lexical = self.store.keyword_search(" ".join([self.expand_acronyms(question)] + list(corrections.values())), self.depth)
        rankings = [[i for i, _ in dense], [i for i, _ in lexical]]
        if asked:
            rankings.append(self._chinese_ranking(asked))
        fused = reciprocal_rank_fusion(rankings)
        ids = sorted(fused, key=lambda i: -fused[i])[:k]
        # A passage the keyword search clearly puts first, or puts first for a word only a few passages
        # use (an option's name, "--zap"), stays, even when the dense ranking misses it.
        rare = any(0 < count <= _FEW_PASSAGES for count in df.values())
        if len(lexical) > 1 and (lexical[0][1] >= _CLEAR_LEAD * lexical[1][1] or rare) and lexical[0][0] not in ids:
            ids[-1:] = [lexical[0][0]]
        found = self.store.fetch(ids)
        heads = _heads_named(question, found)
        found += self.store.fetch(heads) if heads else []
        cosine, keyword = dict(dense), dict(lexical)
        passages = []
        for stored in found:
            if stored is None:  # removed by a re-index since the search (a shared database)
                continue
            chunk_id = stored.chunk.chunk_id
            similarity = cosine.get(chunk_id)
            if similarity is None:
                similarity = float(stored.vector @ query_vector)
            # (a document's head may be in neither ranking)
            passages.append(Passage(stored.chunk, fused.get(chunk_id, 0.0), float(similarity), keyword.get(chunk_id, 0.0),
                                    (stored.sentences @ query_vector).tolist()))
        asked_terms = set(terms(question)) | {t for c in corrections.values() for t in terms(c)}
        n = len(self.store)
        frequencies = self.store.document_frequency(asked_terms)
        return Retrieval(question, passages, unknown, corrections, {t: idf(df, n) for t, df in frequencies.items()},
                         idf(0, n))

    def _chinese_ranking(self, asked: str) -> list[str]:
        """The chunks written in Chinese, ranked by BM25 on the asker's own words (drawn from a deeper
        keyword ranking, since chunks in other languages may share a number or a name with the words)."""
        found = self.store.keyword_search(asked, 4 * self.depth)
        stored = self.store.fetch([i for i, _ in found])
        return [s.chunk.chunk_id for s in stored if s is not None and mostly_han(s.chunk.text)][: self.depth]

    def correct(self, term: str, written: str = "") -> str:
        """The corpus term a misspelt one most likely means: one letter dropped, added or two swapped
        ("sichaun" for "sichuan"), the most widely used if several; "" when there is none. A changed
        letter is not a typo here: "Changshu" is not "Changsha". Short terms are left alone, and so are
        very long ones: no word is that long, and the edits of a term grow with the square of its length.
        A name run into its number is read apart ("rtools42": "rtools 42").
        An abbreviation the corpus does not use is read written out ("q1": "first quarter"). A common
        English word (as written) is no typo: it meets only its own shorter form ("largest": "large"),
        never a neighbour ("patch" is not "path")."""
        if term in vocab.SPELT_OUT:
            return vocab.SPELT_OUT[term]
        # A name run into its number ("Rtools42" where the corpus writes "Rtools 42").
        numbered = re.fullmatch(r"([a-z]{3,})(\d+)", term)
        if numbered and self.store.document_frequency({stem(numbered[1])})[stem(numbered[1])]:
            return f"{numbered[1]} {numbered[2]}"
        if not 4 <= len(term) <= MAX_CORRECTED or not term.isalpha():
            return ""
        # Two words run together ("xian" for "Xi'an", "newenergy"): a known term and a known or common word.
        # (A common word is such a pair only of two words, "keyword" for "key word", or of a word and a function
        # word, "xian" for "xi an"; "originally" is not "original ly".)
        splits = [(term[:i], term[i:]) for i in range(2, len(term) - 1)]
        known = self.store.document_frequency({h for h, _ in splits} | {stem(t) for _, t in splits})
        pair = next(((head, tail) for head, tail in splits if known[head] and (tail in STOPWORDS or known[stem(tail)])), None)
        if pair and (pair[1] in STOPWORDS or not is_common_word(written or term)
                     or all(len(w) >= 3 and is_common_word(w) for w in pair)):
            return " ".join(pair)
        if len(term) < 5:
            return ""
        letters = "abcdefghijklmnopqrstuvwxyz"
        edits = {term[:i] + term[i + 1:] for i in range(len(term))}
        edits |= {term[:i] + term[i + 1] + term[i] + term[i + 2:] for i in range(len(term) - 1)}
        edits |= {term[:i] + ch + term[i:] for i in range(len(term) + 1) for ch in letters}
        df = self.store.document_frequency({t for t in map(stem, edits) if len(t) >= 4})
        known = [(-count, t) for t, count in df.items() if count]
        # A real word only meets its own other form ("largest": "large"), not a neighbour ("patch": "path",
        # "listen": "list"); the word list is read only when there is a candidate to check.
        if known and is_common_word(written or term):
            known = [(count, t) for count, t in known if term.startswith(t) and term[len(t):] in vocab.INFLECTIONS]
        return min(known)[1] if known else ""  # the most widely used (the lowest idf)

    def expand_acronyms(self, question: str) -> str:
        """The question plus the long forms of its acronyms, so that BM25 finds "new energy vehicles"
        for "NEV". Only the lexical query is expanded; the question is embedded as asked."""
        for acronym in dict.fromkeys(ACRONYM.findall(question)):
            if acronym not in self._long_forms:
                self._long_forms[acronym] = long_form(acronym, self.store.texts_matching)
        expansions = [self._long_forms[a] for a in dict.fromkeys(ACRONYM.findall(question))]
        return " ".join([question] + [e for e in expansions if e])


def _heads_named(question: str, found: list) -> list[str]:
    """The first chunk of each document found whose title the question names ("Who are the authors of
    the Lua 5.2 Reference Manual?"), when it was not found itself: what is said of a document as a whole
    (its authors, date, version) is at its head, which shares no words with the question."""
    asked = set(terms(question))
    chunks = [stored.chunk for stored in found if stored is not None]
    have = {chunk.chunk_id for chunk in chunks}
    heads: list[str] = []
    # (who wrote a document, and when, is said under its title: "Who wrote the float package?", "What date
    # is on the NEATO User's Manual?" ask of the best one found)
    of_whole = bool(asked & (_AUTHORSHIP | _DOCUMENT_NOUNS))
    for rank, chunk in enumerate(chunks):
        named = set(terms(chunk.title))
        head = f"{safe_id(chunk.doc_id)}:0"
        if ((len(named) >= _TITLE_TERMS and named <= asked) or (of_whole and rank == 0)) \
                and head not in have and head not in heads:
            heads.append(head)
    return heads[:_MAX_HEADS]


_LINKS = ("of", "and", "for", "the")  # may stand between the words of a long form


def long_form(acronym: str, texts_matching: Callable[[re.Pattern], Iterable[str]]) -> str:
    """The words the corpus spells an acronym out with: a run of content words whose initials are its
    letters ("Ministry of Industry and Information Technology" for MIIT). Seen at least twice, so a
    chance run ("group drives the power" for GDP) does not count, unless the acronym follows it in
    brackets ("Valve Regulated Lead Acid (VRLA)"); "" when there is none."""
    gap = r"[\w'’]*[\s-]+(?:(?:" + "|".join(_LINKS) + r")\s+)?"
    pattern = re.compile(r"\b" + gap.join(acronym) + r"[\w'’]*", re.I)
    defined = re.compile(pattern.pattern + rf"(?=\s*\(\s*{re.escape(acronym)}s?\s*\))", re.I)
    seen: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for text in texts_matching(pattern):
        if spelled_out := defined.search(text):
            return spelled_out.group(0)
        for match in pattern.finditer(text):
            words = [w for w in re.split(r"[\s-]+", match.group(0).lower()) if w not in _LINKS]
            if not any(w in STOPWORDS for w in words):
                key = " ".join(terms(match.group(0)))
                seen[key] += 1
                spelled.setdefault(key, match.group(0))
    best = seen.most_common(1)
    return spelled[best[0][0]] if best and best[0][1] >= 2 else ""
