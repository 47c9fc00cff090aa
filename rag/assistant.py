"""The library API: open an index over a corpus, ask questions, search passages."""
from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .answer import Answer, AnswerStream, ExtractiveGenerator, Generator
from .build import BuildReport, build, is_stale
from .chunk import VERSION as CHUNKER_VERSION
from .config import Config, check_k, default_corpus
from .embed import Embedder, OnnxEmbedder, load_embedder
from .errors import RagError
from .retrieve import Passage, Retrieval, Retriever
from .stores import IndexMissing, Store, open_store
from .text import has_han, mostly_han

if TYPE_CHECKING:
    from .translate import Translation


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
    def __init__(self, config: Config, store: Store, embedder: Embedder, generator: Generator | None = None) -> None:
        self.config = config
        self.store = store
        self.embedder = embedder
        self.retriever = Retriever(store)
        self.generator = generator or make_generator(config)
        self._refresh_error = ""

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
        """Open the store, building or updating it first when the corpus changed (unless update=False)."""
        config = config or Config(**settings)
        if index_dir is not None:
            config.index_dir = Path(index_dir)
        if corpus is not None:
            config.corpus = corpus
        generator = make_generator(config)  # a bad setting fails before the slow part
        embedder = load_embedder(config.model)  # ONNX when exported: no PyTorch import on a fresh index
        try:
            store = open_store(config.store, config.index_dir)
            missing = False
        except IndexMissing:
            if not update:
                raise
            store, missing = open_store(config.store, config.index_dir, create=True), True
        settle_corpus(config, store.manifest)
        if missing:
            log(f"No index yet in {location(config)}: building it from {_describe(roots_of(config))}.")
        if update and (missing or is_stale(store.manifest, roots_of(config), index_settings(config), config.follow_symlinks)):
            if not missing:
                log("The corpus changed since the index was built: updating it.")
            try:
                report = build_index(config, embedder, store=store, log=log)
            except (RagError, OSError) as exc:
                if missing:
                    raise
                # A read-only index, a full disk, a missing or emptied corpus: the index is intact, so answer from it.
                log(f"warning: the index could not be updated ({_reason(exc)}); answering from the index built "
                    f"{store.manifest.get('created', 'before')}")
            else:
                log(f"Indexed {report.summary()}.")
                if not isinstance(embedder, OnnxEmbedder):
                    embedder = load_embedder(config.model)  # the build may just have exported it
        return cls(config, store, embedder, generator)

    def refresh(self) -> bool:
        """Switch to the store's newest version if `rag index` has written one since; True if it switched.
        A running server calls this, so a re-index never needs a restart; opening a version parses
        nothing, so this is quick at any size, and searches in flight finish on the version they began on."""
        try:
            if not self.store.refresh():
                return False
        except Exception as exc:  # whatever is wrong on disk or in the database, the version open still answers
            if str(exc) != self._refresh_error:  # one line per new problem, not one per question
                logging.getLogger(__name__).warning("keeping the loaded index: %s", _reason(exc))
                self._refresh_error = str(exc)
            return False
        self._refresh_error = ""
        self.retriever = Retriever(self.store)
        return True

    def retrieve(self, question: str, k: int | None = None) -> Retrieval:
        """The passages for a question, best first, with what retrieval learnt about the question.
        A question with Chinese in it is searched as the English question it asks (Retrieval.question)."""
        question = clean_question(question, self.config.max_question_chars)
        k = check_k(self.config.k if k is None else k)
        if not has_han(question):
            return self.retriever.search(self.embedder.encode([question])[0], question, k)
        translation = self.translate(question)
        clean_question(translation.question, self.config.max_question_chars)  # only particles: no words to search
        return self.retriever.search(self.embedder.encode([translation.question])[0], translation.question,
                                     k, asked=translation.own)

    def translate(self, question: str) -> "Translation":
        """A Chinese (or mixed) question read in English, with the senses the corpus uses."""
        from .translate import translate  # the Chinese dictionary loads only for a Chinese question

        return translate(question, known=lambda term: self.store.document_frequency([term])[term] > 0)

    def searched_as(self, question: str) -> str:
        """The question as it is searched and answered: a Chinese question as the English one it asks."""
        return self.translate(question).question if has_han(question) else question

    def search(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retrieve(question, k).passages

    def answer(self, question: str, retrieval: Retrieval) -> Answer:
        """The generator's answer from a retrieval already made (a stream sends its passages first).
        A question searched in English is answered in English, and says so (Answer.searched_as)."""
        question = clean_question(question, self.config.max_question_chars)
        if not has_han(question) or retrieval.question == question:
            return self.generator.generate(question, retrieval)
        answer = self.generator.generate(retrieval.question, retrieval)
        if any(mostly_han(p.chunk.text) for p in retrieval.passages):
            # A passage in Chinese is read with the question's own words; the better supported answer wins.
            own = self.generator.generate(self.translate(question).own, retrieval)
            if not own.abstained and (answer.abstained or own.citations[0].score > answer.citations[0].score):
                answer = own
        answer.question, answer.searched_as = question, retrieval.question
        return answer

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


def settle_corpus(config: Config, manifest: dict) -> None:
    """An unset corpus becomes the folders the index was built from, or the bundled corpus for a new index."""
    if config.corpus is None:
        roots = [Path(r) for r in manifest.get("roots", [])]
        config.corpus = (roots[0] if len(roots) == 1 else roots) if roots else default_corpus()


def roots_of(config: Config) -> list[Path]:
    corpus = config.corpus if isinstance(config.corpus, (list, tuple)) else [config.corpus]
    return [Path(p).expanduser() for p in corpus]


def index_settings(config: Config) -> dict:
    return {"chunk_tokens": config.chunk_tokens, "chunk_overlap": config.chunk_overlap, "chunker": CHUNKER_VERSION}


def build_index(config: Config, embedder: Embedder | None = None, rebuild: bool = False, store: Store | None = None,
                log: Callable[[str], None] = lambda message: None) -> BuildReport:
    """Bring the configured store (or the one given) up to date with the corpus."""
    if config.corpus is None:  # the index's own documents: open it first to learn which they are
        store = store or open_store(config.store, config.index_dir, create=True)
        settle_corpus(config, store.manifest)
    roots = roots_of(config)
    for root in roots:
        if not root.exists():
            raise RagError(f"corpus not found: {root}")
    embedder = embedder or load_embedder(config.model)
    if store is None:
        store = open_store(config.store, config.index_dir, create=True)
    return build(roots, store, embedder, index_settings(config), rebuild=rebuild, log=log,
                 allow_empty=config.allow_empty, follow_symlinks=config.follow_symlinks)


def _describe(roots: list[Path]) -> str:
    return ", ".join(str(r) for r in roots)


def location(config: Config) -> str:
    """Where the configured store is, for messages."""
    return str(config.index_dir) if config.store == "local" else redact(config.store)


def redact(url: str) -> str:
    """A store URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", url)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return str(exc).splitlines()[0] if str(exc).strip() else exc.__class__.__name__
