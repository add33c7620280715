"""``report diff REV [REV2]``: what changed in the paper between two revisions (REV2: the working tree).

Both sides are rendered through the build graph (an old revision in the diff cache, with today's code);
the comparison is what a reader sees: quoted values, figures, tables, references and prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..engines.builtin import BuiltinEngine
from ..errors import ReportError
from ..progress import Progress
from ..project import FORMATS, Project
from ..render import render
from ..settings import settings
from .changes import (Changes, figure_changes, prose_changes, reference_changes, section_changes, sentences_quoting,
                      source_sections, table_changes, value_changes, value_inputs, values_of)
from .revisions import Side, changed_files, export
from .revisions import render as render_side


@dataclass
class Diff:
    old: Side
    new: Side
    changed_files: list[str]
    changes: Changes


def working_tree(project: Project, progress: Progress) -> Side:
    side = Side("working tree", project.root, None)
    try:
        render(project, FORMATS, "builtin", progress=Progress(quiet=True, results=False))
    except ReportError as error:
        side.error = f"the working tree does not render: {error}"
    return side


def outputs_of(side: Side) -> list[str]:
    """Every output of a side's build graph (its analysis files and rendered documents)."""
    from ..verify import output_names

    try:
        return output_names(Project.load(side.root), BuiltinEngine(), FORMATS)
    except ReportError:
        return []


def pages(side: Side) -> list[Path]:
    """The rendered HTML pages of a side (one per main document)."""
    try:
        project = Project.load(side.root)
    except ReportError:
        return []
    return [p for m in project.main_inputs if (p := project.output_dir / f"{project.stem(m)}.html").is_file()]


def compare(project: Project, revision: str, revision2: str | None = None, progress: Progress | None = None) -> Diff:
    progress = progress or Progress()
    old = export(project.root, revision)
    with progress.step(f"render {old.label}"):
        render_side(old, project.root)
    if revision2:
        new = export(project.root, revision2)
        with progress.step(f"render {new.label}"):
            render_side(new, project.root)
    else:
        with progress.step("render the working tree"):
            new = working_tree(project, progress)
    changes = Changes()
    old_values, new_values = values_of(old), values_of(new)
    changes.values = value_changes(old_values, new_values)
    files = changed_files(project.root, old, new)
    provenance = settings(project).provenance
    inputs = {**value_inputs(old, provenance), **value_inputs(new, provenance)}
    for change in changes.values:
        own = inputs.get(change.name)
        change.causes = sorted(set(files) & own) if own is not None else files
    new_pages, old_pages = pages(new), pages(old)
    for page in new_pages:
        quoted = sentences_quoting(page, {c.name for c in changes.values}, new_values)
        for change in changes.values:
            change.sentences += quoted.get(change.name, [])
    if old.rendered and new.rendered:
        outputs = sorted(set(outputs_of(old)) | set(outputs_of(new)))
        changes.figures = figure_changes(old, new, outputs)
        changes.tables = table_changes(old, new, outputs)
        for old_page, new_page in zip(old_pages, new_pages):
            added, removed = reference_changes(old_page, new_page)
            changes.references_added += added
            changes.references_removed += removed
            sections, same = prose_changes(old_page, new_page)
            changes.sections += sections
            changes.unchanged_sections += same
    else:  # one side does not render with today's code: its sources can still be compared
        try:
            changes.sections, changes.unchanged_sections = section_changes(source_sections(old), source_sections(new))
        except ReportError:
            pass
    return Diff(old, new, files, changes)
