"""`rag eval`: answers, citations, abstention, retrieval and latency against a gold set."""
from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from .answer import Answer
from .assistant import Assistant

MAX_ANSWER_CHARS = 400  # a longer "answer" is a dumped passage, not an answer
RETRIEVAL_DEPTH = 10
METRICS = ["answer_accuracy", "citation_accuracy", "abstention_precision", "abstention_recall",
           "false_abstention", "recall@1", "recall@5", "mrr", "latency_p50_ms", "latency_p95_ms", "supported_share"]
LOWER_IS_BETTER = {"false_abstention", "latency_p50_ms", "latency_p95_ms"}


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
                "latency_ms": self.answer.latency_ms}


def load_gold(path: Path) -> list[GoldItem]:
    items = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                items.append(GoldItem(**json.loads(line)))
            except (json.JSONDecodeError, TypeError) as exc:
                raise ValueError(f"{path}:{n}: not a gold record ({exc})") from None
    return items


def run(assistant, items: list[GoldItem]) -> list[Outcome]:
    """Ask every question; `assistant` needs .search(q, k) and .ask(q) (ours or the baseline)."""
    outcomes = []
    for item in items:
        passages = assistant.search(item.question, RETRIEVAL_DEPTH)
        ranks = [p.chunk.doc_id in item.source and item.matches(p.chunk.text) for p in passages]
        outcomes.append(Outcome(item, assistant.ask(item.question), ranks))
    return outcomes


def metrics(outcomes: list[Outcome]) -> dict[str, float | None]:
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
    base_outcomes = run(baseline, items) if baseline is not None else []
    report: dict = {"questions": len(items), "seconds": round(time.perf_counter() - started, 1), "splits": {}}
    for split in splits:
        ours = [o for o in outcomes if split == "all" or o.item.split == split]
        entry = {"ours": metrics(ours), "by_kind": by_kind(ours)}
        if baseline is not None:
            entry["baseline"] = metrics([o for o in base_outcomes if split == "all" or o.item.split == split])
        report["splits"][split] = entry
    report["outcomes"] = [o.to_dict() for o in outcomes]
    return report, outcomes


def write_reports(report: dict, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    (directory / "report.md").write_text(markdown(report))


def markdown(report: dict) -> str:
    lines = ["# rag eval report", "",
             f"{report['questions']} gold questions; model load {report.get('load_seconds', '?')} s (not in latency).", ""]
    for split, entry in report["splits"].items():
        lines += [f"## split: {split}", "", "| metric | ours | baseline |", "|---|---|---|"]
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
        from .index import corpus_files
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


EVAL_DIR = Path(__file__).resolve().parent.parent / "eval"


def run_eval(config, gold=None, split="all", show_failures=False, baseline=False, thresholds=None,
             report_dir=None, log=print) -> int:
    """The `rag eval` command; returns the exit code."""
    gold_path = Path(gold) if gold else EVAL_DIR / "gold.jsonl"
    items = load_gold(gold_path)
    if split != "all":
        items = [i for i in items if i.split == split]
    if not items:
        raise ValueError(f"no gold questions for split {split!r} in {gold_path}")
    started = time.perf_counter()
    assistant = Assistant.open(config=config, log=log)
    assistant.embedder.encode(["warm up"])  # model load is reported on its own, not in latency
    load_seconds = round(time.perf_counter() - started, 2)
    splits = ["dev", "test", "all"] if split == "all" else [split]
    report, outcomes = evaluate(assistant, items, splits, Baseline(assistant) if baseline else None)
    report["load_seconds"] = load_seconds
    report["gold"] = str(gold_path)
    limits_path = Path(thresholds) if thresholds else EVAL_DIR / "thresholds.json"
    limits = json.loads(limits_path.read_text()) if limits_path.is_file() else {}
    report["broken"] = check_thresholds(report, limits)
    write_reports(report, Path(report_dir) if report_dir else EVAL_DIR)
    _print_table(report)
    if show_failures:
        for o in failures(outcomes):
            log(f"✗ {o.item.id} [{o.item.kind}] {o.item.question}\n    → {o.answer.answer[:300]}")
    for line in report["broken"]:
        log(f"rag eval: below threshold: {line}")
    return 1 if report["broken"] else 0


def _print_table(report: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"rag eval: {report['questions']} questions, model load {report['load_seconds']} s")
    table.add_column("metric", no_wrap=True)
    columns = [(split, who) for split, entry in report["splits"].items() for who in ("ours", "baseline") if who in entry]
    for split, who in columns:
        table.add_column(split if who == "ours" else "baseline", justify="right", no_wrap=True)
    for metric in METRICS:
        values = [report["splits"][s][w].get(metric) for s, w in columns]
        if any(v is not None for v in values):
            table.add_row(metric, *map(_fmt, values))
    Console().print(table)
