"""End to end: the repository's own paper, from a copy of its tracked files, with the built-in engine."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import yaml

from reportkit.checks import html_facts, pdf_text

pytestmark = pytest.mark.slow  # renders the whole paper


def test_paper_outputs_exist(rendered_paper):
    out = rendered_paper / "_output"
    assert (out / "paper.pdf").stat().st_size > 10_000
    assert (out / "paper.html").stat().st_size > 10_000


def test_paper_pdf_has_title_numbered_floats_and_references(rendered_paper):
    config = yaml.safe_load((rendered_paper / "_quarto.yml").read_text(encoding="utf-8"))
    pages = [re.sub(r"\s+", " ", p) for p in pdf_text(rendered_paper / "_output" / "paper.pdf")]
    text = " ".join(pages)
    assert re.sub(r"\s+", " ", config["title"])[:40] in pages[0]
    for author in config["author"]:
        assert author["name"] in pages[0]
    assert "Figure 1:" in text and "Table 1:" in text
    # captions numbered in order, without gaps
    figures = [int(n) for n in re.findall(r"Figure (\d+):", text)]
    assert figures == list(range(1, len(figures) + 1))
    assert "Nurbek" in text.split("References")[-1]  # the bibliography lists the re-derived article
    assert "?@" not in text and "?var:" not in text


def test_paper_html_references_resolve(rendered_paper):
    page = rendered_paper / "_output" / "paper.html"
    facts = html_facts(page)
    assert facts.xrefs, "no cross-references found"
    for target in facts.xrefs + facts.links:
        assert target in facts.ids, f"#{target} has no target"
    html = page.read_text(encoding="utf-8")
    chapters = "\n".join(p.read_text(encoding="utf-8") for p in (rendered_paper / "report").rglob("*.qmd"))
    for ref in set(re.findall(r"@((?:fig|tbl|sec)-[\w-]+)", chapters)):
        assert f'href="#{ref}"' in html, f"@{ref} not rendered as a link"


class MainText(HTMLParser):
    """Words of the article's running text in its HTML: paragraphs and list items of the body, not the title
    block, abstract, table of contents, figures, tables or references."""

    SKIP = ("figure", "table", "nav", "header")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words, self._skip, self._text = 0, [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        skip = tag in self.SKIP or a.get("id") in ("refs", "title-block-header") or "abstract" in (a.get("class") or "")
        self._skip.append(tag if skip else None)
        if tag in ("p", "li"):
            self._text += 1

    def handle_endtag(self, tag):
        while self._skip:
            if self._skip.pop() == tag or tag not in self.SKIP:
                break
        if tag in ("p", "li") and self._text:
            self._text -= 1

    def handle_data(self, data):
        if self._text and not any(self._skip):
            self.words += len(data.split())


def test_article_within_the_journals_limits(rendered_paper):
    """Frontiers' Original Research limits, as issue 13 states them: at most 30 pages here, 12,000 words of
    main text, 15 figures and tables together, a running title of at most five words."""
    pages = [re.sub(r"\s+", " ", p) for p in pdf_text(rendered_paper / "_output" / "paper.pdf")]
    assert len(pages) <= 30
    reader = MainText()
    reader.feed((rendered_paper / "_output" / "paper.html").read_text(encoding="utf-8"))
    assert 5_000 < reader.words <= 12_000
    floats = set(re.findall(r"(Figure|Table) (\d+):", " ".join(pages)))
    assert 0 < len(floats) <= 15
    config = yaml.safe_load((rendered_paper / "_quarto.yml").read_text(encoding="utf-8"))
    assert len(config["running-title"].split()) <= 5


def test_corresponding_author_is_explained_without_an_email(rendered_paper):
    """The asterisk after the corresponding author is explained in both formats, with the name only when
    no e-mail address is known (none is invented)."""
    page = (rendered_paper / "_output" / "paper.html").read_text(encoding="utf-8")
    assert '<p class="correspondence"><sup>*</sup>Correspondence: Kuralay Nurbek</p>' in page
    first = re.sub(r"\s+", " ", pdf_text(rendered_paper / "_output" / "paper.pdf")[0])
    assert "*Correspondence: Kuralay Nurbek" in first and "@" not in first.split("Correspondence")[1][:40]
