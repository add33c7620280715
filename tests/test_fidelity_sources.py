"""Quarto constructs read from the sources (front matter, shortcodes, projects) and the constructs the
built-in engine refuses, each at its file and line. No rendering: milliseconds each."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import pytest

from reportkit.builtin_shortcodes import shortcode_arguments
from reportkit.engines.support import refusals
from reportkit.errors import UNSUPPORTED_TAIL, ConfigError, Location
from reportkit.language import words
from reportkit.metadata import format_date, normalize_authors, parse_date
from reportkit.project import Project
from reportkit.source import Document
from test_shortcodes import expand, write

HERE = Location("doc.qmd", 2)


# -- front matter ------------------------------------------------------------------------------
def authors(meta):
    result = normalize_authors(meta, HERE)
    return ([(a["name"]["literal"], [f["number"] for f in a["affiliations"]]) for a in result["by-author"]],
            [f["name"] for f in result["by-affiliation"]])


def test_authors_alias_and_inline_affiliations():
    meta = {"authors": [{"name": "Martin Haug", "affiliations": [{"name": "Typst GmbH", "city": "Berlin"}]},
                        {"name": {"given": "Laurenz", "family": "Mädje"}, "affiliations": [{"name": "Typst GmbH", "city": "Berlin"}]}]}
    assert authors(meta) == ([("Martin Haug", [1]), ("Laurenz Mädje", [1])], ["Typst GmbH"])


def test_affiliation_ids_numeric_and_declared_on_another_author():
    meta = {"affiliations": [{"id": 7, "name": "Seven Institute"}],
            "author": [{"name": "A", "affiliations": [{"ref": 7}, {"id": "inl", "name": "Inline Lab"}]},
                       {"name": "B", "affiliations": [{"ref": "inl"}]},
                       {"name": "C", "affiliation": "Spacely Sprockets"},
                       {"name": "D", "affiliations": [42]}]}
    assert authors(meta) == ([("A", [1, 2]), ("B", [2]), ("C", [3]), ("D", [4])],
                             ["Seven Institute", "Inline Lab", "Spacely Sprockets", "42"])


def test_author_fields_and_unknown_reference():
    result = normalize_authors({"author": [{"name": "A", "orcid": "0000-0001", "email": "a@x.org",
                                            "attributes": {"corresponding": True}}]}, HERE)
    entry = result["by-author"][0]
    assert entry["orcid"] == "0000-0001" and entry["email"] == "a@x.org" and entry["corresponding"] is True
    with pytest.raises(ConfigError, match="unknown affiliation 'nope'"):
        normalize_authors({"author": [{"name": "A", "affiliations": [{"ref": "nope"}]}]}, HERE)


@pytest.mark.parametrize("value, date_format, expected", [
    ("11/4/2018", "long", "November 4, 2018"),
    ("2022-05-11", "iso", "2022-05-11"),
    ("2022-05-11", "full", "Wednesday, May 11, 2022"),
    ("2022-05-11", "medium", "May 11, 2022"),
    ("2022-05-11", "short", "5/11/22"),
    (datetime.date(2022, 5, 11), "D MMMM YYYY", "11 May 2022"),
    ("2022-05-11", "[Week of] MMM D", "Week of May 11"),
])
def test_dates_and_date_formats(value, date_format, expected):
    assert format_date(parse_date(value), date_format) == expected


def test_relative_dates():
    assert parse_date("today").date() == datetime.date.today()
    assert parse_date("last-modified", modified=0).date() == datetime.date.fromtimestamp(0)
    assert parse_date("sometime soon") is None


def test_language_words_fall_back_to_english():
    assert words("fr-CA")["tip"] == words("fr")["tip"] == "Astuce"
    assert words("xx")["fig"] == "Figure" and words(None)["toc-title"] == "Table of contents"


# -- shortcodes ----------------------------------------------------------------------------------
def body(tmp_path, text, meta=None):
    main = write(tmp_path / "m.qmd", text)
    result = expand(tmp_path, main, {"v": "7"}, meta)
    return result.body, result.problems


def test_meta_values_are_markdown(tmp_path):
    text, problems = body(tmp_path, "Math ({{< meta eq >}}) and {{< meta nested.key >}}\n",
                          {"eq": "$a^2 + b^2$", "nested": {"key": "*Sub*"}})
    assert text.splitlines()[0] == "Math ($a^2 + b^2$) and *Sub*" and problems == []


def test_escaped_and_disabled_shortcodes_stay_literal(tmp_path):
    source = "{{{< var v >}}}\n\n```{.markdown shortcodes=\"false\"}\n{{< var v >}}\n```\n\n```\n{{< var v >}}\n```\n"
    lines = body(tmp_path, source)[0].splitlines()
    assert lines[0] == "{{< var v >}}" and lines[3] == "{{< var v >}}" and lines[7] == "7"


def test_env_kbd_and_lipsum(tmp_path, monkeypatch):
    monkeypatch.setenv("RK_TEST_VALUE", "from *env*")
    text, problems = body(tmp_path, "{{< env RK_TEST_VALUE >}} {{< env RK_MISSING fallback >}}\n\n"
                                    "Press {{< kbd Ctrl-C mac=Cmd-C >}}\n\n{{< lipsum 2 >}}\n")
    assert problems == []
    assert r"from \*env\* fallback" in text
    assert "<kbd" in text and '#raw("Ctrl-C") (mac: #raw("Cmd-C"))' in text
    # Quarto's first two placeholder paragraphs, each its own paragraph
    assert text.count("Lorem ipsum dolor sit amet") == 1 and "Suspendisse potenti.\n\n" in text
    assert len([p for p in text.split("\n\n") if len(p) > 200]) == 2


def test_video_and_placeholder(tmp_path):
    text, _ = body(tmp_path, "{{< video https://www.youtube.com/watch?v=abc123 >}}\n\n{{< placeholder 300 200 >}}\n")
    assert "https://www.youtube.com/embed/abc123" in text and '#link("https://www.youtube.com/watch?v=abc123")' in text
    assert "![](data:image/svg+xml;base64," in text


def test_extension_shortcode_is_refused(tmp_path):
    _, problems = body(tmp_path, "Text\n{{< fontawesome star >}}\n")
    assert [(p.rule, p.location.line, p.refusal) for p in problems] == [("unsupported.shortcode", 2, True)]
    assert str(problems[0]).endswith(f"{UNSUPPORTED_TAIL} [unsupported.shortcode]")


def test_shortcode_arguments():
    assert shortcode_arguments('a "b c" key=v other="x y"') == (["a", "b c"], {"key": "v", "other": "x y"})


def test_include_outside_the_project_and_of_a_folder(tmp_path):
    root = tmp_path / "project"
    write(tmp_path / "outside.qmd", "secret\n")
    (root / "folder").mkdir(parents=True)
    os.symlink(tmp_path / "outside.qmd", root / "_link.qmd")
    main = write(root / "m.qmd", "{{< include ../outside.qmd >}}\n\n{{< include _link.qmd >}}\n\n{{< include folder >}}\n")
    problems = expand(root, main).problems
    assert [(p.rule, p.location.line) for p in problems] == [("include.outside", 1), ("include.outside", 3),
                                                             ("include.folder", 5)]


# -- projects ----------------------------------------------------------------------------------
def test_lone_document_folder(tmp_path):
    write(tmp_path / "notes.qmd", "# Notes\n")
    write(tmp_path / "_partial.qmd", "x\n")
    project = Project.load(tmp_path)
    assert [p.name for p in project.main_inputs] == ["notes.qmd"] and project.output_dir == tmp_path / "_output"
    assert [p.name for p in Project.load(tmp_path, (tmp_path / "notes.qmd",)).main_inputs] == ["notes.qmd"]


def test_project_without_render_renders_every_document(tmp_path):
    write(tmp_path / "_quarto.yml", "project:\n  output-dir: out\ntitle: T\n")
    for name in ("b.qmd", "sub/a.qmd", "_skip.qmd", ".hidden/c.qmd", "out/old.qmd"):
        write(tmp_path / name, "x\n")
    assert [p.relative_to(tmp_path).as_posix() for p in Project.load(tmp_path).main_inputs] == ["b.qmd", "sub/a.qmd"]


def test_manuscript_project_renders_its_article(tmp_path):
    write(tmp_path / "_quarto.yml", "project:\n  type: manuscript\nmanuscript:\n  article: paper.qmd\n")
    write(tmp_path / "paper.qmd", "x\n")
    write(tmp_path / "notebook.qmd", "y\n")
    assert [p.name for p in Project.load(tmp_path).main_inputs] == ["paper.qmd"]


# -- refusals ----------------------------------------------------------------------------------
def document(tmp_path, text, config="project:\n  render: [d.qmd]\n"):
    write(tmp_path / "_quarto.yml", config)
    write(tmp_path / "d.qmd", text)
    project = Project.load(tmp_path)
    return Document.read(project, project.main_inputs[0])


def test_format_extension_is_refused_at_its_line(tmp_path):
    doc = document(tmp_path, "---\ntitle: T\nformat:\n  html: default\n  acm-pdf:\n    keep-tex: true\n---\nText\n")
    assert [(p.rule, str(p.location), p.subject) for p in refusals(doc)] == [("unsupported.format", "d.qmd:5", "acm-pdf")]
    plain = document(tmp_path, "---\ntitle: T\nformat:\n  html: default\n  typst: default\n---\n")
    assert refusals(plain) == []


def test_cells_the_engine_cannot_run_are_refused_python_and_display_blocks_are_not(tmp_path):
    source = ("Text\n\n```{r}\n#| label: x\n1 + 1\n```\n\n```{.python}\nshown\n```\n\n```{=html}\n<b>raw</b>\n```\n\n"
              "````markdown\n```{python}\nquoted in an example\n```\n````\n\nInline `{python} x` and `{r} y` here.\n\n"
              "```{python}\nx = 1\n```\n")
    found = [(p.rule, p.location.line, p.subject) for p in refusals(document(tmp_path, source))]
    assert found == [("unsupported.cell-language", 3, "{r}"), ("unsupported.cell-language", 22, "{r}")]


def test_captions_in_the_margin_are_refused_at_their_key(tmp_path):
    doc = document(tmp_path, "---\ntitle: T\ntbl-cap-location: margin\n---\n![A](a.png){#fig-a}\n")
    assert [(p.rule, str(p.location)) for p in refusals(doc)] == [("unsupported.cap-location", "d.qmd:3")]


def test_tabsets_and_margin_content_are_refused(tmp_path):
    source = "::: {.panel-tabset}\n## A\nx\n:::\n\nText [aside]{.column-margin}.\n\n```\n::: {.panel-tabset}\n```\n"
    found = [(p.rule, p.location.line, p.subject) for p in refusals(document(tmp_path, source))]
    assert found == [("unsupported.layout", 1, ".panel-tabset"), ("unsupported.layout", 6, ".column-margin")]
