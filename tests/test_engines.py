"""Both engines on the same documents: the paper and the fixture projects, rendered by the built-in engine
and by Quarto, show a reader the same numbered captions, quoted values, cited works, section numbers,
cross-reference texts and figure files, and about as many pages (engine_compare.py; what Quarto does its
own way is listed there in QUARTOS_CHOICES, and is not compared)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import TESTS, rendered_with_quarto, run_report
from engine_compare import Comparison, Shown, compare
from reportkit.pipeline import expected
from reportkit.project import Project
from reportkit.source import Document

pytestmark = [pytest.mark.slow, pytest.mark.quarto]

# Where Quarto renders the fixture project differently, and why (by the subject of the difference).
FIXTURE_DIFFERENCES = {
    "var:label": "Quarto reads _variables.yml values as markdown (quarto.org/docs/authoring/variables.html): the "
                 "fixture's '<script>alert(1)</script>' is raw HTML in Quarto's page and nothing in its PDF; the "
                 "built-in engine shows it as text in both",
}


def compared(builtin: Path, quarto: Path, tolerated: dict[str, str] | None = None) -> Comparison:
    """The two engines' outputs of a project's (first) main document, compared."""
    project = Project.load(builtin)
    main = project.main_inputs[0]
    wanted = expected(Document.read(project, main))
    stem = project.stem(main)
    return compare(Shown.read(builtin / "_output", stem, builtin, wanted),
                   Shown.read(quarto / "_output", stem, quarto, wanted), wanted, tolerated or {})


def test_quarto_renders_the_fixture_offline_and_strictness_catches_its_markup_variable(quarto_fixture):
    project, result = quarto_fixture
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if line.startswith("warning:")]
    # strict mode (the default) fails on exactly these: Quarto made the value markup (FIXTURE_DIFFERENCES)
    assert len(warnings) == 2 and all("value of label ('<script>alert(1)</script>')" in w for w in warnings), warnings
    html = (project / "_output" / "paper.html").read_text(encoding="utf-8")
    assert "<math" in html, "math is not MathML"
    assert not re.search(r"<(script|link)[^>]*(src|href)=\"https?://", html), "the page loads something from the network"
    assert 'src="data:image/svg+xml' in html  # self-contained: the figure is embedded


def test_engines_agree_on_the_fixture(rendered_fixture, quarto_fixture):
    result = compared(rendered_fixture, quarto_fixture[0], FIXTURE_DIFFERENCES)
    assert result.differences == [], "\n".join(result.differences)
    assert all(result.compared.values()), result.compared  # something of every kind was compared
    assert result.tolerated == ["var:label"]  # and nothing else was excused


def test_engines_agree_on_the_graph_project(tmp_path):
    builtin = tmp_path / "builtin"
    shutil.copytree(TESTS / "graph_project", builtin)
    assert run_report("render", "--engine", "builtin", "-q", project=builtin).exit_code == 0
    quarto, result = rendered_with_quarto(builtin, tmp_path / "quarto")
    assert result.exit_code == 0, result.output
    comparison = compared(builtin, quarto)
    assert comparison.differences == [], "\n".join(comparison.differences)
    assert comparison.compared["entries"] == 1 and comparison.compared["values"] == 2


def test_engines_agree_on_the_paper(rendered_paper, quarto_paper):
    project, result = quarto_paper
    assert result.exit_code == 0, result.output  # strict: Quarto's warnings, output checks, parity
    assert "quarto render --to typst" in result.output and "up to date: data" in result.output  # analysis not rerun
    comparison = compared(rendered_paper, project)
    assert comparison.differences == [], "\n".join(comparison.differences)
    assert all(comparison.compared.values()), comparison.compared  # something of every kind was compared
    assert comparison.tolerated == []

