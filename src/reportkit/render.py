"""``report render``: lint sources, render with an engine, check, publish."""

from __future__ import annotations

import re
from pathlib import Path

from . import parity
from .checks import check_output
from .engines import select_engine
from .engines.base import RenderRequest
from .errors import Location, Problem, StrictnessError
from .prerender import run_pre_render
from .progress import Progress
from .project import Project
from .shortcodes import Expanded, Expander
from .staging import Staging

MARKER_KEY = re.compile(r"\?(@|var:|meta:)(\S+)")


def expand(project: Project, main: Path) -> Expanded:
    """Expand shortcodes of a main document (both engines use this for locations)."""
    return Expander(project.root, project.variables, project.document_metadata(), project.config_text).expand(main)


def _locate_marker(problem: Problem, expanded: Expanded) -> Problem:
    """Give an output marker problem the source location of what it stands for."""
    match = MARKER_KEY.search(problem.message)
    if not match or problem.location:
        return problem
    kind, key = match.groups()
    needle = "@" + key if kind == "@" else f"{kind.rstrip(':')} {key}"
    body = expanded.body.splitlines()
    for number, line in enumerate(body, start=1):
        if needle in line:
            return Problem(problem.rule, problem.message, expanded.source_map.at(number))
    return problem


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """Drop repeats, and output markers already explained by a source problem."""
    seen, kept = set(), []
    explained = {p.message.rsplit(" ", 1)[-1].lstrip("@") for p in problems if p.rule != "output.marker"}
    for problem in problems:
        key = (problem.rule, problem.message, str(problem.location))
        marker = MARKER_KEY.search(problem.message) if problem.rule == "output.marker" else None
        if key in seen or (marker and marker.group(2).rstrip(".,") in explained):
            continue
        seen.add(key)
        kept.append(problem)
    return kept


def _settle(problems: list[Problem], strict: bool, progress: Progress) -> None:
    """Raise in strict mode; otherwise print each problem as a warning."""
    problems = _dedupe(problems)
    if problems and strict:
        raise StrictnessError(problems)
    for problem in problems:
        progress.warn(str(problem))


def render(project: Project, formats: tuple[str, ...], engine_name: str = "auto",
           strict: bool = True, progress: Progress | None = None, pre_render: bool = True) -> list[Path]:
    """Render every main document of ``project``; return the published output paths."""
    progress = progress or Progress()
    engine = select_engine(engine_name)
    progress.info(f"Rendering {', '.join(formats)} with the {engine.name} engine into {project.relative(project.output_dir)}/")
    if pre_render and engine.name == "builtin":  # Quarto runs pre-render commands itself
        run_pre_render(project, progress)
        project = project.reload()
    published: list[Path] = []
    for main in project.main_inputs:
        with progress.step(f"expand shortcodes in {project.relative(main)}"):
            expanded = expand(project, main)
        _settle(expanded.problems, strict, progress)
        with Staging(project.output_dir) as staging:
            request = RenderRequest(project, main, formats, staging.path, expanded)
            result = engine.render(request, progress)
            problems = list(result.problems)
            with progress.step("check outputs"):
                for fmt, path in result.outputs.items():
                    found = check_output(fmt, path, result.sources.get(fmt))
                    problems += [_locate_marker(p, expanded) for p in found]
            if {"html", "pdf"} <= set(result.outputs) and not problems:
                with progress.step("check HTML/PDF parity"):
                    problems += parity.compare(result.outputs["html"], result.outputs["pdf"])
            _settle(problems, strict, progress)
            published += staging.publish(list(result.outputs.values()))
    for path in published:
        progress.result(f"wrote {project.relative(path)}")
    return published
