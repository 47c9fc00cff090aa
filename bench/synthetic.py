"""A deterministic synthetic corpus at any size, from a seed, for the scale benchmark.

Texts: each chunk is 3-6 sentences drawn from the bundled corpus, with its digits remapped by one of 97
seeded permutations and its city names swapped, so chunks read like the real ones and differ from each
other (BM25 sees a realistic vocabulary and realistic term statistics).

Vectors: every pool sentence is embedded once with the real model. A chunk's vector is the normalised
mean of its sentences' vectors plus Gaussian noise (sigma per dimension, seeded). A sample of chunks is
also embedded with the real model; those rows use the real vectors, and the mean cosine between the
real and the synthetic vector on the sample is reported, so the stand-in's fidelity is on record.
"""
from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CITIES = ["Xi'an", "Chengdu", "Hangzhou", "Wuhan", "Deyang", "Mianyang", "Hefei", "Suzhou", "Changsha", "Zhengzhou",
          "Qingdao", "Ningbo", "Xiamen", "Kunming", "Nanning", "Guiyang", "Lanzhou", "Taiyuan", "Shenyang", "Harbin",
          "Dalian", "Jinan", "Fuzhou", "Nanchang", "Urumqi", "Hohhot", "Yibin", "Luzhou", "Zigong", "Leshan"]
_CITY = re.compile("|".join(re.escape(c) for c in CITIES).replace("Xi'an", "Xi['’]an"))


def sentence_pool(corpus: Path = ROOT / "corpus") -> list[str]:
    from rag.ingest import find_files, load_document
    from rag.text import sentence_spans

    pool = []
    for path in find_files(corpus):
        doc = load_document(path, path.name)
        for para in doc.paragraphs:
            if para.is_heading:
                continue
            for a, b in sentence_spans(doc.text, para.start, para.end):
                sentence = " ".join(doc.text[a:b].split())
                if 40 <= len(sentence) <= 600:
                    pool.append(sentence)
    return sorted(set(pool))


class SyntheticCorpus:
    def __init__(self, size: int, seed: int = 0, pool: list[str] | None = None) -> None:
        self.size, self.seed = size, seed
        self.pool = pool or sentence_pool()
        rng = np.random.default_rng(seed)
        counts = rng.integers(3, 7, size=size)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        self.sentence_ids = rng.integers(0, len(self.pool), size=int(self.offsets[-1])).astype(np.int32)
        digits = random.Random(seed)
        self._tables = []
        for _ in range(97):
            mapping = list("0123456789")
            digits.shuffle(mapping)
            self._tables.append(str.maketrans("0123456789", "".join(mapping)))

    def sentences(self, i: int) -> np.ndarray:
        return self.sentence_ids[self.offsets[i]:self.offsets[i + 1]]

    def text(self, i: int) -> str:
        return " ".join(self.sentence_texts(i))

    def sentence_texts(self, i: int) -> list[str]:
        city = CITIES[(i * 7 + self.seed) % len(CITIES)]
        return [_CITY.sub(city, self.pool[s].translate(self._tables[i % 97])) for s in self.sentences(i)]

    def documents(self, vectors: np.ndarray, pool_vectors: np.ndarray, per_doc: int = 100):
        """(doc_id, record, [StoredChunk]) for a store's Writer: per_doc chunks a document, the chunk vectors
        given (vectors, may be a memmap), each sentence's vector its pool sentence's."""
        from rag.chunk import Chunk
        from rag.stores import StoredChunk

        for first in range(0, self.size, per_doc):
            doc_id = f"doc{first // per_doc:06d}.txt"
            stored, offset = [], 0
            block = np.asarray(vectors[first:first + per_doc])
            for i in range(first, min(first + per_doc, self.size)):
                sentences = self.sentence_texts(i)
                spans, start = [], 0
                for s in sentences:
                    spans.append((start, start + len(s)))
                    start += len(s) + 1
                text = " ".join(sentences)
                chunk = Chunk(f"{doc_id}:{i - first}", doc_id, f"Synthetic {doc_id}", "", text, offset,
                              offset + len(text), spans, tokens=len(text) // 4, llm_tokens=len(text) // 4)
                offset += len(text) + 1
                stored.append(StoredChunk(chunk, block[i - first], pool_vectors[self.sentences(i)]))
            yield doc_id, {"sha256": f"synthetic-{self.seed}-{first}", "signature": [0, 0]}, stored

    def texts(self, start: int = 0, stop: int | None = None):
        for i in range(start, self.size if stop is None else stop):
            yield self.text(i)

    def vectors(self, pool_vectors: np.ndarray, out: np.ndarray, sigma: float = 0.02, block: int = 65536) -> None:
        """Fill out (size x dim, may be a memmap) with the synthetic vectors, block by block."""
        dim = pool_vectors.shape[1]
        for start in range(0, self.size, block):
            stop = min(self.size, start + block)
            lo, hi = self.offsets[start], self.offsets[stop]
            gathered = pool_vectors[self.sentence_ids[lo:hi]]
            sums = np.add.reduceat(gathered, self.offsets[start:stop] - lo, axis=0)
            rng = np.random.default_rng([self.seed, start])
            sums += sigma * np.sqrt(dim) * rng.standard_normal(sums.shape).astype(np.float32) \
                * np.linalg.norm(sums, axis=1, keepdims=True) / np.sqrt(dim)
            sums /= np.linalg.norm(sums, axis=1, keepdims=True)
            out[start:stop] = sums


if __name__ == "__main__":
    corpus = SyntheticCorpus(int(sys.argv[1]) if len(sys.argv) > 1 else 3, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    for text in corpus.texts(0, min(corpus.size, 3)):
        print(text, end="\n\n")
