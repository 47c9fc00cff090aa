"""The library API: open an index over a corpus, ask questions, search passages."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from .answer import Answer, AnswerStream, ExtractiveGenerator, Generator
from .chunk import VERSION as CHUNKER_VERSION
from .config import Config
from .embed import Embedder, OnnxEmbedder, load_embedder
from .errors import RagError
from .index import BuildReport, Index, IndexCorrupt, IndexMissing, build, current_version, is_stale
from .retrieve import Passage, Retrieval, Retriever


class QuestionError(RagError, ValueError):
    """A question the assistant cannot take (empty, too long)."""


class ConfigError(RagError, ValueError):
    """A setting that names nothing known."""


GENERATORS = ("extractive", "llm")


def make_generator(config: Config) -> Generator:
    """The answer generator config.generator names; the LLM one is imported only when chosen."""
    if config.generator == "extractive":
        return ExtractiveGenerator()
    if config.generator == "llm":
        from .llm import LlmGenerator

        return LlmGenerator.from_config(config)
    raise ConfigError(f"unknown generator {config.generator!r} (RAG_GENERATOR): choose one of {', '.join(GENERATORS)}")


class Assistant:
    def __init__(self, config: Config, index: Index, embedder: Embedder, generator: Generator | None = None) -> None:
        self.config = config
        self.index = index
        self.embedder = embedder
        self.retriever = Retriever(index)
        self.generator = generator or make_generator(config)

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
        generator = make_generator(config)  # a bad setting fails before the slow part
        embedder = load_embedder(config.model)  # ONNX when exported: no PyTorch import on a fresh index
        index = None
        try:
            index = Index.load(config.index_dir)
        except IndexMissing:
            if not update:
                raise
            log(f"No index yet in {config.index_dir}: building it from {_describe(roots_of(config))}.")
        if update and (index is None or is_stale(index, roots_of(config), index_settings(config))):
            if index is not None:
                log("The corpus changed since the index was built: updating it.")
            report = build_index(config, embedder, log=log)
            log(f"Indexed {report.summary()}.")
            index = Index.load(config.index_dir)
            if not isinstance(embedder, OnnxEmbedder):
                embedder = load_embedder(config.model)  # the build may just have exported it
        return cls(config, index, embedder, generator)

    def refresh(self) -> bool:
        """Switch to a newer index version if `rag index` has written one; True if it switched.
        A running server calls this, so a re-index never needs a restart."""
        try:
            if current_version(self.config.index_dir) == self.index.path:
                return False
            index = Index.load(self.config.index_dir)
        except (IndexMissing, IndexCorrupt):
            return False  # keep answering from the index in memory
        self.index, self.retriever = index, Retriever(index)
        return True

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """The passages for a question, best first, with what retrieval learnt about the question."""
        question = clean_question(question, self.config.max_question_chars)
        return self.retriever.search(self.embedder.encode([question])[0], question, k or self.config.k)

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retrieve(question, k).passages

    def answer(self, question: str, retrieval: Retrieval) -> Answer:
        """The generator's answer from a retrieval already made (a stream sends its passages first)."""
        return self.generator.generate(clean_question(question, self.config.max_question_chars), retrieval)

    def stream(self, question: str, retrieval: Retrieval) -> AnswerStream | None:
        """The answer as it is written, when the generator writes (streams) it; None when it does not."""
        if not hasattr(self.generator, "stream"):
            return None
        return self.generator.stream(clean_question(question, self.config.max_question_chars), retrieval)

    def ask(self, question: str, k: int | None = None) -> Answer:
        started = time.perf_counter()
        answer = self.answer(question, self.retrieve(question, k))
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        return answer


def clean_question(question: str, limit: int) -> str:
    """The question with control characters and runs of whitespace folded to single spaces.
    QuestionError if it is empty, too long, or has no word in it at all ("???")."""
    if not isinstance(question, str) or not question.strip():
        raise QuestionError("the question is empty")
    if len(question) > limit:
        raise QuestionError(f"the question is too long ({len(question)} characters; the limit is {limit})")
    question = " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())
    if not any(ch.isalnum() for ch in question):
        raise QuestionError("the question has no words in it")
    return question


def roots_of(config: Config) -> list[Path]:
    corpus = config.corpus if isinstance(config.corpus, (list, tuple)) else [config.corpus]
    return [Path(p).expanduser() for p in corpus]


def index_settings(config: Config) -> dict:
    return {"chunk_tokens": config.chunk_tokens, "chunk_overlap": config.chunk_overlap, "chunker": CHUNKER_VERSION}


def build_index(config: Config, embedder: Embedder | None = None, rebuild: bool = False,
                log: Callable[[str], None] = lambda message: None) -> BuildReport:
    embedder = embedder or load_embedder(config.model)
    roots = roots_of(config)
    for root in roots:
        if not root.exists():
            raise FileNotFoundError(f"corpus not found: {root}")
    return build(roots, config.index_dir, embedder, index_settings(config), rebuild=rebuild, log=log)


def _describe(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)
