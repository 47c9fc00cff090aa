import json
import shutil

import numpy as np
import pytest

from rag import Assistant
from rag.assistant import build_index
from rag.stores import IndexCorrupt, IndexMissing
from rag.stores.local import LocalStore, _current as current_version

from conftest import config_for


def test_round_trip(corpus_index, assistant):
    loaded = LocalStore(corpus_index)
    assert len(loaded) == len(assistant.store) > 50
    assert loaded.manifest["model"]["dim"] == 384
    assert set(loaded.manifest["files"]) == {"000_3ea45257ef1be01c.txt", "001_e0bc9c2f253517cb.txt",
                                             "002_9c62613833f77146.txt", "003_ccae8ba7149d88bf.txt",
                                             "004_980d9e528abab5f1.txt"}
    chunks = loaded.chunks_of("002_9c62613833f77146.txt")
    assert np.allclose(np.linalg.norm([s.vector for s in chunks], axis=1), 1.0, atol=1e-4)
    chunk_id, score = loaded.dense_search(chunks[7].vector, 1)[0]
    assert chunk_id == chunks[7].chunk.chunk_id and score == pytest.approx(1.0, abs=1e-4)


def test_incremental_update_re_embeds_only_what_changed(tmp_path, small_corpus, embedder):
    config = config_for(small_corpus, tmp_path / "idx")
    first = build_index(config, embedder)
    assert sorted(first.added) == ["001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt"]
    before = {s.chunk.chunk_id: s for s in LocalStore(config.index_dir).chunks_of("004_980d9e528abab5f1.txt")}

    assert not build_index(config, embedder).changed  # nothing to do

    (small_corpus / "001_e0bc9c2f253517cb.txt").write_text("Xi'an plans 99 robot factories by 2031. " * 3)
    (small_corpus / "new.md").write_text("# Extra\n\nDeyang builds 7 turbine plants.\n")
    report = build_index(config, embedder)
    assert report.updated == ["001_e0bc9c2f253517cb.txt"] and report.added == ["new.md"]
    assert report.unchanged == ["004_980d9e528abab5f1.txt"]
    after = LocalStore(config.index_dir).fetch(list(before))
    assert [s.chunk for s in after] == [s.chunk for s in before.values()]
    assert np.array_equal([s.vector for s in after], [s.vector for s in before.values()])

    (small_corpus / "new.md").unlink()
    report = build_index(config, embedder)
    assert report.removed == ["new.md"]
    assert LocalStore(config.index_dir).chunks_of("new.md") == []


@pytest.mark.slow  # opens with the real model
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
        LocalStore(tmp_path / "nothing-here")


def test_tampered_and_truncated_files_are_detected(tmp_path, corpus_index):
    copy = tmp_path / "idx"
    shutil.copytree(corpus_index, copy)
    version = current_version(copy)
    data = (version / "texts.bin").read_bytes()
    (version / "texts.bin").write_bytes(data.replace(b"310 billion", b"999 billion", 1))
    with pytest.raises(IndexCorrupt, match="checksum.*rag index --rebuild"):
        LocalStore(copy)
    (version / "texts.bin").write_bytes(data)
    LocalStore(copy)
    with open(version / "vectors.npy", "r+b") as f:
        f.truncate(1000)
    with pytest.raises(IndexCorrupt, match="truncated"):
        LocalStore(copy)


def test_garbage_pointer_is_corrupt_not_a_crash(tmp_path, corpus_index):
    copy = tmp_path / "idx"
    shutil.copytree(corpus_index, copy)
    (copy / "CURRENT").write_text("v-does-not-exist")
    with pytest.raises(IndexCorrupt):
        LocalStore(copy)
    version = next(p for p in copy.iterdir() if p.name.startswith("v"))
    (copy / "CURRENT").write_text(version.name)
    (version / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorrupt):
        LocalStore(copy)


def test_a_failed_build_leaves_the_previous_index(tmp_path, small_corpus, embedder, monkeypatch):
    config = config_for(small_corpus, tmp_path / "idx")
    build_index(config, embedder)
    before = json.loads((current_version(config.index_dir) / "manifest.json").read_text())
    (small_corpus / "more.txt").write_text("Suining adds 3 battery lines.\n")

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("rag.stores.local.np.save", boom)
    with pytest.raises(RuntimeError):
        build_index(config, embedder)
    monkeypatch.undo()
    after = LocalStore(config.index_dir)
    assert after.manifest["files"] == before["files"]
    assert not [p for p in config.index_dir.iterdir() if p.name.startswith(".tmp-")]


def test_unreadable_files_are_skipped_and_reported(tmp_path, small_corpus, embedder):
    (small_corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (small_corpus / "empty.txt").write_text("")
    report = build_index(config_for(small_corpus, tmp_path / "idx"), embedder)
    assert set(report.skipped) == {"image.txt", "empty.txt"}
    assert "binary" in report.skipped["image.txt"]
    assert len(report.added) == 2
