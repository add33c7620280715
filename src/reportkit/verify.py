"""``report verify``: render a clean copy of the tracked files and compare it with the manifest
(or, with ``update``, record the manifest from it)."""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass
from pathlib import Path

from .engines import select_engine
from .errors import ConfigError, Location
from .manifest import MANIFEST_NAME, Manifest, locked_libraries
from .plan import build_graph
from .progress import Progress
from .project import FORMATS, Project
from .reproducible import VerifyError, clean_render, source_date_epoch
from .state import STATE_DIR


@dataclass
class Verification:
    """What a clean render produced, and how it compares with the manifest."""

    recorded: Manifest | None
    made: Manifest
    differences: list[str]
    copy: Path | None  # the clean copy, when kept


def output_names(project: Project, engine, formats: tuple[str, ...]) -> list[str]:
    """Every output of the project's build graph (analysis files and rendered documents), without
    the build's own records (``.reportkit/``, e.g. executed code cells)."""
    graph = build_graph(project, formats, engine, True, Progress(quiet=True))
    graph.close()  # only the step listing was needed
    return [name for step in graph.steps.values() for name in step.outputs
            if not Path(name).is_relative_to(STATE_DIR)]


def verify(project: Project, engine_name: str | None = None, to: str | None = None, update: bool = False,
           keep: bool = False, env: dict[str, str] | None = None, progress: Progress | None = None) -> Verification:
    """Render a clean copy with the manifest's engine, formats and PDF timestamp (unless given) and
    compare; ``update`` records the manifest instead (timestamp: SOURCE_DATE_EPOCH or the last commit).
    Raises VerifyError (exit 7) listing every difference."""
    progress = progress or Progress()
    recorded = Manifest.load(project.root)
    if recorded is None and not update:
        raise ConfigError(f"no {MANIFEST_NAME} to verify against: record one with `report verify --update`",
                          Location(MANIFEST_NAME), "config.manifest")
    engine = select_engine(engine_name or (recorded.engine if recorded else "builtin"))
    formats = (FORMATS if to == "all" else (to,)) if to else tuple(recorded.formats if recorded else FORMATS)
    epoch = source_date_epoch(project.root) if update else recorded.source_date_epoch
    if update and epoch is None:
        raise ConfigError("no PDF timestamp: commit first, or set SOURCE_DATE_EPOCH", Location(MANIFEST_NAME))
    names = output_names(project, engine, formats)
    progress.info(f"Rendering a clean copy of the tracked files offline ({engine.name} engine, "
                  f"{', '.join(formats)}; {len(names)} outputs) ...")
    copy = clean_render(project.root, ["--engine", engine.name, "--to", "all" if set(formats) == set(FORMATS)
                                       else formats[0]], epoch, env)
    try:
        tools = {"python": platform.python_version(), **engine.tools({})}
        made = Manifest.of_tree(copy, names, engine.name, list(formats), epoch, tools, locked_libraries(project.root))
    finally:
        if not keep:
            shutil.rmtree(copy.parent, ignore_errors=True)
    if update:
        made.save(project.root)
        return Verification(recorded, made, [], copy if keep else None)
    differences = recorded.differences(made)
    if differences:
        raise VerifyError(f"{len(differences)} difference(s) between a clean render and {MANIFEST_NAME}:\n  "
                          + "\n  ".join(differences) + f"\nIf these changes are deliberate, record them: "
                          f"`report verify --update`, and commit {MANIFEST_NAME} with the change.")
    return Verification(recorded, made, [], copy if keep else None)
