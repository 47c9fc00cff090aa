"""`rag eval` scores the real pipeline on every gold suite and fails when any gets worse."""
import html
import json
import re
import shutil
from dataclasses import replace

import pytest

from rag import cli
from rag.config import Config
from rag.eval import GoldItem, SuiteError, check_thresholds, evaluate_suite, load_suite, suite_dirs
from rag.build import corpus_files
from rag.ingest import load_document

from conftest import ROOT

SUITES = suite_dirs()
BUNDLED = ROOT / "eval" / "suites" / "bundled"
TINY_DOCS = ("001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt")


def test_the_agreed_suites_are_there():
    assert {"bundled", "postgres", "expeyes"} <= {p.name for p in SUITES}


@pytest.mark.parametrize("directory", SUITES, ids=[p.name for p in SUITES])
def test_every_suite_follows_the_rules(directory):
    suite = load_suite(directory)
    items = suite.items
    assert len(items) >= 60 and len({i.id for i in items}) == len(items)
    unanswerable = [i for i in items if not i.answerable]
    assert len(unanswerable) >= 15 and all(not i.source and i.kind == "unanswerable" for i in unanswerable)
    assert len({i.kind for i in items if i.answerable}) >= 4
    splits = [i.split for i in items]
    assert set(splits) == {"dev", "test"} and abs(splits.count("dev") - splits.count("test")) <= len(items) * 0.1
    for kind in {i.kind for i in items}:  # every kind is in both splits
        assert {i.split for i in items if i.kind == kind} == {"dev", "test"} or sum(i.kind == kind for i in items) < 2
    files = corpus_files([suite.corpus])
    assert sum(p.stat().st_size for p in files.values()) <= 3 * 1024 * 1024
    texts = {doc_id: document_text(path, doc_id) for doc_id, path in files.items()}
    assert {s for i in items for s in i.source} <= set(texts)
    for item in items:
        for group in item.answers:
            for pattern in group:
                re.compile(pattern)
        for source in item.source:  # the answer is stated, in full, in every listed source
            assert item.matches(texts[source]), f"{item.id} does not match its source {source}"


def document_text(path, doc_id) -> str:
    """The words of a document as its reader sees them: gold answers are checked against the document itself,
    not against what rag's ingest makes of it (which may drop a line, such as a release date)."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    elif path.suffix in (".html", ".htm"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    else:
        text = load_document(path, doc_id).text  # the bundled corpus escapes its tags ("< p >")
    return " ".join(text.split())


def test_matching_needs_every_group():
    item = GoldItem("x", "q", "two-part", [["20th"], ["12th"]], ["a"], "dev")
    assert item.matches("from 20th in 2018 to 12th in 2022")
    assert not item.matches("12th in 2022")


def test_thresholds_flag_a_drop_and_a_rise_in_false_abstention():
    report = {"splits": {"dev": {"ours": {"answer_accuracy": 0.5, "false_abstention": 0.2}}}}
    broken = check_thresholds(report, {"dev": {"answer_accuracy": 0.8, "false_abstention": 0.1}})
    assert len(broken) == 2


def make_suite(folder, corpus, items, thresholds):
    folder.mkdir(parents=True)
    (folder / "suite.json").write_text(json.dumps({"description": "a tiny suite for tests", "corpus": str(corpus)}))
    (folder / "gold.jsonl").write_text("\n".join(json.dumps(i) for i in items) + "\n")
    (folder / "thresholds.json").write_text(json.dumps(thresholds))
    return folder


@pytest.fixture(scope="session")
def tiny(tmp_path_factory):
    """Two tiny suites over two bundled documents (dev questions only): one passes its thresholds, one cannot.
    They share a session index root, so each suite's index is built once."""
    root = tmp_path_factory.mktemp("suites")
    corpus = root / "docs"
    corpus.mkdir()
    for name in TINY_DOCS:
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    gold = [json.loads(line) for line in (BUNDLED / "gold.jsonl").read_text().splitlines() if line.strip()]
    dev = [i for i in gold if i["split"] == "dev" and set(i["source"]) <= set(TINY_DOCS)]
    items = [i for i in dev if i["answers"]][:10] + [i for i in dev if not i["answers"]][:4]
    return {"good": make_suite(root / "good", corpus, items, {"dev": {"answer_accuracy": 0.5}}),
            "strict": make_suite(root / "strict", corpus, items, {"dev": {"answer_accuracy": 1.01}}),
            "index": root / "index"}


# The tiny suites are evaluated by the real pipeline: their index is built, and their questions asked, with the
# real model.
model = pytest.mark.slow


def run_eval(tiny, tmp_path, *suites, extra=()):
    args = ["eval", "--index", str(tiny["index"]), "--split", "dev", "--report-dir", str(tmp_path / "report"), *extra]
    for name in suites:
        args += ["--suite", str(tiny[name])]
    return cli.main(args)


@model
def test_eval_writes_a_report_section_per_suite_and_fails_if_any_suite_does(tiny, tmp_path, capsys):
    assert run_eval(tiny, tmp_path, "good", "strict", extra=["--baseline"]) == 1
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    good, strict = report["suites"]["good"], report["suites"]["strict"]
    dev = good["splits"]["dev"]
    assert dev["ours"]["questions"] == 14 and "baseline" in dev
    assert dev["ours"]["answer_accuracy"] > dev["baseline"]["answer_accuracy"]
    assert good["broken"] == [] and strict["broken"] == [f"dev answer_accuracy = {strict['splits']['dev']['ours']['answer_accuracy']} (below the threshold 1.01)"]
    assert {p.name for p in tiny["index"].iterdir()} == {"eval-good", "eval-strict"}  # each suite its own index
    markdown = (tmp_path / "report" / "report.md").read_text()
    assert "## suite: good" in markdown and "## suite: strict" in markdown and "| answer_accuracy |" in markdown
    captured = capsys.readouterr()
    assert "suite good" in captured.out and "suite strict" in captured.out
    assert "strict: below threshold: dev answer_accuracy" in captured.err


@model
def test_one_suite_runs_alone_and_lists_its_failures(tiny, tmp_path, capsys):
    assert run_eval(tiny, tmp_path, "good", extra=["--show-failures"]) == 0
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert list(report["suites"]) == ["good"] and list(report["suites"]["good"]["splits"]) == ["dev"]
    wrong = [o for o in report["suites"]["good"]["outcomes"]
             if (o["kind"] == "unanswerable") != o["abstained"] or not (o["abstained"] or (o["correct"] and o["cited"]))]
    assert capsys.readouterr().err.count("✗ good ") == len(wrong)


@model
def test_evaluate_suite_is_a_library_call(tiny):
    suite = load_suite(tiny["good"])
    report, outcomes = evaluate_suite(suite, Config(index_dir=tiny["index"]), split="dev")
    assert len(outcomes) == 14 and report["suite"] == "good" and report["broken"] == []
    assert report["splits"]["dev"]["ours"]["answer_accuracy"] >= 0.5


def test_an_unknown_or_repeated_suite_is_one_clear_error(tmp_path, capsys):
    with pytest.raises(SuiteError, match="no eval suite 'nope'.*bundled"):
        load_suite("nope")
    assert cli.main(["eval", "--suite", "nope", "--index", str(tmp_path)]) == 1
    assert "rag: error: no eval suite 'nope'" in capsys.readouterr().err
    assert cli.main(["eval", "--suite", "bundled", "--suite", str(BUNDLED), "--index", str(tmp_path)]) == 1
    assert "rag: error: two suites share a name: bundled" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # refused before any index was built


@model
def test_a_broken_generator_fails_eval(tiny, tmp_path, monkeypatch):
    from rag.answer import Answer

    def first_sentence(self, question, retrieval):
        return Answer(question, retrieval.passages[0].chunk.text[:80] + " [1]", False, [])

    monkeypatch.setattr("rag.answer.ExtractiveGenerator.generate", first_sentence)
    monkeypatch.setenv("RAG_DEBUG", "1")  # a crash must not pass for a failed threshold
    assert run_eval(tiny, tmp_path, "good") == 1


@model
def test_a_broken_retriever_fails_eval(tiny, tmp_path, monkeypatch):
    from rag.retrieve import Retriever

    real = Retriever.search
    monkeypatch.setattr(Retriever, "search", lambda self, v, q, k: replace(r := real(self, v, q, 50), passages=r.passages[-k:]))
    monkeypatch.setenv("RAG_DEBUG", "1")
    assert run_eval(tiny, tmp_path, "good") == 1
