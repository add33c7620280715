"""The engine comparison's own parts: visible text of HTML and PDF, and that a difference is found."""

from __future__ import annotations

from pathlib import Path

import typst

from engine_compare import html_blocks, pdf_words, text_differences

PAGE = """<html><head><title>Not shown</title><style>p {{}}</style></head><body>
<main><p>See Figure&nbsp;1 and
the table.</p><div class="callout-title-container"><span class="screen-reader-only">Tip</span>A tip</div>
<div class="quarto-alternate-formats"><h2>Other Formats</h2></div><script>var x = 1;</script>
<p>{extra}</p></main></body></html>"""


def page(tmp_path: Path, name: str, extra: str = "") -> Path:
    path = tmp_path / f"{name}.html"
    path.write_text(PAGE.format(extra=extra), encoding="utf-8")
    return path


def pdf(tmp_path: Path, name: str, markup: str) -> Path:
    source = tmp_path / f"{name}.typ"
    source.write_text(markup, encoding="utf-8")
    target = tmp_path / f"{name}.pdf"
    typst.compile(str(source), output=str(target), ignore_system_fonts=True)
    return target


def test_html_blocks_are_what_a_reader_sees(tmp_path):
    assert html_blocks(page(tmp_path, "a", "Last.")) == ["See Figure 1 and the table.", "A tip", "Last."]


def test_pdf_words_leave_out_leaders_icons_and_soft_hyphens(tmp_path):
    narrow = "#set page(width: 2.2cm, height: auto, margin: 1pt)\n"  # 'migrationally' breaks at a soft hyphen
    words = pdf_words(pdf(tmp_path, "a", narrow + "Alpha #box[. . .] 1\n\n\uf129 Note\n\nWords migra\u00adtion\u00adally"))
    assert words == ["Alpha", "1", "Note", "Words", "migrationally"]


def test_a_difference_in_either_output_is_found(tmp_path):
    same = pdf(tmp_path, "same", "Figure 1 shows bars.")
    assert text_differences((page(tmp_path, "a"), same), (page(tmp_path, "b"), same)) == []
    html = text_differences((page(tmp_path, "c", "Figure 2"), same), (page(tmp_path, "d", "Figure 1"), same))
    assert len(html) == 1 and "-Figure 1" in html[0] and "+Figure 2" in html[0]
    other = pdf(tmp_path, "other", "Figure 2 shows bars.")
    found = text_differences((page(tmp_path, "e"), other), (page(tmp_path, "f"), same))
    assert found == ["PDF: Quarto 'Figure 1 shows bars.' vs built-in 'Figure 2 shows bars.'"]
