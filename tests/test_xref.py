"""References across a project's documents (reportkit.xref): an article refers to the tables of its
supplement by their numbers there ("Table S1"), and its quoted values link to provenance entries that the
supplement holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import run_report
from reportkit import xref
from reportkit.project import Project
from reportkit.protocol import value_anchor
from reportkit.source import Document

CONFIG = """project:
  type: default
  render: [article.qmd, supplement.qmd]
  output-dir: _output
title: "Two documents"
"""
ARTICLE = """---
title: Article
---

# Results {#sec-results}

There were {{< var people.total >}} people (@tbl-main), detailed in @stbl-detail and @tbl-nowhere.

| Group | People |
|:--|--:|
| A | 10 |

: People by group {#tbl-main}
"""
SUPPLEMENT = """---
title: Supplement
crossref:
  custom:
    - kind: float
      key: stbl
      reference-prefix: "Table S"
      space-before-numbering: false
      caption-location: top
    - kind: float
      key: sfig
      reference-prefix: "Figure S"
      space-before-numbering: false
---

::: {#stbl-first}
| A |
|---|
| 1 |

A first table.
:::

::: {#stbl-detail}
| Group | People |
|:--|--:|
| A | 10 |

People in detail.
:::

## Provenance {.unnumbered}

[]{#prov-people-total}**people.total** = 10, counted by hand.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "two"
    root.mkdir()
    (root / "_quarto.yml").write_text(CONFIG, encoding="utf-8")
    (root / "_variables.yml").write_text("people:\n  total: '10'\n", encoding="utf-8")
    (root / "article.qmd").write_text(ARTICLE, encoding="utf-8")
    (root / "supplement.qmd").write_text(SUPPLEMENT, encoding="utf-8")
    return root


def test_defined_numbers_floats_as_the_filter_does(project):
    loaded = Project.load(project)
    article, supplement = (Document.read(loaded, m) for m in loaded.main_inputs)
    ids = xref.defined(supplement)
    assert ids["stbl-first"]["text"] == "Table S1" and ids["stbl-detail"]["text"] == "Table S2"
    assert ids["stbl-detail"]["href"] == "supplement.html#stbl-detail"
    assert ids[value_anchor("people.total")] == {"href": "supplement.html#prov-people-total", "text": "", "number": ""}
    links = xref.links(article, [supplement])
    assert "tbl-main" not in links and set(links) == set(ids)
    assert xref.defined(article)["tbl-main"]["text"] == "Table\u00a01"


def test_article_refers_to_the_supplement_in_both_formats(project):
    result = run_report("render", "--engine", "builtin", project=project)
    assert result.exit_code != 0  # @tbl-nowhere is defined nowhere: a strict render fails, naming it
    assert "@tbl-nowhere" in result.output and "article.qmd" in result.output
    (project / "article.qmd").write_text(ARTICLE.replace(" and @tbl-nowhere", ""), encoding="utf-8")
    result = run_report("render", "--engine", "builtin", project=project)
    assert result.exit_code == 0, result.output
    page = " ".join((project / "_output" / "article.html").read_text(encoding="utf-8").split())
    assert '<a href="supplement.html#stbl-detail" class="quarto-xref">Table S2</a>' in page
    assert re.search(r'<a href="supplement.html#prov-people-total"[^>]*data-var="people.total"', page)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(project / "_output" / "article.pdf")).pages).split())
    assert "detailed in Table S2." in text
    supplement = " ".join(" ".join(p.extract_text() for p in PdfReader(str(project / "_output" / "supplement.pdf")).pages).split())
    assert "Table S1: A first table." in supplement and "Table S2: People in detail." in supplement


def test_a_change_in_the_supplement_renders_the_article_again(project):
    (project / "article.qmd").write_text(ARTICLE.replace(" and @tbl-nowhere", ""), encoding="utf-8")
    assert run_report("render", "--engine", "builtin", "--to", "html", project=project).exit_code == 0
    # a new table before the detailed one renumbers it: the article must say Table S3 now
    text = (project / "supplement.qmd").read_text(encoding="utf-8")
    (project / "supplement.qmd").write_text(text.replace("::: {#stbl-detail}", "::: {#stbl-new}\n| B |\n|---|\n| 2 |\n\n"
                                                         "Another.\n:::\n\n::: {#stbl-detail}"), encoding="utf-8")
    assert run_report("render", "--engine", "builtin", "--to", "html", project=project).exit_code == 0
    assert ">Table S3</a>" in (project / "_output" / "article.html").read_text(encoding="utf-8")


def test_prose_of_the_supplement_does_not_render_the_article_again(project):
    """The article reads of the supplement only what its references show (ids, numbers)."""
    (project / "article.qmd").write_text(ARTICLE.replace(" and @tbl-nowhere", ""), encoding="utf-8")
    assert run_report("render", "--engine", "builtin", "--to", "html", project=project).exit_code == 0
    text = (project / "supplement.qmd").read_text(encoding="utf-8")
    (project / "supplement.qmd").write_text(text.replace("A first table.", "A first, edited table."), encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--to", "html", "--explain", project=project)
    assert result.exit_code == 0, result.output
    assert "render article.qmd (html): up to date" in result.output
    assert "render supplement.qmd (html): supplement.qmd changed" in result.output


def test_report_check_knows_the_other_documents_floats(project):
    """`report check` resolves references to another document's floats as a render does, and still reports
    a reference that no document defines."""
    (project / "article.qmd").write_text(ARTICLE.replace(" and @tbl-nowhere", ""), encoding="utf-8")
    result = run_report("check", project=project)
    assert result.exit_code == 0, result.output
    (project / "article.qmd").write_text(ARTICLE, encoding="utf-8")
    result = run_report("check", project=project)
    assert result.exit_code != 0 and "@tbl-nowhere" in result.output and "@stbl-detail" not in result.output


@pytest.mark.quarto
@pytest.mark.slow
def test_quarto_engine_resolves_references_to_the_other_document(project):
    """Quarto resolves references across documents only in books: the Quarto engine hands it
    filters/elsewhere.lua, so the article says "Table S2" under either engine (and Quarto still
    reports a reference that no document defines)."""
    result = run_report("render", "--engine", "quarto", project=project)
    assert result.exit_code != 0 and "@tbl-nowhere" in result.output and "@stbl-detail" not in result.output
    (project / "article.qmd").write_text(ARTICLE.replace(" and @tbl-nowhere", ""), encoding="utf-8")
    result = run_report("render", "--engine", "quarto", project=project)
    assert result.exit_code == 0, result.output
    page = " ".join((project / "_output" / "article.html").read_text(encoding="utf-8").split())
    assert '<a href="supplement.html#stbl-detail" class="quarto-xref">Table S2</a>' in page
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(project / "_output" / "article.pdf")).pages).split())
    assert "detailed in Table S2." in text
