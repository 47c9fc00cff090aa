"""The library API: open an index over a corpus, ask questions, search passages."""
from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from .answer import Answer, ExtractiveGenerator, Generator
from .config import Config
from .embed import Embedder
from .index import BuildReport, Index, IndexMissing, build, is_stale
from .retrieve import Passage, Retriever


class QuestionError(ValueError):
    """A question the assistant cannot take (empty, too long)."""


class Assistant:
    def __init__(self, config: Config, index: Index, embedder: Embedder, generator: Generator | None = None) -> None:
        self.config = config
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index)
        self.generator = generator or ExtractiveGenerator()

    @classmethod
    def open(
        cls,
        index_dir: str | Path | None = None,
        corpus: str | Path | list | None = None,
        config: Config | None = None,
        update: bool = True,
        log: Callable[[str], None] = lambda message: None,
        **settings,
    ) -> "Assistant":
        """Load the index, building or refreshing it first when the corpus changed (unless update=False)."""
        config = config or Config(**settings)
        if index_dir is not None:
            config.index_dir = Path(index_dir)
        if corpus is not None:
            config.corpus = corpus
        embedder = Embedder(config.model)
        index = None
        try:
            index = Index.load(config.index_dir)
        except IndexMissing:
            if not update:
                raise
            log(f"No index yet in {config.index_dir}: building it from {_describe(roots_of(config))}.")
        if update and (index is None or is_stale(index, roots_of(config), index_settings(config, embedder))):
            if index is not None:
                log("The corpus changed since the index was built: updating it.")
            report = build_index(config, embedder, log=log)
            log(f"Indexed {report.summary()}.")
            index = Index.load(config.index_dir)
        return cls(config, index, embedder)

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        question = clean_question(question, self.config.max_question_chars)
        return self.retriever.search(self.embedder.encode([question])[0], question, k or self.config.k)

    def ask(self, question: str, k: int | None = None) -> Answer:
        started = time.perf_counter()
        passages = self.search(question, k)
        answer = self.generator.generate(question.strip(), passages)
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


def clean_question(question: str, limit: int) -> str:
    """The question with its whitespace folded; QuestionError if it is empty or too long."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty")
    if len(question) > limit:
        raise QuestionError(f"the question is too long ({len(question)} characters; the limit is {limit})")
    return " ".join(question.split())


def roots_of(config: Config) -> list[Path]:
    corpus = config.corpus if isinstance(config.corpus, (list, tuple)) else [config.corpus]
    return [Path(p).expanduser() for p in corpus]


def index_settings(config: Config, embedder: Embedder) -> dict:
    return {"chunk_tokens": config.chunk_tokens, "chunk_overlap": config.chunk_overlap}


def build_index(config: Config, embedder: Embedder | None = None, rebuild: bool = False,
                log: Callable[[str], None] = lambda message: None) -> BuildReport:
    embedder = embedder or Embedder(config.model)
    roots = roots_of(config)
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"corpus not found: {root}")
    return build(roots, config.index_dir, embedder, index_settings(config, embedder), rebuild=rebuild, log=log)


def _describe(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


__all__ = ["Assistant", "Answer", "Passage", "QuestionError", "asdict"]
