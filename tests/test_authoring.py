"""The author's guide (docs/authoring.md) works as written: its recipes are applied to a copy of the
repository and the paper renders with the new figure and values; `report new` gives a working project."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, run_report, tracked_copy

RECIPE = re.compile(r"<!-- recipe: (write|append) (\S+) -->\n```[a-z]*\n(.*?)```", re.S)


def recipes() -> list[tuple[str, str, str]]:
    """(action, file, text) of every tested recipe in the guide, in order."""
    return RECIPE.findall((REPO / "docs" / "authoring.md").read_text(encoding="utf-8"))


def test_the_guide_has_its_recipes():
    assert [(action, path) for action, path, _ in recipes()] == [
        ("write", "analysis/example_population.py"), ("append", "report/chapters/context.qmd")]


@pytest.mark.slow
def test_the_add_a_figure_recipe_renders(tmp_path):
    copy = tracked_copy(tmp_path / "repo")
    for action, path, text in recipes():
        target = copy / path
        if action == "write":
            target.write_text(text, encoding="utf-8")
        else:
            target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text, encoding="utf-8")
    result = run_report("render", "--engine", "builtin", project=copy)
    assert result.exit_code == 0, result.output
    assert "step example-population" in result.output  # registered by being defined
    html = (copy / "_output" / "paper.html").read_text(encoding="utf-8")
    assert "Mid-year population of Kazakhstan since 1991" in html
    text = subprocess.run(["pdftotext", str(copy / "_output" / "paper.pdf"), "-"], capture_output=True,
                          text=True).stdout
    figure = re.search(r"Figure (\d+): Mid-year population of Kazakhstan since 1991", text)
    assert figure and f"as Figure {figure.group(1)} shows" in " ".join(text.split())
    assert re.search(r"counted [\d,]{10} inhabitants in \d{4}", " ".join(text.split()))


@pytest.mark.slow
def test_report_new_renders_and_checks_out_of_the_box(tmp_path):
    project = tmp_path / "my-paper"
    result = run_report_new(project)
    assert result.exit_code == 0, result.output
    rendered = run_report("render", "--engine", "builtin", project=project)
    assert rendered.exit_code == 0, rendered.output
    assert run_report("check", project=project).exit_code == 0
    text = " ".join(subprocess.run(["pdftotext", str(project / "_output" / "paper.pdf"), "-"],
                                   capture_output=True, text=True).stdout.split())
    assert "grew from 19,209,555 in 2019 to 20,330,104 in 2023" in text and "Figure 1: Mid-year population" in text
    assert "(World Bank 2026)" in text and "Table 1: Mid-year population" in text
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=project,
                           capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout


def run_report_new(project: Path):
    from click.testing import CliRunner

    from reportkit.cli import main

    return CliRunner().invoke(main, ["new", str(project)], catch_exceptions=False)


def test_report_new_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_report_new(tmp_path / "taken")
    assert result.exit_code == 1 and "not an empty folder" in result.output
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
