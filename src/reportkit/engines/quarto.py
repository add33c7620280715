"""The Quarto engine: ``quarto render`` through subprocess, with our strictness on its log.

Quarto exits 0 when a cross-reference or variable does not resolve, so its warnings are
parsed here and its outputs are checked like the built-in engine's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ..errors import EngineError, Problem
from ..progress import Progress
from ..project import QUARTO_FORMAT
from ..protocol import STEPS_DONE_ENV
from ..reproducible import source_date_epoch
from ..versions import executable_version
from .base import Engine, RenderRequest, RenderResult, located

XREF_WARNING = re.compile(r"Unable to resolve crossref @([\w:.-]+)")
CITEPROC_MISSING = re.compile(r"Citeproc: citation (\S+?) not found")
RESOURCE_MISSING = re.compile(r"Could not (?:fetch|find) (?:resource|image) '?([^'\s]+)'?")
WARNING_LINE = re.compile(r"^\s*(?:\[WARNING\]|WARNING)(?:\s*\([^)]*\))?:?\s*(.*)$", re.M)


def find_quarto() -> str | None:
    """The quarto executable: ``QUARTO_PATH`` if set, else the one on PATH."""
    named = os.environ.get("QUARTO_PATH")
    if named:
        return named if Path(named).is_file() and os.access(named, os.X_OK) else None
    return shutil.which("quarto")


def parse_log(request: RenderRequest, log: str) -> list[Problem]:
    """Problems in Quarto's output (text: Quarto has no structured log): unresolved
    cross-references, unknown citations, missing resources, other warnings."""
    problems = []
    for key in dict.fromkeys(XREF_WARNING.findall(log)):
        problems.append(Problem("xref.unresolved", f"unresolved cross-reference @{key}", subject="@" + key))
    for key in dict.fromkeys(CITEPROC_MISSING.findall(log)):
        problems.append(Problem("citation.unknown", f"citation key @{key} is not in the bibliography", subject="@" + key))
    for resource in dict.fromkeys(RESOURCE_MISSING.findall(log)):
        problems.append(Problem("image.missing", f"image or resource not found: {resource}", subject=resource))
    known = ("Unable to resolve crossref", "Citeproc: citation", "Could not fetch", "Could not find")
    for message in dict.fromkeys(WARNING_LINE.findall(log)):
        if message and not any(k in message for k in known):
            problems.append(Problem("quarto.warning", f"Quarto: {message.strip()}"))
    return [located(request, p) for p in problems]


class QuartoEngine(Engine):
    """Runs ``quarto render`` once per format into the staging folder."""

    name = "quarto"
    executes_cells = True

    def __init__(self, executable: str):
        self.executable = executable

    def inputs(self) -> list[Path]:
        return []  # Quarto's own files are covered by its version (fingerprint)

    def tools(self, cache: dict) -> dict[str, str]:
        """``quarto --version`` (0.6 s; remembered until the executable changes)."""
        return {"quarto": executable_version(self.executable, cache)}

    def command(self, request: RenderRequest, fmt: str, out_dir: Path) -> list[str]:
        """The argument list (never a shell string) for one format."""
        main = request.main.relative_to(request.project.root)
        return [self.executable, "render", str(main), "--to", QUARTO_FORMAT[fmt], "--output-dir", str(out_dir)]

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        result = RenderResult()
        stem = request.document.stem
        for fmt in request.formats:
            out_dir = request.staging / f".quarto-{fmt}"
            with progress.step(f"quarto render --to {QUARTO_FORMAT[fmt]}"):
                log = self._run(self.command(request, fmt, out_dir), request.project.root, progress)
            produced = sorted(out_dir.rglob(f"{stem}.{fmt}"))
            target = request.staging / f"{stem}.{fmt}"
            if produced:
                shutil.move(str(produced[0]), target)
            result.outputs[fmt] = target
            result.problems += parse_log(request, log)
        return result

    @staticmethod
    def _run(args: list[str], cwd: Path, progress: Progress) -> str:
        lines = []
        try:
            # reportkit has already run the project's declared steps; the project's own
            # pre-render command may skip them when it sees this (see README).
            env = dict(os.environ, **{STEPS_DONE_ENV: "1"})
            # Quarto runs {python} cells with this interpreter (the one with nbclient and the project's libraries)
            env.setdefault("QUARTO_PYTHON", sys.executable)
            epoch = source_date_epoch(cwd)
            if epoch is not None:
                env["SOURCE_DATE_EPOCH"] = str(epoch)
            process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                                       text=True, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise EngineError(f"cannot start {args[0]}: {exc}") from exc
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            progress.stream(line)
        code = process.wait()
        log = "".join(lines)
        if code != 0:
            tail = "".join(lines[-20:])
            raise EngineError(f"quarto render failed with exit code {code}:\n{tail}")
        return log
