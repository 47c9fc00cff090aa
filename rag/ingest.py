"""Read a folder of documents and clean each into a title and headed paragraphs.

Every paragraph keeps its character offsets into the document's cleaned text, so a
citation can point at the exact sentence a user can check.
"""
from __future__ import annotations

import hashlib
import math
import os
import re
import statistics
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, partial
from html.parser import HTMLParser
from pathlib import Path

from . import vocab
from .errors import RagError
from .text import DATE, is_code

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_FILE_BYTES = 20 << 20  # larger files would take hours to embed on a laptop; they are skipped, with the reason


class UnreadableFile(RagError):
    """A file that cannot be turned into text; the message says why in a few words."""


@dataclass
class Paragraph:
    start: int
    end: int
    heading: str  # the section heading this paragraph sits under ("" before the first)
    is_heading: bool = False


@dataclass
class Document:
    doc_id: str  # the path relative to the corpus root, e.g. "001_e0bc9c2f253517cb.txt"
    title: str
    text: str
    paragraphs: list[Paragraph] = field(default_factory=list)


def find_files(root: Path) -> list[Path]:
    """The document files under root (or root itself), in a stable order, skipping hidden ones."""
    return list_files(root)[0]


def list_files(root: Path, follow_symlinks: bool = False) -> tuple[list[Path], dict[Path, str]]:
    """The document files under root, and the document-named entries that are not read, each with
    the reason. The walk is iterative (a tree 1 200 folders deep would overflow recursion) and
    does not enter linked folders; a link to a file outside root is read only with follow_symlinks,
    so a link cannot pull /etc/passwd into the corpus."""
    if root.is_file():
        return [root], {}
    found, skipped = [], {}
    inside = os.path.realpath(root)
    pending = [str(root)]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as entries:
                entries = list(entries)
        except OSError as exc:
            if folder != str(root):
                skipped[Path(folder)] = f"folder not readable ({exc.strerror})"
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            elif Path(entry.name).suffix.lower() in SUFFIXES:
                path = Path(entry.path)
                reason = _not_readable(entry, inside, follow_symlinks)
                if reason:
                    skipped[path] = reason
                else:
                    found.append(path)
    return sorted(found), dict(sorted(skipped.items()))


def _not_readable(entry: os.DirEntry, inside: str, follow_symlinks: bool) -> str:
    """Why a document-named entry is not read ("" if it is)."""
    if printable_name(entry.path) != entry.path:
        return "file name is not valid UTF-8; rename it"
    if entry.is_symlink():
        target = os.path.realpath(entry.path)
        if not follow_symlinks and os.path.commonpath([inside, target]) != inside:
            return "links outside the corpus folder (index it with --follow-symlinks)"
        if not os.path.exists(target):
            return "broken link"
    try:
        regular = entry.is_file()
    except OSError as exc:
        return exc.strerror or str(exc)
    return "" if regular else "not a regular file"


def printable_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (kept by os.fsdecode as surrogates) become \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def check_size(size: int) -> None:
    """UnreadableFile for a file over the limit: checked before a file is hashed or read."""
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"too large ({size >> 20} MB; the limit is {MAX_FILE_BYTES >> 20} MB)")


def load_document(path: Path, doc_id: str) -> Document:
    """Read and clean one file; raises UnreadableFile with a short reason."""
    try:
        check_size(path.stat().st_size)
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # a file that grew since the check is still bounded
        check_size(len(data))
    except OSError as exc:
        raise UnreadableFile(exc.strerror or str(exc)) from None
    if path.suffix.lower() == ".pdf":
        return _assemble(doc_id, _text_blocks(_pdf_text(data)), first_line_titles=True)
    text = decode(data)
    if path.suffix.lower() in (".md", ".markdown"):
        title, blocks = _markdown_blocks(text)
        return _assemble(doc_id, blocks, title)
    if path.suffix.lower() in (".html", ".htm") or _SPACED_TAG.search(text) or _HTML_TAG.search(text):
        title, blocks = _html_page(text)
        return _assemble(doc_id, blocks, title)
    return _assemble(doc_id, _text_blocks(_without_page_furniture(text)))


_FOOTNOTE_RULE = re.compile(r"^\s*_{10,}\s*$")


def _line_key(line: str) -> str:
    """A line as page furniture recurs: spacing collapsed, numbers (page, date, version) alike."""
    return re.sub(r"\d+", "#", " ".join(line.split()))


def _without_page_furniture(text: str) -> str:
    """Plain text paginated for print: its page footers ("man-db v2.11.2 2023-01-08", with numbers that
    may change) recur as short lines, and a page's footnotes follow a rule of underscores up to a blank
    line. The footers are dropped and the footnotes moved to the end, so that neither splits the
    paragraph it falls into."""
    lines = text.splitlines()
    counts = Counter(_line_key(line) for line in lines if line.strip())
    furniture = {k for k, n in counts.items() if n >= 3 and "#" in k and re.search(r"[^\W\d_]", k) and len(k.split()) <= 6}
    body, notes, in_note = [], [], False
    for line in lines:
        if _FOOTNOTE_RULE.match(line):
            in_note = True
            notes.append("")
        elif in_note and not line.strip():
            in_note = False
        elif _line_key(line) not in furniture:
            (notes if in_note else body).append(line)
    return "\n".join(body + notes)


# Typeset ligatures as their letters: "ampliﬁer" is the "amplifier" a question asks about.
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary file, not text")
    return _without_terminal_markup(_as_text(data)).translate(_LIGATURES)


def _as_text(data: bytes) -> str:
    """The bytes in the encoding they declare (an HTML or XML page), else UTF-8, else GB18030 when they
    read as Chinese, else Windows-1252: an old Western page with no declaration ("\xb0" for a degree)."""
    declared = _DECLARED.search(data[:4096])
    for encoding in ([(declared[1] or declared[2]).decode("ascii")] if declared else []) + ["utf-8-sig", "gb18030"]:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if encoding != "gb18030" or _reads_as_chinese(text):
            return text
    return data.decode("cp1252", errors="replace")


_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?([A-Za-z0-9_-]+)|<\?xml[^>]*encoding=["']([A-Za-z0-9_-]+)""", re.I)
_FOREIGN_RUN = re.compile(r"[^\x00-\x7f]+")


def _reads_as_chinese(text: str) -> bool:
    """Western bytes may decode as GB18030 too ("soci\xe9t\xe9s" as "soci閠閟"), but then most of its
    characters are in short runs that follow a Latin letter, as accented letters do; Chinese text is not."""
    runs = list(_FOREIGN_RUN.finditer(text))
    glued = sum(len(m[0]) for m in runs if m.start() > 0 and text[m.start() - 1].isascii() and text[m.start() - 1].isalpha())
    return glued * 2 < sum(len(m[0]) for m in runs)


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_OVERSTRUCK = re.compile(r"[^\n\x08]\x08(?=[^\n\x08])")  # "b\bb" bold, "_\bx" underline: the last one shows


def _without_terminal_markup(text: str) -> str:
    """Text as a terminal shows it: a manual page saved from `man` or groff holds colour and bold
    escapes ("\x1b[1m") and overstruck letters, which would otherwise split its words and headings."""
    if "\x1b" not in text and "\x08" not in text:
        return text
    return _OVERSTRUCK.sub("", _ANSI.sub("", text.replace("+\x08o", "•")))


def _pdf_text(data: bytes) -> str:
    import io

    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings would precede our one-line reason

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableFile("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        if _badly_glued("\n".join(pages)):
            pages = _pdfium_pages(data)
        pages = _without_running_lines([_tex_glyphs(page) for page in pages])
        return _unglued("\n".join(_footnotes_last(pages)).translate(_LIGATURES))
    except UnreadableFile:
        raise
    # pypdf raises many types on hostile files (LimitReachedError on a Flate bomb, RecursionError on
    # deep nesting, AssertionError, NotImplementedError…): any of them means this one file is unreadable.
    except Exception as exc:
        raise UnreadableFile(f"corrupt PDF ({exc.__class__.__name__})") from None


_BADLY_GLUED = 50  # runs of glued words: a page set by moving its text, whose spaces pypdf lost


def _badly_glued(text: str) -> bool:
    return len(_surely_glued(text)) >= _BADLY_GLUED


def _pdfium_pages(data: bytes) -> list[str]:
    """The pages as pdfium reads them: it puts a space wherever the layout leaves a gap, so a justified
    page keeps its words apart ("In november 2007 however" where pypdf gave "Innovember2007however"),
    which splitting by word frequencies can only guess back."""
    import pypdfium2 as pdfium

    with _PDFIUM:  # (pdfium is not thread-safe, and the server may take two uploads at once)
        document = pdfium.PdfDocument(data)
        try:
            return [_pdfium_page(document[i]) for i in range(len(document))]
        finally:
            document.close()


def _pdfium_page(page) -> str:
    text = page.get_textpage().get_text_range().replace("\r\n", "\n").replace("\r", "\n")
    # A word hyphenated at a line's end comes joined, its hyphen marked U+FFFE ("docu\ufffementation"):
    # the line break is put back, so that lines keep their width, and _reflow joins the word.
    text = text.replace("\ufffe", "-\n")
    # (a stop after a raised footnote mark comes on a line of its own: "micro-controller1" / ".")
    return re.sub(r"(?<=\w)\n([.,;:])(?=\n)", r"\1", text)


_PDFIUM = threading.Lock()


# A TeX font whose encoding the PDF does not spell out leaves its ligatures and accents as the control
# characters at their places in TeX's OT1 layout ("speci\x0ced", "E\x13en" for "Eén"), which would also
# break the line there.
_OT1_LIGATURE = re.compile(r"[\x0b-\x0f](?=[a-z])|(?<=[a-z])[\x0b-\x0f]")
_OT1 = {"\x0b": "ff", "\x0c": "fi", "\x0d": "fl", "\x0e": "ffi", "\x0f": "ffl"}
_OT1_ACCENT = re.compile(r"([\x12-\x17\x7f])([A-Za-z])")
_OT1_ACCENTS = {"\x12": "\u0300", "\x13": "\u0301", "\x14": "\u030c", "\x15": "\u0306", "\x16": "\u0304",
                "\x17": "\u030a", "\x7f": "\u0308"}  # grave, acute, caron, breve, macron, ring, dieresis
_SPACING_ACCENTS = {"´": "\u0301", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303", "˚": "\u030a", "ˇ": "\u030c"}
_SPACING_ACCENT = re.compile(rf"(?<=[A-Za-z])([{''.join(_SPACING_ACCENTS)}])([A-Za-z])")


def _tex_glyphs(text: str) -> str:
    text = _OT1_LIGATURE.sub(lambda m: _OT1[m[0]], text)
    text = _OT1_ACCENT.sub(partial(_on_letter, _OT1_ACCENTS), text)
    # (an accent may also come as a spacing mark before its letter: "Niklas E´en")
    text = _SPACING_ACCENT.sub(partial(_on_letter, _SPACING_ACCENTS), text)
    # (a symbol font's bullet may come out as a C1 control character, which is never text: "\x88 The Boost …")
    return _C1_CONTROL.sub("", _C1_BULLET.sub("•", text))


def _on_letter(accents: dict[str, str], found: re.Match) -> str:
    """The accent found before its letter, as that letter accented."""
    return unicodedata.normalize("NFC", found[2] + accents[found[1]])


_C1_BULLET = re.compile(r"(?m)^[\x80-\x9f](?=\s)")
_C1_CONTROL = re.compile(r"[\x80-\x9f]")


# Runs of letters this long with no space in them are words glued together: a justified PDF line may set
# its spaces by moving the text, and the extraction then loses them ("Thisisusefulforanumberofpurposes").
# (A glued line is at most a line long; a longer run is no text, and splitting it would cost seconds.)
_GLUED = re.compile(r"(?<![A-Za-z])[A-Za-z]{12,200}(?![A-Za-z])")
_SURELY_GLUED = 18  # letters: shorter runs are often real words ("optoelectronics")
_SENTENCE_RUN = 25  # letters: no English word is this long


def _surely_glued(text: str) -> set[str]:
    return {run for run in _GLUED.findall(text) if len(run) >= _SURELY_GLUED}


def _unglued(text: str) -> str:
    """Glued English words split apart by word frequencies (wordninja's list of 125k words), in a
    document that shows the fault: three or more runs of 18 letters that split into three words or
    more. A split into fewer words, or with a fragment, is more likely one long word cut wrongly,
    unless the run is no word at all ("softwarepackages")."""
    runs = _surely_glued(text)
    if len(runs) < 3:
        return text
    import wordninja

    split = lru_cache(maxsize=None)(wordninja.split)  # (a long run is split to judge the document, then again to mend it)
    if sum(len(words) >= 3 and _plausible(run, words) for run, words in ((r, split(r)) for r in runs)) < 3:
        return text
    # Such a document also lost the spaces around numbers and after its commas ("more than59100software
    # packages", "stable,but"); a word run into a number is a glued one too.
    text = _GLUED_AROUND.sub(" ", text)
    known = _word_costs()
    splits = {}
    for run in set(_GLUED.findall(text)):
        words = split(run)
        if (len(words) >= 3 or (len(words) == 2 and run.lower() not in known)) and _plausible(run, words):
            splits[run] = words
    return _GLUED.sub(lambda m: " ".join(splits[m[0]]) if m[0] in splits else m[0], text)


def _plausible(run: str, words: list[str]) -> bool:
    """In a run too short to be a sentence, a piece of one or two letters that is no function word means
    a long word was cut ("op to electronics"); in a longer one it is a name wordninja does not know ("dch")."""
    return len(run) >= _SENTENCE_RUN or all(len(w) > 2 or w.lower() in vocab.STOPWORDS for w in words)


# where a glued document lost a space: between a word and a number ("than59100", "versions0.61", "on9architectures"),
# and after a comma or an opening bracket between words (not in "amd64", "3rd", "1,000" or "f(x)")
_GLUED_AROUND = re.compile(r"(?<=[a-z]{4})(?=\d[.,]?\d)|(?<=\d)(?=[a-z]{4})|(?<=\d{2})(?=[a-z]{3})|(?<=[a-z],)(?=[a-z])"
                           r"|(?<=[a-z]{2})(?=\([a-z]{2})")


_EDGE_LINES = 2  # how many lines at the top and at the bottom of a page may be its header or footer


def _without_running_lines(pages: list[str]) -> list[str]:
    """The pages without their running headers and footers: a line near a page's top or bottom that
    recurs (page numbers aside) near the edge of a third or more of the pages ("Chapter 3: Utilities
    6", "Shared MIME-info Database"), or a short one that holds a phrase recurring so ("1.2. Getting
    Set Up Ubuntu Packaging Guide", where the section changes by chapter but the book's name recurs).
    A chapter's running header recurs on fewer pages ("The Root Filesystem" on 14 of 50): a short line
    near the edge of three pages in a row that never stands anywhere else is one too. The first page
    keeps its lines: there such a line is the title. A label that recurs inside pages ("Objective",
    "Procedure") is content and stays."""
    def phrases(line: str) -> set[str]:
        words = _line_key(line).split()
        return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}

    pages_lines = [[line for line in page.splitlines() if line.strip()] for page in pages]
    edges = [lines[:_EDGE_LINES] + lines[-_EDGE_LINES:] for lines in pages_lines]
    enough = max(3, len(pages) // 3)
    keys = [{_line_key(line) for line in lines} for lines in edges]
    inside = {_line_key(line) for lines in pages_lines for line in lines[_EDGE_LINES:-_EDGE_LINES]}
    in_a_row = set().union(*(a & b & c for a, b, c in zip(keys, keys[1:], keys[2:])))
    running = {k for k, n in Counter(k for page in keys for k in page).items() if n >= enough or (
               k in in_a_row and k not in inside and _words(k) <= 8 and not k.endswith(_SENTENCE_END))}
    recurring = {p for p, n in Counter(p for lines in edges for p in set().union(*map(phrases, lines))).items()
                 if n >= enough}
    if not running and not recurring:
        return pages

    def is_running(line: str) -> bool:
        return _line_key(line) in running or (_words(line) <= 12 and not line.rstrip().endswith(_SENTENCE_END)
                                        and bool(phrases(line) & recurring))

    kept = [pages[0]]
    for lines in pages_lines[1:]:
        edge = set(range(_EDGE_LINES)) | set(range(len(lines) - _EDGE_LINES, len(lines)))
        kept.append("\n".join(line for i, line in enumerate(lines) if not (i in edge and is_running(line))))
    return kept


# A footnote at a page's foot: its mark glued to its first word or link ("2For information …",
# "1http://expeyes.in/…"), as a superscript extracts.
# (group 1 is the number, group 2 the space after it: empty for a glued mark, whose text has no mark to drop)
_PDF_FOOTNOTE = re.compile(r"\s*(\d{1,2})()(?=[A-Z][a-z]+\b|https?://|www\.)")
_SPACED_FOOTNOTE = re.compile(r"\s*(\d{1,3})(\s+)(?=\S)")


def _footnotes_last(pages: list[str]) -> list[str]:
    """The pages with the footnotes at their foot (from the first footnote line in the page's last
    third) moved after the last page, each as a paragraph of its own without its mark: left in place,
    a footnote runs into the sentence that the page break cut ("differentiated to 4http://…") or into
    the next page's first sentence."""
    kept, notes = [], []
    last = 0  # the number of the last footnote seen: footnotes are numbered on through the document
    for page in pages:
        lines = page.splitlines()
        start = next((i for i in range(max(1, len(lines) * 2 // 3), len(lines))
                      if _footnote_mark(lines[i], last, lines[:i])), len(lines))
        body = "\n".join(lines[:start])
        for line in lines[start:]:
            mark = _footnote_mark(line, last, lines[:start])
            if mark:
                notes.append("")
                last = int(mark.group(1))
                # (its mark in the text, "… used by scripts. 1", goes too)
                body = _mark_in_text(last).sub("", body, count=1) if mark.group(2) else body
            notes.append(line[mark.end():] if mark else line)
        kept.append(body)
    return kept + (["\n".join(notes)] if notes else [])


def _footnote_mark(line: str, last: int, above: list[str]) -> re.Match | None:
    """The footnote mark that starts line: glued to the note's first word or link ("2For information",
    "1http://…"), or, spaced ("3 Systems that use …"), the next number of the document's footnotes
    when the page's text above carries it as a mark ("… used by scripts. 3")."""
    glued = _PDF_FOOTNOTE.match(line)
    if glued:
        return glued
    spaced = _SPACED_FOOTNOTE.match(line)
    if not spaced or not last < int(spaced.group(1)) <= last + 3:
        return None
    mark = _mark_in_text(int(spaced.group(1)))
    return spaced if any(mark.search(text) for text in above) else None


def _mark_in_text(number: int) -> re.Pattern:
    """A spaced footnote's mark where the text refers to it: after a stop, comma or bracket ("… scripts. 3")."""
    return re.compile(rf"(?<=[.,;:)])\s{number}(?=\s|$)", re.M)


# --- HTML, including HTML whose tags were escaped with spaces ("< p >", "< / p >") ---

# Every pattern here runs on untrusted text, so none may backtrack over a run twice: no two
# quantifiers that can both take the same whitespace ("<\s+/?\s*" took minutes on "<" and 200 KB of spaces).
_SPACED_TAG = re.compile(r"<\s+(?:/\s*)?(?:p|h[1-6]|div|img|strong|br|li|span|a)\b[^<>]*>")
_HTML_TAG = re.compile(r"</?(?:p|h[1-6]|div|br|li|body|html)\b[^<>]*>", re.I)
_TAG_SPACING = re.compile(r"<\s*(?:(/)\s*)?([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>")
# Each of these is a unit of its own: a list item, a definition term or its definition, a table row are
# never run together with what follows.
_BLOCK_TAGS = {"p", "div", "li", "br", "tr", "section", "article", "blockquote", "dt", "dd", "pre", "figcaption",
               "caption", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6"}
_SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "nav", "footer", "aside", "button",
              "form", "select", "svg"}
_VOID_TAGS = {"br", "img", "hr", "meta", "link", "input", "wbr", "col", "area", "base", "source", "embed"}
# Page chrome, marked by its role (or its class or id: vocab.CHROME_MARKERS).
_CHROME_ROLES = {"navigation", "search", "banner", "contentinfo", "complementary", "menu", "toolbar"}


# A dropped footnote mark leaves this in the text, to be removed with the brackets around it ("[<a>29</a>]"),
# so that the text's own empty brackets ("String[] args") stay.
_MARK = "\x00"
# (with the full stop a mark after a sentence's own stop was followed by: "upgrades. [3]. The second")
_DROPPED_MARK = re.compile(rf"(?<=[.!?])\s?\[?{_MARK}\]?\.(?!\.)|\s?\[?{_MARK}\]?")


class _BlockParser(HTMLParser):
    """HTML body text as (is_heading, text) blocks; the page's <title> and first <h1> on the side."""

    def __init__(self, chrome_classes: bool = True) -> None:
        super().__init__(convert_charrefs=True)
        self.chrome_classes = chrome_classes  # an element's class or id may mark it as chrome ("sidebar-nav")
        self.blocks: list[tuple[bool, str]] = []
        self.page_title = ""
        self.h1 = ""
        self._parts: list[str] = []
        self._heading = False
        self._byline = False  # the block is marked as an author's name
        self._skip: list[str] = []  # the open elements whose text is not content
        self._in_title = False
        self._cells: list[str] | None = None  # the cells of the table row being read
        self._header_row = False  # the row being read has only <th> cells
        self._columns: list[str] = []  # the table's column names, from its header row
        self._term = ""  # a definition term (<dt>) waiting for its definition
        self._in_term = False
        self._definitions = 0  # <dd> elements open: a definition's paragraphs are one unit with its term
        self._in_link_here = False  # inside <a href="#…">: a bare number there is a footnote mark
        # A paragraph that is one short bold phrase is a heading by its look ("<p><b>Maximum Depth Of An
        # Expression Tree</b></p>"): these count the bold elements open and the text read in and out of them.
        self._block_tag = ""
        self._bold = 0
        self._bold_text = self._plain_text = False
        # A list item that is only a link to a place on the same page is an entry of its table of contents:
        # it repeats a heading, and no answer is in it ("A.9.1 Is putty.org your website?").
        self._linked_text = self._unlinked_text = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        if self._skip:
            if tag not in _VOID_TAGS:
                self._skip.append(tag)
            return
        if tag in _SKIP_TAGS or _is_chrome(attrs, self.chrome_classes):
            if tag not in _VOID_TAGS:
                self._skip.append(tag)
            return
        if self._cells is not None and tag not in ("tr", "table"):
            if tag in ("td", "th"):  # inside a row only its cells divide
                self._end_cell()
                self._header_row &= tag == "th"
        elif tag in ("p", "div") and self._definitions:
            self._parts.append(" ")
        elif tag in _BLOCK_TAGS:
            self.flush()
            self._definitions += tag == "dd"
            self._block_tag = tag
            self._heading = tag[0] == "h" and tag[1:].isdigit()
            self._byline = _names_class(attrs, vocab.BYLINE_MARKERS)
            self._in_term = tag == "dt"
            self._cells = [] if tag == "tr" else None
            self._header_row = True
            if tag == "table":
                self._columns = []
        elif tag in ("b", "strong"):
            self._bold += 1
        elif tag == "a":
            self._in_link_here = (dict(attrs).get("href") or "").startswith("#")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._skip:
            if tag in self._skip:  # close up to the matching element (HTML leaves some ends out)
                del self._skip[len(self._skip) - 1 - self._skip[::-1].index(tag):]
            return
        if self._cells is not None and tag not in ("tr", "table"):
            if tag in ("td", "th"):
                self._end_cell()
        elif tag in ("b", "strong"):
            self._bold = max(0, self._bold - 1)
        elif tag == "a":
            self._in_link_here = False
        elif tag in ("p", "div") and self._definitions:
            self._parts.append(" ")
        elif tag in _BLOCK_TAGS:
            if tag == "h1" and not self.h1:
                self.h1 = _clean_heading("".join(self._parts))
            self.flush()
            self._definitions -= tag == "dd" and self._definitions > 0

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.page_title += data
        elif self._skip:
            return
        elif self._in_link_here and re.fullmatch(r"\[?\d{1,3}\]?", data.strip()):
            self._parts.append(_MARK)  # a footnote mark ("fields. 2 The stanzas …", "[29]"): no number of the text
        else:
            data = _ICON.sub("", data)  # (an icon font's glyph, "\uf0c1" for a permalink, is no text)
            self._parts.append(data)
            if _has_letters(data):  # ("1. <a href="#intro">Introduction</a>" is still a link alone)
                self._linked_text |= self._in_link_here
                self._unlinked_text |= not self._in_link_here
            if data.strip():
                if self._bold:
                    self._bold_text = True
                else:
                    self._plain_text = True

    def _end_cell(self) -> None:
        raw = "".join(self._parts)
        self._parts = []
        drawn = _text_table([line for line in raw.splitlines() if line.strip()])
        if drawn:  # a table drawn in text, framed by a one-cell layout table
            self.blocks += [(False, row) for row in drawn]
            return
        cell = " ".join(raw.split())
        if cell:
            self._cells.append(cell)

    def _row(self, cells: list[str]) -> str:
        """A table row as one unit: "Version: 3.8.0; Released: 14 October 2019" under a header row
        (which is context, not a unit of its own), else its cells one after another."""
        if self._header_row and not self._columns:
            self._columns = cells
            return ""
        return _table_row(self._columns, cells)

    def flush(self) -> None:
        if self._block_tag == "pre" and self._cells is None:
            self._add_term()
            self.blocks += [(False, block) for block in _preformatted("".join(self._parts))]
            self._parts, self._heading, self._in_term, self._block_tag = [], False, False, ""
            return
        if self._cells is not None:
            self._end_cell()
            text, self._cells = self._row(self._cells), None
        else:
            text = " ".join("".join(self._parts).split())
        text = _DROPPED_MARK.sub("", _PERMALINKS.sub("", text))
        if self._block_tag == "li" and self._linked_text and not self._unlinked_text:
            text = ""
        self._heading = self._heading or (self._block_tag in ("p", "div") and self._bold_text and not self._plain_text
                                          and _words(text) <= 12 and not text.endswith(_SENTENCE_END))
        # DocBook sets the author's name as a heading (<h3 class="author">): it is a byline, text. (What has
        # digits under that mark is no name but the manual's version and date: "v1.11.1, Aug 2022".)
        self._heading = self._heading and not (self._byline and not any(ch.isdigit() for ch in text))
        # (so is a heading that is a name with its address: LinuxDoc's "<h2>Edward Vigmond <code>evigmon@…</code></h2>")
        self._heading = self._heading and not _SIGNED.fullmatch(text)
        if self._heading:
            text = _clean_heading(text)
        if text and self._in_term:  # a term reads with its definition: "Release date: 23 December 2016"
            self._term = f"{self._term}, {text}" if self._term else text  # "-u, --include-untracked: …"
        elif text:
            if self._term and not self._heading:
                text = f"{self._term.rstrip(':')}: {text}"
                self._term = ""
            self._add_term()
            self.blocks.append((self._heading, text))
        self._parts, self._heading, self._in_term, self._byline = [], False, False, False
        self._block_tag, self._bold_text, self._plain_text = "", False, False
        self._linked_text = self._unlinked_text = False

    def _add_term(self) -> None:
        """A term nothing defined is a unit of its own."""
        if self._term:
            self.blocks.append((False, self._term))
            self._term = ""


def _table_row(columns: list[str], cells: list[str]) -> str:
    """A table row as one unit: "Version: 3.8.0; Released: 14 October 2019" under its header's columns,
    else its cells one after another, a label cell with what it labels ("Default: DeflateBufferSize 8096")."""
    if len(cells) == len(columns):
        return "; ".join(f"{name}: {cell}" for name, cell in zip(columns, cells))
    return re.sub(r"(?<=:); ", " ", "; ".join(cells))


def _preformatted(text: str) -> list[str]:
    """A <pre> block as one unit: program code keeps its lines (context, never an answer: "APT { /* This
    is not necessary if …"); anything else (a program's output, "ERROR: … violates foreign key constraint
    …", a query's result table) reads as a paragraph. (A result table's rows as units of their own,
    "name: Las Vegas; elevation: 2174", were tried: a row apart from its header and query was retrieved
    less often.)"""
    raw = [line for line in text.splitlines() if line.strip()]
    rows = _text_table(raw)
    if rows:
        return rows
    lines = [" ".join(line.split()) for line in raw]
    return [("\n" if _is_program(lines) else " ").join(lines)] if lines else []


_RULE = re.compile(r"^\s*[-=]{3,}[-= ]*$")
_COLUMN_GAP = re.compile(r"\s{2,}|\t")


def _text_table(lines: list[str]) -> list[str]:
    """A table drawn in text, "Name  Value  Meaning" over a rule of dashes and rows whose cells two or
    more spaces part: its rows, each a unit under the header's columns ("Name: CACHE; Value: 16; Meaning:
    Watch cache files being written"); none when the block is no such table. (A query's result table,
    drawn with "|", stays one paragraph with its query: see _preformatted.)"""
    if len(lines) < 3 or not _RULE.match(lines[1]) or any("|" in line for line in lines):
        return []
    columns = _COLUMN_GAP.split(lines[0].strip())
    rows = [_COLUMN_GAP.split(line.strip()) for line in lines[2:] if not _RULE.match(line)]
    if len(columns) < 2 or not rows or sum(len(cells) == len(columns) for cells in rows) < 0.8 * len(rows):
        return []
    return [_table_row(columns, cells) for cells in rows]


_PROMPT = re.compile(r"^(?:[$#%>]|>>>)\s")  # a terminal's or an interpreter's prompt: "$ make", "# apt-get check"


def _is_program(lines: list[str]) -> bool:
    """Lines of program code or configuration, or a terminal session: code by its marks, or lines that
    end as statements and blocks do ("Architecture "i386";", "};", "class Dog:") or start at a prompt
    (">>> d.kind"), or a session that starts at a prompt."""
    statements = sum(line.endswith((";", "{", "}", "(", ")", "\\", "};", ":")) or bool(_PROMPT.match(line)) for line in lines)
    return is_code(" ".join(lines)) or 3 * statements >= len(lines) or bool(_PROMPT.match(lines[0]))


def _is_chrome(attrs: list, by_class: bool = True) -> bool:
    values = dict(attrs)
    if (values.get("role") or "").lower() in _CHROME_ROLES or values.get("aria-hidden") == "true":
        return True
    return by_class and _names_class(attrs, vocab.CHROME_MARKERS)


def _names_class(attrs: list, markers: tuple[str, ...]) -> bool:
    """The element's class or id starts or ends with one of the markers ("sidebar-nav", "author")."""
    values = dict(attrs)
    names = " ".join(filter(None, (values.get("class"), values.get("id")))).lower().split()
    return any(name.startswith(markers) or name.endswith(markers) for name in names)


_PERMALINKS = re.compile(r"(?:\s+[¶§#])+$")  # the link signs documentation generators end a paragraph with


def _clean_heading(text: str) -> str:
    """A heading without the permalink sign documentation generators append ("Tutorial¶")."""
    return " ".join(_DROPPED_MARK.sub("", text).split()).rstrip("¶#§ ").strip()


def _html_blocks(text: str) -> list[tuple[bool, str]]:
    return _html_page(text)[1]


def _html_page(text: str) -> tuple[str, list[tuple[bool, str]]]:
    """The page's title (its first <h1>, else its <title>) and its blocks."""
    spaced = bool(_SPACED_TAG.search(text))
    if spaced:
        text = _TAG_SPACING.sub(lambda m: f"<{m[1] or ''}{m[2]}{m[3].rstrip()}>", text)
        # Lines outside any tag (a title above escaped HTML, say) are paragraphs of their own.
        text = "\n".join(line if "<" in line else f"<p>{line}</p>" for line in text.splitlines())
    parser = _parsed(text)
    # A class that names chrome may be a layout's wrapper around the whole page ("wy-body-for-nav" of
    # Sphinx's Read the Docs theme): when it swallowed the page, elements are chrome by their role only.
    read = sum(_words(t) for _, t in parser.blocks)
    if read < _SHORT_PAGE:
        unmarked = _parsed(text, chrome_classes=False)
        if sum(_words(t) for _, t in unmarked.blocks) > 4 * max(1, read):
            parser = unmarked
    blocks = _merge_fields(_merge_headings(parser.blocks))
    if spaced:  # the escaping also spaced out hyphens: "year - on - year"
        blocks = [(h, re.sub(r"(?<=\w) - (?=\w)", "-", t)) for h, t in blocks]
    return parser.h1 or _page_title(parser.page_title), blocks


_SHORT_PAGE = 200  # words
_ICON = re.compile("[\ue000-\uf8ff]")  # Unicode's private use area


def _parsed(text: str, chrome_classes: bool = True) -> _BlockParser:
    parser = _BlockParser(chrome_classes)
    parser.feed(_closed_markup(text))
    parser.close()
    parser.flush()
    return parser


def _page_title(title: str) -> str:
    """A <title> without the site name after its last separator ("Tutorial — Python 3 documentation")."""
    title = " ".join(title.split())[:300]  # a title is short; the bound keeps the split linear
    head = re.split(r"\s+[—|–-]\s+(?!.*\s[—|–-]\s)", title, maxsplit=1)[0]
    return head if len(head) >= 3 else title


# A "<" that no ">" closes before the next "<" (the lookahead stops at the next angle, so this is linear).
_LONE_ANGLE = re.compile(r"<(?=[^<>]*(?:<|\Z))")


def _closed_markup(text: str) -> str:
    """The markup with comments dropped (an unclosed one runs to the end, as in a browser) and every
    unclosed "<" escaped. HTMLParser rescans to the end of the text for each unclosed construct, so
    "</" repeated 130 000 times took 24 s; after this pass it meets none."""
    kept, i = [], 0
    while (j := text.find("<!--", i)) >= 0:
        kept.append(text[i:j])
        end = text.find("-->", j + 4)
        i = len(text) if end < 0 else end + 3
    kept.append(text[i:])
    return _LONE_ANGLE.sub("&lt;", "".join(kept))


def _merge_headings(blocks: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Adjacent headings are one: "01 Intensive Actions" when the first only numbers the second, else
    "2.28.1 (2022-06-29): Improvements", so that what the outer one says (a release and its date) stays
    the context of the section that holds text. The document's first heading is its title, which every
    section has as context already: it gives way."""
    merged: list[tuple[bool, str]] = []
    for is_heading, text in blocks:
        if is_heading and merged and merged[-1][0]:
            outer = merged[-1][1]
            title = len(merged) == 1 and outer == blocks[0][1]
            merged[-1] = (True, f"{outer} {text}" if _only_numbers(outer)
                          else text if title else f"{outer.rstrip(':')}: {text}")
        else:
            merged.append((is_heading, text))
    return merged


# "Default: 5000", "Module: mod_deflate": a field of a record laid out one field to a block
_FIELD = re.compile(r"([A-Z][\w-]*(?: [\w-]+){0,2}):\s+\S")
_SHORT_FIELD = 100  # characters
_SECOND_FIELD = re.compile(r"; [A-Z][\w-]*(?: [\w-]+){0,2}: ")


def _merge_fields(blocks: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """A record laid out one field to a block (a reference page's "Option: Aptitude::…::StepLimit",
    "Default: 5000", "Description: …"; a directive's "Syntax: …", "Default: …", "Module: …") is one
    unit, so that the value stays with what it is the value of. A field joins the record before it
    while that record's fields are short and none has its label; a table row of several columns is a
    unit already and joins nothing."""
    merged: list[tuple[bool, str]] = []
    labels: set[str] = set()  # those of the record merged[-1], while it may take another field
    for is_heading, text in blocks:
        field = None if is_heading or _SECOND_FIELD.search(text) else _FIELD.match(text)
        if field and labels and field[1] not in labels:
            merged[-1] = (False, f"{merged[-1][1]}; {text}")
            labels.add(field[1])
        else:
            merged.append((is_heading, text))
            labels = {field[1]} if field else set()
        if len(text) > _SHORT_FIELD or text.endswith(_SENTENCE_END):
            labels = set()
    return merged


# --- Markdown ---

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?$")
_MD_SETEXT = re.compile(r"^(?:=+|-+)$")
_MD_ITEM = re.compile(r"^(?:[-*+]|\d{1,3}[.)])\s+")
_MD_BOLD_LINE = re.compile(r"(\*\*|__)[^*_]+\1:?")
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_MD_INLINE = [(re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # a link or image: its text
              (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
              (re.compile(r"(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
              (re.compile(r"`([^`]*)`"), r"\1")]  # a code span


def _md_inline(text: str) -> str:
    for pattern, keep in _MD_INLINE:
        text = pattern.sub(keep, text)
    return " ".join(text.split())


def _md_cells(line: str) -> list[str]:
    return [_md_inline(cell) for cell in line.strip().strip("|").split("|")]


def _markdown_blocks(text: str) -> tuple[str, list[tuple[bool, str]]]:
    """Markdown as (is_heading, text) blocks, and its first top-level heading as the title: headings
    without their marks, a paragraph's soft-wrapped lines joined, each list item and table row a unit
    of its own (a row as "Setting: port; Default: 8080"), a fenced code block as an HTML <pre> is, and inline
    markup (links, emphasis, code spans) reduced to its text. YAML front matter is left out."""
    lines = [line.strip() for line in text.splitlines()]
    if lines and lines[0] == "---":
        end = next((i for i, line in enumerate(lines[1:], 1) if line in ("---", "...")), 0)
        lines = lines[end + 1:]
    blocks: list[tuple[bool, str]] = []
    paragraph: list[str] = []
    title = ""

    def flush() -> None:
        if paragraph:
            text = _md_inline(" ".join(paragraph))
            # A lone short bold line is a heading by its look ("**Limits**"), as in HTML.
            bold = len(paragraph) == 1 and _MD_BOLD_LINE.fullmatch(paragraph[0]) is not None
            blocks.append((bold and _words(text) <= 12 and not text.endswith(_SENTENCE_END), text))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line, after = lines[i], lines[i + 1] if i + 1 < len(lines) else ""
        heading = _MD_HEADING.match(line)
        if line.startswith(("```", "~~~")):
            flush()
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith(line[:3])), len(lines))
            blocks += [(False, block) for block in _preformatted("\n".join(lines[i + 1:end]))]
            i = end
        elif heading or (line and not paragraph and _MD_SETEXT.match(after)):
            flush()
            name = _md_inline(heading.group(2) if heading else line)
            title = title or (name if not heading or len(heading.group(1)) == 1 else "")
            blocks.append((True, name))
            if not heading:
                i += 1  # the underline
        elif "|" in line and _MD_TABLE_RULE.match(after):
            flush()
            columns, i = _md_cells(line), i + 1
            while i + 1 < len(lines) and "|" in lines[i + 1]:
                i += 1
                blocks.append((False, _table_row(columns, _md_cells(lines[i]))))
        elif _MD_ITEM.match(line):
            flush()
            paragraph.append(_MD_ITEM.sub("", line))
        elif line:
            paragraph.append(line)
        else:
            flush()
        i += 1
    flush()
    return title, [(h, t) for h, t in blocks if t]


# --- plain text, hard-wrapped (PDF extractions) or one paragraph per line ---

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def _has_letters(text: str) -> bool:
    return re.search(r"[^\W\d_]", text) is not None


def _words(text: str) -> int:
    """Words, counting each CJK character as one: Chinese has no spaces to count by."""
    return len(_WORD.findall(text))


# "1.2. What is this spec?" too, and "3.18. /tmp : Temporary files"
_NUMBERED_HEADING = re.compile(r"^\d+(?:\.\d+)*\.?\s+(?:[A-Z]|/\w)[^.!?]*\??$")
_TERMINAL = ('.', '!', '?', '"', '”', '。', '！', '？', ':')
_SENTENCE_END = (".", "!", "?", '"', "”", "。", "！", "？")


def _text_blocks(text: str) -> list[tuple[bool, str]]:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return []
    if _is_hard_wrapped(lines):
        return _reflow(lines)
    return [(_looks_like_heading(line), line) for line in lines]


def _is_hard_wrapped(lines: list[str]) -> bool:
    long_lines = [line for line in lines if len(line) > 40]
    if len(long_lines) < 5:
        return False
    open_ended = sum(not line.endswith(_TERMINAL) for line in long_lines)
    return open_ended / len(long_lines) > 0.5


_LEADER = re.compile(r"(?:\.\s*){4,}\d*$")  # a table-of-contents entry: "1.2 The equipment . . . . 6"
_BULLETS = ("•", "◦", "▪", "‣", "– ", "- ", "* ")
_SUBSECTION = re.compile(r"^\d+\.\d+(?:\.\d+)*\s")  # "4.6 Transmission of Light": numbered below a chapter


def _reflow(lines: list[str]) -> list[tuple[bool, str]]:
    """Join wrapped lines into paragraphs: a paragraph ends on a short line that ends a sentence.
    A bullet starts an item of its own; a short capitalised line between sentences ("Objective",
    "Chapter 2") is a heading; table-of-contents entries and page numbers are no content."""
    lines = [line for line in lines if not _LEADER.search(line) and re.search(r"[^\W\d_]", line)]
    if not lines:
        return []
    width = statistics.quantiles([len(line) for line in lines], n=10)[-1] if len(lines) > 1 else len(lines[0])
    # The compounds the document writes with a hyphen inside a line ("non-free") keep it across a line end.
    compounds = frozenset(w.lower() for line in lines for w in re.findall(r"[A-Za-z]+-[a-z]+", line))
    join = partial(_join_wrapped, compounds=compounds)
    blocks: list[tuple[bool, str]] = []
    current: list[str] = []
    columns: list[str] = []  # the header of the text table being read ("|Section | Section contents |")
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_text_row(line):  # a row of a table drawn in text is a unit: "Section: 2; Section contents: …"
            if current:
                blocks.append((False, join(current)))
                current = []
            cells = [" ".join(cell.split()) for cell in line.strip().strip("|").split("|")]
            if columns:
                blocks.append((False, _table_row(columns, cells)))
            else:
                columns = cells
            i += 1
            continue
        columns = []
        if current and len(current[-1]) < 0.6 * width and not current[-1].endswith(_TERMINAL + (",", ";")) \
                and not _ends_open(current[-1]) and not _goes_on(line):
            # A short line that ends no sentence did not wrap: it stands alone (a cover's title, an
            # address line), and what follows starts afresh ("Preface" / "The PHOENIX project …").
            blocks.append((False, join(current)))
            current = []
        elif current and current[0].startswith(_BULLETS) and len(current[-1]) < 0.8 * width:
            # An item goes on only while its lines wrap: after a short one, what follows is no longer it
            # ("• Repeat with different capacitors" / "Observation" / "The empty socket measures 34 pF.").
            blocks.append((False, join(current)))
            current = []
        at_start = not current or current[-1].endswith(_TERMINAL)
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if at_start and _OPTION_TERM.match(line) and after[:1].isupper():
            # An option on a line of its own is the term its description defines: "-nocpp: Suppresses …".
            if current:
                blocks.append((False, join(current)))
            current = [f"{line}:"]
        elif at_start and _is_label(line, after):
            if current:
                blocks.append((False, join(current)))
                current = []
            # "Chapter 2" / "Electricity" and "CHAPTER" / "ONE" are one heading; a cover's lines are not.
            if blocks and blocks[-1][0] and (_only_numbers(blocks[-1][1])
                                             or (" " not in blocks[-1][1] and _only_numbers(line.split()[0]))):
                blocks[-1] = (True, f"{blocks[-1][1]} {line}")
            else:
                blocks.append((True, line))
        elif len(line) < 120 and _NUMBERED_HEADING.match(line) and (at_start or (_SUBSECTION.match(line) and len(line) < 80)) \
                and (_words(line) <= 8 or _title_cased(line)):  # not a numbered step ("1. Build your package and …")
            if current:
                blocks.append((False, join(current)))
                current = []
            # A heading may wrap onto a short second line ("… Manufacturing" / "Industry").
            if i + 1 < len(lines) and len(lines[i + 1]) < 40 and not lines[i + 1].endswith(_TERMINAL):
                line, i = f"{line} {lines[i + 1]}", i + 1
            blocks.append((True, line))
        else:
            if line.startswith(_BULLETS) and current:
                blocks.append((False, join(current)))
                current = []
            current.append(line)
            if line.endswith(_TERMINAL) and len(line) < 0.8 * width:
                blocks.append((False, join(current)))
                current = []
        i += 1
    if current:
        blocks.append((False, join(current)))
    return blocks


def _ends_open(line: str) -> bool:
    """The line stops on a word that needs more after it ("… for X.org versions 7 and"): it goes on."""
    words = line.split()
    return bool(words) and words[-1].lower() in vocab.DANGLING_WORDS


def _goes_on(line: str) -> bool:
    """The line carries on the sentence before it ("apt-mark hold package_name" / "and remove the hold
    with …"): a command set on a short line of its own ends no paragraph."""
    first = line.split(maxsplit=1)[0]
    return first in vocab.CONTINUING_WORDS


def _is_text_row(line: str) -> bool:
    """A row of a table drawn in text: "|  2  | system calls |" (no regex: a long line of bars made one
    quadratic)."""
    return line.startswith("|") and line.endswith("|") and line.count("|") >= 3


def _only_numbers(heading: str) -> bool:
    """The heading only numbers what follows it ("01", "Chapter 2", "CHAPTER ONE", "Part IV")."""
    words = heading.split()
    return len(words) <= 2 and any(re.fullmatch(r"\d+[.:]?|[IVXLC]+[.:]?", w) or w.lower() in vocab.NUMBER_WORDS for w in words)


def _title_cased(line: str) -> bool:
    """Most of the line's content words are capitalised, as in a heading."""
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", line) if w.lower() not in vocab.STOPWORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= len(words) / 2


# (not a quoted example: '--with-blas="…"'; its other names may follow: "-k --keep", "-v, --verbose")
_OPTION_TERM = re.compile(r"--?[A-Za-z][\w-]*(?:,?\s+--?[A-Za-z][\w-]*)*(?:[ =](?!-)[^\s.\"'“”]+){0,2}\s*$")


def _is_label(line: str, after: str) -> bool:
    """A short capitalised line without a full stop, before a line that starts a sentence or an item."""
    return (_words(line) <= 4 and len(line) < 40 and line[:1].isupper() and not line.endswith(_TERMINAL + (",", ";"))
            and bool(after) and (after[:1].isupper() or after.startswith(_BULLETS)))


_PATH_GOES_ON = re.compile(r"[\w$.-]*[\w)][/.][\w*$(]")


def _join_wrapped(lines: list[str], compounds: frozenset[str] = frozenset()) -> str:
    parts = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        # "high- caliber" was one word broken at the line end, and so was a path ("/usr/ share/doc/…",
        # "/run/ crond.pid") when it goes on into more of a path.
        hyphenated = re.search(r"[a-z]-$", previous[-2:]) and line[:1].islower()
        if hyphenated and _soft_hyphen(previous, line, compounds):
            parts[-1] = parts[-1][:-1]
        glued = hyphenated or (previous.endswith("/") and _PATH_GOES_ON.match(line))
        parts.append(line if glued else f" {line}")
    return "".join(parts)


def _soft_hyphen(before: str, after: str, compounds: frozenset[str]) -> bool:
    """The hyphen at the end of before only breaks a word across the line ("re-" "spectively", "spec-"
    "ified"), by word frequencies: the word whole is likelier than its two parts. A compound keeps its
    hyphen ("high-" "caliber", "state-of-" "the-art"), and so does one the document hyphenates elsewhere."""
    left = re.search(r"[A-Za-z]+-$", before)
    right = re.match(r"[a-z]+", after)
    if not left or not right or f"{left[0]}{right[0]}".lower() in compounds:
        return False
    cost = _word_costs()
    head, tail = left[0][:-1].lower(), right[0]
    whole = cost.get(head + tail)
    return whole is not None and whole < cost.get(head, math.inf) + cost.get(tail, math.inf)


@lru_cache(maxsize=1)
def _word_costs() -> dict[str, float]:
    import wordninja

    return wordninja.DEFAULT_LANGUAGE_MODEL._wordcost


def _looks_like_heading(line: str) -> bool:
    return len(line) < 100 and _words(line) <= 14 and not line.endswith(_SENTENCE_END + (",", ";", ":", "，", "；", "："))


# --- boilerplate, title, assembly ---

_BOILERPLATE = re.compile(rf"^(?:{'|'.join(vocab.BOILERPLATE_STARTS)})", re.I)
_METADATA = re.compile(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")


def _is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.match(text))


_ROMAN_PAGE = re.compile(r"(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})")  # a front page's number: "ii", "xiv"


def _is_furniture(text: str) -> bool:
    """Page furniture that is no content: a bare number or date (a page or list number), a front page's
    number in roman numerals ("ii") and a byline
    with a time of day ("Deep News08:56", "城市进化论2026-05-15 08:15"). A labelled date ("Release
    date: 2022-11-10") is content."""
    if not re.search(r"[^\W\d_]", text) or _ROMAN_PAGE.fullmatch(text.strip()):
        return True
    return bool(_CLOCK.search(text)) and not text.endswith(_SENTENCE_END) and _words(_METADATA.sub(" ", text)) <= 8


def _assemble(doc_id: str, blocks: list[tuple[bool, str]], title: str = "", first_line_titles: bool = False) -> Document:
    """A document from its blocks; title is the one the file names (an HTML <h1> or <title>), if any.
    Such a file marks its chrome, so its last lists and table rows are content, not a footer. In a
    PDF (first_line_titles) nothing comes before the title: its first line is the title when short."""
    blocks = [(h, t) for h, t in blocks if not _is_boilerplate(t)]
    # A trailing run of short non-sentences is a page footer ("We need your insight…").
    while not title and blocks and _words(blocks[-1][1]) <= 8 and not blocks[-1][1].endswith(_SENTENCE_END):
        blocks.pop()
    blocks = [(h, t) for h, t in blocks if not _is_furniture(t)]
    if title:
        has_title_line = False
    else:
        title, has_title_line, blocks = _split_title(blocks, doc_id, first_line_titles)
        if first_line_titles:
            blocks = _cover_lines(blocks)
    parts: list[str] = []
    paragraphs: list[Paragraph] = []

    def add(text: str, heading: str, is_heading: bool) -> None:
        start = paragraphs[-1].end + 2 if paragraphs else 0
        paragraphs.append(Paragraph(start, start + len(text), heading, is_heading))
        parts.append(text)

    heading = ""
    if has_title_line:
        # The title is a section of its own. One that is a whole sentence is body text, since it
        # may hold a fact ("Deyang builds 7 turbine plants near the river.").
        add(title, "", not title.endswith(_SENTENCE_END))
        heading = title
    for is_heading, text in blocks:
        if is_heading:
            heading = text
        add(text, heading, is_heading)
    return Document(doc_id=doc_id, title=title, text="\n\n".join(parts), paragraphs=paragraphs)


def _cover_lines(blocks: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Under a title, the short lines before the first text that head nothing are the cover's ("Stephen
    C. North", "April 26, 2004" above "Abstract"): text that says who wrote the document and when, not
    headings. The last of them heads the first text. So is a name or a date on the cover that heads only
    more cover lines ("Peter Hiscocks" over "Department of …", "Ryerson Polytechnic University")."""
    first_text = next((i for i, (is_heading, _) in enumerate(blocks) if not is_heading), 0)
    first_sentence = next((i for i, (is_heading, text) in enumerate(blocks)
                           if not is_heading and text.endswith(_SENTENCE_END) and _words(text) >= 6), len(blocks))
    cover = min(first_sentence, _COVER_BLOCKS)

    def on_cover(i: int, text: str) -> bool:
        return i < first_text - 1 or (i < cover and _COVER_LINE.fullmatch(text) is not None)

    return [(is_heading and not on_cover(i, text), text) for i, (is_heading, text) in enumerate(blocks)]


_COVER_BLOCKS = 10
# A person's name ("Peter Hiscocks", "Emden R. Gansner"), perhaps with an address ("Andrew Makhorin <mao@gnu.org>"),
# or a date ("August 17, 2001", "August 2011", "2001-08-17") on a line.
_DATE_ITEM = re.compile(DATE)
_PERSON = r"[A-Z][a-z]+(?:\s+(?:[A-Z]\.|[A-Z][a-z'’]+(?:-[A-Z]?[a-z'’]+)?)){1,3}"
_ADDRESS = r"[<(]?[\w.+-]+@[\w.-]+[>)]?"
_COVER_ITEM = rf"{_PERSON}(?:\s+{_ADDRESS})?|{_DATE_ITEM.pattern}"
_COVER_LINE = re.compile(rf"(?:{_COVER_ITEM})(?:,?\s+(?:{_COVER_ITEM}))?")  # ("February 20, 2021 David Simmons-Duffin")
_SIGNED = re.compile(rf"{_PERSON}\s+{_ADDRESS}")


def _split_title(blocks: list[tuple[bool, str]], doc_id: str, first_line: bool = False) -> tuple[str, bool, list[tuple[bool, str]]]:
    """The first short line of four or more words is the title (and site chrome above it goes), or
    with first_line the first line when it is short and no sentence ("expEYES Junior"); without one,
    the title is the start of the first sentence and no line is taken."""
    if first_line and blocks and _words(blocks[0][1]) <= 12 and not blocks[0][1].endswith(_SENTENCE_END) and len(blocks) > 1:
        # (a cover's date, and its author, may come out above its title: the title is the line after them)
        if _COVER_LINE.fullmatch(blocks[0][1]) and _DATE_ITEM.search(blocks[0][1]) and len(blocks) > 2 and _words(blocks[1][1]) <= 12 \
                and not blocks[1][1].endswith(_SENTENCE_END) and not _COVER_LINE.fullmatch(blocks[1][1]):
            return blocks[1][1], True, [(False, blocks[0][1])] + blocks[2:]
        return blocks[0][1], True, blocks[1:]
    for i, (_, text) in enumerate(blocks[:4]):
        if 4 <= _words(text) and len(text) <= 200 and not _NUMBERED_HEADING.match(text) and i + 1 < len(blocks):
            return text, True, blocks[i + 1:]
    if not blocks:
        return Path(doc_id).stem, False, blocks
    first = blocks[0][1]
    return (first if len(first) <= 90 else first[:90].rsplit(" ", 1)[0] + "…"), False, blocks
