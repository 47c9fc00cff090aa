"""Hybrid retrieval: dense FAISS search and BM25 over the same chunks, merged by reciprocal rank fusion."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .chunk import Chunk
from .index import Index
from .text import ACRONYM, STOPWORDS, mostly_han, stem, terms

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


class BM25:
    """Okapi BM25 over a fixed list of documents (k1=1.2, b=0.75).

    Postings are compact numpy arrays, term-major (CSR style): a row (int32) and the posting's BM25 weight
    without the idf (float32), computed once here, so a query only gathers and adds; a million chunks take
    a few hundred MB. `postings` maps each known term to its id."""

    DENSE_MIN_DOCS = 65536  # below this many documents, every term's postings are scattered

    def __init__(self, documents, k1: float = 1.2, b: float = 0.75) -> None:
        from array import array

        self.k1, self.b = k1, b
        self.postings: dict[str, int] = {}  # term -> term id (membership: "does any chunk use this term")
        term_ids, tfs, lengths = array("i"), array("f"), array("f")
        row_ends = array("q")
        for text in documents:
            counts = Counter(terms(text))
            lengths.append(sum(counts.values()))
            for term, tf in counts.items():
                term_ids.append(self.postings.setdefault(term, len(self.postings)))
                tfs.append(tf)
            row_ends.append(len(term_ids))
        self.n = len(lengths)
        self.lengths = np.array(lengths, dtype=np.float32)
        self.avg_length = float(self.lengths.mean()) if self.n else 0.0
        # Views on the arrays just filled (no copies: at 1M chunks each holds ~70M postings).
        ids = np.frombuffer(term_ids, dtype=np.int32) if len(term_ids) else np.zeros(0, dtype=np.int32)
        weights = np.frombuffer(tfs, dtype=np.float32) if len(tfs) else np.zeros(0, dtype=np.float32)
        rows = np.repeat(np.arange(self.n, dtype=np.int32), np.diff(np.array(row_ends, dtype=np.int64), prepend=0))
        del row_ends
        norm = (self.k1 * (1 - self.b + self.b * self.lengths / (self.avg_length or 1.0))).astype(np.float32)
        denominator = weights + norm[rows]
        weights *= np.float32(self.k1 + 1)
        weights /= denominator  # tf * (k1 + 1) / (tf + norm): the posting's weight, before idf
        del denominator
        order = np.argsort(ids, kind="stable")
        self._rows = rows[order]
        del rows
        self._impact = weights[order]
        del weights, order
        self._starts = _offsets(np.bincount(ids, minlength=len(self.postings)))
        del ids, term_ids, tfs
        self._df = np.diff(self._starts)
        # In a large index, a term in an eighth or more of the documents is kept as one dense row of
        # weights instead of postings: adding 1M floats takes ~0.2 ms, scattering 125k postings ~0.7 ms;
        # 4 bytes a document is at most 4x the 8 bytes a posting such a term had.
        self._dense: dict[int, np.ndarray] = {}
        if self.n >= self.DENSE_MIN_DOCS:
            frequent = np.flatnonzero(self._df >= self.n // 8)
            if len(frequent):
                keep = np.ones(len(self._rows), dtype=bool)
                for tid in frequent:
                    start, end = self._starts[tid], self._starts[tid + 1]
                    row = np.zeros(self.n, dtype=np.float32)
                    row[self._rows[start:end]] = self._impact[start:end]
                    self._dense[int(tid)] = row
                    keep[start:end] = False
                counts = self._df.copy()
                counts[frequent] = 0
                self._rows, self._impact = self._rows[keep], self._impact[keep]
                del keep
                self._starts = _offsets(counts)

    def idf(self, term: str) -> float:
        tid = self.postings.get(term)
        df = 0 if tid is None else int(self._df[tid])
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for term in set(terms(query)):
            tid = self.postings.get(term)
            if tid is None:
                continue
            dense = self._dense.get(tid)
            if dense is not None:
                scores += np.float32(self.idf(term)) * dense
                continue
            start, end = self._starts[tid], self._starts[tid + 1]
            scores[self._rows[start:end]] += np.float32(self.idf(term)) * self._impact[start:end]
        return scores


def _offsets(counts: np.ndarray) -> np.ndarray:
    """Where each term's postings start (and, one past the last, end) in the term-major arrays."""
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts


def reciprocal_rank_fusion(rankings: list[list[int]], k: int = RRF_K) -> dict[int, float]:
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank + 1)
    return fused


MAX_CORRECTED = 40  # letters; a 2 000-letter "word" took 2.6 s to correct

class Retriever:
    def __init__(self, index: Index, depth: int = 50) -> None:
        self.index = index
        self.depth = depth  # candidates taken from each ranking before fusion
        self.bm25 = BM25([c.embedding_text for c in index.chunks])
        self._long_forms: dict[str, str] = {}
        self._chinese: np.ndarray | None = None

    def search(self, query_vector: np.ndarray, question: str, k: int, asked: str = "") -> Retrieval:
        """The k best passages for question (embedded as query_vector). `asked` is the question in the
        asker's words when `question` is its translation: passages written in Chinese are also ranked
        by those words, since the translation shares none with them."""
        dense = self.index.search(query_vector, self.depth)
        unknown = [t for t in dict.fromkeys(terms(question)) if t not in self.bm25.postings]
        corrections = {t: c for t in unknown if (c := self.correct(t))}
        unknown = [t for t in unknown if t not in corrections]
        lexical = self.bm25.scores(" ".join([self.expand_acronyms(question)] + list(corrections.values())))
        top = np.argpartition(-lexical, self.depth)[: self.depth] if len(lexical) > self.depth else np.arange(len(lexical))
        lexical_rank = [int(r) for r in top[np.argsort(-lexical[top], kind="stable")] if lexical[r] > 0]
        rankings = [[r for r, _ in dense], lexical_rank]
        if asked and self.chinese_rows().any():
            own = self.bm25.scores(asked) * self.chinese_rows()
            rankings.append([int(r) for r in np.argsort(-own, kind="stable")[: self.depth] if own[r] > 0])
        fused = reciprocal_rank_fusion(rankings)
        cosine = dict(dense)
        rows = sorted(fused, key=lambda r: -fused[r])[:k]
        passages = [self._passage(r, fused[r], cosine, lexical, query_vector) for r in rows]
        asked = set(terms(question)) | {t for c in corrections.values() for t in terms(c)}
        return Retrieval(question, passages, unknown, corrections, {t: self.bm25.idf(t) for t in asked},
                         self.bm25.idf(""))

    def chinese_rows(self) -> np.ndarray:
        """Which chunks are written in Chinese (worked out on the first question that needs it)."""
        if self._chinese is None:
            self._chinese = np.array([mostly_han(c.text) for c in self.index.chunks], dtype=bool)
        return self._chinese

    def correct(self, term: str) -> str:
        """The corpus term a misspelt one most likely means: one letter dropped, added or two swapped
        ("sichaun" for "sichuan"), the most widely used if several; "" when there is none. A changed
        letter is not a typo here: "Changshu" is not "Changsha". Short terms are left alone, and so are
        very long ones: no word is that long, and the edits of a term grow with the square of its length."""
        if not 4 <= len(term) <= MAX_CORRECTED or not term.isalpha():
            return ""
        postings = self.bm25.postings
        # Two words run together ("xian" for "Xi'an", "newenergy"): a known term and a known or common word.
        for i in range(2, len(term) - 1):
            head, tail = term[:i], term[i:]
            if head in postings and (tail in STOPWORDS or stem(tail) in postings):
                return f"{head} {tail}"
        if len(term) < 5:
            return ""
        letters = "abcdefghijklmnopqrstuvwxyz"
        edits = {term[:i] + term[i + 1:] for i in range(len(term))}
        edits |= {term[:i] + term[i + 1] + term[i] + term[i + 2:] for i in range(len(term) - 1)}
        edits |= {term[:i] + ch + term[i:] for i in range(len(term) + 1) for ch in letters}
        known = [(self.bm25.idf(t), t) for t in map(stem, edits) if len(t) >= 4 and t in postings]
        return min(known)[1] if known else ""  # the lowest idf: the most widely used

    def expand_acronyms(self, question: str) -> str:
        """The question plus the long forms of its acronyms, so that BM25 finds "new energy vehicles"
        for "NEV". Only the lexical query is expanded; the question is embedded as asked."""
        for acronym in dict.fromkeys(ACRONYM.findall(question)):
            if acronym not in self._long_forms:
                self._long_forms[acronym] = long_form(acronym, [c.text for c in self.index.chunks])
        expansions = [self._long_forms[a] for a in dict.fromkeys(ACRONYM.findall(question))]
        return " ".join([question] + [e for e in expansions if e])

    def _passage(self, row: int, score: float, cosine: dict, lexical: np.ndarray, query: np.ndarray) -> Passage:
        chunk = self.index.chunks[row]
        dense = cosine.get(row)
        if dense is None:
            dense = float(self.index.vectors[row] @ query)
        similarity = (self.index.sentences_of(row) @ query).tolist()
        return Passage(chunk, score, float(dense), float(lexical[row]), similarity)


_LINKS = ("of", "and", "for", "the")  # may stand between the words of a long form


def long_form(acronym: str, texts: list[str]) -> str:
    """The words the corpus spells an acronym out with: a run of content words whose initials are its
    letters ("Ministry of Industry and Information Technology" for MIIT). Seen at least twice, so a
    chance run ("group drives the power" for GDP) does not count; "" when there is none."""
    gap = r"[\w'’]*[\s-]+(?:(?:" + "|".join(_LINKS) + r")\s+)?"
    pattern = re.compile(r"\b" + gap.join(acronym) + r"[\w'’]*", re.I)
    seen: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for text in texts:
        for match in pattern.finditer(text):
            words = [w for w in re.split(r"[\s-]+", match.group(0).lower()) if w not in _LINKS]
            if not any(w in STOPWORDS for w in words):
                key = " ".join(terms(match.group(0)))
                seen[key] += 1
                spelled.setdefault(key, match.group(0))
    best = seen.most_common(1)
    return spelled[best[0][0]] if best and best[0][1] >= 2 else ""
