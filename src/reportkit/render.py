"""``report render``: lint sources, render with an engine, check, publish."""

from __future__ import annotations

import re
from pathlib import Path

from . import parity
from .checks import check_output
from .engines import select_engine
from .engines.base import RenderRequest
from .errors import ConfigError, Location, Problem, StrictnessError
from .prerender import run_pre_render
from .progress import Progress
from . import __version__
from .engines.builtin import engine_files
from .fingerprint import Fingerprints
from .graph import BuildGraph, Step, local
from .project import CONFIG_NAME, FORMATS, PATH_KEYS, VARIABLES_NAME, Project, load_yaml, resolve_path
from .reproducible import source_date_epoch
from .state import BuildState
from .steps import project_steps, versions
from .steps import settings as steps_settings
from .shortcodes import Expanded, Expander
from .staging import Staging

IMAGE = re.compile(r"!\[[^\]]*\]\(<?([^)\s>]+)")
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
    location = expanded.locate(needle)
    return Problem(problem.rule, problem.message, location) if location else problem


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


def render_document(project: Project, main: Path, formats: tuple[str, ...], engine, strict: bool,
                    progress: Progress) -> list[Path]:
    """Expand, render into a staging folder, check, and publish one main document."""
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
        return staging.publish(list(result.outputs.values()))


def document_inputs(project: Project, main: Path) -> list[str]:
    """Every file a render of ``main`` reads: sources, settings, images, the engine's own files."""
    expanded = expand(project, main)
    names = [project.relative(f) for f in expanded.files]
    names += [n for n in (CONFIG_NAME, VARIABLES_NAME) if (project.root / n).exists()]
    front = load_yaml(main, expanded.front_matter, first_line=2) if expanded.front_matter.strip() else {}
    settings = [project.document_metadata(), *(project.format_options(f) for f in FORMATS)]
    for options, base in [*((o, project.root) for o in settings), (front if isinstance(front, dict) else {}, main.parent)]:
        for key in PATH_KEYS:
            values = options.get(key) or []
            for value in [values] if isinstance(values, str) else values:
                names.append(project.relative(resolve_path(value, base, project.root)))
    for target in IMAGE.findall(expanded.body):
        if not re.match(r"^[a-z]+:", target):
            names.append(project.relative(main.parent / target))
    names += [str(p) for p in engine_files()]
    return list(dict.fromkeys(names))


def render(project: Project, formats: tuple[str, ...], engine_name: str = "auto", strict: bool = True,
           progress: Progress | None = None, pre_render: bool = True, explain: bool = False,
           jobs: int = 2) -> list[Path]:
    """Bring the project's outputs up to date: data check, project steps, then each document.

    Only stale steps run (see graph.py); returns the paths of the final outputs.
    """
    progress = progress or Progress()
    engine = select_engine(engine_name)
    progress.info(f"Rendering {', '.join(formats)} with the {engine.name} engine into {project.relative(project.output_dir)}/")
    if pre_render and engine.name == "builtin" and project.project_settings.get("pre-render") and not steps_settings(project):
        run_pre_render(project, progress)  # undeclared steps: run them every time, as Quarto does
        project = project.reload()
    graph = build_graph(project, formats, engine, strict, progress, pre_render, jobs)
    try:
        outcomes = graph.run(progress, explain)
    finally:
        graph.close()
    skipped = [o.step for o in outcomes if not o.ran]
    if skipped and not explain:
        progress.info(f"  up to date: {', '.join(skipped)}")
    outputs = [project.output_dir / f"{project.stem(m)}.{fmt}" for m in project.main_inputs for fmt in formats]
    for path in outputs:
        progress.result(f"{'wrote' if any(o.ran for o in outcomes) else 'unchanged'} {project.relative(path)}")
    return outputs


def data_package(project: Project) -> Path | None:
    """The project's Frictionless data package: ``reportkit: data-package:``, else data/datapackage.json."""
    named = (project.config.get("reportkit") or {}).get("data-package")
    path = project.root / (named or "data/datapackage.json")
    if named and not path.is_file():
        raise ConfigError(f"reportkit.data-package names {named}, which does not exist", Location(project.config_path))
    return path if path.is_file() else None


def without_checksums(content: bytes) -> bytes:
    """A data package descriptor without the per-file ``hash`` and ``bytes`` entries."""
    import json

    try:
        descriptor = json.loads(content)
    except ValueError:
        return content

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("hash", "bytes")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(descriptor), sort_keys=True).encode("utf-8")


def data_step(project: Project, package: Path, progress: Progress) -> Step:
    """Validate the data package (checksums, schemas, provenance) whenever any of its files changed."""
    import json

    try:
        descriptor = json.loads(package.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        descriptor = {}  # the check itself reports the broken descriptor with its line
    base = package.parent
    files = [package]
    for resource in descriptor.get("resources") or []:
        if isinstance(resource, dict):
            files += [base / str(resource["path"])] if resource.get("path") else []
            files += [base / str(o["path"]) for o in resource.get("originals") or [] if isinstance(o, dict) and o.get("path")]

    def action():
        from .datapackage import require_valid

        with progress.step(f"check data ({project.relative(package)}, {len(files) - 1} files)"):
            require_valid(package)

    return Step(name="data", inputs=[project.relative(f) for f in files], outputs=[], submit=local(action),
                key=f"reportkit={__version__}")


def build_graph(project: Project, formats: tuple[str, ...], engine, strict: bool, progress: Progress,
                pre_render: bool = True, jobs: int = 2, documents: bool = True) -> BuildGraph:
    """The graph for one ``report render`` call (also used by ``report status``)."""
    state = BuildState(project.root)
    fingerprints = Fingerprints(project.root, state.files)
    steps = []
    package = data_package(project)
    if package is not None:
        steps.append(data_step(project, package, progress))
    runner, declared = None, []
    if pre_render:
        declared, runner = project_steps(project, fingerprints, state, progress, jobs, after=[s.name for s in steps])
        if package is not None:
            # Steps that read the package for citations need not rerun when only another
            # file's checksum in it changed; the data step still sees every byte.
            whole = project.relative(package)
            view = f"{whole}#without-checksums"
            fingerprints.add_view(view, whole, without_checksums)
            for step in declared:
                step.inputs = [view if i == whole else i for i in step.inputs]
        steps += declared
    key = "|".join([engine.name, ",".join(formats), f"strict={strict}", versions(["pypandoc_binary", "typst"]),
                    f"reportkit={__version__}", f"epoch={source_date_epoch(project.root)}"])
    root = project.root
    for main in project.main_inputs if documents else []:
        stem = project.stem(main)

        def action(main=main):
            fresh = Project.load(root)  # steps may have rewritten _variables.yml
            render_document(fresh, main, formats, engine, strict, progress)

        steps.append(Step(
            name=f"render {project.relative(main)}", inputs=[], key=key, submit=local(action),
            outputs=[project.relative(project.output_dir / f"{stem}.{fmt}") for fmt in formats],
            after=[s.name for s in steps],
            late_inputs=lambda main=main: document_inputs(Project.load(root), main),
        ))
    closers = [(runner.close, {s.name for s in declared})] if runner else []
    return BuildGraph(steps, fingerprints, state, closers=closers)
