"""Okapi BM25 over numpy arrays that a store can save and memory-map back."""
from __future__ import annotations

import math
from array import array
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

from ..text import terms
from .columns import Strings, load_array, write_lookup, write_strings

K1, B = 1.2, 0.75


class BM25:
    """Okapi BM25 (k1=1.2, b=0.75) over a fixed list of documents.

    Postings are term-major (CSR style): a row (int32) and the posting's BM25 weight without the idf
    (float32), computed once at build time, so a query only gathers and adds; a million chunks take a few
    hundred MB, memory-mapped. `vocabulary.get(term)` gives a term's id (a dict when just built, a
    memory-mapped hash table when loaded)."""

    DENSE_MIN_DOCS = 65536  # below this many documents, every term's postings are scattered

    def __init__(self, vocabulary, lengths: np.ndarray, rows: np.ndarray, impact: np.ndarray, starts: np.ndarray,
                 df: np.ndarray, dense_ids: np.ndarray, dense: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.n = len(lengths)
        self.lengths = lengths
        self._rows, self._impact, self._starts, self._df = rows, impact, starts, df
        self._dense_ids, self._dense_rows = dense_ids, dense
        self._dense_slot = {int(t): i for i, t in enumerate(dense_ids)}

    @classmethod
    def build(cls, documents: Iterable[str]) -> "BM25":
        builder = Builder()
        for text in documents:
            builder.add(text)
        return builder.finish()

    @classmethod
    def _from_postings(cls, builder: "Builder") -> "BM25":
        # Taken from the builder, so that each array is freed as soon as it is used up.
        vocabulary, term_ids, tfs, lengths, row_ends = (builder.vocabulary, builder.term_ids, builder.tfs,
                                                        builder.lengths, builder.row_ends)
        builder.term_ids = builder.tfs = builder.lengths = builder.row_ends = None
        n = len(lengths)
        lengths_array = np.array(lengths, dtype=np.float32)
        avg_length = float(lengths_array.mean()) if n else 0.0
        # Views on the arrays just filled (no copies: at 1M chunks each holds ~70M postings).
        ids = np.frombuffer(term_ids, dtype=np.int32) if len(term_ids) else np.zeros(0, dtype=np.int32)
        weights = np.frombuffer(tfs, dtype=np.float32) if len(tfs) else np.zeros(0, dtype=np.float32)
        rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(np.array(row_ends, dtype=np.int64), prepend=0))
        del row_ends
        norm = (K1 * (1 - B + B * lengths_array / (avg_length or 1.0))).astype(np.float32)
        denominator = weights + norm[rows]
        weights *= np.float32(K1 + 1)
        weights /= denominator  # tf * (k1 + 1) / (tf + norm): the posting's weight, before idf
        del denominator
        order = np.argsort(ids, kind="stable")
        rows = rows[order]
        impact = weights[order]
        del weights, order
        df = np.bincount(ids, minlength=len(vocabulary)).astype(np.int64)
        starts = _offsets(df)
        del ids, term_ids, tfs
        # In a large index, a term in an eighth or more of the documents is kept as one dense row of
        # weights instead of postings: adding 1M floats takes ~0.2 ms, scattering 125k postings ~0.7 ms;
        # 4 bytes a document is at most 4x the 8 bytes a posting such a term had.
        dense_ids = np.zeros(0, dtype=np.int64)
        dense = np.zeros((0, n), dtype=np.float32)
        if n >= cls.DENSE_MIN_DOCS:
            dense_ids = np.flatnonzero(df >= n // 8)
            if len(dense_ids):
                keep = np.ones(len(rows), dtype=bool)
                dense = np.zeros((len(dense_ids), n), dtype=np.float32)
                for slot, tid in enumerate(dense_ids):
                    start, end = starts[tid], starts[tid + 1]
                    dense[slot, rows[start:end]] = impact[start:end]
                    keep[start:end] = False
                counts = df.copy()
                counts[dense_ids] = 0
                rows, impact = rows[keep], impact[keep]
                del keep
                starts = _offsets(counts)
        return cls(vocabulary, lengths_array, rows, impact, starts, df, dense_ids, dense)

    def save(self, folder: Path) -> list[str]:
        """Write the arrays and the vocabulary into folder; returns the file names."""
        vocabulary = list(self.vocabulary)  # a dict just built: its keys in term-id order
        names = write_strings(folder, "bm25_terms", vocabulary) + write_lookup(folder, "bm25_terms", vocabulary)
        arrays = {"lengths": self.lengths, "rows": self._rows, "impact": self._impact, "starts": self._starts,
                  "df": self._df, "dense_ids": self._dense_ids, "dense": self._dense_rows}
        for name, values in arrays.items():
            np.save(folder / f"bm25_{name}.npy", values)
            names.append(f"bm25_{name}.npy")
        return names

    @classmethod
    def load(cls, folder: Path) -> "BM25":
        arrays = {name: load_array(folder / f"bm25_{name}.npy")
                  for name in ("lengths", "rows", "impact", "starts", "df", "dense_ids", "dense")}
        return cls(Strings(folder, "bm25_terms", lookup=True), **arrays)

    def df(self, term: str) -> int:
        tid = self.vocabulary.get(term)
        return 0 if tid is None else int(self._df[tid])

    def idf(self, term: str) -> float:
        return idf(self.df(term), self.n)

    def scores(self, query: str) -> np.ndarray:
        scores = np.zeros(self.n, dtype=np.float32)
        for term in set(terms(query)):
            tid = self.vocabulary.get(term)
            if tid is None:
                continue
            slot = self._dense_slot.get(tid)
            if slot is not None:
                scores += np.float32(self.idf(term)) * self._dense_rows[slot]
                continue
            start, end = self._starts[tid], self._starts[tid + 1]
            scores[self._rows[start:end]] += np.float32(self.idf(term)) * self._impact[start:end]
        return scores

    def top(self, query: str, n: int) -> list[tuple[int, float]]:
        """(row, score) of the n best-scoring documents with a score above 0, best first."""
        scores = self.scores(query)
        top = np.argpartition(-scores, n)[:n] if len(scores) > n else np.arange(len(scores))
        return [(int(r), float(scores[r])) for r in top[np.argsort(-scores[top], kind="stable")] if scores[r] > 0]


class Builder:
    """BM25 over documents given one at a time (a store's writer feeds it while it writes the chunks, so
    the texts are never held all at once): `add` each, then `finish`. Same index as `BM25.build`."""

    def __init__(self) -> None:
        self.vocabulary: dict[str, int] = {}
        self.term_ids, self.tfs, self.lengths, self.row_ends = array("i"), array("f"), array("f"), array("q")

    def add(self, text: str) -> None:
        counts = Counter(terms(text))
        self.lengths.append(sum(counts.values()))
        vocabulary, term_ids, tfs = self.vocabulary, self.term_ids, self.tfs
        for term, tf in counts.items():
            term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
            tfs.append(tf)
        self.row_ends.append(len(term_ids))

    def finish(self) -> BM25:
        return BM25._from_postings(self)


def idf(df: int, n: int) -> float:
    """BM25's idf of a term that df of n documents use."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def _offsets(counts: np.ndarray) -> np.ndarray:
    """Where each term's postings start (and, one past the last, end) in the term-major arrays."""
    starts = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    return starts
