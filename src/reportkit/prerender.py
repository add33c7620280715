"""Run the project's ``project: pre-render:`` commands, as Quarto would before rendering.

Quarto runs them itself; the built-in engine runs them here. ``python`` (or a ``.py``
script) runs with the interpreter reportkit itself runs under, so a virtual environment
is honoured without activating it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from .errors import ConfigError, Location, ReportError
from .progress import Progress
from .project import Project


class PreRenderError(ReportError):
    """A pre-render command failed; the render stops before anything is written."""

    exit_code = 6


def commands(project: Project) -> list[list[str]]:
    """The pre-render commands as argument lists."""
    raw = project.project_settings.get("pre-render") or []
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError("project.pre-render must be a command or a list of commands", Location(project.config_path))
    result = []
    for item in items:
        args = shlex.split(item)
        if not args:
            continue
        if args[0] in ("python", "python3"):
            args[0] = sys.executable
        elif args[0].endswith(".py"):
            args.insert(0, sys.executable)
        result.append(args)
    return result


def run_pre_render(project: Project, progress: Progress) -> None:
    """Run each command in the project root; stream its output; fail on a non-zero exit."""
    env = dict(os.environ, QUARTO_PROJECT_DIR=str(project.root), QUARTO_PROJECT_RENDER_ALL="1",
               QUARTO_PROJECT_OUTPUT_DIR=str(project.output_dir))
    for args in commands(project):
        shown = " ".join(["python" if a == sys.executable else a for a in args])
        with progress.step(f"pre-render: {shown}"):
            process = subprocess.Popen(args, cwd=project.root, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace")
            lines = []
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                progress.stream(line)
            code = process.wait()
        if code != 0:
            tail = "".join(lines[-15:]) if progress.quiet else ""
            raise PreRenderError(f"pre-render command `{shown}` failed with exit code {code}\n{tail}".rstrip())
