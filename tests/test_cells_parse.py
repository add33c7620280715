"""Code cells as the parser reads them (execute/cells.py): options, defaults, inline expressions,
and every malformed cell as a problem at its file and line. No kernel is started here."""

from __future__ import annotations

from reportkit.errors import Location
from reportkit.execute.cells import notebook_cell, parse_cells


def parse(text: str, metadata: dict | None = None):
    lines = [(line, Location("doc.qmd", number)) for number, line in enumerate(text.split("\n"), start=1)]
    return parse_cells(lines, metadata or {}, Location("doc.qmd", 2))


def rules(found) -> list[tuple[str, int]]:
    return [(p.rule, p.location.line) for p in found.problems]


def test_cells_options_and_code():
    found = parse("Intro\n\n```{python}\n#| label: fig-a\n#| fig-cap: \"A caption\"\nx = 1\nprint(x)\n```\n")
    assert len(found.cells) == 1 and found.problems == []
    cell = found.cells[0]
    assert cell.code == "x = 1\nprint(x)"
    assert cell.options == {"label": "fig-a", "fig-cap": "A caption"}
    assert cell.location.line == 3 and (cell.first, cell.last) == (2, 7)
    assert cell.code_location(2).line == 7  # print(x)
    assert cell.name == "doc.qmd#cell-1"


def test_quarto_defaults_and_document_execute_options():
    found = parse("```{python}\n1\n```\n")
    cell = found.cells[0]
    assert (cell.get("echo"), cell.get("eval"), cell.get("error"), cell.get("include")) == (True, True, False, True)
    found = parse("```{python}\n#| echo: true\n1\n```\n\n```{python}\n2\n```\n", {"execute": {"echo": False}})
    assert found.cells[0].get("echo") is True and found.cells[1].get("echo") is False
    assert parse("```{python}\n1\n```\n", {"execute": {"enabled": False}}).cells[0].runs is False


def test_unknown_option_is_a_problem_at_its_line():
    found = parse("text\n\n```{python}\n#| label: a\n#| fig-capt: typo\nx = 1\n```\n")
    assert rules(found) == [("cell.option-unknown", 5)]
    assert "did you mean `fig-cap`" in found.problems[0].message


def test_option_after_code_or_after_a_blank_line():
    found = parse("```{python}\nx = 1\n\n#| echo: false\n```\n")
    assert rules(found) == [("cell.option-late", 4)]
    found = parse("```{python}\n\n#| label: fig-a\nplot()\n```\n")
    assert rules(found) == [("cell.option-late", 3)]
    assert found.cells[0].options == {}


def test_malformed_option_values():
    found = parse("```{python}\n#| echo: maybe\n#| layout-ncol: 0\n#| fig-cap: [a, b]\n1\n```\n")
    assert [r for r, _ in rules(found)] == ["cell.option-value", "cell.option-value", "cell.option-value"]
    assert [line for _, line in rules(found)][:2] == [2, 3]
    found = parse("```{python}\n#| label: [unclosed\n1\n```\n")
    assert rules(found) == [("cell.option-yaml", 2)]


def test_knitr_options_are_problems_and_quarto_only_options_are_refusals():
    found = parse("```{python}\n#| message: false\n#| fig-align: center\n1\n```\n")
    assert rules(found) == [("cell.option-knitr", 2)]
    assert [(p.rule, p.location.line) for p in found.refusals] == [("unsupported.cell-option", 3)]
    assert "--engine quarto" in found.refusals[0].message


def test_other_languages_are_refused_naming_quarto():
    found = parse("a\n\n```{r}\nx <- 1\n```\n\n```{bash}\necho hi\n```\n\nValue `{r} x`.\n")
    messages = [(p.location.line, p.message) for p in found.refusals]
    assert messages[0] == (3, "R cells need Quarto with knitr: render with `--engine quarto`")
    assert messages[1][0] == 7 and "{bash} cells need Quarto" in messages[1][1]
    assert messages[2][0] == 11 and "inline `{r}`" in messages[2][1]
    assert parse("```{python}\n1\n```\n", {"engine": "knitr"}).refusals[0].rule == "unsupported.engine"


def test_inline_expressions_know_which_cells_ran_before_them():
    found = parse("Before `{python} a`.\n\n```{python}\na = 1\n```\n\nAfter `{python} a + 1` and `{python} 'x'`.\n"
                  "Code ``{python} not this`` stays.\n")
    assert [(i.expression, i.after, i.line) for i in found.inline] == [("a", 0, 0), ("a + 1", 1, 6), ("'x'", 1, 6)]


def test_cells_inside_other_fences_are_text():
    found = parse("````markdown\n```{python}\nx = 1\n```\n````\n\n~~~\n`{python} y`\n~~~\n")
    assert found.cells == [] and found.inline == []


def test_duplicate_labels_and_unclosed_cells():
    found = parse("```{python}\n#| label: a\n1\n```\n\n```{python}\n#| label: a\n2\n```\n")
    assert rules(found) == [("cell.label-duplicate", 6)]
    assert rules(parse("text\n```{python}\nx = 1\n")) == [("cell.unclosed", 2)]


def test_execute_options_are_checked():
    found = parse("```{python}\n1\n```\n", {"execute": {"echo": "yes", "shiny": True}, "fig-width": -1})
    assert [p.rule for p in found.problems] == ["cell.execute"] * 3
    assert found.defaults["fig-width"] == 5.5


def test_execution_digest_ignores_presentation_options():
    first = parse("```{python}\n#| fig-cap: One\nx = 1\n```\n").cells[0]
    caption = parse("```{python}\n#| fig-cap: Two\nx = 1\n```\n").cells[0]
    code = parse("```{python}\n#| fig-cap: One\nx = 2\n```\n").cells[0]
    error = parse("```{python}\n#| fig-cap: One\n#| error: true\nx = 1\n```\n").cells[0]
    assert first.digest() == caption.digest()
    assert len({first.digest(), code.digest(), error.digest()}) == 3


def test_embed_shortcodes():
    found = parse("{{< embed analysis.ipynb#fig-a >}}\n\n{{< embed other.qmd#x >}}\n\nText {{< embed n.ipynb >}}\n")
    assert [(e.target, e.address, e.echo) for e in found.embeds] == [("analysis.ipynb", "fig-a", False)]
    assert [p.rule for p in found.refusals] == ["unsupported.embed-format"]
    assert [p.rule for p in found.problems] == ["embed.inline"]
    notebook = {"cells": [{"cell_type": "code", "source": ["#| label: fig-a\n", "plot()"], "outputs": []},
                          {"cell_type": "code", "id": "abc", "source": "y = 2", "outputs": []}]}
    assert notebook_cell(notebook, "fig-a")[2] == ["plot()"]
    assert notebook_cell(notebook, "abc")[2] == ["y = 2"]
    assert notebook_cell(notebook, "nope") is None


def test_labels_cells_define_for_report_check():
    found = parse("```{python}\n#| label: fig-a\n#| lst-label: lst-b\n1\n```\n\n{{< embed n.ipynb#tbl-c >}}\n")
    assert all(found.defines(r) for r in ("@fig-a", "@fig-a-2", "@lst-b", "@tbl-c"))
    assert not any(found.defines(r) for r in ("@fig-b", "@fig-a-x", "@tbl-d"))


def test_cells_of_included_files_are_named_by_their_file():
    lines = [("```{python}", Location("main.qmd", 3)), ("a = 1", Location("main.qmd", 4)), ("```", Location("main.qmd", 5)),
             ("```{python}", Location("chapters/a.qmd", 1, (Location("main.qmd", 7),))), ("b = 2", None),
             ("```", None)]
    found = parse_cells(lines, {}, Location("main.qmd", 2))
    assert [c.name for c in found.cells] == ["main.qmd#cell-1", "chapters/a.qmd#cell-1"]
    assert str(found.cells[1].location) == "chapters/a.qmd:1 (included from main.qmd:7)"
