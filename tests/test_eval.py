"""`rag eval` scores the real pipeline and fails when it gets worse."""
import json

import pytest

from rag import cli
from rag.eval import GoldItem, check_thresholds, load_gold

from conftest import CORPUS, ROOT

GOLD = ROOT / "eval" / "gold.jsonl"


def test_gold_set_follows_the_rules():
    items = load_gold(GOLD)
    assert len(items) >= 80 and len({i.id for i in items}) == len(items)
    unanswerable = [i for i in items if not i.answerable]
    assert len(unanswerable) >= 15 and all(not i.source for i in unanswerable)
    assert {i.kind for i in items} >= {"number", "date", "entity", "list", "two-part", "comparison", "unanswerable"}
    splits = [i.split for i in items]
    assert abs(splits.count("dev") - splits.count("test")) <= len(items) * 0.1
    texts = {p.name: " ".join(p.read_text().split()) for p in CORPUS.iterdir()}
    assert {s for i in items for s in i.source} == set(texts)


def test_matching_needs_every_group():
    item = GoldItem("x", "q", "two-part", [["20th"], ["12th"]], ["a"], "dev")
    assert item.matches("from 20th in 2018 to 12th in 2022")
    assert not item.matches("12th in 2022")


def test_thresholds_flag_a_drop_and_a_rise_in_false_abstention():
    report = {"splits": {"dev": {"ours": {"answer_accuracy": 0.5, "false_abstention": 0.2}}}}
    broken = check_thresholds(report, {"dev": {"answer_accuracy": 0.8, "false_abstention": 0.1}})
    assert len(broken) == 2


@pytest.fixture
def small_gold(tmp_path):
    items = [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]
    subset = [i for i in items if i["split"] == "dev"][:30]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(i) for i in subset) + "\n")
    return path


def run_eval(tmp_path, corpus_index, gold, *extra):
    return cli.main(["eval", "--index", str(corpus_index), "--corpus", str(CORPUS), "--gold", str(gold),
                     "--split", "dev", "--report-dir", str(tmp_path / "report"), *extra])


def test_eval_writes_reports(tmp_path, corpus_index, small_gold):
    thresholds = tmp_path / "none.json"
    thresholds.write_text("{}")
    assert run_eval(tmp_path, corpus_index, small_gold, "--thresholds", str(thresholds), "--baseline") == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    dev = report["splits"]["dev"]
    assert dev["ours"]["questions"] == 30 and "baseline" in dev
    assert dev["ours"]["answer_accuracy"] > dev["baseline"]["answer_accuracy"]
    assert "| answer_accuracy |" in (tmp_path / "report" / "report.md").read_text()


def test_a_broken_generator_fails_eval(tmp_path, corpus_index, small_gold, monkeypatch):
    from rag.answer import Answer

    def first_sentence(self, question, passages):
        return Answer(question, passages[0].chunk.text[:80] + " [1]", False, [])

    monkeypatch.setattr("rag.answer.ExtractiveGenerator.generate", first_sentence)
    assert run_eval(tmp_path, corpus_index, small_gold) == 1


def test_a_broken_retriever_fails_eval(tmp_path, corpus_index, small_gold, monkeypatch):
    from rag.retrieve import Retriever

    real = Retriever.search
    monkeypatch.setattr(Retriever, "search", lambda self, v, q, k: real(self, v, q, 50)[-k:])
    assert run_eval(tmp_path, corpus_index, small_gold) == 1
