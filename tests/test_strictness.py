"""One test per strictness rule: bad input -> non-zero exit, file:line in the message,
and the previous outputs byte-for-byte unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_report


def snapshot(project: Path) -> dict[str, bytes]:
    out = project / "_output"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def append_line(path: Path, text: str) -> int:
    """Append a paragraph to a file; return the line number the text landed on."""
    content = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(content + text + "\n", encoding="utf-8")
    return content.count("\n") + 1


def break_unknown_var(p: Path):
    line = append_line(p / "chapters" / "_method.qmd", "Broken {{< var counts.nope >}} value.")
    return 3, [f"chapters/_method.qmd:{line}", "unknown var 'counts.nope'", "included from paper.qmd:"]


def break_unresolved_xref(p: Path):
    line = append_line(p / "paper.qmd", "See @fig-nothing-here.")
    return 3, [f"paper.qmd:{line}", "@fig-nothing-here"]


def break_missing_citation(p: Path):
    line = append_line(p / "chapters" / "_method.qmd", "As argued elsewhere [@nobody1999].")
    return 3, [f"chapters/_method.qmd:{line}", "@nobody1999", "not in the bibliography"]


def break_missing_include(p: Path):
    line = append_line(p / "paper.qmd", "{{< include chapters/_absent.qmd >}}")
    return 3, [f"paper.qmd:{line}", "included file not found", "_absent.qmd"]


def break_circular_include(p: Path):
    line = append_line(p / "chapters" / "_method.qmd", "{{< include /paper.qmd >}}")
    return 3, [f"chapters/_method.qmd:{line}", "circular include: paper.qmd -> chapters/_method.qmd -> paper.qmd"]


def break_quarto_yml(p: Path):
    config = p / "_quarto.yml"
    lines = config.read_text(encoding="utf-8").splitlines()
    index = next(i for i, l in enumerate(lines) if l.startswith("keywords:"))
    lines[index] = "keywords: [testing, rendering"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 2, ["_quarto.yml:", "malformed YAML"]


def break_variables_yml(p: Path):
    (p / "_variables.yml").write_text("counts:\n  total: 1\n share: [\n", encoding="utf-8")
    return 2, ["_variables.yml:3", "malformed YAML"]


def break_missing_anchor(p: Path):
    line = append_line(p / "chapters" / "_method.qmd", "As [shown there](#nowhere-at-all).")
    return 3, [f"chapters/_method.qmd:{line}", "link to #nowhere-at-all"]


def break_raw_typst(p: Path):
    line = append_line(p / "paper.qmd", "```{=typst}\n#quarto-only-function()\n```") + 1
    return 3, [f"paper.qmd:{line}", "raw Typst `#quarto-only-function()`", "render with --engine quarto"]


CASES = [break_unknown_var, break_unresolved_xref, break_missing_citation, break_missing_include,
         break_circular_include, break_quarto_yml, break_variables_yml, break_missing_anchor, break_raw_typst]


@pytest.mark.parametrize("breaker", CASES, ids=lambda f: f.__name__.removeprefix("break_"))
def test_bad_input_fails_and_keeps_outputs(fixture_project, breaker):
    assert run_report("render", "--engine", "builtin", "-q", project=fixture_project).exit_code == 0
    before = snapshot(fixture_project)
    assert set(before) == {"paper.pdf", "paper.html"}
    expected_code, expected_texts = breaker(fixture_project)
    result = run_report("render", "--engine", "builtin", project=fixture_project)
    assert result.exit_code == expected_code, result.output
    for text in expected_texts:
        assert text in result.output, f"{text!r} not in:\n{result.output}"
    assert snapshot(fixture_project) == before, "previous outputs changed"
    assert not list((fixture_project / "_output").glob(".staging-*"))


def test_allow_warnings_renders_with_markers(fixture_project):
    append_line(fixture_project / "paper.qmd", "See @fig-nothing-here and {{< var counts.nope >}}.")
    result = run_report("render", "--engine", "builtin", "--allow-warnings", project=fixture_project)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "@fig-nothing-here" in result.output
    html = (fixture_project / "_output" / "paper.html").read_text(encoding="utf-8")
    assert "?@fig-nothing-here" in html and "?var:counts.nope" in html


def test_check_command_reports_source_problems(fixture_project):
    assert run_report("check", project=fixture_project).exit_code == 0
    line = append_line(fixture_project / "paper.qmd", "{{< meta nowhere >}}")
    result = run_report("check", project=fixture_project)
    assert result.exit_code == 3
    assert f"paper.qmd:{line}" in result.output and "unknown meta 'nowhere'" in result.output


def test_refusal_stops_even_with_allow_warnings(fixture_project):
    assert run_report("render", "--engine", "builtin", "-q", project=fixture_project).exit_code == 0
    before = snapshot(fixture_project)
    line = append_line(fixture_project / "paper.qmd", "```{r}\n1 + 1\n```")
    result = run_report("render", "--engine", "builtin", "--allow-warnings", project=fixture_project)
    assert result.exit_code == 3, result.output
    # the cell's line, and what to do (the wording of a cell refusal is execute/cells.py's)
    assert f"paper.qmd:{line}: " in result.output and "--engine quarto" in result.output
    assert "[unsupported.cell-language]" in result.output
    assert "--allow-warnings to render anyway" not in result.output
    assert snapshot(fixture_project) == before
    # a refusal found while reading the sources (an extension's shortcode) stops the render the same way
    (fixture_project / "paper.qmd").write_text(
        (fixture_project / "paper.qmd").read_text(encoding="utf-8").replace("```{r}\n1 + 1\n```", "{{< fancy-ext >}}"),
        encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--allow-warnings", project=fixture_project)
    assert result.exit_code == 3 and f"paper.qmd:{line}: shortcode 'fancy-ext'" in result.output, result.output
    assert snapshot(fixture_project) == before
