"""The document pipeline: problems are de-duplicated by subject, and a document is read once."""

from __future__ import annotations

import pytest

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


class PendingPdf:
    """The built-in engine, its PDF returned as still being written (RenderResult.pending): the file is moved
    into place, or ``error`` raised, when the pipeline waits for it. ``events``: what happened, in order."""

    def __init__(self, events: list[str], error: Exception | None = None):
        from reportkit.engines.builtin import BuiltinEngine

        self.engine, self.events, self.error = BuiltinEngine(splice=False), events, error

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def render(self, request, progress):
        result = self.engine.render(request, progress)
        pdf = result.outputs["pdf"]
        held = pdf.rename(pdf.with_name("held.pdf"))

        def written() -> None:
            self.events.append("pdf written")
            if self.error is not None:
                raise self.error
            held.rename(pdf)
        result.pending["pdf"] = written
        return result


def render_pending(project, monkeypatch, error: Exception | None = None) -> list[str]:
    """Render the project with PendingPdf; the events, with the output checks and the HTML's parity facts."""
    from reportkit import parity, pipeline
    from reportkit.progress import Progress
    from reportkit.project import Project
    from reportkit.render import render

    events: list[str] = []
    check_output, html_facts = pipeline.check_output, parity.html_facts

    def checking(fmt, path, source=None):
        events.append(f"check {fmt}")
        return check_output(fmt, path, source)

    def reading(path, expected=parity.Expected()):
        events.append("HTML facts")
        return html_facts(path, expected)
    monkeypatch.setattr(pipeline, "check_output", checking)
    monkeypatch.setattr(parity, "html_facts", reading)
    engine = PendingPdf(events, error)
    try:
        render(Project.load(project), ("html", "pdf"), progress=Progress(quiet=True), engine=engine)
    finally:
        engine.close()
    return events


def test_outputs_still_being_written_are_checked_after_the_others(fixture_project, monkeypatch):
    """The HTML is checked, and read for the parity check, while the PDF is being written; the PDF after."""
    assert render_pending(fixture_project, monkeypatch) == ["check html", "HTML facts", "pdf written", "check pdf"]
    assert (fixture_project / "_output" / "paper.pdf").read_bytes().startswith(b"%PDF-")


def test_an_output_that_fails_while_the_others_are_checked_publishes_nothing(fixture_project, monkeypatch):
    from reportkit.errors import EngineError, Location

    result = run_report("render", "--engine", "builtin", project=fixture_project)
    assert result.exit_code == 0, result.output
    before = {p.name: p.read_bytes() for p in (fixture_project / "_output").iterdir() if p.is_file()}
    (fixture_project / "paper.qmd").write_text((fixture_project / "paper.qmd").read_text(encoding="utf-8")
                                              + "\nA sentence not published.\n", encoding="utf-8")
    failure = EngineError("typst failed", Location(fixture_project / "paper.qmd", 3))
    with pytest.raises(EngineError) as raised:
        render_pending(fixture_project, monkeypatch, failure)
    assert raised.value is failure
    after = {p.name: p.read_bytes() for p in (fixture_project / "_output").iterdir() if p.is_file()}
    assert after == before  # the last good outputs stay, and no staging folder is left
    assert not [p for p in (fixture_project / "_output").iterdir() if p.name.startswith(".staging")]
