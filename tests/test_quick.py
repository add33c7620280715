"""A preview's quick page (quick.py): which saves may be shown by re-rendering one included file, how
the part is numbered as in the whole document (crossref.lua's outline), and, through a preview, that
the quick page is byte for byte the page the full render makes."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from io import BytesIO
from pathlib import Path

import pypdf
import pytest

from reportkit.engines.builtin import FILTERS, MARKDOWN, PartOutput, log_problems, package_file, pandoc_path
from reportkit.engines.base import write_metadata
from reportkit.errors import Problem
from reportkit.language import words
from reportkit.preview import LISTEN_SCRIPT, EventStream
from reportkit.project import Project
from reportkit.protocol import FILTER_METADATA, OUTLINE_READ, OUTLINE_WRITE, filter_settings, hex_path
from reportkit.quick import changed_include, cited_for, same_shape, splice
from reportkit.source import Document

from test_filters import text_of
from test_preview import start_preview, stop

CHAPTER = Path("chapters") / "_method.qmd"


def document(project: Path) -> Document:
    loaded = Project.load(project)
    return Document.read(loaded, loaded.main_inputs[0])


# -- which saves may be quick --------------------------------------------------------------------------
def test_a_change_inside_one_include_gives_that_files_text_before_and_after(fixture_project):
    before = document(fixture_project).expanded.body
    chapter = fixture_project / CHAPTER
    old = chapter.read_text(encoding="utf-8")
    chapter.write_text(old.replace("Everything above", "Everything shown above"), encoding="utf-8")
    change = changed_include(before, document(fixture_project))
    assert change is not None
    assert change.before.startswith("# Method {#sec-method}") and "Everything above" in change.before
    assert change.after == change.before.replace("Everything above", "Everything shown above")
    assert "# Introduction" not in change.after and "Provenance" not in change.after  # the include's lines only
    assert str(change.where.file) == "paper.qmd"


def test_a_change_in_the_main_document_or_in_its_variables_is_not_quick(fixture_project):
    before = document(fixture_project).expanded.body
    main = fixture_project / "paper.qmd"
    main.write_text(main.read_text(encoding="utf-8").replace("This fixture has", "This fixture holds"), encoding="utf-8")
    assert changed_include(before, document(fixture_project)) is None
    main.write_text(main.read_text(encoding="utf-8").replace("This fixture holds", "This fixture has"), encoding="utf-8")
    assert changed_include(before, document(fixture_project)) is None  # nothing changed at all
    variables = fixture_project / "_variables.yml"  # a value quoted in the main document and elsewhere
    variables.write_text(variables.read_text(encoding="utf-8").replace("1,234", "1,235"), encoding="utf-8")
    chapter = fixture_project / CHAPTER
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    assert changed_include(before, document(fixture_project)) is None


def test_a_change_in_an_include_and_after_it_is_not_quick(fixture_project):
    before = document(fixture_project).expanded.body
    chapter, main = fixture_project / CHAPTER, fixture_project / "paper.qmd"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    main.write_text(main.read_text(encoding="utf-8").replace("written by hand", "typed by hand"), encoding="utf-8")
    assert changed_include(before, document(fixture_project)) is None


def test_splice_replaces_the_part_only_when_it_occurs_exactly_once():
    assert splice("<a>old</a><b>x</b>", "<a>old</a>\n", "<a>new</a>\n") == "<a>new</a><b>x</b>"
    assert splice("<a>old</a><a>old</a>", "<a>old</a>", "<a>new</a>") is None
    assert splice("<a>other</a>", "<a>old</a>", "<a>new</a>") is None
    assert splice("<a>old</a>", "", "<a>new</a>") is None
    # the part closes its sections; the whole document closes them where the next file's headings say
    whole = '<section id="a">\n<p>old</p>\n<section id="b">\n<p>next</p>\n</section>\n</section>'
    assert splice(whole, '<section id="a">\n<p>old</p>\n</section>\n', '<section id="a">\n<p>new</p>\n</section>\n') \
        == whole.replace("old", "new")
    assert splice(whole, '<section id="a">\n<p>old</p>\n</section>', '<section id="a">\n<p>new</p>') is None


def test_a_part_is_cited_with_the_works_it_names_and_those_sharing_a_name_with_them():
    whole = ("doe2020", "doe2020b", "roe-2021:x", "a.b", "x.org", "unused", "lee2019")
    names = {"doe2020": ["doe"], "doe2020b": ["doe", "poe"], "roe-2021:x": ["roe"], "a.b": ["ab"],
             "x.org": ["x"], "unused": ["poe"], "lee2019": ["lee"]}
    text = "See @doe2020 and [@roe-2021:x, p. 3; -@a.b]. Mail me@x.org."
    # every key it may cite (more than it cites, never fewer) and doe2020b, a Doe too ("2020a"/"2020b")
    assert cited_for(text, whole, names) == ("doe2020", "doe2020b", "roe-2021:x", "a.b", "x.org")
    assert cited_for("No citations.", whole, names) == ()
    assert cited_for(text, whole, None) == whole  # names unknown: every one


def part(text: str = "<h2>One</h2><p>x</p>", labels=("sec-one",), cited=("knuth1984",), problems=(),
         ids=("sec-one",)) -> PartOutput:
    return PartOutput(text, list(problems), list(labels), list(cited), list(ids))


def test_a_part_keeps_its_shape_when_only_its_prose_changes():
    assert same_shape(part(), part("<h2>One</h2><p>y, longer</p>"), "html")
    assert not same_shape(part(), part("<h2>One!</h2><p>x</p>"), "html")  # the table of contents would change
    assert same_shape(part(), part("<h2>One!</h2><p>x</p>"), "pdf")  # Typst makes its own outline
    assert not same_shape(part(), part(labels=("sec-one", "fig-new")), "html")  # numbers after it would move
    assert not same_shape(part(), part(cited=("knuth1984", "new2024")), "html")  # the list of references would change
    assert not same_shape(part(), part(problems=[Problem("xref.unresolved", "@fig-x")]), "html")
    assert not same_shape(part(), part(ids=()), "html")  # a link elsewhere to #sec-one would break
    footnote = '<p>x<a href="#fn1" class="footnote-ref" id="fnref1"\nrole="doc-noteref"><sup>1</sup></a></p>'
    assert not same_shape(part(), part("<h2>One</h2>" + footnote), "html")  # numbered through the document
    margin = '<p>x<span class="margin-note-ref"><sup>1</sup></span></p>'
    assert not same_shape(part(), part("<h2>One</h2>" + margin), "html")
    assert same_shape(part(), part("<h2>One</h2>" + footnote), "pdf")  # Typst numbers its footnotes itself


# -- numbering a part as its whole document (crossref.lua's outline) -----------------------------------
WHOLE = """# First {#sec-first}

![One](a.png){#fig-a}

![Two](b.png){#fig-b}

# Second {#sec-second}

## Inner {#sec-inner}

![Three](c.png){#fig-c}

See @fig-a, @fig-c and @sec-inner [@knuth1984].
"""
PART = WHOLE[WHOLE.index("## Inner"):]


def crossref(markdown: str, tmp_path: Path, name: str, **settings: str) -> tuple[str, list, dict]:
    """pandoc with the filters up to crossref.lua, writing this document's outline: (HTML, problems, outline)."""
    settings_all = filter_settings("", words("en"), {}, ["knuth1984"])
    outline = tmp_path / f"{name}.outline.json"
    meta = {FILTER_METADATA: {**settings_all, OUTLINE_WRITE: hex_path(outline), **settings}, "number-sections": True}
    log = tmp_path / f"{name}.log.json"
    args = [pandoc_path(), "--from", MARKDOWN, "--to", "html", "--section-divs", "--number-sections",
            "--metadata-file", str(write_metadata(tmp_path / f"{name}.meta.json", meta)), "--log", str(log)]
    for filter_name in FILTERS[:FILTERS.index("crossref.lua") + 1]:
        args += ["--lua-filter", str(package_file("filters", filter_name))]
    done = subprocess.run(args, input=markdown, capture_output=True, text=True, check=True)
    return done.stdout, log_problems(log), json.loads(outline.read_text(encoding="utf-8"))


def test_a_part_is_numbered_as_in_its_whole_document(tmp_path):
    whole_html, problems, whole = crossref(WHOLE, tmp_path, "whole")
    assert problems == []
    assert whole["labels"] == ["sec-first", "fig-a", "fig-b", "sec-second", "sec-inner", "fig-c"]
    assert whole["cited"] == ["knuth1984"] and "fig-c" in whole["ids"]
    assert "See Figure 1, Figure 3 and Section 2.1" in text_of(whole_html)

    alone, _, _ = crossref(PART, tmp_path, "alone")  # without the outline: numbered from one
    assert "Figure 1: Three" in text_of(alone)
    html, problems, own = crossref(PART, tmp_path, "part", **{OUTLINE_READ: hex_path(tmp_path / "whole.outline.json")})
    assert problems == []  # @fig-a is defined in the whole document
    assert "2.1 Inner" in text_of(html) and "Figure 3: Three" in text_of(html)
    assert "See Figure 1, Figure 3 and Section 2.1" in text_of(html)
    assert own["labels"] == ["sec-inner", "fig-c"] and own["cited"] == ["knuth1984"]  # the part's own outline
    assert own["ids"] == ["fig-c", "refs", "sec-inner"]  # its own ids, not the whole document's


def test_outline_files_are_found_under_paths_that_markdown_would_change(tmp_path):
    """The outline's paths travel in the metadata file, which pandoc reads as markdown: underscores after a
    slash (a staging folder's random name may hold one) were read as emphasis and dropped, "--" as a dash."""
    folder = tmp_path / "_output" / ".staging-ab_c--d" / "it's"
    folder.mkdir(parents=True)
    crossref(WHOLE, folder, "whole")  # written where it was asked to be (crossref() reads it back)
    html, problems, own = crossref(PART, folder, "part", **{OUTLINE_READ: hex_path(folder / "whole.outline.json")})
    assert problems == [] and "2.1 Inner" in text_of(html) and own["labels"] == ["sec-inner", "fig-c"]


# -- through a preview ---------------------------------------------------------------------------------
def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.mark.slow
def test_a_quick_page_and_pdf_are_what_the_full_render_makes(fixture_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the fixture is no git repository: PDFs dated alike
    process, base = start_preview(fixture_project)
    try:
        events = EventStream(base)
        assert events.next()["checks"] == "ok"
        chapter = fixture_project / CHAPTER
        good = chapter.read_text(encoding="utf-8")
        chapter.write_text(good.replace("Everything above", "Everything quickly shown above"), encoding="utf-8")
        started = time.perf_counter()
        page = events.next()
        assert page["ok"] and page["quick"] and page["checks"] == "pending" and page["version"] == 2
        served = fetch(base + "paper.html")
        assert b"Everything quickly shown above" in served and b"Figure\xc2\xa01" in served  # numbered as before
        assert time.perf_counter() - started < 10
        pdf = events.next()
        assert pdf["pdf"] == "ok" and pdf["checks"] == "pending"
        quick_pdf = fetch(base + "paper.pdf")
        assert "Everything quickly shown above" in "".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(quick_pdf)).pages)
        done = events.next()  # the full render: the same page (no new version) and the same PDF
        assert done["checks"] == "ok" and not done["quick"] and done["version"] == 2
        on_disk = (fixture_project / "_output" / "paper.html").read_bytes()
        assert served.replace(LISTEN_SCRIPT, b"") == on_disk  # byte for byte
        assert (fixture_project / "_output" / "paper.pdf").read_bytes() == quick_pdf

        # a new heading changes the table of contents: no quick page, the whole document is rendered
        chapter.write_text(good + "\n## Added later {#sec-added}\n\nText.\n", encoding="utf-8")
        page = events.next()
        assert page["ok"] and not page["quick"] and page["version"] == 3
        assert b"Added later" in fetch(base + "paper.html")
        assert events.next()["checks"] == "ok"
    finally:
        assert stop(process) == 0
    output = process.stdout.read()
    assert "quick page: paper.html" in output and "differed" not in output


@pytest.mark.slow
def test_quick_pdfs_splice_the_last_full_render_not_the_last_quick_one(fixture_project, monkeypatch):
    """Two saves with no full render between them (the second came during the first): the second quick PDF
    is made from the last full render's Typst source, not from the first quick PDF's."""
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.engines.warm import WarmTypst
    from reportkit.progress import Progress
    from reportkit.quick import QuickPages
    from reportkit.render import render

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    engine = BuiltinEngine(WarmTypst(fixture_project))
    render(Project.load(fixture_project), ("html", "pdf"), progress=Progress(quiet=True), engine=engine)
    quick = QuickPages(fixture_project, engine)
    chapter = fixture_project / CHAPTER
    good = chapter.read_text(encoding="utf-8")
    for words in ("First quick words.", "Second quick words."):
        chapter.write_text(good + f"\n{words}\n", encoding="utf-8")
        pages = quick.page([chapter])
        assert pages and words.encode() in pages["paper.html"]
        pdfs = quick.pdfs()
        text = "".join(p.extract_text() for p in pypdf.PdfReader(BytesIO(pdfs["paper.pdf"])).pages)
        assert words in text
    assert "First quick words." not in text  # the first save's part is not in the second PDF
