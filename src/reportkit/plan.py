"""The build graph of one project: which steps exist, what each reads and writes, and what keys them.

1. **data**: validates the data package whenever any of its files changed;
2. the project's own **steps** (its analysis, declared under ``reportkit: steps:``);
3. one **render** step per main document, after all of the above: its inputs (the document's
   sources, settings, images, the ids the other documents define (``xref.links``) and the engine's
   own files) are only known once the steps have written the variables, so they are read then, and
   the document read for that is the one the render uses (each document is read once per build).
"""

from __future__ import annotations

import json
from pathlib import Path

from . import __version__, xref
from .datapackage import package_files, require_valid, without_checksums
from .engines.base import Engine
from .execute import step as execution
from .fingerprint import Fingerprints
from .graph import BuildGraph, Step, local, started
from .progress import Progress
from .project import FORMATS, Project, output_name
from .reproducible import source_date_epoch
from .settings import Settings, settings
from .source import Document
from .state import BuildState
from .steps import project_steps


def data_step(project: Project, options: Settings, progress: Progress) -> Step:
    """Validate the data package (checksums, schemas, provenance) whenever any of its files changed."""
    package = options.data_package
    files = package_files(package)

    def action():
        with progress.step(f"check data ({project.relative(package)}, {len(files) - 1} files)"):
            require_valid(package, options.required_provenance, options.data_rebuild, project.root)

    return Step(name="data", inputs=[project.relative(f) for f in files], outputs=[], submit=local(action),
                key=f"reportkit={__version__}|required={','.join(options.required_provenance)}")


class DocumentReader:
    """Reads each main document once per build, after the project's steps ran: the build graph asks
    for its inputs, then the render step takes the same :class:`Document`."""

    def __init__(self, project: Project, reload: bool):
        # reload: the project's steps may rewrite _variables.yml, so read the settings again first
        self._project: Project | None = None if reload else project
        self.root = project.root
        self._documents: dict[Path, Document] = {}

    def document(self, main: Path) -> Document:
        if main not in self._documents:
            if self._project is None:
                self._project = Project.load(self.root)
            self._documents[main] = Document.read(self._project, main)
        return self._documents[main]


def execute_step(project: Project, main: Path, reader: DocumentReader, fingerprints: Fingerprints, timeout: float,
                 progress: Progress, after: list[str]) -> Step:
    """Run one main document's code cells when a cell, a file they read or a library changed
    (keys: execute/step.py); the record it writes is an input of the document's render."""
    record = execution.record_path(project, main)

    def action():
        with progress.step(f"execute {project.relative(main)}"):
            execution.execute(reader.document(main), record, timeout, progress)

    return Step(name=f"execute {project.relative(main)}", inputs=[], outputs=[project.relative(record)],
                submit=local(action), key=execution.KEY, after=after,
                late_inputs=lambda: execution.inputs(reader.document(main), record, fingerprints))


def render_step(project: Project, main: Path, formats: tuple[str, ...], engine: Engine, strict: bool,
                progress: Progress, reader: DocumentReader, key: str, after: list[str], fingerprints: Fingerprints,
                record: Path | None = None) -> Step:
    """Render one main document when anything it reads (its executed cells among them), what the
    other documents define for it to refer to, or the engine, changed."""
    stem = project.stem(main)
    engine_files = [str(p) for p in engine.inputs()]

    others = [m for m in project.main_inputs if m != main]
    links_input = f"ids the other documents define, for {project.relative(main)}"

    def links() -> dict:
        return xref.links(reader.document(main), [reader.document(m) for m in others])

    def action():
        from .pipeline import render_document  # here: a render that is up to date does not import the checks

        render_document(reader.document(main), formats, engine, strict, progress, record, links())

    def inputs() -> list[str]:
        # of the other documents, only what a reference to them shows (their ids, floats' numbers):
        # an edit of their prose does not render this document again
        fingerprints.add_value(links_input, json.dumps(links(), sort_keys=True))
        return list(dict.fromkeys([*reader.document(main).inputs, links_input, *engine_files]))

    # a render of fewer formats (a preview's HTML) keeps its own record, so that the full render's
    # record still says what the other formats were made from
    suffix = "" if set(formats) == set(FORMATS) else f" ({', '.join(formats)})"
    return Step(
        name=f"render {project.relative(main)}{suffix}", inputs=[project.relative(record)] if record else [], key=key,
        submit=local(action), outputs=[project.relative(project.output_dir / output_name(stem, fmt)) for fmt in formats],
        after=after, late_inputs=inputs,
    )


def build_graph(project: Project, formats: tuple[str, ...], engine: Engine, strict: bool, progress: Progress,
                pre_render: bool = True, jobs: int = 2, documents: bool = True, run: bool = False) -> BuildGraph:
    """The graph for one ``report render`` (``documents=False``: without the render steps). ``run``: the
    graph runs next, so a stale data check starts at once, while the project's steps are listed."""
    state = BuildState(project.root)
    fingerprints = Fingerprints(project.root, state.files)
    options = settings(project)
    steps = []
    if options.data_package is not None:
        data = data_step(project, options, progress)
        if run and BuildGraph([data], fingerprints, state).reasons(data, fingerprints.digests(data.inputs)):
            data = started(data)
        steps.append(data)
    runner, declared = None, []
    if pre_render:
        declared, runner = project_steps(project, fingerprints, state, progress, jobs, after=[s.name for s in steps])
        if options.data_package is not None:
            # Steps that read the package for citations need not rerun when only another
            # file's checksum in it changed; the data step still sees every byte.
            whole = project.relative(options.data_package)
            view = f"{whole}#without-checksums"
            fingerprints.add_view(view, whole, without_checksums)
            for step in declared:
                step.inputs = [view if i == whole else i for i in step.inputs]
        steps += declared
    if documents:
        key = "|".join([engine.fingerprint(state.cache), ",".join(formats), f"strict={strict}",
                        f"epoch={source_date_epoch(project.root)}"])
        reader = DocumentReader(project, reload=bool(declared))
        before = [s.name for s in steps]
        for main in project.main_inputs:
            record = None
            if not engine.executes_cells:
                run = execute_step(project, main, reader, fingerprints, options.cell_timeout, progress, before)
                record = project.root / run.outputs[0]
                steps.append(run)
            steps.append(render_step(project, main, formats, engine, strict, progress, reader, key, before,
                                     fingerprints, record))
    closers = [(runner.close, {s.name for s in declared})] if runner else []
    return BuildGraph(steps, fingerprints, state, closers=closers)
