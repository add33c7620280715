"""A document's code cells as one build step: run them in one kernel and keep what they showed
(``.reportkit/execute/<stem>.json``, the *record*); the render step turns the record into markdown.

The step is keyed by what decides the cells' outputs, each an input of its own so that
``--explain`` names it:

- ``<file>#cell-N``: one cell's code and the options that change execution (``eval``, ``error``,
  figure size), so editing prose or a caption never starts a kernel;
- ``<doc>#inline``: the inline expressions; ``<doc>#kernel``: the kernel's name and interpreter;
- ``<doc>#libraries``: the versions of the distributions the cells imported last time, read from
  the kernel's own ``sys.path`` (an upgraded pandas reruns the cells);
- files: those the cells (``#| reads:``) or the document (``execute: reads:``) declare, and every file
  the cells opened for reading or imported from the project during the last run.

Quarto's ``freeze`` keys a document on its whole source file and must be committed by hand; it
misses a changed data file or library, and reruns every cell for a typo in the prose.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from .. import __version__
from ..errors import EngineError, Problem, ReportError, StrictnessError
from ..fingerprint import Fingerprints
from ..progress import Progress
from ..project import Project, resolve_path
from ..shortcodes import SourceMap
from ..source import Document
from ..state import STATE_DIR
from .cells import Cell, Cells, embedded
from .kernel import CellFailed, CellTimedOut, Kernel, KernelMissing
from .markdown import Context, executed_lines

RECORD_VERSION = 1
KEY = f"execute|reportkit={__version__}|record={RECORD_VERSION}"
CELL_LINE = re.compile(r"Cell In\[(\d+)\], line (\d+)")


class CellError(ReportError):
    """A cell raised or did not finish; nothing is rendered (exit 6, like a failed analysis step)."""

    exit_code = 6


def record_path(project: Project, main: Path) -> Path:
    """Where the record of a main document's executed cells is kept."""
    return project.root / STATE_DIR / "execute" / f"{project.stem(main)}.json"


def read_record(path: Path) -> dict:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if record.get("version") == RECORD_VERSION else {}


def _write(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".record-", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(record, out, indent=1, sort_keys=True)
    os.replace(temporary, path)


def refuse(cells: Cells) -> None:
    """Stop (exit 3, whatever the strictness) when the document needs what only Quarto has."""
    if cells.refusals:
        raise StrictnessError(cells.refusals)


# -- inputs ------------------------------------------------------------------------------------
def declared_reads(document: Document) -> tuple[list[str], list[Problem]]:
    """Project-relative files named by ``reads`` (cell option or ``execute:``; globs allowed), and a
    problem for each name that matches no file."""
    project, base = document.project, document.main.parent
    names, problems = [], []
    for pattern, where in document.cells.reads:
        path = resolve_path(pattern, base, project.root)
        matches = sorted(path.parent.glob(path.name)) if any(c in path.name for c in "*?[") else [path]
        if not any(p.is_file() for p in matches):
            problems.append(Problem("cell.reads", f"`reads: {pattern}` names no file", where, pattern))
        names += [project.relative(p) for p in matches]  # a missing file is an input too: the step reruns
    return names, problems


def _distributions(path: list[str]) -> dict[str, str]:
    """Installed distributions on ``path`` -> version, from their ``name-version.dist-info`` folder
    names (one directory listing per entry; the first on the path wins, as for imports)."""
    found: dict[str, str] = {}
    for folder in path:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith((".dist-info", ".egg-info")):
                name, _, version = entry.name.rsplit(".", 1)[0].partition("-")
                found.setdefault(_normal(name), version)
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def _libraries(record: dict) -> str:
    """The current versions of the distributions the last run imported, read from the kernel's
    ``sys.path`` (no kernel needed)."""
    installed = _distributions(record.get("path") or [])
    return ",".join(f"{name}={installed.get(_normal(name), 'absent')}" for name in sorted(record.get("libraries") or {}))


def _interpreter(python: str | None) -> str:
    """An interpreter's path, size and modification time (a new Python is a new file)."""
    python = python or ""
    try:
        stat = Path(python).stat()
    except OSError:
        return python
    return f"{python}|{stat.st_size}|{stat.st_mtime_ns}"


def inputs(document: Document, record: Path, fingerprints: Fingerprints) -> list[str]:
    """Everything the document's execution depends on (see the module's docstring)."""
    cells = document.cells
    if not cells:
        return []
    last = read_record(record)
    names = []
    for cell in cells.cells:
        fingerprints.add_value(cell.name, json.dumps(cell.execution(), sort_keys=True, default=str))
        names.append(cell.name)
    doc = document.shown
    values = {f"{doc}#inline": cells.inline_digest() if cells.inline else None,
              # the interpreter that ran the cells, and the one running now (a `python` kernel's)
              f"{doc}#kernel": f"{cells.kernel}|{_interpreter(last.get('python'))}|{_interpreter(sys.executable)}",
              f"{doc}#libraries": _libraries(last) if last else None}
    for name, value in values.items():
        if value is not None:
            fingerprints.add_value(name, value)
            names.append(name)
    return list(dict.fromkeys([*names, *(last.get("reads") or []), *declared_reads(document)[0]]))


# -- running -----------------------------------------------------------------------------------
def _failed(cell: Cell, error: CellFailed, ran: dict[int, Cell]) -> CellError:
    """The error of a cell, naming the source line of the innermost frame in any cell of the document
    (the traceback says ``Cell In[n], line L``; ``ran`` maps n to the cell)."""
    frames = [(ran.get(int(n)), int(line)) for n, line in CELL_LINE.findall(error.traceback)]
    frames = [(c, line) for c, line in frames if c is not None]
    where = f" (at {frames[-1][0].code_location(frames[-1][1]).point()})" if frames else ""
    return CellError(f"the {{python}} cell raised {error.ename}: {error.evalue}{where}\n{error.traceback}".rstrip()
                     + "\n(add `#| error: true` to the cell to show the error in the output instead)",
                     cell.location, "cell.error")


def execute(document: Document, record: Path, timeout: float, progress: Progress) -> None:
    """Run the document's cells in one kernel and write the record; raises CellError (exit 6)
    with the cell's file:line when a cell raises (unless ``error: true``) or times out."""
    cells = document.cells
    refuse(cells)
    missing = declared_reads(document)[1]
    if missing:
        raise StrictnessError(missing)
    runs = [cell for cell in cells.cells if cell.runs]
    result = {"version": RECORD_VERSION, "kernel": cells.kernel, "cells": [], "inline": []}
    if not runs and not cells.inline:
        result["cells"] = [{"outputs": []} for _ in cells.cells]
        _write(record, result)
        return
    first = (runs[0].location if runs else cells.inline[0].location) or document.front_location
    started = time.perf_counter()
    size = (cells.defaults["fig-width"], cells.defaults["fig-height"])
    try:
        with Kernel(cells.kernel, document.main.parent, timeout, document.project.root, size) as kernel:
            progress.info(f"  kernel {cells.kernel} started ({time.perf_counter() - started:.2f}s) for "
                          f"{len(runs)} cell(s) of {document.shown}")
            ran: dict[int, Cell] = {}
            for cell in cells.cells:
                result["inline"] += _inline(kernel, cells, len(result["cells"]))
                result["cells"].append({"outputs": _run(kernel, cell, size, ran) if cell.runs else []})
            result["inline"] += _inline(kernel, cells, len(cells.cells))
            report = kernel.report()
    except KernelMissing as exc:
        raise EngineError(str(exc), first, "cell.kernel") from exc
    result.update(reads=_project_files(document.project, report.reads), libraries=report.libraries,
                  python=report.python, path=report.path)
    _write(record, result)
    progress.info(f"  ran {len(runs)} cell(s) of {document.shown} in {time.perf_counter() - started:.2f}s")


def _project_files(project: Project, paths: list[str]) -> list[str]:
    """The files the cells read, project-relative, without reportkit's own and the outputs."""
    skip = [project.root / STATE_DIR, project.output_dir]
    inside = [Path(p) for p in paths if Path(p).is_relative_to(project.root)]
    return sorted(project.relative(p) for p in inside if not any(p.is_relative_to(s) for s in skip))


def _run(kernel: Kernel, cell: Cell, size: tuple, ran: dict[int, Cell]) -> list[dict]:
    own = (cell.get("fig-width"), cell.get("fig-height"))
    try:
        if own != size:
            kernel.figure_size(own)
        ran[kernel.count + 1] = cell
        outputs = kernel.run(cell.code, allow_error=bool(cell.get("error")))
        if own != size:
            kernel.figure_size(size)
        return outputs
    except CellFailed as exc:
        raise _failed(cell, exc, ran) from None
    except CellTimedOut as exc:
        raise CellError(f"the {{python}} cell {exc} (set `reportkit: cell-timeout:` in _quarto.yml for longer "
                        "cells)", cell.location, "cell.timeout") from None


def _inline(kernel: Kernel, cells: Cells, after: int) -> list[dict]:
    expressions = [i for i in cells.inline if i.after == after]
    try:
        return kernel.evaluate([i.expression for i in expressions])
    except CellFailed as exc:
        failing = expressions[0]
        for item in expressions:  # find the one that fails, for its line
            try:
                kernel.evaluate([item.expression])
            except CellFailed:
                failing = item
                break
        raise CellError(f"inline expression `{{python}} {failing.expression}` raised {exc.ename}: {exc.evalue}",
                        failing.location, "cell.error") from None
    except CellTimedOut as exc:
        raise CellError(f"inline expression {exc}", expressions[0].location, "cell.timeout") from None


# -- rendering ---------------------------------------------------------------------------------
def _html_option(document: Document, key: str):
    front = document.front_matter
    formats = front.get("format") if isinstance(front.get("format"), dict) else {}
    html = formats.get("html") if isinstance(formats.get("html"), dict) else {}
    for source in (html, front, document.project.format_options("html"), document.project.document_metadata()):
        if key in source:
            return source[key]
    return None


def _embedded(document: Document, context: Context) -> dict[int, tuple[Cell, list[dict]]]:
    """Each ``{{< embed notebook.ipynb#label >}}`` line -> the notebook cell and its stored outputs."""
    found = {}
    for number, embed in enumerate(document.cells.embeds, start=len(document.cells.cells) + 1):
        path = resolve_path(embed.target, document.main.parent, document.project.root)
        try:
            notebook = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            context.problems.append(Problem("embed.missing", f"cannot read notebook {embed.target}: "
                                            f"{getattr(exc, 'strerror', None) or exc}", embed.location, embed.target))
            continue
        cell = embedded(embed, notebook, number)
        if isinstance(cell, Problem):
            (context.refusals if cell.refusal else context.problems).append(cell)
        else:
            found[embed.line] = cell
    return found


def executed(document: Document, record: Path, formats: tuple[str, ...], work: Path) -> tuple[Document, list]:
    """The document with its cells replaced by their recorded outputs (images written to ``work``),
    and the problems found doing so. Refusals (an output the PDF cannot show) raise."""
    cells = document.cells
    if not cells:
        return document, []
    last = read_record(record)
    if len(last.get("cells", [])) != len(cells.cells):
        raise ReportError(f"the execution record {record.name} does not match {document.shown}: run the render again")
    context = Context(formats, work, document.main.parent, _html_option(document, "code-fold"),
                      _html_option(document, "code-summary"))
    lines = executed_lines(document.lines(), cells, last, context, _embedded(document, context))
    if context.refusals:
        raise StrictnessError(context.refusals)
    body = "\n".join(text for text, _ in lines) + "\n"
    locations = [loc or document.front_location for _, loc in lines]
    expanded = replace(document.expanded, body=body, source_map=SourceMap(locations))
    return Document(document.project, document.main, expanded), context.problems

