"""The `rag` command: a thin shell over rag.Assistant."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .config import Config

EXAMPLE = "What is Xi'an's 2030 NEV output target?"


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # every failure a user can cause ends as one line, not a traceback
        if os.environ.get("RAG_DEBUG"):
            raise
        _error(_describe(exc))
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Grounded, cited answers from a folder of documents, offline.",
        epilog=f'example: rag ask "{EXAMPLE}"')
    parser.add_argument("--version", action="version", version=f"rag {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", help="index directory (default: ./index in a checkout, or $RAG_INDEX)")
    common.add_argument("--corpus", metavar="PATH", action="append",
                        help="document folder or file; repeat for several (default: the bundled corpus, or $RAG_CORPUS)")
    common.add_argument("--model", metavar="DIR", help="local sentence-transformers model folder (default: all-MiniLM-L6-v2, or $RAG_MODEL)")
    common.add_argument("--generator", choices=["extractive", "llm"],
                        help="who writes the answer: extractive picks sentences (default, or $RAG_GENERATOR); llm asks "
                             "an OpenAI-compatible server at $RAG_LLM_URL ($RAG_LLM_MODEL, $RAG_LLM_API_KEY)")
    common.add_argument("--no-fallback", action="store_true",
                        help="when the LLM fails, only report the error (default: also answer extractively)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="answer a question with cited passages",
                         description="Answer QUESTION from the corpus. With QUESTION '-', read one question per line from standard input.")
    ask.add_argument("question", nargs="+", help="the question, or - to read questions from standard input")
    ask.add_argument("--json", action="store_true", help="print a JSON object (one per line with -)")
    ask.add_argument("-k", type=int, default=None, help=f"passages to consider (default {Config.k})")
    ask.set_defaults(run=_ask)

    search = sub.add_parser("search", parents=[common], help="show the ranked passages for a question")
    search.add_argument("question", nargs="+")
    search.add_argument("-k", type=int, default=5, help="passages to show (default 5)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(run=_search)

    index = sub.add_parser("index", parents=[common], help="build or update the index",
                           description="Build or update the index from PATHs (default: the configured corpus). Only files that changed are re-embedded.")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")
    index.set_defaults(run=_index)

    ev = sub.add_parser("eval", parents=[common], help="score answers against a gold set",
                        description="Run the gold questions, print the metrics, write eval/report.json and eval/report.md; exit 1 if a metric falls below eval/thresholds.json.")
    ev.add_argument("--gold", metavar="FILE", help="gold JSONL file (default: eval/gold.jsonl)")
    ev.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ev.add_argument("--show-failures", action="store_true", help="list the questions answered wrongly")
    ev.add_argument("--baseline", action="store_true", help="also run the naive baseline pipeline and report it beside ours")
    ev.add_argument("--thresholds", metavar="FILE", help="thresholds JSON (default: eval/thresholds.json)")
    ev.add_argument("--report-dir", metavar="DIR", help="where to write the reports (default: eval/)")
    ev.set_defaults(run=_eval)

    serve = sub.add_parser("serve", parents=[common], help="start the web chat page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve)
    return parser


def _config(args) -> Config:
    config = Config()
    if args.index:
        config.index_dir = Path(args.index)
    if args.corpus:
        config.corpus = [Path(p) for p in args.corpus] if len(args.corpus) > 1 else Path(args.corpus[0])
    if args.model:
        config.model = args.model
    if args.generator:
        config.generator = args.generator
    if args.no_fallback:
        config.fallback = False
    return config


def _open(config: Config):
    from .assistant import Assistant

    return Assistant.open(config=config, log=_info)


def _open_for_question(args):
    """The assistant and the question of `ask`/`search`; a bad question fails before the model loads."""
    from .assistant import clean_question

    config, question = _config(args), " ".join(args.question)
    clean_question(question, config.max_question_chars)
    return _open(config), question


def _ask(args) -> int:
    if args.question == ["-"]:
        return _ask_stream(args)
    assistant, question = _open_for_question(args)
    if args.json:
        answer = assistant.ask(question, k=args.k)
        _warn_fallback(answer)
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    answer, shown = _ask_live(assistant, question, args.k)
    _warn_fallback(answer)
    print(render_answer(answer, colour=sys.stdout.isatty() and not os.environ.get("NO_COLOR"), shown=shown))
    return 0


def _ask_live(assistant, question: str, k: int | None):
    """The answer, its text printed as the generator writes it when it streams; and whether the text
    printed is the final answer's (a written answer may end as an abstention or a fallback)."""
    started = time.perf_counter()
    retrieval = assistant.retrieve(question, k)
    stream = assistant.stream(question, retrieval)
    if stream is None:
        answer, written = assistant.answer(question, retrieval), ""
    else:
        pieces = []
        try:
            for piece in stream:
                print(piece, end="", flush=True)
                pieces.append(piece)
        finally:
            stream.close()
        print(flush=True)
        answer, written = stream.answer, " ".join("".join(pieces).split())
    answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return answer, written == answer.answer


def _warn_fallback(answer) -> None:
    if answer.fallback:
        _error(f"{answer.fallback}; the extractive answer follows")


def _ask_stream(args) -> int:
    """One question per line in, one JSON object per line out; the model loads once."""
    from .errors import RagError

    assistant = _open(_config(args))
    for line in sys.stdin:
        question = line.rstrip("\n")
        if not question.strip():
            continue
        try:
            answer = assistant.ask(question, k=args.k)
            _warn_fallback(answer)
            record = answer.to_dict()
        except RagError as exc:  # a bad question, or the LLM failing without fallback: this line only
            record = {"question": question, "error": _describe(exc)}
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def _search(args) -> int:
    assistant, question = _open_for_question(args)
    passages = assistant.search(question, k=args.k)
    if args.json:
        print(json.dumps([p.to_dict() for p in passages], ensure_ascii=False))
        return 0
    for rank, p in enumerate(passages, 1):
        print(f"{rank}. {p.score:.4f} (dense {p.dense:.3f}, bm25 {p.lexical:.2f})  {p.chunk.doc_id}  [{p.chunk.chunk_id}]")
        print(f"   {p.chunk.title}" + (f" — {p.chunk.heading}" if p.chunk.heading else ""))
        print("   " + " ".join(p.chunk.text.split())[:400])
    return 0


def _index(args) -> int:
    from .assistant import build_index

    config = _config(args)
    if args.paths:
        config.corpus = [Path(p) for p in args.paths] if len(args.paths) > 1 else Path(args.paths[0])
    report = build_index(config, rebuild=args.rebuild, log=_info)
    for doc_id, reason in report.skipped.items():
        _info(f"skipped {doc_id}: {reason}")
    _info(("Indexed " if report.changed else "Index is up to date: ") + report.summary() + f" → {config.index_dir}")
    if report.chunks == 0:
        _error("no usable documents found")
        return 1
    return 0


def _eval(args) -> int:
    from .eval import run_eval

    return run_eval(_config(args), gold=args.gold, split=args.split, show_failures=args.show_failures,
                    baseline=args.baseline, thresholds=args.thresholds, report_dir=args.report_dir, log=_info)


def _serve(args) -> int:
    from .server import serve

    return serve(_config(args), host=args.host, port=args.port, log=_info)


def render_answer(answer, colour: bool = False, shown: bool = False) -> str:
    """The answer (unless already `shown` as it was written), the sentences of a written answer its
    passages do not support, then each cited passage with its supporting sentence highlighted."""
    bold, dim, mark, off = ("\033[1m", "\033[2m", "\033[1;33m", "\033[0m") if colour else ("", "", "", "")
    lines = [] if shown else [f"{bold}{answer.answer}{off}"]
    unsupported = [c for c in answer.answer_checks if not c["supported"]]
    if unsupported:
        lines.append(f"{mark}Not supported by the passages it cites:{off}")
        lines.extend(f"  ✗ {c['sentence']}  ({c['reason']})" for c in unsupported)
    lines.append("")
    lines.append(f"{dim}Closest passages:{off}" if answer.abstained else f"{dim}Sources:{off}")
    for c in answer.citations:
        lines.append(f"[{c.n}] {c.source} — {c.title}")
        text = c.text
        if c.end > c.start:
            text = f"{text[:c.start]}{mark}{'>>' if not colour else ''}{text[c.start:c.end]}{'<<' if not colour else ''}{off}{text[c.end:]}"
        lines.extend("    " + line for line in " ".join(text.split("\n\n")).splitlines())
    lines.append(f"{dim}({answer.latency_ms:.0f} ms){off}")
    return "\n".join(lines)


def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _error(message: str) -> None:
    print(f"rag: error: {message}", file=sys.stderr, flush=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


if __name__ == "__main__":
    sys.exit(main())
