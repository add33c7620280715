"""The HTML/PDF parity check finds each kind of difference."""

from __future__ import annotations

import shutil

from conftest import run_report
from reportkit.parity import Expected, compare, html_facts, squash


def test_rendered_fixture_agrees(rendered_fixture):
    out = rendered_fixture / "_output"
    facts = html_facts(out / "paper.html")
    assert [(k, n) for k, n, _ in facts.captions] == [("Figure", "1"), ("Table", "1")]
    assert facts.values["counts.total"] == "1,234"
    assert set(facts.entries) == {"knuth1984"}
    assert compare(out / "paper.html", out / "paper.pdf").problems == []


def tampered(rendered_fixture, tmp_path, old: str, new: str):
    out = rendered_fixture / "_output"
    html = tmp_path / "paper.html"
    text = (out / "paper.html").read_text(encoding="utf-8")
    assert old in text
    html.write_text(text.replace(old, new), encoding="utf-8")
    return [p.message for p in compare(html, out / "paper.pdf").problems]


def test_caption_difference(rendered_fixture, tmp_path):
    messages = tampered(rendered_fixture, tmp_path, "Bar heights of the fixture data", "Bar widths of the fixture data")
    assert len(messages) == 1 and "caption of Figure 1" in messages[0] and "Bar widths" in messages[0]


def test_numbering_difference(rendered_fixture, tmp_path):
    messages = tampered(rendered_fixture, tmp_path, "Table\u00a01: Items", "Table\u00a02: Items")
    assert any("table captions numbered ['2'] in HTML but ['1'] in the PDF" in m for m in messages)


def test_value_difference(rendered_fixture, tmp_path):
    messages = tampered(rendered_fixture, tmp_path, 'data-var="counts.share">56.7%', 'data-var="counts.share">57.6%')
    assert messages == ["paper.html vs paper.pdf: value of counts.share ('57.6%') not found in the PDF"]


def test_cited_work_difference(rendered_fixture, tmp_path):
    messages = tampered(rendered_fixture, tmp_path, "Addison-Wesley.", "Springer.")
    assert len(messages) == 1 and "bibliography entry knuth1984" in messages[0]


def test_squash_ignores_line_breaks_and_hyphenation():
    assert squash("diaspo-\nra  of 1,234\u00a0people") == squash("diaspora of 1,234 people")


def test_a_value_broken_by_a_page_break_is_found_across_the_pages():
    from reportkit.parity import across_pages

    pages = ["... against US$ 309.9 million in Kazakhstan and US$ \n10 / 23",  # the page number follows
             "Running header\nTable 2: Migrant stock\nTurkmenistan 31,076\n1.1 million recorded for Turkmenistan."]
    assert across_pages("US$ 1.1 million", pages)
    assert not across_pages("US$ 1.2 million", pages)
    assert not across_pages("US$ 1.1 million", pages[::-1])  # the value's words in the wrong order of pages
    lost = ["and US$ " + "then a long rest of the page that the value is not continued on " * 3, pages[1]]
    assert not across_pages("US$ 1.1 million", lost)  # its head must end the page
    assert not across_pages("US$ 1.1 million", [pages[0], "Header\nsee 1.1 million"])  # its rest must start a line
    assert not across_pages("1.1", pages)  # a single word is not broken


def test_compare_finds_a_value_the_pdf_breaks_across_pages(rendered_fixture, tmp_path, monkeypatch):
    import reportkit.checks as checks
    import reportkit.parity as parity

    out = rendered_fixture / "_output"
    html = tmp_path / "paper.html"
    html.write_text((out / "paper.html").read_text(encoding="utf-8").replace(
        'data-var="counts.share">56.7%', 'data-var="counts.share">56.7 per cent'), encoding="utf-8")
    pages = checks.pdf_text(out / "paper.pdf")
    broken = [page.replace("56.7%", "") for page in pages]  # the value nowhere in one piece ...
    broken[0] += "\nthe share is 56.7\n1"  # ... but ending page 1 (before its number) ...
    broken.insert(1, "Running header\nper cent of all items.")  # ... and going on at a line of page 2
    monkeypatch.setattr(parity, "start_pdf_text", lambda path: lambda: broken)
    assert [p.message for p in compare(html, out / "paper.pdf").problems] == []
    broken[1] = "Running header\nNo such value here."
    assert [p.subject for p in compare(html, out / "paper.pdf").problems] == ["var:counts.share"]


def test_check_parity_command(fixture_project):
    result = run_report("check", "--parity", project=fixture_project)
    assert result.exit_code == 1 and "run `report render` first" in result.output
    assert run_report("render", "--engine", "builtin", "-q", project=fixture_project).exit_code == 0
    assert run_report("check", "--parity", project=fixture_project).exit_code == 0
    html = fixture_project / "_output" / "paper.html"
    html.write_text(html.read_text(encoding="utf-8").replace("Addison-Wesley.", "Springer."), encoding="utf-8")
    result = run_report("check", "--parity", project=fixture_project)
    assert result.exit_code == 3 and "bibliography entry knuth1984" in result.output


def test_parity_with_pure_python_pdf_reader(rendered_fixture, monkeypatch):
    """Without poppler's pdftotext the check falls back to pypdf and still agrees."""
    import reportkit.checks as checks

    monkeypatch.setattr(checks.shutil, "which", lambda name: None)
    out = rendered_fixture / "_output"
    assert "Fixture Paper" in checks.pdf_text(out / "paper.pdf")[0]
    assert compare(out / "paper.html", out / "paper.pdf").problems == []


def test_report_counts_what_was_compared(rendered_fixture):
    out = rendered_fixture / "_output"
    report = compare(out / "paper.html", out / "paper.pdf", Expected(floats=2, values=3))
    assert (report.captions, report.sections, report.values, report.entries) == (2, 2, 3, 1)
    assert report.problems == []
    assert report.summary() == "2 captions, 2 section numbers, 3 values, 1 references compared"


def test_comparing_nothing_where_the_sources_have_floats_is_a_problem(rendered_fixture):
    """Captions in another language than the check expects would otherwise pass unseen."""
    out = rendered_fixture / "_output"
    report = compare(out / "paper.html", out / "paper.pdf", Expected(titles=("Abbildung", "Tabelle"), floats=2))
    assert report.captions == 0
    assert [p.rule for p in report.problems] == ["parity"] and "no numbered caption" in report.problems[0].message


def test_crossref_titles_are_compared(fixture_project):
    config = fixture_project / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8") + "crossref:\n  fig-title: Abbildung\n  tbl-title: Tabelle\n",
                      encoding="utf-8")
    result = run_report("render", "--engine", "builtin", project=fixture_project)
    assert result.exit_code == 0, result.output
    assert "(2 captions, 2 section numbers, 3 values, 1 references compared)" in result.output


def test_section_number_difference(rendered_fixture, tmp_path):
    """Quarto's Typst output numbers third-level headings 1.1.a unless told otherwise; the HTML 1.1.1."""
    assert html_facts(rendered_fixture / "_output" / "paper.html").sections == [("1", "Introduction"), ("2", "Method")]
    old = '<span class="header-section-number">2</span>'
    messages = tampered(rendered_fixture, tmp_path, old, '<span class="header-section-number">3</span>')
    assert messages == ["paper.html vs paper.pdf: section 3 'Method' not found in the PDF with that number "
                        "(after section 1)"]


def unmarked(rendered_fixture, tmp_path, replace: tuple[str, str] = ("", "")):
    """The fixture's HTML as an engine that does not mark quoted values (Quarto) writes them."""
    import re

    html = tmp_path / "paper.html"
    text = (rendered_fixture / "_output" / "paper.html").read_text(encoding="utf-8").replace(*replace)
    text = re.sub(r'<(a|span) [^>]*class="reportkit-value"[^>]*>(.*?)</\1>', r"\2", text)
    html.write_text(text.replace('content="reportkit', 'content="quarto-1.11.0'), encoding="utf-8")
    return html


def test_unmarked_values_are_compared_by_their_text(rendered_fixture, tmp_path):
    from reportkit.parity import marks_values
    from reportkit.pipeline import expected
    from reportkit.project import Project
    from reportkit.source import Document

    project = Project.load(rendered_fixture)
    document = Document.read(project, project.main_inputs[0])
    assert expected(document, marked=False).values == 0
    assert ("counts.share", "56.7%") in expected(document, marked=False).quoted
    assert ("label", "<script>alert(1)</script>") in expected(document).quoted  # markdown escapes undone
    pdf = rendered_fixture / "_output" / "paper.pdf"
    assert marks_values(rendered_fixture / "_output" / "paper.html")
    html = unmarked(rendered_fixture, tmp_path)
    assert not marks_values(html)
    assert compare(html, pdf, expected(document, marked=False)).problems == []
    # marked values were expected: their absence is a problem
    assert "none was found in the HTML" in compare(html, pdf, expected(document)).problems[0].message
    html = unmarked(rendered_fixture, tmp_path, ("56.7%", "57.6%"))
    problems = compare(html, pdf, expected(document, marked=False)).problems
    assert [(p.message, p.subject) for p in problems] == [
        ("paper.html vs paper.pdf: value of counts.share ('56.7%') not found in the HTML", "var:counts.share")]
