"""The document pipeline: problems are de-duplicated by subject, and a document is read once."""

from __future__ import annotations

from conftest import run_report
from reportkit import plan, shortcodes
from reportkit.errors import Location, Problem
from reportkit.pipeline import MARKER_RULE, without_repeats


def test_a_marker_explained_by_a_source_problem_is_dropped():
    source = Problem("var.unknown", "unknown var 'x'", Location("a.qmd", 3), "var:x")
    marker = Problem(MARKER_RULE, "unresolved marker ?var:x in a.html", None, "var:x")
    other = Problem(MARKER_RULE, "unresolved marker ?@fig-y in a.html", None, "@fig-y")
    assert without_repeats([source, marker, other, source]) == [source, other]


def count_reads(monkeypatch) -> dict:
    """Count expansions of a document and loads of the project from here on."""
    calls = {"expand": 0, "load": 0}
    expand, load = shortcodes.Expander.expand, plan.Project.load

    def counting_expand(self, main):
        calls["expand"] += 1
        return expand(self, main)

    def counting_load(start=".", documents=()):
        calls["load"] += 1
        return load(start, documents)

    monkeypatch.setattr(shortcodes.Expander, "expand", counting_expand)
    monkeypatch.setattr(plan.Project, "load", staticmethod(counting_load))
    return calls


def test_each_document_is_read_once_per_render(fixture_project, monkeypatch):
    calls = count_reads(monkeypatch)
    result = run_report("render", "--engine", "builtin", project=fixture_project)
    assert result.exit_code == 0, result.output
    # the CLI loads the project; with no declared steps nothing can change its variables
    assert calls == {"expand": 1, "load": 1}


def test_a_project_with_steps_is_loaded_again_once_after_them(tmp_path, monkeypatch):
    import shutil

    from conftest import TESTS

    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    calls = count_reads(monkeypatch)
    result = run_report("render", "--engine", "builtin", project=project)
    assert result.exit_code == 0, result.output
    assert calls == {"expand": 1, "load": 2}
