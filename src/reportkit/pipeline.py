"""The document pipeline: one main document, expanded, rendered by an engine into a staging
folder, checked, and only then published into the output folder."""

from __future__ import annotations

from pathlib import Path

from . import parity
from .checks import check_output
from .engines.base import Engine, RenderRequest, located
from .language import words
from .errors import Location, Problem, StrictnessError
from .execute.step import executed
from .progress import Progress
from .source import Document
from .staging import Staging

MARKER_RULE = "output.marker"
# output problems that a source problem with the same subject already explains
OUTPUT_RULES = (MARKER_RULE, "output.link")


def expected(document: Document, marked: bool = True) -> parity.Expected:
    """What the parity check should find in both outputs of ``document`` (``marked``: the engine
    marks quoted values in its HTML)."""
    return parity.Expected.of(document.expanded.body, document.metadata.get("crossref"),
                              words(document.metadata.get("lang")), marked)


def without_repeats(problems: list[Problem]) -> list[Problem]:
    """Drop repeated problems, and output markers whose subject a source problem already explains
    (an unknown variable is reported once, not again for its ``?var:`` marker)."""
    explained = {p.subject for p in problems if p.rule not in OUTPUT_RULES and p.subject}
    seen, kept = set(), []
    for problem in problems:
        key = (problem.rule, problem.message, str(problem.location))
        if key in seen or (problem.rule in OUTPUT_RULES and problem.subject in explained):
            continue
        seen.add(key)
        kept.append(problem)
    return kept


def settle(problems: list[Problem], strict: bool, progress: Progress) -> None:
    """Raise in strict mode; otherwise print each problem as a warning."""
    problems = without_repeats(problems)
    if problems and (strict or any(p.refusal for p in problems)):
        raise StrictnessError(problems)
    for problem in problems:
        progress.warn(str(problem))


def render_document(document: Document, formats: tuple[str, ...], engine: Engine, strict: bool,
                    progress: Progress, record: Path | None = None, links: dict | None = None) -> list[Path]:
    """Render, check and publish one main document; returns the published paths. ``record``: the
    document's executed cells (execute/step.py), for an engine that does not run cells itself; ``links``:
    the ids the project's other documents define (``xref.links``)."""
    settle(document.problems + document.missing_images(), strict, progress)
    project = document.project
    with Staging(project.output_dir) as staging:
        if record is not None:
            document, problems = executed(document, record, formats, staging.path / ".work" / "cells")
            settle(problems, strict, progress)
        request = RenderRequest(document, formats, staging.path, links or {})
        result = engine.render(request, progress)
        problems = list(result.problems)
        with progress.step("check outputs"):
            for fmt, path in result.outputs.items():
                problems += [located(request, p) for p in check_output(fmt, path, result.sources.get(fmt))]
        if {"html", "pdf"} <= set(result.outputs) and not problems:
            with progress.step("check HTML/PDF parity") as note:
                report = parity.compare(result.outputs["html"], result.outputs["pdf"],
                                        expected(document, engine.marks_values))
                note(report.summary())
            # a difference between the outputs is the document's problem: name it
            problems += [Problem(p.rule, p.message, Location(document.shown), p.subject) for p in report.problems]
        settle(problems, strict, progress)
        return staging.publish(list(result.outputs.values()))
