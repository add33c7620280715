"""The document pipeline: one main document, expanded, rendered by an engine into a staging
folder, checked, and only then published into the output folder.

Every format is compared with the HTML (parity.py); a Word or JATS render without the HTML renders it
too, in staging, as that reference (it is published only when asked for)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import parity
from .checks import check_output, start_pdf_text
from .engines.base import Engine, RenderRequest, RenderResult, located
from .engines.support import format_refusals
from .language import words
from .errors import Location, Problem, StrictnessError
from .execute.step import executed
from .progress import Progress
from .source import Document
from .staging import Staging

MARKER_RULE = "output.marker"
REFERENCE = "html"  # the format the others are compared with
NEEDS_REFERENCE = ("docx", "jats")
# output problems that a source problem with the same subject already explains
OUTPUT_RULES = (MARKER_RULE, "output.link")


def expected(document: Document, marked: bool = True) -> parity.Expected:
    """What the parity check should find in both outputs of ``document`` (``marked``: the engine
    marks quoted values in its HTML)."""
    return parity.Expected.of(document.expanded.body, document.metadata.get("crossref"),
                              words(document.metadata.get("lang")), marked)


def with_reference(formats: tuple[str, ...]) -> tuple[str, ...]:
    """The formats to render: those asked for, and the HTML when a Word or JATS file must be compared with it."""
    if REFERENCE in formats or not set(formats) & set(NEEDS_REFERENCE):
        return formats
    return (*formats, REFERENCE)


def check_outputs(request: RenderRequest, result: RenderResult, outputs: dict[str, Path]) -> list[Problem]:
    """The output checks (checks.check_output) of ``outputs``, some of ``result``'s, located in the document."""
    return [located(request, problem) for fmt, path in outputs.items()
            for problem in check_output(fmt, path, result.sources.get(fmt))]


def check_parity(document: Document, engine: Engine, outputs: dict[str, Path], progress: Progress,
                 pdf_pages: Callable[[], list[str]] | None = None,
                 facts: parity.RenderedFacts | None = None) -> list[Problem]:
    """Every output compared with the HTML; a difference is the document's problem. ``pdf_pages``: the PDF's
    text, already being read (checks.start_pdf_text); ``facts``: the HTML's, already read."""
    problems = []
    for fmt, path in outputs.items():
        if fmt == REFERENCE or REFERENCE not in outputs:
            continue
        with progress.step(f"check HTML/{parity.FORMAT_NAMES[fmt]} parity") as note:
            report = parity.compare(outputs[REFERENCE], path, expected(document, engine.marks_values),
                                    pdf_pages if fmt == "pdf" else None, facts)
            note(report.summary())
        problems += [Problem(p.rule, p.message, Location(document.shown), p.subject) for p in report.problems]
    return problems


def checked(document: Document, engine: Engine, request: RenderRequest, result: RenderResult,
            progress: Progress) -> list[Problem]:
    """The render's problems and those its outputs' checks and the parity check find. Outputs still being
    written (``result.pending``) are checked last; the others, and the HTML's facts for the parity check,
    meanwhile."""
    problems, facts = list(result.problems), None
    early = {fmt: path for fmt, path in result.outputs.items() if fmt not in result.pending} if result.pending else {}
    try:
        if early:
            with progress.step(f"check {', '.join(path.name for path in early.values())}") as note:
                problems += check_outputs(request, result, early)
                if not problems and REFERENCE in early:
                    facts = parity.html_facts(early[REFERENCE], expected(document, engine.marks_values))
                note(f"while {', '.join(result.outputs[fmt].name for fmt in result.pending)} is made")
    finally:
        result.finish()
    # the parity check's PDF text is read (pdftotext, in the background) while the outputs are checked
    pdf_pages = start_pdf_text(result.outputs["pdf"]) \
        if not problems and "pdf" in result.outputs and REFERENCE in result.outputs else None
    with progress.step("check outputs"):
        problems += check_outputs(request, result, {f: p for f, p in result.outputs.items() if f not in early})
    if not problems:
        problems += check_parity(document, engine, result.outputs, progress, pdf_pages, facts)
    elif pdf_pages is not None:
        pdf_pages()  # (its processes waited for)
    return problems


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
            settle(format_refusals(document, formats), strict, progress)
            document, problems = executed(document, record, formats, staging.path / ".work" / "cells")
            settle(problems, strict, progress)
        request = RenderRequest(document, with_reference(formats), staging.path, links or {})
        result = engine.render(request, progress)
        problems = checked(document, engine, request, result, progress)
        settle(problems, strict, progress)
        return staging.publish([path for fmt, path in result.outputs.items() if fmt in formats],
                               [extra for fmt in formats for extra in result.supporting.get(fmt, [])])
