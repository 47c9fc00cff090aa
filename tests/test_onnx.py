"""The ONNX query encoder matches sentence-transformers, and a cold `rag ask` never imports PyTorch."""
import os
import subprocess
import sys

import numpy as np
import pytest

import rag.stores.dense
from rag import Assistant
from rag.assistant import build_index
from rag.embed import Embedder, OnnxEmbedder, export_onnx, load_embedder
from rag.stores.dense import ann_search, build_ann, exact_search
from rag.stores.local import LocalStore

from conftest import CORPUS, ROOT, config_for

HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn")


@pytest.fixture(scope="session")
def onnx_embedder(embedder) -> OnnxEmbedder:
    export_onnx(embedder)
    return OnnxEmbedder()


def test_onnx_vectors_match_sentence_transformers(corpus_index, embedder, onnx_embedder):
    store = LocalStore(corpus_index)
    chunks = [s.chunk for doc in sorted(store.manifest["files"]) for s in store.chunks_of(doc)]
    sentences = [c.text[a:b] for c in chunks for a, b in c.sentences]
    sentences = sentences[:: max(1, len(sentences) // 200)][:200]
    assert len(sentences) == 200
    expected = embedder.encode(sentences)
    got = onnx_embedder.encode(sentences)
    assert got.dtype == np.float32 and got.shape == expected.shape == (200, onnx_embedder.dim)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cosine = (got * expected).sum(axis=1)
    assert cosine.min() >= 0.999
    # Batching and padding do not change a text's vector.
    alone = onnx_embedder.encode([sentences[3]])[0]
    assert float(alone @ got[3]) >= 0.9999
    # A text longer than the model's window is truncated the same way.
    long = [" ".join(sentences)]
    assert float(onnx_embedder.encode(long)[0] @ embedder.encode(long)[0]) >= 0.999


def test_onnx_interface(onnx_embedder, embedder):
    assert onnx_embedder.path == embedder.path and onnx_embedder.name == embedder.name
    assert onnx_embedder.dim == embedder.dim == 384
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_load_embedder_prefers_onnx_and_honours_torch_override(onnx_embedder, monkeypatch):
    assert isinstance(load_embedder(None), OnnxEmbedder)
    monkeypatch.setenv("RAG_BACKEND", "torch")
    assert isinstance(load_embedder(None), Embedder)


def test_cold_ask_does_not_import_torch(corpus_index, onnx_embedder):
    env = {**os.environ, "RAG_INDEX": str(corpus_index), "RAG_CORPUS": str(CORPUS)}
    env.pop("RAG_BACKEND", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rag.cli", "ask", "What is Xi'an's 2030 NEV output target?"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "310" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "onnxruntime" in imported
    assert not imported & set(HEAVY), imported & set(HEAVY)
    assert "faiss" not in imported  # a small index is searched exactly, without FAISS


def test_index_built_with_onnx_answers_the_same(tmp_path, small_corpus, onnx_embedder):
    config = config_for(small_corpus, tmp_path / "idx")
    build_index(config, onnx_embedder)
    assistant = Assistant.open(config=config)
    assert isinstance(assistant.embedder, OnnxEmbedder)
    assert "310" in assistant.ask("What is Xi'an's 2030 NEV output target?").answer


def _clustered(count: int, dim: int = 64, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((50, dim)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, count)] + 0.6 * rng.standard_normal((count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_exact_search_is_brute_force():
    vectors = _clustered(500)
    query = vectors[17]
    got = exact_search(vectors, query, 10)
    expected = np.argsort(-(vectors @ query), kind="stable")[:10]
    assert [r for r, _ in got] == expected.tolist()
    assert got[0] == (17, pytest.approx(1.0, abs=1e-5))
    assert len(exact_search(vectors[:3], query, 10)) == 3


@pytest.mark.slow  # builds and searches a 20,000-vector FAISS index
def test_ann_recall_against_exact():
    vectors = _clustered(20_000)
    # Questions land near their answers: a chunk's vector moved by as much noise again as it has signal.
    rng = np.random.default_rng(1)
    queries = vectors[rng.integers(0, len(vectors), 100)] + rng.standard_normal((100, 64)).astype(np.float32) / 8
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    ann, params = build_ann(vectors)
    assert params["calibration_recall_at_10"] >= 0.95
    ann.nprobe = params["nprobe"]
    recall = []
    for q in queries:
        truth = {r for r, _ in exact_search(vectors, q, 10)}
        recall.append(len(truth & {r for r, _ in ann_search(ann, vectors, q, 10)}) / 10)
    assert np.mean(recall) >= 0.95


def test_large_index_writes_and_uses_ann(tmp_path, small_corpus, onnx_embedder, monkeypatch):
    monkeypatch.setattr(rag.stores.dense, "EXACT_LIMIT", 5)
    config = config_for(small_corpus, tmp_path / "idx")
    build_index(config, onnx_embedder)
    store = LocalStore(config.index_dir)
    assert store.manifest["ann"]["type"] == "IVF-SQ8"
    assert (store.path / "ann.faiss").is_file()
    target = store.chunks_of(sorted(store.manifest["files"])[0])[1]
    chunk_id, score = store.dense_search(target.vector, 3)[0]
    assert chunk_id == target.chunk.chunk_id and score == pytest.approx(1.0, abs=1e-4)
