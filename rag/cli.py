"""The `rag` command: a thin shell over rag.Assistant."""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import traceback
import time
from pathlib import Path

from . import __version__
from .config import K_MAX, Config, check_k
from .errors import RagError

EXAMPLE = "What is Xi'an's 2030 NEV output target?"
DEBUG_HINT = "run with RAG_DEBUG=1 for the trace"
# Terminal escape sequences (CSI, OSC, and the two-character ones) and the other C0/C1 control characters:
# document text printed as-is could retitle the window, clear the screen or hide a link. Bounded repeats:
# the text is untrusted.
_ESCAPE = re.compile(r"\x1b\[[0-?]{0,64}[ -/]{0,16}[@-~]|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        code = args.run(args)
        sys.stdout.flush()  # here, so a closed pipe is caught below rather than at exit
        return code
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:  # `rag ask … | head -1`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 141  # 128 + SIGPIPE, as other commands in a pipeline report it
    except (RagError, OSError) as exc:  # a failure the user can act on: one line, not a traceback
        if _debug():
            raise
        _error(_describe(exc))
        return 1
    except Exception as exc:  # a bug: say so, and how to see it
        if _debug():
            raise
        _error(_bug(exc))
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rag", description="Grounded, cited answers from a folder of documents, offline.",
        epilog=f'example: rag ask "{EXAMPLE}"')
    parser.add_argument("--version", action="version", version=f"rag {__version__}")
    index_and_model = argparse.ArgumentParser(add_help=False)
    index_and_model.add_argument("--index", metavar="DIR", help="index directory (default: ./index in a checkout, or $RAG_INDEX)")
    index_and_model.add_argument("--model", metavar="DIR", help="local sentence-transformers model folder (default: all-MiniLM-L6-v2, or $RAG_MODEL)")
    index_and_model.add_argument("--store", metavar="STORE",
                                 help="where the index lives: local (default; files in --index), or a postgresql://user@host/db URL (or $RAG_STORE)")
    index_and_model.add_argument("--generator", choices=["extractive", "llm"],
                                 help="who writes the answer: extractive picks sentences (default, or $RAG_GENERATOR); llm asks "
                                      "an OpenAI-compatible server at $RAG_LLM_URL ($RAG_LLM_MODEL, $RAG_LLM_API_KEY)")
    index_and_model.add_argument("--no-fallback", action="store_true",
                                 help="when the LLM fails, only report the error (default: also answer extractively)")
    common = argparse.ArgumentParser(add_help=False, parents=[index_and_model])
    common.add_argument("--corpus", metavar="PATH", action="append",
                        help="document folder or file; repeat for several (default: the bundled corpus, or $RAG_CORPUS)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = sub.add_parser("ask", parents=[common], help="answer a question with cited passages",
                         description="Answer QUESTION from the corpus. With QUESTION '-', read one question per line from standard input.")
    ask.add_argument("question", nargs="+", help="the question, or - to read questions from standard input")
    ask.add_argument("--json", action="store_true", help="print a JSON object (one per line with -)")
    ask.add_argument("-k", type=int, default=None, help=f"passages to consider, 1 to {K_MAX} (default {Config.k})")
    ask.set_defaults(run=_ask)

    search = sub.add_parser("search", parents=[common], help="show the ranked passages for a question")
    search.add_argument("question", nargs="+")
    search.add_argument("-k", type=int, default=5, help=f"passages to show, 1 to {K_MAX} (default 5)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.set_defaults(run=_search)

    index = sub.add_parser("index", parents=[common], help="build or update the index",
                           description="Build or update the index from PATHs (default: the configured corpus). Only files that changed are re-embedded.")
    index.add_argument("paths", nargs="*", metavar="PATH")
    index.add_argument("--rebuild", action="store_true", help="re-embed everything")
    index.add_argument("--allow-empty", action="store_true",
                       help="replace the index even when no usable document is found (otherwise it is left as it was)")
    index.add_argument("--follow-symlinks", action="store_true",
                       help="also index links to files outside the corpus folder (or set RAG_FOLLOW_SYMLINKS=1)")
    index.set_defaults(run=_index)

    ev = sub.add_parser("eval", parents=[index_and_model], help="score answers against the gold suites",
                        description="Run every gold suite under eval/suites/ (each over its own corpus, indexed into "
                                    "INDEX/eval-NAME), print a table per suite, write eval/report.json and eval/report.md; "
                                    "exit 1 if any suite falls below its thresholds.json.")
    ev.add_argument("--suite", metavar="NAME", action="append",
                    help="run only this suite (a name under eval/suites/ or a suite directory); repeat for several")
    ev.add_argument("--split", choices=["dev", "test", "all"], default="all")
    ev.add_argument("--show-failures", action="store_true", help="list the questions answered wrongly")
    ev.add_argument("--baseline", action="store_true", help="also run the naive baseline pipeline and report it beside ours")
    ev.add_argument("--report-dir", metavar="DIR", help="where to write the reports (default: eval/)")
    ev.set_defaults(run=_eval)

    serve = sub.add_parser("serve", parents=[common], help="start the web chat page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--allowed-host", metavar="NAME", action="append", default=[],
                       help="also answer requests addressed to this host name (repeatable; or $RAG_ALLOWED_HOSTS, "
                            "comma-separated); 127.0.0.1, localhost, ::1 and --host always are")
    serve.add_argument("--allow-upload", action="store_true",
                       help="let the page add documents to the corpus folder and remove them (the index updates itself)")
    serve.set_defaults(run=_serve)

    fb = sub.add_parser("feedback", parents=[common], help="turn the page's 👍/👎 feedback into gold-set candidates",
                        description="Read the feedback file (Config.feedback_path, default INDEX/feedback.jsonl) and write "
                                    "one gold record a line for review: a 👍 answer's numbers become its expected answer; "
                                    "a 👎 one has kind 'review' and no expected answer yet.")
    fb.add_argument("--to-gold", metavar="FILE", required=True, help="where to write the candidates (- for standard output)")
    fb.add_argument("--feedback", metavar="FILE", help="feedback file (default: the configured one)")
    fb.set_defaults(run=_feedback)
    return parser


def _config(args) -> Config:
    config = Config()
    if args.index:
        config.index_dir = Path(args.index)
    if getattr(args, "corpus", None):  # `eval` has none: each suite names its own corpus
        config.corpus = [Path(p) for p in args.corpus] if len(args.corpus) > 1 else Path(args.corpus[0])
    if args.model:
        config.model = args.model
    if args.store:
        config.store = args.store
    if getattr(args, "k", None) is not None:
        check_k(args.k)
    if getattr(args, "generator", None):
        config.generator = args.generator
    if getattr(args, "no_fallback", False):
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
        _print_json(answer.to_dict())
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
                print(terminal_safe(piece), end="", flush=True)  # LLM text is untrusted like documents
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
    """One question per line in, one JSON object per line out, in UTF-8 whatever the locale; the model
    loads once. Every line gets its output line: one that fails, even from a bug, gets an error object
    and the batch goes on."""
    config = _config(args)
    assistant = _open(config)
    for n, line in enumerate(sys.stdin.buffer, 1):
        question = line.decode("utf-8", errors="replace").rstrip("\r\n")
        try:
            answer = assistant.ask(question, k=args.k)
            _warn_fallback(answer)
            record = answer.to_dict()
        except RagError as exc:  # a bad question, or the LLM failing without fallback: this line only
            record = {"question": _shorten(question, config.max_question_chars), "error": str(exc)}
        except Exception as exc:
            if _debug():
                traceback.print_exc()
            _error(f"line {n}: {_bug(exc)}")
            record = {"question": _shorten(question, config.max_question_chars), "error": "internal error"}
        _print_json(record)
    return 0


def _search(args) -> int:
    assistant, question = _open_for_question(args)
    passages = assistant.search(question, k=args.k)
    if args.json:
        _print_json([p.to_dict() for p in passages])
        return 0
    for rank, p in enumerate(passages, 1):
        c = p.chunk
        print(f"{rank}. {p.score:.4f} (dense {p.dense:.3f}, bm25 {p.lexical:.2f})  {one_line(c.doc_id)}  [{one_line(c.chunk_id)}]")
        print(f"   {one_line(c.title)}" + (f" — {one_line(c.heading)}" if c.heading else ""))
        print("   " + one_line(c.text)[:400])
    return 0


def _index(args) -> int:
    from .assistant import build_index, location
    from .build import NothingUsable

    config = _config(args)
    if args.paths:
        config.corpus = [Path(p) for p in args.paths] if len(args.paths) > 1 else Path(args.paths[0])
    config.allow_empty = args.allow_empty
    config.follow_symlinks = config.follow_symlinks or args.follow_symlinks
    try:
        report = build_index(config, rebuild=args.rebuild, log=_info)
    except NothingUsable as exc:  # the reasons first, then the one-line error
        _list_skipped(exc.report)
        raise
    _list_skipped(report)
    _info(("Indexed " if report.changed else "Index is up to date: ") + report.summary() + f" → {location(config)}")
    return 0


def _list_skipped(report) -> None:
    for doc_id, reason in report.skipped.items():
        _info(f"skipped {doc_id}: {reason}")


def _eval(args) -> int:
    from .eval import run_eval

    return run_eval(_config(args), suites=args.suite, split=args.split, show_failures=args.show_failures,
                    baseline=args.baseline, report_dir=args.report_dir, log=_info)


def _serve(args) -> int:
    from .server import serve

    config = _config(args)
    config.allowed_hosts = [*config.allowed_hosts, *args.allowed_host]
    return serve(config, host=args.host, port=args.port, log=_info, allow_upload=args.allow_upload)


def _feedback(args) -> int:
    from .feedback import gold_candidates, read

    config = _config(args)
    candidates = gold_candidates(read(Path(args.feedback) if args.feedback else config.feedback_file))
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in candidates)
    if args.to_gold == "-":
        sys.stdout.write(lines)
    else:
        Path(args.to_gold).write_text(lines, encoding="utf-8")
        _info(f"{len(candidates)} gold-set candidates → {args.to_gold} (review them before adding to a gold set)")
    return 0


def render_answer(answer, colour: bool = False, shown: bool = False) -> str:
    """The answer (unless already `shown` as it was written), the sentences of a written answer its
    passages do not support, then each cited passage with its supporting sentence highlighted."""
    bold, dim, mark, off = ("\033[1m", "\033[2m", "\033[1;33m", "\033[0m") if colour else ("", "", "", "")
    lines = [] if shown else [f"{bold}{terminal_safe(answer.answer)}{off}"]
    if answer.searched_as:
        lines += ["", f"{dim}Searched as: {one_line(answer.searched_as)}{off}"]
    unsupported = [c for c in answer.answer_checks if not c["supported"]]
    if unsupported:
        lines.append(f"{mark}Not supported by the passages it cites:{off}")
        lines.extend(f"  ✗ {terminal_safe(c['sentence'])}  ({c['reason']})" for c in unsupported)
    lines.append("")
    lines.append(f"{dim}Closest passages:{off}" if answer.abstained else f"{dim}Sources:{off}")
    for c in answer.citations:
        lines.append(f"[{c.n}] {one_line(c.source)} — {one_line(c.title)}")
        text = terminal_safe(c.text)
        if c.end > c.start:  # the offsets are into the raw text: clean each part on its own
            before, marked, after = (terminal_safe(c.text[a:b]) for a, b in ((0, c.start), (c.start, c.end), (c.end, None)))
            text = f"{before}{mark}{'>>' if not colour else ''}{marked}{'<<' if not colour else ''}{off}{after}"
        lines.extend("    " + line for line in " ".join(text.split("\n\n")).splitlines())
    lines.append(f"{dim}({answer.latency_ms:.0f} ms){off}")
    return "\n".join(lines)


def terminal_safe(text: str) -> str:
    """Document text fit to print: escape sequences and control characters removed, newlines and tabs kept."""
    return _CONTROL.sub("", _ESCAPE.sub("", text))


def one_line(text: str) -> str:
    """terminal_safe text on one line, whitespace runs folded (file names and titles can hold newlines)."""
    return " ".join(terminal_safe(text).split())


def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _error(message: str) -> None:
    print(f"rag: error: {message}", file=sys.stderr, flush=True)


def _print_json(value) -> None:
    """One JSON line on stdout, in UTF-8 whatever the locale's encoding (JSON is UTF-8)."""
    sys.stdout.buffer.write(json.dumps(value, ensure_ascii=False).encode("utf-8", errors="replace") + b"\n")
    sys.stdout.buffer.flush()


def _bug(exc: Exception) -> str:
    detail = _describe(exc)
    name = exc.__class__.__name__
    return f"internal error ({name}{': ' + detail if detail != name else ''}); {DEBUG_HINT}"


def _debug() -> bool:
    return bool(os.environ.get("RAG_DEBUG"))


def _shorten(text: str, limit: int) -> str:
    """An over-long question echoed in an error record: its start, not the whole megabyte."""
    return text if len(text) <= limit else text[:limit] + "…"


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__


if __name__ == "__main__":
    sys.exit(main())
