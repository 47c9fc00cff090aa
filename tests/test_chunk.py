from pathlib import Path

import pytest

from rag.chunk import chunk_document, llm_token_count, model_token_counter
from rag.embed import resolve_model
from rag.ingest import Document, Paragraph, find_files, load_document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def count():
    return model_token_counter(resolve_model(None))


@pytest.fixture(scope="module")
def documents():
    return [load_document(p, p.name) for p in find_files(CORPUS)]


@pytest.mark.parametrize("budget", [60, 160, 250])
def test_chunks_fit_the_budget_and_point_at_their_text(documents, count, budget):
    for doc in documents:
        chunks = chunk_document(doc, count, max_tokens=budget)
        assert chunks
        for c in chunks:
            assert c.doc_id == doc.doc_id  # never crosses a document
            assert doc.text[c.start:c.end] == c.text
            assert c.tokens == count(c.text) <= budget
            assert c.llm_tokens == llm_token_count(c.text) > 0
            for a, b in c.sentences:
                assert c.text[a:b].strip() == c.text[a:b] != ""


def test_nothing_is_lost_between_chunks(documents, count):
    for doc in documents:
        chunks = chunk_document(doc, count, max_tokens=80)
        covered = "".join(c.text for c in chunks)
        for p in doc.paragraphs:
            if not p.is_heading:
                for word in doc.text[p.start:p.end].split():
                    assert word in covered


def test_consecutive_chunks_overlap_by_one_sentence(documents, count):
    doc = next(d for d in documents if d.doc_id.startswith("000"))
    chunks = chunk_document(doc, count, max_tokens=160, overlap=1)
    # the title is a section of its own; the rest pair up within their sections
    same_section = [(a, b) for a, b in zip(chunks, chunks[1:]) if a.heading == b.heading and a.text != doc.title]
    assert same_section
    overlapping = 0
    for a, b in same_section:
        last = a.text[a.sentences[-1][0]:a.sentences[-1][1]]
        first = b.text[b.sentences[0][0]:b.sentences[0][1]]
        if last == first:
            overlapping += 1
        else:  # no room: the overlap and the next sentence would not fit together
            second = b.text[b.sentences[0][0]:b.sentences[1][1]] if len(b.sentences) > 1 else first
            assert count(last) + count(second) > 160 or len(b.sentences) == 1
    assert overlapping >= len(same_section) // 2


def test_over_long_sentence_is_split_at_clauses_not_truncated(count):
    sentence = ", ".join(f"the output of industry number {i} in the city will exceed {i * 10} billion yuan" for i in range(1, 40)) + "."
    doc = Document("long.txt", "Long", sentence, [Paragraph(0, len(sentence), "")])
    assert count(sentence) > 256
    chunks = chunk_document(doc, count, max_tokens=100, overlap=0)
    assert len(chunks) > 2 and all(c.tokens <= 100 for c in chunks)
    assert "390 billion yuan." in chunks[-1].text
    assert all(c.text.endswith((",", ".")) for c in chunks)


def test_chunk_ids_are_stable(documents, count):
    first = [c.chunk_id for d in documents for c in chunk_document(d, count)]
    second = [c.chunk_id for d in documents for c in chunk_document(d, count)]
    assert first == second and len(set(first)) == len(first)


def test_tiktoken_works_offline():
    # cl100k_base: "hello world" is two tokens
    assert llm_token_count("hello world") == 2


def test_a_chunk_inside_a_long_entry_is_headed_by_its_term(count):
    entry = ("--with-suexec-userdir=DIR: Define to be the subdirectory under users' home directories where suEXEC "
             "access should be allowed. " + "All executables under this directory will be run by suEXEC. " * 6
             + 'Default value is "public_html".')
    note = "There are two options: a short one and a long one. " * 5
    text = f"Options\n\n{entry}\n\n{note}"
    paragraphs = [Paragraph(0, 7, "Options", True), Paragraph(9, 9 + len(entry), "Options", False),
                  Paragraph(11 + len(entry), len(text), "Options", False)]
    chunks = chunk_document(Document("suexec.html", "suEXEC", text, paragraphs), count, max_tokens=60)
    headings = {c.heading for c in chunks if "public_html" in c.text}
    assert headings == {"Options: --with-suexec-userdir=DIR"}
    assert chunks[0].heading == "Options"  # (the chunk holding the term needs no reminder)
    assert {c.heading for c in chunks if c.text.startswith("There are")} == {"Options"}  # (a clause is no term)


def test_a_label_abbreviation_before_a_number_ends_no_sentence():
    from rag.text import sentence_spans

    text = "Software should assume the primaries match Rec. 709 primaries. It grew in May. 2021 was better."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Software should assume the primaries match Rec. 709 primaries.", "It grew in May.", "2021 was better."]
    # nor before a code in capitals ("ITU-R"); a common word before one does end its sentence
    text = "They match Rec. ITU-R BT.709-3 primaries. Yes. SSH-2 is supported."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "They match Rec. ITU-R BT.709-3 primaries.", "Yes.", "SSH-2 is supported."]


def test_a_name_written_with_capitals_inside_opens_a_sentence():
    from rag.text import sentence_spans

    text = "We thank them for correcting it. expEYES Junior's manual is under the GNU FDL. See e.g. the preface."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "We thank them for correcting it.", "expEYES Junior's manual is under the GNU FDL.", "See e.g. the preface."]
