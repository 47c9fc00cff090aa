"""`rag eval`: answers, citations, abstention, retrieval and latency against the gold suites in eval/suites/."""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from .answer import Answer
from .assistant import Assistant
from .config import Config
from .errors import RagError
from .stores import namespaced

MAX_ANSWER_CHARS = 400  # a longer "answer" is a dumped passage, not an answer
RETRIEVAL_DEPTH = 10
METRICS = ["answer_accuracy", "citation_accuracy", "abstention_precision", "abstention_recall",
           "false_abstention", "recall@1", "recall@5", "mrr", "latency_p50_ms", "latency_p95_ms", "supported_share", "fallbacks"]
LOWER_IS_BETTER = {"false_abstention", "latency_p50_ms", "latency_p95_ms"}


class SuiteError(RagError, ValueError):
    """A suite that is missing or malformed."""


@dataclass
class GoldItem:
    id: str
    question: str
    kind: str
    answers: list[list[str]]
    source: list[str]
    split: str

    @property
    def answerable(self) -> bool:
        return bool(self.answers)

    def matches(self, text: str) -> bool:
        return all(any(re.search(p, text, re.I) for p in group) for group in self.answers)


@dataclass
class Outcome:
    item: GoldItem
    answer: Answer
    ranks: list[bool] = field(default_factory=list)  # per retrieved passage: from a gold source and holds the answer

    @property
    def correct(self) -> bool:
        a = self.answer
        return (not a.abstained and self.item.answerable and self.item.matches(a.answer)
                and len(a.answer) <= MAX_ANSWER_CHARS)

    @property
    def cited(self) -> bool:
        used = {int(n) for n in re.findall(r"\[(\d+)\]", self.answer.answer)}
        return any(c.n in used and c.source in self.item.source and self.item.matches(c.text)
                   for c in self.answer.citations)

    def to_dict(self) -> dict:
        return {"id": self.item.id, "split": self.item.split, "kind": self.item.kind, "question": self.item.question,
                "answer": self.answer.answer, "abstained": self.answer.abstained, "correct": self.correct,
                "cited": self.cited, "first_hit": self.ranks.index(True) + 1 if True in self.ranks else None,
                "latency_ms": self.answer.latency_ms, **({"fallback": self.answer.fallback} if self.answer.fallback else {})}


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                item = GoldItem(**json.loads(line))
                for group in item.answers:
                    for pattern in group:
                        re.compile(pattern)
            except (json.JSONDecodeError, TypeError, re.error) as exc:
                raise SuiteError(f"{path}:{n}: not a gold record ({exc})") from None
            items.append(item)
    return items


def run(assistant, items: list[GoldItem]) -> list[Outcome]:
    """Ask every question; `assistant` needs .search(q, k) and .ask(q) (ours or the baseline)."""
    outcomes = []
    for item in items:
        passages = assistant.search(item.question, RETRIEVAL_DEPTH)
        ranks = [p.chunk.doc_id in item.source and item.matches(p.chunk.text) for p in passages]
        outcomes.append(Outcome(item, assistant.ask(item.question), ranks))
    return outcomes


def metrics(outcomes: list[Outcome], llm: bool = False) -> dict[str, float | None]:
    """The scores of a run; `llm` when an LLM wrote the answers (then how many fell back is counted)."""
    answerable = [o for o in outcomes if o.item.answerable]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    abstained = [o for o in outcomes if o.answer.abstained]
    latencies = sorted(o.answer.latency_ms for o in outcomes)
    hits = [o.ranks.index(True) + 1 if True in o.ranks else None for o in answerable]
    checks = [c for o in outcomes for c in o.answer.answer_checks]  # a written (LLM) answer's sentences

    def share(part, whole):
        return round(len(part) / len(whole), 4) if whole else None

    return {
        "questions": len(outcomes),
        "answer_accuracy": share([o for o in answerable if o.correct], answerable),
        "citation_accuracy": share([o for o in answerable if o.cited], answerable),
        "abstention_precision": share([o for o in abstained if not o.item.answerable], abstained),
        "abstention_recall": share([o for o in unanswerable if o.answer.abstained], unanswerable),
        "false_abstention": share([o for o in answerable if o.answer.abstained], answerable),
        "recall@1": share([h for h in hits if h == 1], hits),
        "recall@5": share([h for h in hits if h and h <= 5], hits),
        "mrr": round(sum(1 / h for h in hits if h) / len(hits), 4) if hits else None,
        "latency_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "latency_p95_ms": round(latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))], 1) if latencies else None,
        "supported_share": share([c for c in checks if c["supported"]], checks),  # None for the extractive generator
        # Answers the extractive generator wrote because the LLM server failed (their error is in the outcome).
        "fallbacks": sum(1 for o in outcomes if o.answer.fallback) if llm else None,
    }


def by_kind(outcomes: list[Outcome]) -> dict[str, dict]:
    kinds = sorted({o.item.kind for o in outcomes})
    result = {}
    for kind in kinds:
        group = [o for o in outcomes if o.item.kind == kind]
        if kind == "unanswerable":
            result[kind] = {"n": len(group), "abstained": round(sum(o.answer.abstained for o in group) / len(group), 4)}
        else:
            result[kind] = {"n": len(group), "answer_accuracy": round(sum(o.correct for o in group) / len(group), 4),
                            "citation_accuracy": round(sum(o.cited for o in group) / len(group), 4)}
    return result


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if (o.item.answerable and not (o.correct and o.cited))
            or (not o.item.answerable and not o.answer.abstained)]


def check_thresholds(report: dict, thresholds: dict) -> list[str]:
    """The metrics that fell below (or, for latency and false abstention, rose above) their threshold."""
    broken = []
    for split, limits in thresholds.items():
        measured = report["splits"].get(split, {}).get("ours")
        if measured is None:
            continue
        for metric, limit in limits.items():
            value = measured.get(metric)
            if value is None:
                continue
            worse = value > limit if metric in LOWER_IS_BETTER else value < limit
            if worse:
                broken.append(f"{split} {metric} = {value} ({'above' if metric in LOWER_IS_BETTER else 'below'} the threshold {limit})")
    return broken


def evaluate(assistant: Assistant, items: list[GoldItem], splits: list[str], baseline=None) -> tuple[dict, list[Outcome]]:
    started = time.perf_counter()
    outcomes = run(assistant, items)
    llm = getattr(getattr(assistant, "config", None), "generator", "") == "llm"
    base_outcomes = run(baseline, items) if baseline is not None else []
    report: dict = {"questions": len(items), "seconds": round(time.perf_counter() - started, 1), "splits": {}}
    for split in splits:
        ours = [o for o in outcomes if split == "all" or o.item.split == split]
        entry = {"ours": metrics(ours, llm), "by_kind": by_kind(ours)}
        if baseline is not None:
            entry["baseline"] = metrics([o for o in base_outcomes if split == "all" or o.item.split == split])
        report["splits"][split] = entry
    report["outcomes"] = [o.to_dict() for o in outcomes]
    return report, outcomes


def write_reports(combined: dict, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(combined, indent=1, ensure_ascii=False) + "\n")
    (directory / "report.md").write_text(markdown(combined))


def markdown(combined: dict) -> str:
    lines = ["# rag eval report", "", f"{len(combined['suites'])} suite(s) in {combined['seconds']} s "
             "(index update and model load are not in latency).", ""]
    for name, report in combined["suites"].items():
        lines += [f"## suite: {name}", "", report["description"], "",
                  f"{report['questions']} gold questions over `{report['corpus']}`; index and model "
                  f"{report['open_seconds']} s; thresholds {'broken: ' + '; '.join(report['broken']) if report['broken'] else 'met'}.", ""]
        for split, entry in report["splits"].items():
            lines += [f"### {name}, split: {split}", "", "| metric | ours | baseline |", "|---|---|---|"]
            for metric in METRICS:
                base = entry.get("baseline", {}).get(metric, "")
                lines.append(f"| {metric} | {_fmt(entry['ours'].get(metric))} | {_fmt(base)} |")
            lines += ["", "| kind | n | answer accuracy | citation accuracy / abstained |", "|---|---|---|---|"]
            for kind, row in entry["by_kind"].items():
                lines.append(f"| {kind} | {row['n']} | {_fmt(row.get('answer_accuracy', ''))} | "
                             f"{_fmt(row.get('citation_accuracy', row.get('abstained')))} |")
            lines.append("")
    return "\n".join(lines)


def _fmt(value) -> str:
    return "" if value is None or value == "" else (f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value))


class Baseline:
    """The tutorial pipeline we compare against: fixed 500-character chunks, dense search only,
    the top passage's first sentence as the answer, never abstaining."""

    def __init__(self, assistant: Assistant, chunk_chars: int = 500) -> None:
        from .chunk import Chunk
        from .build import corpus_files
        from .ingest import UnreadableFile, load_document

        self.embedder = assistant.embedder
        self.chunks = []
        for doc_id, path in corpus_files(_roots(assistant)).items():
            try:
                text = load_document(path, doc_id).text
            except UnreadableFile:
                continue
            for n, start in enumerate(range(0, len(text), chunk_chars)):
                piece = text[start:start + chunk_chars]
                self.chunks.append(Chunk(f"{doc_id}:b{n}", doc_id, doc_id, "", piece, start, start + len(piece)))
        self.vectors = self.embedder.encode([c.text for c in self.chunks])

    def search(self, question: str, k: int):
        from .retrieve import Passage

        scores = self.vectors @ self.embedder.encode([question])[0]
        return [Passage(self.chunks[r], float(scores[r]), float(scores[r]), 0.0) for r in scores.argsort()[::-1][:k]]

    def ask(self, question: str) -> Answer:
        from .answer import Citation
        from .text import sentence_spans

        started = time.perf_counter()
        top = self.search(question, 1)[0]
        start, end = sentence_spans(top.chunk.text)[0]
        citation = Citation(1, top.chunk.doc_id, top.chunk.title, top.chunk.chunk_id, top.chunk.text, start, end, top.score)
        answer = Answer(question, f"{top.chunk.text[start:end]} [1]", False, [citation])
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


def _roots(assistant: Assistant) -> list[Path]:
    from .assistant import roots_of

    return roots_of(assistant.config)


ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "eval"
SUITES_DIR = EVAL_DIR / "suites"


@dataclass
class Suite:
    """A gold set over its own corpus: eval/suites/<name>/{gold.jsonl, suite.json, thresholds.json}."""
    name: str
    description: str
    corpus: Path
    items: list[GoldItem]
    thresholds: dict

    def index_dir(self, config: Config) -> Path:
        """Each suite has its own index beside the configured one, so a rerun only re-embeds what changed."""
        return config.index_dir / f"eval-{self.name}"


def load_suite(name_or_dir: str | Path) -> Suite:
    """A suite by name (under eval/suites/) or by directory; its corpus path is relative to the repository root."""
    directory = Path(name_or_dir)
    if not (directory / "gold.jsonl").is_file():
        directory = SUITES_DIR / str(name_or_dir)
    if not (directory / "gold.jsonl").is_file():
        known = ", ".join(p.name for p in suite_dirs()) or "none"
        raise SuiteError(f"no eval suite {str(name_or_dir)!r} (known suites: {known})")
    try:
        meta = json.loads((directory / "suite.json").read_text(encoding="utf-8"))
        limits = directory / "thresholds.json"
        thresholds = json.loads(limits.read_text(encoding="utf-8")) if limits.is_file() else {}
        corpus = ROOT / meta["corpus"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise SuiteError(f"{directory}: unreadable suite.json or thresholds.json ({exc.__class__.__name__}: {exc})") from None
    return Suite(directory.name, meta.get("description", ""), corpus, load_gold(directory / "gold.jsonl"), thresholds)


def suite_dirs(root: Path = SUITES_DIR) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "gold.jsonl").is_file()) if root.is_dir() else []


def evaluate_suite(suite: Suite, config: Config | None = None, split: str = "all", baseline: bool = False,
                   log=lambda message: None) -> tuple[dict, list[Outcome]]:
    """Score one suite over its own corpus and index; the report says which thresholds it broke."""
    config = config or Config()
    config = replace(config, corpus=suite.corpus, index_dir=suite.index_dir(config),
                     store=namespaced(config.store, f"eval_{suite.name}"))
    items = [i for i in suite.items if split == "all" or i.split == split]
    if not items:
        raise SuiteError(f"suite {suite.name}: no gold questions for split {split!r}")
    started = time.perf_counter()
    assistant = Assistant.open(config=config, log=log)
    assistant.embedder.encode(["warm up"])  # index update and model load are reported on their own, not in latency
    open_seconds = round(time.perf_counter() - started, 2)
    splits = ["dev", "test", "all"] if split == "all" else [split]
    report, outcomes = evaluate(assistant, items, splits, Baseline(assistant) if baseline else None)
    corpus = suite.corpus.relative_to(ROOT) if suite.corpus.is_relative_to(ROOT) else suite.corpus
    report.update(suite=suite.name, description=suite.description, corpus=str(corpus), open_seconds=open_seconds)
    report["broken"] = check_thresholds(report, suite.thresholds)
    return report, outcomes


def run_eval(config: Config, suites: list[str] | None = None, split: str = "all", show_failures: bool = False,
             baseline: bool = False, report_dir: str | Path | None = None, log=print) -> int:
    """The `rag eval` command: every suite (or the named ones), one table each; returns the exit code."""
    chosen = [load_suite(s) for s in suites] if suites else [load_suite(d) for d in suite_dirs()]
    if not chosen:
        raise SuiteError(f"no eval suites under {SUITES_DIR}")
    names = [s.name for s in chosen]
    if len(set(names)) < len(names):  # each name owns one index directory and one report section
        raise SuiteError(f"two suites share a name: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    started = time.perf_counter()
    reports = {}
    for suite in chosen:
        report, outcomes = evaluate_suite(suite, config, split, baseline, log)
        reports[suite.name] = report
        _print_table(report)
        if show_failures:
            for o in failures(outcomes):
                log(f"✗ {suite.name} {o.item.id} [{o.item.kind}] {o.item.question}\n    → {o.answer.answer[:300]}")
    combined = {"seconds": round(time.perf_counter() - started, 1), "suites": reports}
    write_reports(combined, Path(report_dir) if report_dir else EVAL_DIR)
    for name, report in reports.items():
        for line in report["broken"]:
            log(f"rag eval: {name}: below threshold: {line}")
    log(f"rag eval: {len(reports)} suite(s) in {combined['seconds']} s")
    return 1 if any(r["broken"] for r in reports.values()) else 0


def _print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"rag eval — suite {report['suite']}: {report['questions']} questions, "
                        f"index and model {report['open_seconds']} s")
    table.add_column("metric", no_wrap=True)
    columns = [(split, who) for split, entry in report["splits"].items() for who in ("ours", "baseline") if who in entry]
    for split, who in columns:
        table.add_column(split if who == "ours" else "baseline", justify="right", no_wrap=True)
    for metric in METRICS:
        values = [report["splits"][s][w].get(metric) for s, w in columns]
        if any(v is not None for v in values):
            table.add_row(metric, *map(_fmt, values))
    Console().print(table)
