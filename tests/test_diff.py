"""`report diff`: what changed for a reader between two commits of a project (made with `report new`)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_report
from reportkit.cli import main

pytestmark = pytest.mark.slow  # each side of a diff is a render

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]


def commit(project: Path, message: str) -> None:
    subprocess.run([*GIT, "add", "-A"], cwd=project, check=True)
    subprocess.run([*GIT, "commit", "-qm", message], cwd=project, check=True)


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def change_a_data_value(project: Path) -> None:
    """The last year's population, as if a new vintage had revised it (checksums rebuilt)."""
    csv = project / "data" / "population.csv"
    replace(csv, "20330104", "20330999")
    package = json.loads((project / "data" / "datapackage.json").read_text(encoding="utf-8"))
    data = csv.read_bytes()
    package["resources"][0].update(bytes=len(data), hash="sha256:" + hashlib.sha256(data).hexdigest())
    (project / "data" / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A project with two commits: the second changes a data value (hence a value, a figure and a
    table) and edits a sentence."""
    project = tmp_path / "paper"
    assert CliRunner().invoke(main, ["new", str(project)]).exit_code == 0
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    commit(project, "first")
    change_a_data_value(project)
    replace(project / "chapters" / "_results.qmd", "plots the mid-year population", "shows the mid-year population")
    commit(project, "second")
    return project


def test_diff_reports_values_figures_tables_and_words(history):
    result = run_report("diff", "HEAD~1", "HEAD", project=history)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "population.last: 20,330,104 -> 20,330,999" in out and "data/population.csv" in out
    assert "population.growth: 5.8% -> 5.8%" not in out  # an unchanged value is not listed
    assert "figures changed: 1\n  generated/population.svg" in out
    assert "generated/population-table.md: 1 cell(s)" in out
    assert "-'plots', +'shows'" in out
    page = (history / "_output" / "diff-HEAD-1.html").read_text(encoding="utf-8")
    assert "<del>20,330,104</del>" in page and "<ins>20,330,999</ins>" in page
    assert "grew from 19,209,555 in 2019 to 20,330,999 in 2023" in page  # the sentence that quotes it
    assert page.count('src="data:image/svg+xml;base64,') == 2  # before and after, side by side
    assert "<del>plots</del> <ins>shows</ins>" in page
    assert "<td>5</td><td>Persons</td><td><del>20,330,104</del></td><td><ins>20,330,999</ins></td>" in page
    assert not subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=history,
                              capture_output=True, text=True).stdout  # the user's files untouched


def test_working_tree_and_check_mode(history):
    replace(history / "chapters" / "_results.qmd", "shows the mid-year", "draws the mid-year")
    result = run_report("diff", "HEAD", "--check", project=history)
    assert result.exit_code == 0 and "-'shows', +'draws'" in result.output  # words changed, no value: exit 0
    result = run_report("diff", "HEAD~1", "--check", project=history)
    assert result.exit_code == 1 and "population.last" in result.output


def test_an_old_revision_that_no_longer_renders(history):
    """The old commit cites a key its bibliography lacks: today's strict render refuses it; the diff says
    so and still compares its sources and the values its manifest recorded."""
    replace(history / "chapters" / "_results.qmd", "it; every number", "it [@nobody1999]; every number")
    (history / "manifest.json").write_text(json.dumps({"engine": "builtin", "formats": ["pdf", "html"],
                                                       "source_date_epoch": 0,
                                                       "variables": {"population.last": "20,330,104"}}),
                                           encoding="utf-8")
    commit(history, "broken")
    replace(history / "chapters" / "_results.qmd", " [@nobody1999]", "")
    (history / "manifest.json").unlink()
    commit(history, "fixed")
    result = run_report("diff", "HEAD~1", project=history)
    assert result.exit_code == 0, result.output
    assert "cannot render" in result.output and "comparing its sources and recorded values" in result.output
    assert "population.last: 20,330,104 -> 20,330,999" in result.output  # recorded then, rendered now
    assert "-'[@nobody1999];'" in result.output or "nobody1999" in result.output


def test_not_a_revision(history):
    result = run_report("diff", "no-such-tag", project=history)
    assert result.exit_code == 1 and "'no-such-tag' is not a revision of this repository" in result.output
