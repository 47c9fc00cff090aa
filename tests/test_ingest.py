from pathlib import Path

import pytest

from rag.ingest import UnreadableFile, load_document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def doc(name):
    path = next(CORPUS.glob(f"{name}_*.txt"))
    return load_document(path, path.name)


def written(tmp_path, name, text):
    """The document a file of this name and text reads as."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_document(path, path.name)


def test_escaped_html_becomes_clean_paragraphs_and_headings():
    d = doc("000")
    assert "<" not in d.text and "< p >" not in d.text
    assert "Image source" not in d.text and "36krcdn" not in d.text
    assert d.title.startswith("Aiming for 2 trillion")
    headings = [d.text[p.start:p.end] for p in d.paragraphs if p.is_heading]
    assert "01 Intensive Actions" in headings and "03 Reaching for the Sky" in headings
    assert "year-on-year" in d.text and "year - on - year" not in d.text
    assert "HomeArticle" not in d.text


def test_hard_wrapped_paper_is_reflowed_with_numbered_headings():
    d = doc("002")
    headings = [d.text[p.start:p.end] for p in d.paragraphs if p.is_heading]
    assert "4.1. Weak Competitiveness of the Real Economy" in headings
    assert "2. Connotation and Features of High-Quality Development of Advanced Manufacturing Industry" in headings
    body = [d.text[p.start:p.end] for p in d.paragraphs if not p.is_heading]
    assert all("\n" not in b for b in body)
    assert any("ranking of Xi’an has jumped from 20th in 2018 to 12th in 2022" in b for b in body)
    under = [p.heading for p in d.paragraphs if "Sany Heavy Industry" in d.text[p.start:p.end]]
    assert under == ["4.1. Weak Competitiveness of the Real Economy"]


def test_commentary_drops_disclaimer_and_comment_box_but_keeps_content():
    d = doc("003")
    assert "Disclaimer" not in d.text and "Leave a comment" not in d.text and "insight to fill" not in d.text
    assert "Wenzhou" in d.text and "Deep News" not in d.text
    assert d.text.rstrip().endswith("sail steadily into the distance.")


def test_sichuan_article_drops_site_footer():
    d = doc("004")
    for boilerplate in ("ICP", "Hosted by", "Website Operation", "Security Record"):
        assert boilerplate not in d.text
    assert d.title.startswith("Lists of Sichuan's First Pilot")
    assert "Open Governance" not in d.text


def test_paragraph_offsets_point_into_clean_text():
    for name in ("000", "001", "002", "003", "004"):
        d = doc(name)
        for p in d.paragraphs:
            assert d.text[p.start:p.end].strip() == d.text[p.start:p.end] != ""


def test_plain_html_and_markdown_files(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>x</title><script>alert(1)</script></head><body>"
                    "<h1>Plant report for Deyang</h1><p>Output rose by 5% in 2021.</p></body></html>")
    d = load_document(page, "page.html")
    assert "alert" not in d.text and "Output rose by 5% in 2021." in d.text
    note = tmp_path / "note.md"
    note.write_text("# Quarterly note\n\nThe plant in Mianyang makes 300 units a day.\n")
    assert "300 units" in load_document(note, "note.md").text


def test_gbk_text_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("西安制造业产值将超过一万亿元。This sentence is English.".encode("gbk"))
    assert "西安制造业" in load_document(path, "gbk.txt").text


def test_a_western_page_without_a_declared_encoding_is_read_as_windows_1252(tmp_path):
    page = tmp_path / "tutorial.html"
    # (these bytes also decode as GB18030, into nonsense: "soci閠閟 r閡nies")
    page.write_bytes("<html><body><p>Les sociétés réunies anneal at 60°C.</p><p>Primers for them cost 5 €.</p></body></html>".encode("cp1252"))
    text = load_document(page, "tutorial.html").text
    assert "Les sociétés réunies anneal at 60°C." in text and "cost 5 €." in text


def test_a_layout_wrapper_named_for_the_nav_does_not_swallow_the_page(tmp_path):
    # (Sphinx's Read the Docs theme: the body and its grid are classed "…-for-nav")
    page = tmp_path / "Install.html"
    page.write_text('<html><head><title>How to Install Ghostscript</title></head><body class="wy-body-for-nav">'
                    '<div class="wy-grid-for-nav"><nav class="wy-nav-side"><div role="navigation"><ul><li>'
                    '<a href="Make.html">How to Build Ghostscript</a></li></ul></div></nav>'
                    '<section class="wy-nav-content-wrap"><div class="wy-nav-content"><div role="main">'
                    '<h1>How to Install Ghostscript<a class="headerlink" href="#install">\uf0c1</a></h1>'
                    "<p>The last version to run on 16-bit Windows 3.1 was Ghostscript 4.03.</p>"
                    "</div></div></section></div></body></html>")
    d = load_document(page, "Install.html")
    assert d.title == "How to Install Ghostscript"
    assert "Ghostscript 4.03" in d.text and "How to Build" not in d.text


def test_a_declared_encoding_is_honoured(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes('<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head>'
                     "<body><p>Caf\xe9 na\xefve.</p></body></html>".encode("latin-1"))
    assert "Café naïve." in load_document(page, "page.html").text


def test_tex_ligatures_and_accents_left_as_control_characters_are_letters_again():
    from rag.ingest import _tex_glyphs

    assert _tex_glyphs("is speci\x0ced, to \x0cnd the e\x0bect of a \x0dag") == "is specified, to find the effect of a flag"
    assert _tex_glyphs("developed by Niklas E\x13en and Niklas S\x7forensson") == "developed by Niklas Eén and Niklas Sörensson"
    assert _tex_glyphs("SDPB requires\n\x88 The Boost C++ Libraries.\n\x88 GMP\x9b.") == "SDPB requires\n• The Boost C++ Libraries.\n• GMP."


@pytest.mark.parametrize("payload, reason", [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
                                              (b"%PDF-1.4 garbage", "PDF")])
def test_unreadable_files_raise_a_short_reason(tmp_path, payload, reason):
    path = tmp_path / ("x.pdf" if reason == "PDF" else "x.txt")
    path.write_bytes(payload)
    with pytest.raises(UnreadableFile, match=reason):
        load_document(path, path.name)


def test_a_title_that_is_a_sentence_stays_answerable(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("Deyang builds 7 turbine plants near the river.\nIt is a fine city.\n")
    d = load_document(note, "note.txt")
    assert d.title == "Deyang builds 7 turbine plants near the river."
    assert [p.is_heading for p in d.paragraphs] == [False, False]


def test_all_chinese_text_is_kept(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_bytes("德阳简介\n\n德阳市计划到2030年建成七座风电设备工厂。德阳是四川省的重要装备制造业基地。\n".encode("gbk"))
    d = load_document(path, "zh.txt")
    assert d.title == "德阳简介" and "七座风电设备工厂" in d.text


def test_a_cover_page_stands_apart_from_the_first_paragraph(tmp_path):
    """A PDF's cover lines are short and end no sentence: they did not wrap, so they are not glued
    to the preface, and the label after them heads the first paragraph."""
    wrapped = ("The project was started in 2004 by the Accelerator Centre with the objective of improving\n"
               "the science education at the universities of the country. Development of low cost\n"
               "laboratory equipment and training teachers are the two major activities under this\n"
               "project, which has reached many colleges in the last years and is still growing fast.\n")
    cover = "Junior Kit\nUser's Manual\nfrom\nPHOENIX Project\nNew Delhi 110 067\nwww.example.in\nPreface\n"
    d = written(tmp_path, "manual.txt", cover + wrapped * 3 + "It ends here.\n")
    paragraphs = [(p.is_heading, d.text[p.start:p.end]) for p in d.paragraphs]
    first = next(text for is_heading, text in paragraphs if text.startswith("The project was started"))
    assert "www.example.in" not in first and "Delhi" not in first
    assert (True, "Preface") in paragraphs
    assert [p.heading for p in d.paragraphs if d.text[p.start:p.end] == first] == ["Preface"]


def test_a_heading_that_only_numbers_the_next_joins_it_and_the_title_gives_way(tmp_path):
    d = written(tmp_path, "page.html", "<html><body><h1>Notes</h1><h2>01</h2><h3>Intensive Actions</h3><p>Output grew 5%.</p>"
                "<h2>New Features</h2><h3>Assignment expressions</h3><p>There is new syntax.</p></body></html>")
    under = {d.text[p.start:p.end]: p.heading for p in d.paragraphs if not p.is_heading}
    assert under == {"Output grew 5%.": "01 Intensive Actions", "There is new syntax.": "New Features: Assignment expressions"}


def test_a_paragraph_that_is_one_short_bold_phrase_is_a_heading(tmp_path):
    page = written(tmp_path, "limits.html", "<h1>Limits</h1><ul><li><p><b>Maximum Depth Of A Tree</b></p>"
                   "<p>The default value is 1000.</p><li><p><b>Note:</b> a bold label in a sentence.</p>"
                   "<p><strong>A bold sentence is still text.</strong></p></ul>")
    notes = written(tmp_path, "notes.md", "# Limits\n\n**Maximum Depth Of A Tree**\n\nThe default value is 1000.\n")
    for d in (page, notes):
        under = {d.text[p.start:p.end]: p.heading for p in d.paragraphs if not p.is_heading}
        assert under["The default value is 1000."] == "Maximum Depth Of A Tree"
    assert not any(p.is_heading for p in page.paragraphs if "bold" in page.text[p.start:p.end])


def test_a_definition_is_one_unit_with_all_its_terms(tmp_path):
    d = written(tmp_path, "stash.html", "<h2>OPTIONS</h2><dl><dt>-u</dt><dt>--include-untracked</dt><dd><p>Only for push."
                "</p><div><p>All untracked files are also stashed.</p></div></dd><dt>--index</dt><dd><p>Tries to "
                "reinstate the index.</p></dd></dl>")
    units = [d.text[p.start:p.end] for p in d.paragraphs if not p.is_heading]
    assert units == ["-u, --include-untracked: Only for push. All untracked files are also stashed.",
                     "--index: Tries to reinstate the index."]


def test_a_record_laid_out_one_field_to_a_block_is_one_unit(tmp_path):
    fields = ('<div class="seglistitem"><div class="seg"><strong>Option: </strong><code>Aptitude::Spin-Interval</code>'
              '</div><div class="seg"><strong>Default: </strong><code>500</code></div><div class="seg"><strong>'
              'Description: </strong>The number of milliseconds to delay; it is short.</div></div>')
    box = ("<table><tr><th>Syntax:</th><td>DeflateBufferSize value</td></tr><tr><th>Default:</th>"
           "<td>DeflateBufferSize 8096</td></tr><tr><th>Module:</th><td>mod_deflate</td></tr></table>")
    d = written(tmp_path, "ref.html", f"<h1>Reference</h1>{fields * 2}{box}<table><tr><th>Version</th><th>Date</th></tr>"
                "<tr><td>1.0</td><td>2001</td></tr><tr><td>2.0</td><td>2005</td></tr></table>")
    units = [d.text[p.start:p.end] for p in d.paragraphs if not p.is_heading]
    record = "Option: Aptitude::Spin-Interval; Default: 500; Description: The number of milliseconds to delay; it is short."
    assert units == [record, record, "Syntax: DeflateBufferSize value; Default: DeflateBufferSize 8096; Module: mod_deflate",
                     "Version: 1.0; Date: 2001", "Version: 2.0; Date: 2005"]  # (a table's rows stay apart)


def test_a_footnote_mark_is_no_number_of_the_text(tmp_path):
    d = written(tmp_path, "policy.html", '<p>A control file has stanzas of fields. <a class="footnote-reference" '
                'href="#id17">2</a> The stanzas are separated by empty lines.</p><p>Line 3 says how important it is. '
                '<a href="#ftn.x" class="footnote"><sup>[29]</sup></a></p><p>See <a href="#s2">section 2</a>.</p>'
                '<p>Notes go last.[<a href="#fn1">1</a>] Declare main(String[] args) as usual.</p>'
                '<p>The first is a bad upgrade. <a href="#ftn.id1" class="footnote"><sup>[3]</sup></a>. The second is '
                'a failed install.</p>')
    assert d.text == ("A control file has stanzas of fields. The stanzas are separated by empty lines.\n\n"
                      "Line 3 says how important it is.\n\nSee section 2.\n\n"
                      "Notes go last. Declare main(String[] args) as usual.\n\n"  # the text's own brackets stay
                      "The first is a bad upgrade. The second is a failed install.")  # and so does no stray stop


def test_a_manual_page_saved_from_a_terminal_reads_as_its_text():
    from rag.ingest import decode

    saved = (b"\x1b[1m1.1. man-db\x1b[0m\n\n\x1b[1m+\x08o man \x1b[22m- an interface to the manuals\n\n"
             b"The b\x08bo\x08ol\x08ld and _\x08u_\x08n words.\n")
    assert decode(saved) == "1.1. man-db\n\n• man - an interface to the manuals\n\nThe bold and un words.\n"


def test_a_paginated_text_file_loses_its_page_footers(tmp_path):
    para = "The manual is split up into sections to ease access and to cater for manual pages that share\n"
    pages = [f"{para * 3}the same name.\n\n                 {n}\nman-db   v2.11.{n}   2023-01-0{n}\n" for n in range(1, 5)]
    d = written(tmp_path, "manual.txt", "".join(pages))
    assert "v2.11" not in d.text and d.text.count("the same name.") == 4
    noted = written(tmp_path, "noted.txt", para * 3 + "and by default the system-wide cache files will be owned by user man.  Use  this\n____________________\n"
                    "   3 similar in some aspects to TeX\n\n\n                 3\n"
                    "option to change the owner, and the other options to change the rest of what they own.\n" + para * 3)
    assert "user man. Use this option to change the owner" in noted.text  # the footnote no longer splits it
    assert noted.text.rstrip().endswith("3 similar in some aspects to TeX") and "TeX option" not in noted.text


def test_a_table_drawn_in_text_is_read_row_by_row():
    from rag.ingest import _reflow

    wrapped = "The manual is split up into sections to ease access and to cater for pages sharing a name,\n"
    lines = (wrapped * 4 + "as the table below shows.\n+----+----+\n|Section | Section contents |\n+---+---+\n"
             "|   1    | user executable programs      |\n|   2    | system calls (kernel functions) |\n").splitlines()
    blocks = [text for _, text in _reflow(lines)]
    assert blocks[-2:] == ["Section: 1; Section contents: user executable programs",
                           "Section: 2; Section contents: system calls (kernel functions)"]


def test_running_headers_and_footers_leave_a_pdfs_pages():
    from rag.ingest import _without_running_lines

    body = ["The coil is wound on a plastic tube.", "Objective", "Measure the resistance of the coil.", "Procedure",
            "Connect it to A1.", "Read the value on the screen."]
    pages = ["Shared Database\nversion 0.21\n" + "\n".join(body)]
    lines = "\n".join(body)
    pages += [f"Shared Database\n{lines}\nChapter 3: Utilities {n}" for n in range(2, 9)]
    kept = _without_running_lines(pages)
    assert kept[0] == pages[0]  # the first page keeps its title line
    assert all("Shared Database" not in page and "Utilities" not in page for page in kept[1:])
    assert all(page.count("Objective") == 1 and "Connect it to A1." in page for page in kept)


def test_a_chapters_running_header_leaves_its_pages_and_a_recurring_label_stays():
    from rag.ingest import _without_running_lines

    body = ["Some text about the files in this directory that wraps", "onto a second line of the page.",
            "Another sentence that stands in the middle of the page.", "A last one to close the page."]
    pages = ["Filesystem Standard\nVersion 3.0"] + [f"{n}\n" + "\n".join(body) for n in range(1, 12)]
    pages += [f"The Root Filesystem\n{n}\n" + "\n".join(body) for n in range(12, 16)]  # 4 of 20 pages
    pages += [f"Objective\n{n}\n" + "\n".join(body) for n in range(16, 19)]  # a label that also stands inside
    pages += ["\n".join(body[:2] + ["Objective"] + body[2:])]
    kept = _without_running_lines(pages)
    assert not any("The Root Filesystem" in page for page in kept)
    assert sum(page.count("Objective") for page in kept) == 4


def test_a_running_header_that_changes_by_chapter_still_leaves_the_pages():
    from rag.ingest import _without_running_lines

    words = "Launchpad hosts the code of every project and also tracks its bugs and its translations".split()
    bodies = [" ".join(words[i:] + words[:i]) + f".\nSee {words[i]}." for i in range(9)]
    pages = ["Ubuntu Packaging Guide\nRelease 1.0"] + [f"1.{i}. {words[i].title()} Ubuntu Packaging Guide\n{body}\n{i}"
                                                      for i, body in enumerate(bodies)]
    assert _without_running_lines(pages) == [pages[0]] + bodies


def test_a_pdfs_footnotes_leave_their_page_and_the_sentence_the_page_break_cut():
    from rag.ingest import _footnotes_last

    body = ["The input is amplified by an inverting amplifier.", "RC circuits can integrate a square wave,",
            "which is then differentiated to", "2For information about all the commands, see the manual"]
    pages = ["\n".join(body) + "\n4http://en.wikiversity.org/wiki/RLC circuit",
             "a spike at each edge.\nThe 2010 figures are given in Table 3.\n1Beyond that, use the Python function."]
    kept = _footnotes_last(pages)
    assert kept[0].endswith("differentiated to") and kept[1] == "a spike at each edge.\nThe 2010 figures are given in Table 3."
    # (each note a paragraph: a blank line before each, once the pages are joined by lines)
    assert kept[2] == ("\nFor information about all the commands, see the manual\n\n"
                       "http://en.wikiversity.org/wiki/RLC circuit\n\nBeyond that, use the Python function.")
    assert _footnotes_last(["1Introduction\nWord one.\nWord two."]) == ["1Introduction\nWord one.\nWord two."]


def test_a_spaced_footnote_is_the_next_of_the_documents_notes_and_leaves_with_its_mark():
    from rag.ingest import _footnotes_last

    pages = ["3.4.1. Purpose\n/bin contains commands used by the system administrator.\nIt may also contain commands"
             " which are used indirectly by scripts. 1\n3.4.2. Requirements\nThere must be no subdirectories in /bin.\n"
             "1 Command binaries that are not essential enough to place into /bin must be placed in /usr/bin.",
             "3.5. Steps\nDo these in order.\nThey are listed below.\n1 Install the package.\n2 Configure it."]
    kept = _footnotes_last(pages)
    assert kept[0] == ("3.4.1. Purpose\n/bin contains commands used by the system administrator.\nIt may also contain "
                       "commands which are used indirectly by scripts.\n3.4.2. Requirements\nThere must be no subdirectories in /bin.")
    # a numbered list at a page's foot is no footnote: the text above marks no note 2
    assert kept[1] == pages[1]
    assert kept[2] == "\nCommand binaries that are not essential enough to place into /bin must be placed in /usr/bin."


def test_a_cover_is_lines_and_a_numbered_step_is_no_heading():
    from rag.ingest import _reflow

    wrapped = "Each line of this paragraph is long enough to count as wrapped text, and it ends open\n"
    lines = ("Packaging Guide\nRelease 1.0.4\nUbuntu Developers\nCHAPTER\nONE\n" + wrapped * 5 +
             "and then stops.\n1. Build your package and verify that it compiles without error and without any\n"
             "added compiler warnings.\n").splitlines()
    blocks = _reflow(lines)
    assert [text for heading, text in blocks if heading] == ["Packaging Guide", "Release 1.0.4", "Ubuntu Developers",
                                                             "CHAPTER ONE"]


def test_a_numbered_heading_may_name_a_path():
    from rag.ingest import _reflow

    wrapped = "Each line of this paragraph is long enough to count as wrapped text, and it ends open\n"
    lines = (wrapped * 4 + "and then stops.\n3.18. /tmp : Temporary files\n" + wrapped * 2 + "and stops.\n").splitlines()
    assert [text for heading, text in _reflow(lines) if heading] == ["3.18. /tmp : Temporary files"]


def test_a_pdf_is_titled_by_its_first_short_line():
    from rag.ingest import _assemble

    blocks = [(True, "Libtasn1"), (True, "Abstract Syntax Notation One library"), (False, "It parses ASN.1.")]
    assert _assemble("x.pdf", blocks, first_line_titles=True).title == "Libtasn1"
    assert _assemble("x.txt", blocks).title == "Abstract Syntax Notation One library"  # chrome may come first


def test_a_pdfs_cover_lines_under_its_title_are_text_not_headings():
    from rag.ingest import _assemble

    blocks = [(True, "ii"), (True, "Drawing graphs with NEATO"), (True, "Stephen C. North"), (True, "April 26, 2004"),
              (True, "Abstract"), (False, "NEATO is a program that makes layouts of undirected graphs."),
              (True, "1 Introduction"), (False, "It reads graph files.")]
    d = _assemble("neato.pdf", blocks, first_line_titles=True)
    assert d.title == "Drawing graphs with NEATO"  # (a front page's number is no title)
    cover = [d.text[p.start:p.end] for p in d.paragraphs if not p.is_heading][:2]
    assert cover == ["Stephen C. North", "April 26, 2004"]
    assert [p.heading for p in d.paragraphs if d.text[p.start:p.end].startswith("NEATO")] == ["Abstract"]
    assert [p.heading for p in d.paragraphs if d.text[p.start:p.end].startswith("It reads")] == ["1 Introduction"]
    # (a name or a date that heads only more of the cover is the cover's too)
    blocks = [(True, "Using XFig"), (True, "Peter Hiscocks"), (False, "Ryerson Polytechnic University"), (True, "August 17, 2001"),
              (False, "Contents"), (True, "1 Producing Documents"), (False, "XFig is a drawing program for figures.")]
    d = _assemble("xfig.pdf", blocks, first_line_titles=True)
    assert [d.text[p.start:p.end] for p in d.paragraphs if p.is_heading] == ["Using XFig", "1 Producing Documents"]
    # (and so is a name with its address, or a month and year)
    blocks = [(True, "CNF Satisfiability Problem"), (True, "Andrew Makhorin <mao@gnu.org>"), (False, "August 2011"),
              (True, "1 Introduction"), (False, "The Satisfiability Problem (SAT) is a classic combinatorial problem.")]
    d = _assemble("cnfsat.pdf", blocks, first_line_titles=True)
    assert [d.text[p.start:p.end] for p in d.paragraphs if p.is_heading] == ["CNF Satisfiability Problem", "1 Introduction"]
    # (a cover's date and author may come out above its title; a title of capitalised words stays one)
    blocks = [(True, "February 20, 2021 David Simmons-Duffin"), (True, "SDPB 1.0"), (False, "Contents"),
              (True, "1 Introduction"), (False, "SDPB is an open-source solver for semidefinite programs.")]
    d = _assemble("sdpb.pdf", blocks, first_line_titles=True)
    assert d.title == "SDPB 1.0" and "February 20, 2021 David Simmons-Duffin" in [d.text[p.start:p.end] for p in d.paragraphs
                                                                                if not p.is_heading]
    blocks = [(True, "Auto Multiple Choice"), (True, "Design of MCQ tests"), (False, "It is free software.")]
    assert _assemble("amc.pdf", blocks, first_line_titles=True).title == "Auto Multiple Choice"


def test_a_numbered_heading_may_be_a_question(tmp_path):
    wrapped = ("Many programs and desktops use the MIME system to represent the types of files and it is\n"
               "necessary to work out the correct MIME type for a file by examining its name or contents,\n")
    d = written(tmp_path, "spec.txt", "This is version 0.21 of the specification, last updated 2 October 2018.\n"
                "1.2. What is this spec?\n" + wrapped * 4 + "and looking it up.\n")
    assert "1.2. What is this spec?" in [d.text[p.start:p.end] for p in d.paragraphs if p.is_heading]


def test_markdown_headings_lists_tables_and_code_are_read_as_structure(tmp_path):
    d = written(tmp_path, "guide.md", "---\nlayout: page\n---\n# Widget Server Guide\n\nWidget Server is a *small* HTTP "
                "server,\nwritten in [Python](https://python.org).\n\nSetup\n-----\n\n| Setting | Default |\n|---|---:|\n"
                "| `port` | 8080 |\n| `workers` | 4 |\n\n- The log level defaults to `info`.\n- The maximum body is\n"
                "  10 MB.\n\n```\nwidget-server --port 9000\n```\n\n```\n$ widget-server --check\nconfig OK\n```\n")
    units = [(p.is_heading, d.text[p.start:p.end], p.heading) for p in d.paragraphs]
    assert d.title == "Widget Server Guide" and "layout" not in d.text
    assert units == [
        (True, "Widget Server Guide", "Widget Server Guide"),
        (False, "Widget Server is a small HTTP server, written in Python.", "Widget Server Guide"),
        (True, "Setup", "Setup"),
        (False, "Setting: port; Default: 8080", "Setup"),
        (False, "Setting: workers; Default: 4", "Setup"),
        (False, "The log level defaults to info.", "Setup"),
        (False, "The maximum body is 10 MB.", "Setup"),
        (False, "widget-server --port 9000", "Setup"),
        (False, "$ widget-server --check\nconfig OK", "Setup"),  # a session keeps its lines, as in HTML
    ]


def test_a_manuals_page_links_are_chrome_but_a_sentence_about_the_page_is_not(tmp_path):
    d = written(tmp_path, "basics.html", '<html><body><div class="header"><p>Next: <a href="s.html">Simple Example</a>, '
                'Up: <a href="u.html">Using libffi</a> [<a href="i.html">Index</a>]</p></div>'
                "<h3>2.1 The Basics</h3><p>This page describes how to call a function.</p>"
                "<p>Next: configure the server.</p></body></html>")
    assert "Simple Example" not in d.text
    assert "This page describes how to call a function." in d.text and "Next: configure the server." in d.text


def test_words_a_pdf_extraction_glued_together_are_split_apart_and_long_words_stay():
    from rag.ingest import _unglued

    glued = ("Thisisusefulforanumberofpurposes. BesideshostingUbuntu, LaunchpadcanhostanyFreeSoftwareproject. "
             "GNUPrivacyGuardcontainstoolsyouwillneed. The optoelectronics industry grew.")
    assert _unglued(glued) == ("This is useful for a number of purposes. Besides hosting Ubuntu, Launchpad can host any "
                               "Free Software project. GNU Privacy Guard contains tools you will need. "
                               "The optoelectronics industry grew.")
    clean = "The optoelectronics and internationalization of Xi'an's manufacturing industry."
    assert _unglued(clean) == clean  # a document without the fault is left exactly as it is
    # such a document also lost the spaces around its numbers and after its commas
    numbers = glued + (" Debianincludesmorethan59100softwarepackages, Itgrewwithabout1012volunteers. It runs on 9architectures,but old;"
                       " ext4. Fixed in versions0.61 and later.")
    assert _unglued(numbers).endswith("Debian includes more than 59100 software packages, It grew with about 1012 volunteers. "
                                      "It runs on 9 architectures, but old; ext4. Fixed in versions 0.61 and later.")


def test_typeset_ligatures_read_as_their_letters(tmp_path):
    d = written(tmp_path, "amp.txt", "The inverting ampliﬁer has a gain of 51, set by the eﬀective feedback resistor.\n")
    assert "amplifier" in d.text and "effective" in d.text


def test_a_path_broken_at_a_line_end_is_one_word_again():
    from rag.ingest import _join_wrapped

    assert _join_wrapped(["The crond PID file is named /run/", "crond.pid and lives in /usr/", "share/doc for good."]) \
        == "The crond PID file is named /run/crond.pid and lives in /usr/share/doc for good."
    assert _join_wrapped(["It has the leading debian/", "for simplicity."]) == "It has the leading debian/ for simplicity."


def test_a_word_hyphenated_at_a_line_end_is_one_word_again_and_a_compound_keeps_its_hyphen():
    from rag.ingest import _join_wrapped

    assert _join_wrapped(["The actual output may differ from the spec-", "ified 1 mA, re-", "spectively."]) \
        == "The actual output may differ from the specified 1 mA, respectively."
    assert _join_wrapped(["A high-", "caliber tool, state-of-", "the-art."]) == "A high-caliber tool, state-of-the-art."
    # the document's own spelling wins: "non-free" written so elsewhere stays so across a line end
    assert _join_wrapped(["the non-", "free section"], frozenset({"non-free"})) == "the non-free section"


def test_a_pre_block_is_program_code_or_output(tmp_path):
    d = written(tmp_path, "tutorial.html", """<title>Inheritance</title><p>The query returns:</p><pre class="screen">
   name    | elevation
-----------+-----------
 Las Vegas |      2174
 Mariposa  |      1953
(2 rows)
</pre><pre class="programlisting">
APT
{
  /* This is not necessary if the two machines are the same arch */
  Architecture "i386";
};
</pre><pre class="screen">
ERROR:  insert or update on table "weather" violates
foreign key constraint "weather_city_fkey"
</pre><pre>
class Dog:
    kind = 'canine'         # class variable shared by all instances
    def __init__(self, name):
        self.name = name    # instance variable unique to each instance
</pre>""")
    blocks = d.text.split("\n\n")
    assert blocks[1] == "name | elevation -----------+----------- Las Vegas | 2174 Mariposa | 1953 (2 rows)"
    assert blocks[2] == 'APT\n{\n/* This is not necessary if the two machines are the same arch */\nArchitecture "i386";\n};'
    assert blocks[3] == 'ERROR: insert or update on table "weather" violates foreign key constraint "weather_city_fkey"'
    assert blocks[4].startswith("class Dog:\nkind = 'canine'")  # Python: lines that open blocks


def test_a_table_drawn_in_text_is_read_row_by_row(tmp_path):
    drawn = """
  Name         Value    Meaning
  ---------------------------------------------------------
  MATCH            1    Brief information about font matching
  CACHE           16    Watch cache files being written
"""
    d = written(tmp_path, "debug.html", f"<title>Debugging</title><p>Each bit controls messages.</p><pre>{drawn}</pre>"
                f"<table><tr><td><pre class='programlisting'>{drawn}</pre></td></tr></table>")
    rows = ["Name: MATCH; Value: 1; Meaning: Brief information about font matching",
            "Name: CACHE; Value: 16; Meaning: Watch cache files being written"]
    assert d.text.split("\n\n")[1:] == rows + rows  # bare, and framed by a layout table's one cell


def test_an_option_on_a_line_of_its_own_is_the_term_of_its_description():
    from rag.ingest import _reflow

    wrapped = "Keep the Caml names of record labels as specified in the IDL file, and do not prefix them at all,\n"
    lines = (wrapped * 3 + "even if they appear in several struct definitions, as the user's manual says.\n-nocpp\n"
             "Suppresses the pre-processing of source IDL files.\n--x-includes=DIR\nX include files are in DIR\n"
             "--with-blas=\"-L/usr/lib64/atlas -ltatlas\"\nDistributed ATLAS libraries cannot be tuned.\n"
             "-k --keep\nKeep (don't delete) input files during compression or decompression.\n").splitlines()
    blocks = [text for _, text in _reflow(lines)]
    assert "-nocpp: Suppresses the pre-processing of source IDL files." in blocks
    assert "-k --keep: Keep (don't delete) input files during compression or decompression." in blocks  # (with its other name)
    assert "--x-includes=DIR: X include files are in DIR" in blocks
    assert not any(text.startswith("--with-blas") and ":" in text[:40] for text in blocks)  # a quoted example is no term


def test_a_short_line_that_stops_on_an_open_word_goes_on():
    from rag.ingest import _reflow

    wrapped = "Each line of this paragraph is long enough to count as wrapped text, and it ends open\n"
    lines = (wrapped * 4 + "and then stops.\nxorg.conf For X.org 7 and\nlater (optional)\n").splitlines()
    assert _reflow(lines)[-1] == (False, "xorg.conf For X.org 7 and later (optional)")


def test_a_heading_right_above_another_stays_the_context_of_its_section(tmp_path):
    d = written(tmp_path, "history.html", "<h1>Release History</h1><h2>2.28.1 (2022-06-29)</h2>"
                "<p><strong>Improvements</strong></p><p>Speed optimization in iter_content.</p>")
    assert [p.heading for p in d.paragraphs if not p.is_heading] == ["2.28.1 (2022-06-29): Improvements"]


def test_an_html_heading_marked_as_the_author_is_a_byline_not_a_heading(tmp_path):
    page = ("<html><body><h1>APT User's Guide</h1><div class='authorgroup'><h3 class='author'>Jason Gunthorpe</h3>"
            "<code>&lt;jgg@debian.org&gt;</code></div><h2>Introduction</h2><p>APT installs packages.</p></body></html>")
    d = written(tmp_path, "guide.html", page)
    byline = next(p for p in d.paragraphs if "Jason Gunthorpe" in d.text[p.start:p.end])
    assert not byline.is_heading
    assert [p.heading for p in d.paragraphs if "installs" in d.text[p.start:p.end]] == ["Introduction"]
    # (what has digits under that mark is no name, but the manual's version and date)
    d = written(tmp_path, "ninja.html", page.replace("Jason Gunthorpe", "v1.11.1, Aug 2022"))
    assert next(p for p in d.paragraphs if "v1.11.1" in d.text[p.start:p.end]).is_heading
    # a heading that is a name with its address is a byline too (LinuxDoc's)
    page = ("<html><body><h1>Grace Tutorials</h1><h2>Edward Vigmond <code>evigmon@tulane.edu</code></h2>for Grace-5.1.4"
            "<h2>Introduction</h2><p>Grace plots data.</p></body></html>")
    d = written(tmp_path, "grace.html", page)
    assert not next(p for p in d.paragraphs if "Vigmond" in d.text[p.start:p.end]).is_heading


def test_a_table_of_contents_is_no_text_of_the_page(tmp_path):
    """An FAQ's list of links to its own questions repeats them; only the questions under their answers count."""
    page = ("<html><body><h1>PuTTY FAQ</h1><ul><li><a href='#a91'>A.9.1 Is putty.org your website?</a></li>"
            "<li>1. <a href='#a92'>Would you like a nicer domain name?</a></li></ul>"
            "<ul><li>See <a href='#a91'>A.9.1</a> for the website.</li><li><a href='other.html'>The manual</a></li></ul>"
            "<h3><a name='a91'></a>A.9.1 Is putty.org your website?</h3><p>No, it isn't.</p></body></html>")
    d = written(tmp_path, "faq.html", page)
    assert d.text.count("Is putty.org your website?") == 1 and "nicer domain" not in d.text
    assert "See A.9.1 for the website." in d.text and "The manual" in d.text


def test_a_pdf_reads_as_its_pages_show_it(tmp_path):
    """Words keep their spaces, a word hyphenated at a line's end is whole, a stop after a raised footnote
    mark stays with its sentence, and an accent set before its letter (a TeX PDF's "E´en") sits on it."""
    from test_reliability_index import text_pdf

    suites = Path(__file__).resolve().parent.parent / "eval" / "suites"
    # (a justified TeX page whose spaces pypdf loses is read by pdfium: "students per test", not "pertest")
    amc = load_document(suites / "manuals" / "corpus" / "auto-multiple-choice.en.pdf", "amc.pdf").text
    assert "The maximum number of students per test is limited to 4,095" in amc
    eyes = load_document(suites / "expeyes" / "corpus" / "en-eyesj.pdf", "eyes.pdf").text
    assert "(Physics with Home-made Equipment & Innovative Experiments) project" in eyes
    assert "on a micro-controller1.\n\nSINE wave: Fixed frequency" in eyes
    (tmp_path / "accent.pdf").write_bytes(text_pdf(b"BT /F1 10 Tf 20 250 Td (MiniSat by Niklas E\\302en.) Tj ET"))
    assert "Niklas Eén" in load_document(tmp_path / "accent.pdf", "accent.pdf").text


def test_a_command_on_a_short_line_of_its_own_stays_in_its_sentence(tmp_path):
    lines = ["Packages can be held back so that an upgrade leaves them at the version that is installed now,",
             "which is useful when a newer version is known to break something that you depend upon every day",
             "or when you want to test a new version first on another machine before you upgrade this one too.",
             "There are three ways of holding back packages, with dpkg, with apt or with aptitude, and each of",
             "them records the hold in the package database so that later upgrades respect it as well as this.",
             "With apt, you can set a package to hold using",
             "apt-mark hold package_name",
             "and remove the hold with",
             "apt-mark unhold package_name",
             "With aptitude, you can hold a package using aptitude hold package_name and remove the hold again",
             "with aptitude unhold package_name whenever you are ready to let the package be upgraded after all."]
    (tmp_path / "faq.txt").write_text("Holding packages\n\n" + "\n".join(lines) + "\n")
    text = load_document(tmp_path / "faq.txt", "faq.txt").text
    assert ("With apt, you can set a package to hold using apt-mark hold package_name and remove the hold with "
            "apt-mark unhold package_name") in text
