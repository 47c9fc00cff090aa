"""The Store contract, run over every store: local files, in memory, and a real PostgreSQL with pgvector.

Quick: the chunks come from the bundled corpus through the real build pipeline, embedded by a hashing
encoder (tests/fakes.py) instead of the model."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from rag.assistant import index_settings
from rag.build import build
from rag.config import Config
from rag.retrieve import Retriever
from rag.stores import IndexMissing, StoredChunk, namespaced, open_store
from rag.text import terms

from conftest import CORPUS, ROOT
from fakes import HashEncoder

# Starting PostgreSQL costs seconds: its runs are in the full suite (CI), not the quick loop.
POSTGRES = pytest.param("postgres", marks=pytest.mark.slow)
STORES = ["local", "memory", POSTGRES]
SHARED = ["local", POSTGRES]  # stores that several processes open


@pytest.fixture
def location(request, tmp_path):
    """A function that opens the store of the test's kind (the same one each call, for shared stores)."""
    kind = request.param
    if kind == "postgres":
        name = request.getfixturevalue("postgres_url")
    else:
        name = kind
    memory = {}

    def open_(create: bool = True):
        if kind == "memory":  # one process, one object
            return memory.setdefault("store", open_store(name, tmp_path / "idx", create=True))
        return open_store(name, tmp_path / "idx", create=create)

    open_.kind = kind
    return open_


def fill(store, corpus=CORPUS) -> None:
    build([corpus], store, HashEncoder(), index_settings(Config()))


def docs(corpus=CORPUS) -> list[str]:
    return sorted(p.name for p in corpus.iterdir())


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_empty_store(location):
    store = location()
    assert len(store) == 0 and store.dense_search(np.ones(64, np.float32) / 8, 5) == []
    assert store.keyword_search("Xi'an", 5) == [] and store.fetch(["nothing:0"]) == [None]
    assert store.document_frequency(["xi"]) == {"xi": 0} and list(store.texts_matching(re.compile("a"))) == []


@pytest.mark.parametrize("location", SHARED, indirect=True)
def test_opening_a_store_with_no_index_says_so(location):
    with pytest.raises(IndexMissing, match="rag index"):
        location(create=False)


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_round_trip(location):
    store = location()
    fill(store)
    assert sorted(store.manifest["files"]) == docs() and len(store) == sum(f["chunks"] for f in store.manifest["files"].values())
    assert store.manifest["model"] == {"name": "hash-encoder", "path": str(HashEncoder().path), "dim": 64}
    doc = docs()[1]
    stored = store.chunks_of(doc)
    assert [s.chunk.chunk_id for s in stored] == [f"{doc}:{i}" for i in range(len(stored))]
    again = store.fetch([stored[2].chunk.chunk_id, "missing:9", stored[0].chunk.chunk_id])
    assert again[1] is None
    for got, want in ((again[0], stored[2]), (again[2], stored[0])):
        assert got.chunk == want.chunk
        assert np.array_equal(got.vector, want.vector) and np.array_equal(got.sentences, want.sentences)
        assert got.sentences.shape == (len(got.chunk.sentences), 64)
    expected = HashEncoder().encode([stored[2].chunk.embedding_text])[0]
    assert np.allclose(stored[2].vector, expected, atol=1e-6)


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_searches(location):
    store = location()
    fill(store)
    target = store.chunks_of(docs()[3])[1]
    best, cosine = store.dense_search(target.vector, 5)[0]
    assert best == target.chunk.chunk_id and cosine == pytest.approx(1.0, abs=1e-5)
    hits = store.keyword_search("Zhongke Weijing", 5)
    assert hits and "Zhongke Weijing" in store.fetch([hits[0][0]])[0].chunk.text
    assert all(a[1] >= b[1] > 0 for a, b in zip(hits, hits[1:]))
    zhongke, sichuan, unknown = terms("Zhongke Sichuan zzzunknown")
    df = store.document_frequency([zhongke, sichuan, unknown])
    assert df[unknown] == 0 and 0 < df[zhongke] < df[sichuan] < len(store)
    pattern = re.compile(r"\bnew[\w'’]*[\s-]+energy", re.I)
    found = list(store.texts_matching(pattern))
    assert found and all(pattern.search(t) for t in found)
    assert len(found) == sum(1 for d in docs() for s in store.chunks_of(d) if pattern.search(s.chunk.text))


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_update_and_delete_change_the_version(location, small_corpus):
    store = location()
    fill(store, small_corpus)
    first = store.version
    fill(store, small_corpus)
    assert store.version == first  # nothing changed, nothing written
    (small_corpus / "extra.txt").write_text("Deyang builds 7 turbine plants near the river.\n")
    fill(store, small_corpus)
    assert store.version != first and "extra.txt" in store.manifest["files"]
    assert store.keyword_search("turbine plants Deyang", 1)[0][0] == "extra.txt:0"
    second = store.version
    (small_corpus / "extra.txt").unlink()
    fill(store, small_corpus)
    assert store.version not in (first, second) and "extra.txt" not in store.manifest["files"]
    assert store.fetch(["extra.txt:0"]) == [None] and store.document_frequency(["turbine"]) == {"turbine": 0}
    assert all(i != "extra.txt:0" for i, _ in store.dense_search(HashEncoder().encode(["Deyang turbine plants"])[0], 50))


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_a_failed_write_leaves_the_document_as_it_was(location, small_corpus):
    store = location()
    fill(store, small_corpus)
    doc = sorted(store.manifest["files"])[0]
    good = store.chunks_of(doc)
    broken = good[:-1] + [StoredChunk(good[-1].chunk, np.zeros(3, np.float32), good[-1].sentences)]  # wrong dimension
    with pytest.raises(Exception):
        with store.writer() as writer:
            writer.add(doc, {"sha256": "x", "signature": [0, 0]}, broken)
    store.refresh()
    assert [s.chunk for s in store.chunks_of(doc)] == [s.chunk for s in good]
    assert store.manifest["files"][doc]["sha256"] != "x"


@pytest.mark.parametrize("location", SHARED, indirect=True)
def test_another_process_sees_a_re_index_at_refresh(location, small_corpus):
    writer_side, reader = location(), None
    fill(writer_side, small_corpus)
    reader = location(create=False)
    assert reader.version == writer_side.version and not reader.refresh()
    (small_corpus / "extra.txt").write_text("Deyang builds 7 turbine plants near the river.\n")
    fill(writer_side, small_corpus)
    assert reader.fetch(["extra.txt:0"]) == [None] or location.kind == "postgres"  # the local store reads one version
    assert reader.refresh() and reader.version == writer_side.version
    assert reader.fetch(["extra.txt:0"])[0].chunk.text.startswith("Deyang builds 7")
    assert "extra.txt" in reader.manifest["files"]


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_hybrid_retrieval_is_the_same_on_every_store(location, tmp_path):
    """The Retriever over this store ranks as over the in-memory store, passage for passage."""
    store = location()
    fill(store)
    reference = open_store("memory", tmp_path, create=True)
    fill(reference)
    encoder = HashEncoder()
    for question in ["What is Xi'an's 2030 NEV output target?", "Which cities did Sichuan pick?",
                     "How much did Suinnig's battery revenue grow?", "Zhongke Weijing chips"]:
        vector = encoder.encode([question])[0]
        got = Retriever(store).search(vector, question, 8)
        want = Retriever(reference).search(vector, question, 8)
        assert [p.chunk.chunk_id for p in got.passages] == [p.chunk.chunk_id for p in want.passages]
        assert [p.score for p in got.passages] == pytest.approx([p.score for p in want.passages])
        assert [p.lexical for p in got.passages] == pytest.approx([p.lexical for p in want.passages], rel=1e-5)
        assert got.corrections == want.corrections and got.unknown_terms == want.unknown_terms


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_keyword_ranking_is_the_same_on_every_store(location, tmp_path):
    """BM25 of every gold question, at depths where PostgreSQL stops reading frequent terms' postings early
    and looks some up by chunk (n 1 and 5) and where it reads them all: the in-memory store's scores, rank by
    rank, each for the same chunk (chunks with equal scores may come in another order)."""
    store = location()
    fill(store)
    reference = open_store("memory", tmp_path, create=True)
    fill(reference)
    gold = (ROOT / "eval" / "suites" / "bundled" / "gold.jsonl").read_text().splitlines()
    for question in [json.loads(line)["question"] for line in gold]:
        every = dict(reference.keyword_search(question, len(reference)))
        for n in (1, 5, 50):
            got, want = store.keyword_search(question, n), reference.keyword_search(question, n)
            assert [s for _, s in got] == pytest.approx([s for _, s in want], rel=1e-5), (question, n)
            assert [every[i] for i, _ in got] == pytest.approx([s for _, s in got], rel=1e-5), (question, n)


@pytest.mark.parametrize("location", STORES, indirect=True)
def test_build_index_fills_the_empty_store_it_is_given(location, tmp_path):
    from rag.assistant import build_index

    store = location()
    report = build_index(Config(corpus=CORPUS, index_dir=tmp_path / "idx"), HashEncoder(), store=store)
    assert report.chunks == len(store) > 50 and sorted(report.added) == docs()


@pytest.mark.slow  # starts PostgreSQL
def test_postgres_schemas_keep_two_indexes_apart_in_one_database(postgres_url, small_corpus, tmp_path):
    first = open_store(namespaced(postgres_url, "eval_one"), tmp_path, create=True)
    fill(first, small_corpus)
    second = open_store(namespaced(postgres_url, "eval_two"), tmp_path, create=True)
    assert len(first) > 0 and len(second) == 0 and second.fetch([f"{docs(small_corpus)[0]}:0"]) == [None]
    assert len(open_store(namespaced(postgres_url, "eval_one"), tmp_path)) == len(first)


@pytest.mark.slow  # starts PostgreSQL
def test_postgres_upgrades_an_index_written_before_term_statistics(postgres_url, small_corpus, tmp_path):
    store = open_store(postgres_url, tmp_path, create=True)
    fill(store, small_corpus)
    before = store.keyword_search("Deyang turbine plants near the river", 5), store.document_frequency(["deyang", "zzz"])
    store.conn.execute("DROP TABLE rag_terms; DROP INDEX rag_postings_term_chunk; "  # the tables as the first release made them
                       "CREATE INDEX rag_postings_term ON rag_postings (term) INCLUDE (chunk, tf, length); "
                       "ALTER TABLE rag_postings ADD FOREIGN KEY (chunk) REFERENCES rag_chunks ON DELETE CASCADE")
    again = open_store(postgres_url, tmp_path)
    assert (again.keyword_search("Deyang turbine plants near the river", 5), again.document_frequency(["deyang", "zzz"])) == before
    fill(again, small_corpus)  # and it stays writable
