"""`rag index` on one folder holding every kind of bad file beside good ones: the good ones are
indexed, each bad one is skipped with its reason, and the run exits 0; with nothing usable, 1."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfWriter

from rag.ingest import MAX_FILE_BYTES
from rag.stores.local import LocalStore

pytestmark = pytest.mark.slow  # subprocesses, a browser or a server under load; see conftest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
GOOD = ("001_e0bc9c2f253517cb.txt", "004_980d9e528abab5f1.txt")
# GBK bytes are not UTF-8; the text mixes English and Chinese, as the bundled corpus does.
GBK_TEXT = ("Deyang (德阳) turbine plans for the coming decade\n\n"
            "Deyang (德阳) plans to build seven turbine factories (七座风电设备工厂) by 2030. "
            "The city is a base of heavy equipment makers in Sichuan (四川).\n")
ALL_CHINESE = "德阳简介\n\n德阳市计划到2030年建成七座风电设备工厂。德阳是四川省的重要装备制造业基地。\n"


def pdf_bytes(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Deyang turbines"})
    if password:
        writer.encrypt(password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bad_files(folder: Path) -> dict[str, str]:
    """Write the bad files; the words each one's skip reason must contain."""
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "encrypted.pdf").write_bytes(pdf_bytes(password="secret"))
    good_pdf = pdf_bytes()
    (folder / "corrupt.pdf").write_bytes(good_pdf[: len(good_pdf) // 3] + b"\x00garbage" * 50)
    (folder / "not-a-pdf.pdf").write_bytes(b"%PDF-1.7\nthis is not a PDF at all\n")
    line = b"Mianyang adds turbine plants along the river every year, the report says. " * 8 + b"\n"
    with open(folder / "huge.txt", "wb") as f:  # 50 MB of real text, not a sparse file
        for _ in range((50 << 20) // len(line) + 1):
            f.write(line)
    assert (folder / "huge.txt").stat().st_size > max(50 << 20, MAX_FILE_BYTES)
    return {"empty.txt": "no text", "blank.md": "no text", "binary.txt": "binary", "encrypted.pdf": "encrypted",
            "corrupt.pdf": "PDF", "not-a-pdf.pdf": "PDF", "huge.txt": "too large"}


def rag_index(corpus: Path, index_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", "index", str(corpus), "--index", str(index_dir)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_good_files_are_indexed_and_bad_ones_skipped_with_reasons(tmp_path):
    folder = tmp_path / "messy"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, folder / name)
    (folder / "gbk.txt").write_bytes(GBK_TEXT.encode("gbk"))  # not UTF-8, but good text
    expected = bad_files(folder)
    run = rag_index(folder, tmp_path / "idx")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Traceback" not in output
    for name, reason in expected.items():
        line = next((l for l in output.splitlines() if l.startswith(f"skipped {name}:")), None)
        assert line is not None, f"no skip line for {name}:\n{output}"
        assert reason in line, line
    assert f"{len(expected)} skipped" in output  # the one-line summary
    index = LocalStore(tmp_path / "idx")
    assert set(index.manifest["files"]) == {*GOOD, "gbk.txt"}
    assert set(index.manifest["skipped"]) == set(expected)
    gbk = [s.chunk for s in index.chunks_of("gbk.txt")]
    assert gbk and "seven turbine factories (七座风电设备工厂)" in " ".join(c.text for c in gbk)
    # a second run finds nothing new to do, and says the same about the skipped files
    again = rag_index(folder, tmp_path / "idx")
    assert again.returncode == 0 and "up to date" in again.stderr + again.stdout


def test_nothing_usable_is_a_clear_nonzero_exit(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "encrypted.pdf").write_bytes(pdf_bytes(password="secret"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    run = rag_index(folder, tmp_path / "idx")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "no usable documents" in output and "Traceback" not in output
    assert "skipped encrypted.pdf: encrypted PDF" in output


def test_an_all_chinese_gbk_file_keeps_its_text(tmp_path):
    from rag.ingest import load_document

    path = tmp_path / "zh.txt"
    path.write_bytes(ALL_CHINESE.encode("gbk"))
    assert "七座风电设备工厂" in load_document(path, "zh.txt").text
