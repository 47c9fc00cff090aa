"""Answers on documents unlike the bundled corpus (issue 15): release-notes HTML with navigation,
headings, lists, definition lists, tables and hard-wrapped paragraphs, run through the real
pipeline (real model, real index)."""
import re

import pytest

from rag import Assistant
from rag.eval import MAX_ANSWER_CHARS
from rag.ingest import load_document

# A project history page: site navigation, a list of leaders, sections per release, a table.
HISTORY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>A Brief History of Debian | Debian Project</title></head>
<body>
<nav class="navbar"><ul><li><a href="/">Home</a></li><li><a href="/about">About Debian</a></li>
<li><a href="/news">What's New In Debian 12</a></li></ul></nav>
<div id="content">
<h1>A Brief History of Debian</h1>
<h2>Leadership</h2>
<p>The Debian Project Leader is elected by the developers and serves a term of one year.</p>
<ul>
<li>Ian Murdock founded Debian in August 1993 and led it until March 1996</li>
<li>Stefano Zacchiroli led Debian from April 2010 until April 2013</li>
<li>Lucas Nussbaum was elected in April 2013 and served two terms</li>
</ul>
<h2>Debian 6.0 (squeeze)</h2>
<p>Debian 6.0 was released on 6 February 2011.
This release introduced dependency-based boot sequencing and shipped the Linux 2.6.32 kernel.</p>
<h2>Debian 8 (jessie)</h2>
<p>Debian 8 was released on 25 April 2015, after almost 24 months of development.
Its announcement went out at 14:30 UTC.</p>
<p>This release introduced for the first time the systemd init system as default.</p>
<h2>Release dates</h2>
<table><thead><tr><th>Version</th><th>Code name</th><th>Released</th></tr></thead>
<tbody><tr><td>Debian 7</td><td>wheezy</td><td>4 May 2013</td></tr>
<tr><td>Debian 9</td><td>stretch</td><td>17 June 2017</td></tr></tbody></table>
</div>
<div class="footer">Copyright 1997-2026 Software in the Public Interest, Inc.</div>
</body></html>
"""

# A Sphinx "What's New" page: a theme button whose attributes wrap onto a second line, permalink
# signs in headings, a field list, an introduction about the article, hard-wrapped source lines.
WHATSNEW = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>What’s New In Python 3.6 &#8212; Python 3.13.1 documentation</title>
<script>for (var i = 0; i < a.length; i++) { toggle(a[i]); }</script></head>
<body>
<div class="related" role="navigation" aria-label="Related"><h3>Navigation</h3>
<ul><li><a href="../index.html">What’s New In Python 3.8</a></li><li>3.</li></ul></div>
<button class="theme-switcher"
    aria-pressed="false" aria-expanded="false" role="button" title="Toggle color theme">Theme</button>
<div class="body" role="main">
<section id="what-s-new-in-python-3-6">
<h1>What’s New In Python 3.6<a class="headerlink" href="#what-s-new-in-python-3-6" title="Link to this heading">¶</a></h1>
<dl class="field-list simple">
<dt class="field-odd">Release date<span class="colon">:</span></dt>
<dd class="field-odd"><p>23 December 2016</p></dd>
</dl>
<p>This article explains the new features in Python 3.6, compared to 3.5.</p>
<section id="pep-572">
<h2>Formatted string literals<a class="headerlink" href="#pep-498" title="Link to this heading">¶</a></h2>
<p>PEP 498 introduces a new kind of string literals: f-strings, or
formatted string literals. Formatted string literals are prefixed with
<code class="docutils literal notranslate"><span class="pre">'f'</span></code> and are similar to the
format strings accepted by str.format().</p>
</section>
<section id="io">
<h2>A faster I/O library<a class="headerlink" href="#io" title="Link to this heading">¶</a></h2>
<p>In Python 3.1, the I/O library has been entirely rewritten in C and is
2 to 20 times faster depending on the task at hand. The pure Python version
is still available for experimentation purposes through the _pyio module.</p>
</section>
</section></div>
<div class="footer">© Copyright 2001-2024, Python Software Foundation.</div>
</body></html>
"""


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release-notes")
    (folder / "history.html").write_text(HISTORY, encoding="utf-8")
    (folder / "whatsnew36.html").write_text(WHATSNEW, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def notes(docs, tmp_path_factory):
    return Assistant.open(index_dir=tmp_path_factory.mktemp("release-index"), corpus=docs)


def body(doc):
    return [doc.text[p.start:p.end] for p in doc.paragraphs if not p.is_heading]


def test_title_is_the_page_heading_not_navigation_markup(docs):
    page = load_document(docs / "whatsnew36.html", "whatsnew36.html")
    assert page.title == "What’s New In Python 3.6"
    assert "aria-pressed" not in page.text and "Navigation" not in page.text and "¶" not in page.text
    assert "What’s New In Python 3.8" not in page.text  # the navigation list is chrome
    assert load_document(docs / "history.html", "history.html").title == "A Brief History of Debian"


def test_list_items_definitions_and_table_rows_are_units(docs):
    history = body(load_document(docs / "history.html", "history.html"))
    assert "Stefano Zacchiroli led Debian from April 2010 until April 2013" in history
    assert "Version: Debian 7; Code name: wheezy; Released: 4 May 2013" in history
    assert not any("Copyright" in b or "About Debian" in b for b in history)
    page = body(load_document(docs / "whatsnew36.html", "whatsnew36.html"))
    assert "Release date: 23 December 2016" in page
    # hard-wrapped source lines stay one paragraph
    assert any("rewritten in C and is 2 to 20 times faster depending on the task at hand." in b for b in page)


def test_a_byline_with_a_timestamp_and_bare_numbers_are_not_content(tmp_path):
    page = tmp_path / "article.html"
    page.write_text("<h1>Aiming for 2 trillion, the city fights on</h1><p>城市进化论2026-05-15 08:15</p><p>3</p>"
                    "<p>The city's output grew by 5% in 2025.</p>", encoding="utf-8")
    assert body(load_document(page, "article.html")) == ["The city's output grew by 5% in 2025."]


def answer_of(assistant, question):
    answer = assistant.ask(question)
    assert not answer.abstained, answer.answer
    assert re.search(r"\[\d\]$", answer.answer) and answer.citations
    return answer.answer


def test_a_sentence_stating_the_answer_nearly_word_for_word_answers(notes):
    assert "Stefano Zacchiroli" in answer_of(notes, "Who was the Debian Project Leader between 2010 and 2013?")


def test_a_list_item_answers_alone(notes):
    answer = answer_of(notes, "When was Lucas Nussbaum elected?")
    assert answer.startswith("Lucas Nussbaum was elected in April 2013 and served two terms. [")


@pytest.mark.parametrize("question, who", [
    ("Who took over after Stefano Zacchiroli?", "Lucas Nussbaum"),
    ("Who succeeded Ian Murdock?", "Stefano Zacchiroli"),
    ("Who led Debian before Stefano Zacchiroli?", "Ian Murdock"),
])
def test_who_came_after_a_name_is_answered_by_the_next_item_not_by_the_name(notes, question, who):
    assert answer_of(notes, question).startswith(who)


def test_a_table_row_answers(notes):
    assert "4 May 2013" in answer_of(notes, "When was Debian 7 released?")


def test_the_referent_of_this_release_is_shown(notes):
    answer = answer_of(notes, "Which Debian version made systemd the default init system?")
    assert "systemd" in answer and "Debian 8" in answer, answer


def test_a_shortened_answer_keeps_the_asked_for_fact(notes):
    answer = answer_of(notes, "How much faster is the I/O library since it was rewritten in C?")
    assert "2 to 20 times faster" in answer and not re.search(r"\b(?:is|and|to)\.", answer), answer


def test_a_definition_answers(notes):
    assert "23 December 2016" in answer_of(notes, "When was Python 3.6 released?")


def test_headings_and_introductions_are_never_answers(notes):
    for question in ("What is new in Python 3.6?", "What does Python 3.6 add compared to 3.5?"):
        answer = notes.ask(question).answer
        assert not answer.startswith(("What’s New In Python", "This article explains", "3.")), answer


@pytest.mark.parametrize("question", [
    "When was Python 3.5 released?",  # only 3.6 is dated: its date is a neighbouring fact
    "Who led Debian from 2005 to 2007?",
    "When was Debian 10 released?",
    "When was the 14 release announced?",  # "14" is no number of its own in "14:30"
    "How much faster is the io_library in Python 3.1?",  # a name written as code is as specific as a capitalised one
])
def test_a_question_about_a_neighbouring_subject_abstains(notes, question):
    answer = notes.ask(question)
    assert answer.abstained, answer.answer


def test_a_manual_extracted_from_pdf_keeps_its_structure(tmp_path):
    # what pypdf gives for a manual: a table of contents, page numbers, labels, bullets, wrapped lines
    lines = ["Contents", "1 Getting Started 5", "1.1 Introduction . . . . . . . . . . . . . . . . . 5",
             "2.1 Measuring Voltage . . . . . . . . . . . . . . . . 15", "14",
             "For each experiment, make connections as per the diagram given in the figure.",
             "2.1 Measuring Voltage", "Objective",
             "Learn to measure voltage using the kit and get some idea about the concept of",
             "Electrical Ground. A dry-cell and two wires are required for this experiment here.",
             "Procedure", "• Click on A1 to display the voltage of the cell that is connected",
             "• Repeat by reversing the cell connections.", "• Repeat with another cell", "Observation",
             "The measured value is +1.5 volts and it becomes -1.5 after reversing the connections,",
             "as expected from the polarity of the cell that was used in the experiment above.", "15"] * 2
    path = tmp_path / "manual.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    doc = load_document(path, "manual.txt")
    units = body(doc)
    headings = [doc.text[p.start:p.end] for p in doc.paragraphs if p.is_heading]
    assert not any(". . ." in u or u.strip().isdigit() for u in units)
    assert "Objective" in " ".join(headings) and "Observation" in headings
    assert "• Repeat by reversing the cell connections." in units  # a bullet is a unit of its own
    assert "• Repeat with another cell" in units  # even without a full stop: its line does not wrap
    assert any(u.startswith("The measured value is +1.5 volts") for u in units)


def test_a_physical_quantity_is_answered_in_its_units():
    from rag.evidence import _type_evidence
    from rag.question import analyse
    q = analyse("What input impedance do A1 and A2 have?")
    assert q.kind == "number"
    assert _type_evidence(q, "Both have an input impedance of 10MΩ.") == 1.0
    assert _type_evidence(q, "Figure 4.3 shows inputs A1 and A2 within the 5 volts range.") < 1.0
    assert analyse("What frequency is the hum seen when measuring the body?").kind == "number"  # not a date
    space = analyse("How much disk space does the backup server have?")
    assert _type_evidence(space, "The backup server has 4 TB of disk space.") == 1.0
    assert _type_evidence(space, "Backups have two goals: restoring files and restoring machines.") < 1.0
    assert analyse("How much does the kit weigh?").units.search("It weighs about 150 g.")
    memory = analyse("How much memory does deflateInit() allocate for the internal state?")
    assert _type_evidence(memory, "deflateInit() will allocate on the order of 256K bytes for the internal state.") == 1.0
    ram = analyse("How much RAM does TREE-PUZZLE need to analyse a data set of 257 sequences?")
    assert _type_evidence(ram, "A machine with 32 to 64 MB RAM can analyse 100 sequences.") == 1.0
    assert _type_evidence(ram, "Every category slows the computation by the time needed for one complete run.") < 1.0
    interval = analyse("What is the default interval at which Claws Mail checks for new mail?")
    assert _type_evidence(interval, "By default it checks for new mail every 10 minutes.") == 1.0
    assert _type_evidence(interval, "It deploys easily over various users of one machine.") < 1.0
    # A measure that only qualifies the noun asked about sets no unit: a voltage step is a number of volts,
    # but a CVE number is no number of bytes.
    assert analyse("What CVE number covers the memory disclosure?").units is None


def test_a_version_ending_a_sentence_is_a_version_and_a_contents_entry_is_none():
    from rag.evidence import _type_evidence
    from rag.question import analyse
    q = analyse("As of which CMake version can CMake generate Ninja files on Linux?")
    assert _type_evidence(q, "CMake can generate Ninja files on Linux as of CMake version 2.8.8.") == 1.0
    assert _type_evidence(q, "CUSTOMIZING YOUR CMAKE … 11.6.") == 0.0
    # a version in a file name is one; a version numbered after another name is not the one asked about
    assert _type_evidence(analyse("Which version should be downloaded?"), "Download expeyes-3.0.0.deb or higher.") == 1.0
    r = analyse("Which R version added the compiler package?")
    assert _type_evidence(r, "The toolset includes compilers (GCC version 10.3.0 with patches).") == 0.0
    assert _type_evidence(r, "As from R 3.6.0, all packages are byte-compiled by the compiler.") == 1.0
    # "the minimum OpenSSL version" is OpenSSL's; "NTPsec-versions before 1.1.9" are NTPsec's
    ssl = analyse("What is the minimum OpenSSL version NTPsec requires for NTS?")
    assert (ssl.kind, ssl.versioned) == ("version", ["openssl"])
    assert _type_evidence(ssl, "NTPsec-versions before 1.1.9 do in principle support NTS.") == 0.0
    assert _type_evidence(ssl, "NTS needs OpenSSL 1.1.1 or newer.") == 1.0
    # "which version of the GNU Multiprecision Library" is the library's, all of its name
    gmp = analyse("Which version of the GNU Multiprecision Library does SDPB require?")
    assert gmp.versioned == ["gnu", "multiprecision", "library"]
    assert _type_evidence(gmp, "• The Boost C++ Libraries (tested with Boost 1.54). • The GNU Multiprecision Library.") == 0.0
    assert analyse("The build fix targets which version of Microsoft Visual Studio?").versioned == ["microsoft", "visual", "studio"]
    # "License version 2" numbers the licence
    jags = analyse("Which version of JAGS is documented by this user manual?")
    assert _type_evidence(jags, "JAGS is licensed under the GNU General Public License version 2.") == 0.0
    assert _type_evidence(jags, "This manual is for JAGS version 4.3.0.") == 1.0


# A number that counts nothing: "one" standing for a noun or for anybody, a manual section, an item's
# number, a section number glued to "see" in a PDF's text.
@pytest.mark.parametrize("text, counts", [
    ("To pick the best mirror, use a source like this one.", False),
    ("Mirrors copy each other, so each one holds the whole archive.", False),
    ("To get these, one should set the mirror element of the repos option.", False),
    ("Mirrors are listed in the sources.list(5) manual page.", False),
    ("Mirrors need (1) disk space (2) bandwidth.", False),
    ("Mirrors hold the package pool (seeSection 6.10).", False),
    ("Debian has one mirror in every country.", True),
])
def test_a_number_that_stands_for_no_count_counts_nothing(text, counts):
    from rag.evidence import _type_evidence
    from rag.question import analyse
    assert _type_evidence(analyse("How many mirrors does Debian have?"), text) == float(counts)


RELEASES = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Frobnicator release notes</title></head>
<body>
<h2>Release 2.1</h2>
<p>Release date: 2024-03-01</p>
<p>This release contains a variety of fixes from 2.0. Users of Frobnicator 2.0 need not reinstall.</p>
<h2>Release 2.0</h2>
<p>Release date: 2023-11-10</p>
<p>This release adds the plugin loader and drops support for old configuration files.</p>
</body></html>
"""


@pytest.mark.slow  # indexes and answers with the real model
def test_a_heading_release_number_is_the_version_a_sentence_speaks_of(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "releases.html").write_text(RELEASES, encoding="utf-8")
    assistant = Assistant.open(index_dir=tmp_path / "index", corpus=tmp_path / "docs")
    answer = assistant.ask("When did Frobnicator 2.0 come out?")
    assert "2023-11-10" in answer.answer and "2024" not in answer.answer, answer.answer


def test_a_long_list_after_its_introducing_sentence_is_shown_within_the_answer_length(tmp_path):
    (tmp_path / "camlidl.md").write_text(
        "# Using camlidl\n\n"
        "For each file f.idl given on the command line, camlidl generates the following files:\n\n"
        "- A Caml interface file f.mli that defines the Caml view of the IDL file. It contains Caml definitions "
        "for the types declared in the IDL file, as well as declarations for the functions and the interfaces.\n"
        "- A Caml implementation file f.ml that implements the f.mli file.\n"
        "- A C source file f_stubs.c that contains the stub functions for converting between C and Caml data "
        "representations.\n"
        "- If the -header option is given, a C header file f.h containing C declarations for the types declared "
        "in the IDL file.\n", encoding="utf-8")
    (tmp_path / "history.html").write_text(HISTORY, encoding="utf-8")  # (so that camlidl's words are telling)
    (tmp_path / "whatsnew36.html").write_text(WHATSNEW, encoding="utf-8")
    assistant = Assistant.open(index_dir=tmp_path / "index", corpus=tmp_path)
    answer = answer_of(assistant, "Which files does camlidl generate for each file f.idl?")
    assert answer.startswith("For each file f.idl") and "A Caml interface file f.mli" in answer
    assert len(answer) <= MAX_ANSWER_CHARS and "…" in answer  # the items that do not fit are marked, not cut
