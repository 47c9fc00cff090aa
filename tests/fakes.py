"""A fake encoder for the quick tests: deterministic bag-of-words vectors, no model to load."""
from __future__ import annotations

import hashlib

import numpy as np

from rag.embed import resolve_model
from rag.text import terms


class HashEncoder:
    """Each term (rag.text.terms) adds ±1 at a coordinate picked by its hash; vectors are L2-normalised, so
    texts sharing terms are near and the same text always gets the same vector. Chunk sizes are still
    counted with the real model's tokenizer (a file, no PyTorch)."""

    name = "hash-encoder"
    dim = 64

    def __init__(self) -> None:
        self.path = resolve_model(None)

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text) or [text]:
                digest = hashlib.blake2b(term.encode(), digest_size=4).digest()
                out[row, digest[0] % self.dim] += 1.0 if digest[1] & 1 else -1.0
        out[:, 0] += 1e-3  # no all-zero vector
        return out / np.linalg.norm(out, axis=1, keepdims=True)
