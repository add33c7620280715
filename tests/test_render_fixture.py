"""End to end: the fixture project through the built-in engine, asserting on content."""

from __future__ import annotations

import re

from reportkit.checks import html_facts, pdf_text
from reportkit.protocol import VALUE_CLASS


def test_outputs_have_stable_names(rendered_fixture):
    out = rendered_fixture / "_output"
    assert (out / "paper.pdf").is_file() and (out / "paper.html").is_file()
    assert not list(out.glob(".staging-*")), "staging folder left behind"


def test_pdf_content(rendered_fixture):
    pages = [re.sub(r"\s+", " ", p) for p in pdf_text(rendered_fixture / "_output" / "paper.pdf")]
    text = " ".join(pages)
    assert "Fixture Paper" in pages[0]
    assert "Ada Example" in pages[0] and "Institute of Examples" in pages[0]
    assert "Figure 1: Bar heights of the fixture data." in text
    assert "Table 1: Items in the fixture" in text
    # references resolved to numbers, in prose and in the callout (@Fig-bars)
    assert "shown in Figure 1 and listed in Table 1" in text
    assert "See also Section 2" in text
    assert "see Figure 1." in text
    assert "equals Equation 1" in text
    # variables substituted in body and in _quarto.yml metadata (abstract)
    assert "This fixture has 1,234 items" in text
    assert "one table and 1,234 items" in pages[0]
    # citation formatted by citeproc, bibliography entry present
    assert "Knuth (1984, 3)" in text
    assert re.search(r"Knuth, Donald E\. 1984\. The TeXbook", text)
    assert "?@" not in text and "?var:" not in text


def test_pdf_metadata_and_page_size(rendered_fixture):
    from pypdf import PdfReader

    reader = PdfReader(str(rendered_fixture / "_output" / "paper.pdf"))
    assert reader.metadata.title == "Fixture Paper"
    assert "Ada Example" in reader.metadata.author
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1  # A4


def test_html_crossrefs_have_targets(rendered_fixture):
    page = rendered_fixture / "_output" / "paper.html"
    facts = html_facts(page)
    assert set(facts.xrefs) >= {"fig-bars", "tbl-items", "sec-method", "eq-sum"}
    for target in facts.xrefs + facts.links:
        assert target in facts.ids, f"#{target} missing"


def test_html_quarto_markup(rendered_fixture):
    html = (rendered_fixture / "_output" / "paper.html").read_text(encoding="utf-8")
    assert '<a href="#fig-bars" class="quarto-xref">Figure\u00a01</a>' in html
    assert re.search(r'<div id="fig-bars" class="quarto-float[^"]*"', html)
    assert re.search(r"<figcaption[^>]*quarto-float-caption-bottom[^>]*>\s*Figure\u00a01: Bar heights", html)
    assert re.search(r"<figcaption[^>]*quarto-float-caption-top[^>]*>\s*Table\u00a01: Items", html)
    # table caption comes before the table, figure caption after the image
    assert html.index("Table\u00a01: Items") < html.index("<table")
    assert 'class="callout callout-style-default callout-note' in html
    assert "<math" in html  # MathML, no script-based math
    assert "Knuth, Donald E. 1984." in html


def test_html_is_offline_and_escapes_data(rendered_fixture):
    html = (rendered_fixture / "_output" / "paper.html").read_text(encoding="utf-8")
    assert "<script" not in html, "a variable value became markup"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r'(src|href)="https?://', html), "page would load something from the network"
    assert 'src="data:image/svg+xml' in html  # the figure is embedded
    facts = html_facts(rendered_fixture / "_output" / "paper.html")
    assert "TOC" in facts.ids and "toc-title" in facts.ids


def test_quoted_values_link_to_their_provenance(rendered_fixture):
    html = (rendered_fixture / "_output" / "paper.html").read_text(encoding="utf-8")
    assert re.search(rf'<a href="#prov-counts-total"[^>]*class="{VALUE_CLASS}"[^>]*>1,234</a>', html)
    # a value without a provenance entry stays plain text in a span
    assert re.search(rf'<span class="{VALUE_CLASS}" data-var="counts.share">56.7%</span>', html)
    assert 'id="prov-counts-total"' in html


def test_pdf_check_rejects_truncated_or_pageless_files(rendered_fixture, tmp_path):
    from reportkit.checks import check_pdf

    good = (rendered_fixture / "_output" / "paper.pdf").read_bytes()
    assert check_pdf(rendered_fixture / "_output" / "paper.pdf") == []
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good[: len(good) // 2])
    assert [p.rule for p in check_pdf(truncated)] == ["output.pdf"]
    not_pdf = tmp_path / "x.pdf"
    not_pdf.write_bytes(b"<html>oops</html>")
    assert "not a complete PDF" in check_pdf(not_pdf)[0].message


def test_html_check_finds_missing_images_and_link_targets(tmp_path):
    from reportkit.checks import check_html

    (tmp_path / "here.png").write_bytes(b"\x89PNG")
    page = tmp_path / "page.html"
    page.write_text('<p id="a"><img src="here.png"><img src="gone.png"><a href="#a">ok</a><a href="#b">x</a></p>',
                    encoding="utf-8")
    assert sorted(p.rule for p in check_html(page)) == ["output.image", "output.link"]
    assert any("gone.png" in p.message for p in check_html(page))
