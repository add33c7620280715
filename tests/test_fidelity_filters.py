"""Quarto constructs through the built-in engine's filters, one at a time (markdown in, visible HTML
text or Typst source out, in milliseconds). Expected texts follow Quarto's documented behaviour
(quarto.org: Cross References, Figures, Tables, Callouts, Theorems) and what Quarto 1.11 prints."""

from __future__ import annotations

import re

import pytest

from test_filters import run, text_of

SUBFIGURES = """\
::: {#fig-panel layout-ncol=2}
![Surus](a.png){#fig-surus}

![Abbas](b.png){#fig-abbas}

Famous elephants
:::

![Alone](c.png){#fig-alone}

See @fig-panel and @fig-abbas; also @fig-alone.
"""


def test_subfigures_are_lettered_inside_their_parent(tmp_path):
    text = text_of(run(SUBFIGURES, tmp_path)[0])
    assert "(a) Surus" in text and "(b) Abbas" in text and "Figure 1: Famous elephants" in text
    assert "Figure 2: Alone" in text and "Figure 3" not in text
    assert "See Figure 1 and Figure 1 (b); also Figure 2." in text


def test_subfigures_in_typst_have_the_same_numbers(tmp_path):
    typst, problems = run(SUBFIGURES, tmp_path, to="typst")
    assert problems == []
    assert re.search(r"\(a\)\s+Surus\]", typst) and '<fig-abbas>' in typst
    assert "#link(<fig-abbas>)[Figure~1 (b)]" in typst and "#link(<fig-alone>)[Figure~2]" in typst
    assert 'numbering: (..) => "2"' in typst


def test_layout_ncol_lays_cells_side_by_side(tmp_path):
    page, _ = run(SUBFIGURES, tmp_path)
    assert page.count('class="quarto-layout-row"') == 1
    assert len(re.findall(r'class="quarto-layout-cell" style="flex-basis: 50\.0%', page)) == 2
    typst, _ = run(SUBFIGURES, tmp_path, to="typst")
    assert "#grid(columns: (1fr, 1fr,)" in typst


def test_layout_attribute_gives_rows_of_given_widths(tmp_path):
    source = '::: {layout="[[1,2],[1]]"}\nOne\n\nTwo\n\nThree\n:::\n'
    page, _ = run(source, tmp_path)
    assert page.count('class="quarto-layout-row"') == 2
    assert "flex-basis: 33.3%" in page and "flex-basis: 66.7%" in page and "flex-basis: 100.0%" in page
    typst, _ = run(source, tmp_path, to="typst")
    assert "#grid(columns: (1fr, 2fr,)" in typst and "#grid(columns: (1fr,)" in typst


def test_unlabelled_subfigure_has_no_letter(tmp_path):
    source = "::: {#fig-p layout-ncol=2}\n![Labelled](a.png){#fig-p1}\n\n![Plain](b.png)\n\nBoth\n:::\n"
    text = text_of(run(source, tmp_path)[0])
    assert "(a) Labelled" in text and "Plain" in text and "(b)" not in text


def test_subtables_captions_on_top(tmp_path):
    table = "| A |\n|---|\n| 1 |\n\n"
    source = f"::: {{#tbl-panel layout-ncol=2}}\n{table}: First {{#tbl-first}}\n\n{table}: Second {{#tbl-second}}\n\nMain\n:::\n\nSee @tbl-second.\n"
    text = text_of(run(source, tmp_path)[0])
    assert text.index("Table 1: Main") < text.index("(a) First") < text.index("A 1")
    assert "See Table 1 (b)." in text and "Table 2" not in text


def test_captioned_figure_without_label_is_not_numbered(tmp_path):
    text = text_of(run("![Just a picture](x.png)\n\n![Numbered](y.png){#fig-y}\n", tmp_path)[0])
    assert "Just a picture" in text and "Figure 1: Numbered" in text and "Figure 2" not in text
    typst, _ = run("![Just a picture](x.png)\n", tmp_path, to="typst")
    assert "numbering: none" in typst


def test_listings_from_code_blocks_and_divs(tmp_path):
    source = ('```{#lst-a .sql lst-cap="Customers query"}\nSELECT 1\n```\n\n'
              "::: {#lst-b}\n```python\nx = 1\n```\n\nAssignment\n:::\n\nSee @lst-a and @lst-b.\n")
    text = text_of(run(source, tmp_path)[0])
    assert "Listing 1: Customers query" in text and "Listing 2: Assignment" in text
    assert "See Listing 1 and Listing 2." in text and "lst-cap" not in text


@pytest.mark.parametrize("to", ["html", "typst"])
def test_theorems_and_proofs(tmp_path, to):
    source = ("::: {#thm-line}\n## Line\nEvery line is $y = mx + b$.\n:::\n\n::: {#lem-a}\nA lemma.\n:::\n\n"
              "::: {.proof}\nObvious.\n:::\n\n::: {#exr-e}\nTry.\n:::\n\nBy @thm-line, @lem-a and @exr-e.\n")
    out, problems = run(source, tmp_path, to=to)
    assert problems == []
    text = text_of(out) if to == "html" else out.replace("~", " ")
    for expected in ("Theorem 1 (Line)", "Lemma 1", "Proof", "Exercise 1"):
        assert expected in text
    if to == "html":
        assert "By Theorem 1, Lemma 1 and Exercise 1." in text and "Line Every" not in text
    else:
        assert "<thm-line>" in out and "#link(<thm-line>)[Theorem~1]" in out


def test_numbered_callouts_take_the_number_in_their_title(tmp_path):
    source = ("::: {#nte-a .callout-note}\n## Heads up\nBody.\n:::\n\n::: {#tip-b .callout-tip}\nNo title.\n:::\n\n"
              "See @nte-a, @tip-b.\n")
    text = text_of(run(source, tmp_path)[0])
    assert "Note 1: Heads up Body." in text and "Tip 1 No title." in text and "See Note 1, Tip 1." in text
    typst, _ = run(source, tmp_path, to="typst")
    assert "]<nte-a>" in typst and "#link(<tip-b>)[Tip~1]" in typst


def test_reference_forms(tmp_path):
    source = ("![A](a.png){#fig-a}\n\n![B](b.png){#fig-b}\n\n"
              "[@fig-a]; @Fig-b; [Figure @fig-a]; [see panel @fig-b]; [-@fig-b]; [@fig-a; @fig-b].\n")
    text = text_of(run(source, tmp_path)[0])
    assert "Figure 1; Figure 2; Figure 1; see panel 2; 2; Figure 1, Figure 2." in text
    assert "Figure Figure" not in text


def test_crossref_label_options(tmp_path):
    crossref = {"fig-labels": "roman", "subref-labels": "alpha A", "title-delim": "—", "tbl-labels": "alpha a"}
    source = SUBFIGURES + "\n| x |\n|---|\n| 1 |\n\n: T {#tbl-t}\n\nAnd @tbl-t.\n"
    text = text_of(run(source, tmp_path, crossref=crossref)[0])
    assert "Figure I— Famous elephants" in text and "(A) Surus" in text and "Figure II— Alone" in text
    assert "See Figure I and Figure I (B); also Figure II." in text and "And Table a." in text


def test_ref_hyperlink_false_prints_plain_text(tmp_path):
    page, _ = run("![A](a.png){#fig-a}\n\nSee @fig-a.\n", tmp_path, crossref={"ref-hyperlink": False})
    assert "See Figure 1." in text_of(page) and "quarto-xref" not in page


def test_language_gives_the_words(tmp_path):
    source = "![A](a.png){#fig-a}\n\n::: {#thm-t}\nT.\n:::\n\nSee @fig-a, @thm-t.\n"
    text = text_of(run(source, tmp_path, lang="es")[0])
    assert "Figura 1: A" in text and "Teorema 1" in text and "See Figura 1, Teorema 1." in text


def test_sections_are_counted_without_number_sections(tmp_path):
    source = "## One\n\n## Two {#sec-two}\n\n### Deeper {#sec-deeper}\n\nSee @sec-two and @sec-deeper.\n"
    page, problems = run(source, tmp_path)
    assert "See Section 2 and Section 2.1." in text_of(page) and problems == []
    assert "header-section-number" not in page


def test_top_level_two_is_numbered_from_one(tmp_path):
    source = "## Introduction {#sec-intro}\n\nSee @sec-intro.\n"
    page, _ = run(source, tmp_path, number_sections=True)
    # the number pandoc's HTML writer shows (with --number-sections, as the engine runs it)
    assert 'data-number="1"' in page and "See Section 1." in text_of(page) and "0.1" not in page
    typst, _ = run(source, tmp_path, to="typst", number_sections=True)
    assert re.search(r"^= Introduction", typst, re.M) and "#link(<sec-intro>)[Section~1]" in typst


def test_theorem_heading_is_not_a_section(tmp_path):
    source = "## A\n\n::: {#thm-x}\n## Name\nT.\n:::\n\n## B {#sec-b}\n\nSee @sec-b.\n"
    assert "See Section 2." in text_of(run(source, tmp_path)[0])


def test_equations_with_attributes(tmp_path):
    source = ('$$\nE = mc^2\n$$ {#eq-e alt="Mass and energy"}\n\n$$ F = ma $$ {#eq-f}\n\n'
              "See @eq-e and @eq-f.\n")
    page, problems = run(source, tmp_path)
    assert problems == [] and "See Equation 1 and Equation 2." in text_of(page)
    assert 'id="eq-e"' in page and "Mass and energy" not in text_of(page) and "{#eq" not in page
    typst, _ = run(source, tmp_path, to="typst")
    assert 'alt: "Mass and energy"' in typst and "<eq-f>" in typst


def test_list_tables_become_tables(tmp_path):
    source = ("::: {#tbl-l .list-table}\nA caption. {tbl-colwidths=[25,75]}\n\n* - H1\n  - H2\n\n"
              "* - a\n  - b\n:::\n\nSee @tbl-l.\n")
    page, _ = run(source, tmp_path)
    text = text_of(page)
    assert "Table 1: A caption." in text and "See Table 1." in text and "tbl-colwidths" not in text
    assert "<table" in page and "H1" in text and "* -" not in text
    assert re.search(r'<col style="width: 25%"', page)


def test_tbl_colwidths_on_a_pipe_table(tmp_path):
    source = '| a | b |\n|---|---|\n| 1 | 2 |\n\n: T {#tbl-t tbl-colwidths="[10,90]"}\n'
    assert re.search(r'<col style="width: 10%"', run(source, tmp_path)[0])
    typst, _ = run(source, tmp_path, to="typst")
    assert "columns: (10%, 90%)" in typst


def test_html_tables_reach_the_pdf(tmp_path):
    source = "```{=html}\n<table><caption>Raw</caption><tr><th>K</th></tr><tr><td>V1</td></tr></table>\n```\n"
    typst, _ = run(source, tmp_path, to="typst")
    assert "V1" in typst and "#table(" in typst


def test_link_to_missing_anchor_is_a_problem(tmp_path):
    source = "# Here {#sec-here}\n\n[ok](#sec-here) and [broken](#nowhere).\n"
    typst, problems = run(source, tmp_path, to="typst")
    assert [(p.rule, p.subject) for p in problems] == [("link.anchor", "#nowhere")]
    assert "<nowhere>" not in typst  # the text stays, the link that Typst would refuse does not


def test_data_uri_image_is_a_file_for_typst(tmp_path):
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
    typst, _ = run(f"![Dot](data:image/png;base64,{pixel}){{#fig-dot}}\n", tmp_path, to="typst")
    name = re.search(r'image\("(media-[0-9a-f]+\.png)"', typst).group(1)
    assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_root_relative_image_in_html(tmp_path):
    page, _ = run("![R](/images/r.png)\n", tmp_path)
    assert 'src="images/r.png"' in page


def test_margin_footnotes_in_html_footnotes_in_pdf(tmp_path):
    source = "Text.[^1]\n\n[^1]: A note beside it.\n"
    page, _ = run(source, tmp_path, reference_location="margin")
    assert re.search(r'<span\s+class="column-margin margin-note"><sup>1</sup> A note beside\s+it\.</span>', page)
    assert 'class="footnotes' not in page
    typst, _ = run(source, tmp_path, to="typst", reference_location="margin")
    assert "#footnote[A note beside it.]" in typst


def test_margin_citations_are_refused(tmp_path):
    references = [{"id": "k", "type": "book", "title": "T", "author": [{"family": "A"}], "issued": {"date-parts": [[2000]]}}]
    _, problems = run("As [@k] said.\n", tmp_path, references=references, citation_location="margin")
    assert [(p.rule, p.subject, p.refusal) for p in problems] == [("unsupported.citation-location", "@k", True)]
    assert problems[0].message.endswith("is not supported by the built-in engine; render with --engine quarto")


@pytest.mark.parametrize("to", ["html", "typst"])
def test_conditional_content_by_format_and_meta(tmp_path, to):
    source = ("::: {.content-visible when-format=\"html\"}\nOnly-web\n:::\n\n"
              "::: {.content-visible when-format=\"typst\"}\nOnly-typst\n:::\n\n"
              "::: {.content-hidden when-format=\"pdf\"}\nNot-latex\n:::\n\n"
              "::: {.content-visible when-format=\"pdf\"}\nOnly-latex\n:::\n\n"
              "[Draft-note]{.content-visible when-meta=\"draft\"}\n")
    out, _ = run(source, tmp_path, to=to, draft=True)
    assert ("Only-web" in out) == (to == "html") and ("Only-typst" in out) == (to == "typst")
    assert "Not-latex" in out and "Only-latex" not in out and "Draft-note" in out
    assert "content-visible" not in out


def test_empty_bibliography_url_is_not_a_link(tmp_path):
    references = [{"id": "e", "type": "article-journal", "title": "Empty fields", "author": [{"family": "Eve"}],
                   "issued": {"date-parts": [[2020]]}, "URL": "", "container-title": "J"}]
    typst, problems = run("As @e shows.\n\n::: {#refs}\n:::\n", tmp_path, to="typst", references=references)
    assert problems == [] and 'link("")' not in typst and "Empty Fields" in typst


def test_attributes_at_the_end_of_a_parsed_caption(tmp_path):
    source = ('```{=html}\n<table><caption>Raw caption {#tbl-raw tbl-colwidths="[30,70]"}</caption>'
              "<tr><th>K</th><th>V</th></tr><tr><td>a</td><td>b</td></tr></table>\n```\n\nSee @tbl-raw.\n")
    page, problems = run(source, tmp_path)
    text = text_of(page)
    assert problems == [] and "Table 1: Raw caption" in text and "See Table 1." in text and "{" not in text
    assert re.search(r'<col style="width: 30%"', page)
