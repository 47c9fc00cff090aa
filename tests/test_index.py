import json
import shutil

import numpy as np
import pytest

from rag import Assistant
from rag.assistant import build_index
from rag.index import Index, IndexCorrupt, IndexMissing, current_version

from conftest import config_for


def test_round_trip(corpus_index, assistant):
    loaded = Index.load(corpus_index)
    assert len(loaded) == len(assistant.index) > 50
    assert loaded.manifest["model"]["dim"] == 384
    assert set(loaded.manifest["files"]) == {"000_3ea45257ef1be01c.txt", "001_e0bc9c2f253517cb.txt",
                                             "002_9c62613833f77146.txt", "003_ccae8ba7149d88bf.txt",
                                             "004_980d9e528abab5f1.txt"}
    norms = np.linalg.norm(loaded.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    row, score = loaded.search(loaded.vectors[7], 1)[0]
    assert row == 7 and score == pytest.approx(1.0, abs=1e-4)


def test_incremental_update_re_embeds_only_what_changed(tmp_path, small_corpus, embedder):
    config = config_for(small_corpus, tmp_path / "idx")
    first = build_index(config, embedder)
    assert sorted(first.added) == ["001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt"]
    before = Index.load(config.index_dir)
    kept = [c.chunk_id for c in before.chunks if c.doc_id.startswith("004")]

    assert not build_index(config, embedder).changed  # nothing to do

    (small_corpus / "001_e0bc9c2f253517cb.txt").write_text("Xi'an plans 99 robot factories by 2031. " * 3)
    (small_corpus / "new.md").write_text("# Extra\n\nDeyang builds 7 turbine plants.\n")
    report = build_index(config, embedder)
    assert report.updated == ["001_e0bc9c2f253517cb.txt"] and report.added == ["new.md"]
    assert report.unchanged == ["004_980d9e528abab5f1.txt"]
    after = Index.load(config.index_dir)
    assert [c.chunk_id for c in after.chunks if c.doc_id.startswith("004")] == kept
    old_rows = [before.row(i) for i in kept]
    new_rows = [after.row(i) for i in kept]
    assert np.array_equal(before.vectors[old_rows], after.vectors[new_rows])

    (small_corpus / "new.md").unlink()
    report = build_index(config, embedder)
    assert report.removed == ["new.md"]
    assert not any(c.doc_id == "new.md" for c in Index.load(config.index_dir).chunks)


def test_changed_corpus_is_noticed_by_open(tmp_path, small_corpus):
    index_dir = tmp_path / "idx"
    assistant = Assistant.open(index_dir=index_dir, corpus=small_corpus)
    assert not assistant.ask("How many turbine plants does Deyang build?").answer.count("7 turbine")
    (small_corpus / "extra.txt").write_text("Deyang builds 7 turbine plants near the river.\n")
    messages = []
    assistant = Assistant.open(index_dir=index_dir, corpus=small_corpus, log=messages.append)
    assert any("changed" in m for m in messages)
    assert "7 turbine plants" in assistant.ask("How many turbine plants does Deyang build?").answer


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexMissing, match="rag index"):
        Index.load(tmp_path / "nothing-here")


def test_tampered_and_truncated_files_are_detected(tmp_path, corpus_index):
    copy = tmp_path / "idx"
    shutil.copytree(corpus_index, copy)
    version = current_version(copy)
    data = (version / "chunks.jsonl").read_bytes()
    (version / "chunks.jsonl").write_bytes(data.replace(b"310 billion", b"999 billion", 1))
    with pytest.raises(IndexCorrupt, match="checksum.*rag index --rebuild"):
        Index.load(copy)
    (version / "chunks.jsonl").write_bytes(data)
    Index.load(copy)
    with open(version / "vectors.npy", "r+b") as f:
        f.truncate(1000)
    with pytest.raises(IndexCorrupt, match="truncated"):
        Index.load(copy)


def test_garbage_pointer_is_corrupt_not_a_crash(tmp_path, corpus_index):
    copy = tmp_path / "idx"
    shutil.copytree(corpus_index, copy)
    (copy / "CURRENT").write_text("v-does-not-exist")
    with pytest.raises(IndexCorrupt):
        Index.load(copy)
    version = next(p for p in copy.iterdir() if p.name.startswith("v"))
    (copy / "CURRENT").write_text(version.name)
    (version / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt):
        Index.load(copy)


def test_a_failed_build_leaves_the_previous_index(tmp_path, small_corpus, embedder, monkeypatch):
    config = config_for(small_corpus, tmp_path / "idx")
    build_index(config, embedder)
    before = json.loads((current_version(config.index_dir) / "manifest.json").read_text())
    (small_corpus / "more.txt").write_text("Suining adds 3 battery lines.\n")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("rag.index.np.save", boom)
    with pytest.raises(RuntimeError):
        build_index(config, embedder)
    monkeypatch.undo()
    after = Index.load(config.index_dir)
    assert after.manifest["files"] == before["files"]
    assert not [p for p in config.index_dir.iterdir() if p.name.startswith(".tmp-")]


def test_unreadable_files_are_skipped_and_reported(tmp_path, small_corpus, embedder):
    (small_corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (small_corpus / "empty.txt").write_text("")
    report = build_index(config_for(small_corpus, tmp_path / "idx"), embedder)
    assert set(report.skipped) == {"image.txt", "empty.txt"}
    assert "binary" in report.skipped["image.txt"]
    assert len(report.added) == 2
