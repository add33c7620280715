"""`report check` stops on what `report render` would stop on (engine failures aside), with file:line,
without rendering anything."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TESTS, run_report
from test_graph import rehash


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The graph project with its analysis run (so its quoted values exist), never rendered."""
    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    assert run_report("build", "-j", "1", project=project).exit_code == 0
    return project


def append(path: Path, text: str) -> int:
    content = path.read_text(encoding="utf-8").rstrip("\n") + "\n\n"
    path.write_text(content + text + "\n", encoding="utf-8")
    return content.count("\n") + 1


def test_a_clean_project_passes_and_nothing_is_rendered(built):
    result = run_report("check", project=built)
    assert result.exit_code == 0, result.output
    assert not (built / "_output").exists()


@pytest.mark.parametrize("text, expected", [
    ("As shown by [@nobody2000].", "citation key @nobody2000 is not in the bibliography"),
    ("See @fig-nowhere.", "unresolved cross-reference @fig-nowhere"),
    ("Alpha is {{< var alpha.nope >}}.", "unknown var 'alpha.nope'"),
    ("![A figure](gen/never.svg)", "image gen/never.svg does not exist, and no step writes gen/never.svg"),
])
def test_each_problem_a_render_would_find(built, text, expected):
    line = append(built / "chapters" / "_more.qmd", text)
    result = run_report("check", project=built)
    assert result.exit_code == 3, result.output
    assert f"chapters/_more.qmd:{line}" in result.output and expected in result.output


@pytest.mark.parametrize("fmt", ["html", "typst"])
def test_content_shown_in_one_format_only_is_checked(built, fmt):
    """A render reports the problems of what the HTML shows and of what the PDF (Typst) shows: so does the check
    (a problem in what both show, once)."""
    line = append(built / "chapters" / "_more.qmd",
                  f'::: {{.content-visible when-format="{fmt}"}}\nSee @fig-only-{fmt}.\n:::\n\nSee @fig-everywhere.')
    result = run_report("check", project=built)
    assert result.exit_code == 3, result.output
    assert f"chapters/_more.qmd:{line + 1}" in result.output and f"unresolved cross-reference @fig-only-{fmt}" in result.output
    assert result.output.count("unresolved cross-reference @fig-everywhere") == 1


def test_an_image_a_step_writes_is_not_missing(built):
    append(built / "chapters" / "_more.qmd", "![Alpha's file](gen/alpha.txt)")
    (built / "gen" / "alpha.txt").unlink()  # not there now, but the alpha step writes it
    assert "does not exist" not in run_report("check", project=built).output


def test_analysis_code_that_cannot_be_read(built):
    beta = built / "tools" / "beta.py"
    beta.write_text(beta.read_text(encoding="utf-8") + "\nx = (\n", encoding="utf-8")
    line = beta.read_text(encoding="utf-8").count("\n")
    result = run_report("check", project=built)
    assert result.exit_code == 6 and f"tools/beta.py:{line}" in result.output


def test_stale_analysis_is_said_once_instead_of_every_value(built):
    csv = built / "data" / "b.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("20", "21"), encoding="utf-8")
    rehash(csv)
    (built / "_variables.yml").unlink()
    result = run_report("check", project=built)
    assert result.exit_code in (3, 5)
    assert "run `report build` first" in result.output and "unknown var" not in result.output


def test_a_clean_filter_pass_is_remembered_until_what_it_read_changes(built, monkeypatch):
    """A document whose filter pass found nothing is not passed through pandoc again while the document,
    its metadata, the bibliography, the filters and pandoc are the same; any of them changing runs it again
    (here: the bibliography loses the entry the document cites, which must then be reported)."""
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.lint import source_problems
    from reportkit.project import Project

    passes = []
    real_start = BuiltinEngine.start_check
    monkeypatch.setattr(BuiltinEngine, "start_check", lambda self, *a, **k: passes.append(1) or real_start(self, *a, **k))
    assert source_problems(Project.load(built)) == [] and len(passes) == 1
    assert source_problems(Project.load(built)) == [] and len(passes) == 1  # remembered
    bib = built / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("doe2020", "roe2021"), encoding="utf-8")
    problems = source_problems(Project.load(built))
    assert len(passes) == 2 and [p.subject for p in problems if p.rule == "citation.unknown"] == ["@doe2020"]
    assert source_problems(Project.load(built)) and len(passes) == 3  # a pass that found problems is not remembered


def test_check_imports_only_what_it_uses(built):
    """`report check` should answer in about a second: it imports neither pypandoc (its pandoc binary is found
    without it) nor the analysis's libraries nor Typst."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('IMPORTED', *sorted(sys.modules)))\n"
            "from reportkit.cli import main\n"
            "main(['check'])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=built, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    imported = set(done.stdout.split("IMPORTED", 1)[1].split())
    assert "reportkit.lint" in imported
    assert not {"pypandoc", "pandas", "matplotlib", "typst"} & imported
