"""The two sides of a diff: a git revision exported and rendered in a cache folder, or the working tree.

An exported revision lives in ``.reportkit/diff/<commit>/`` (the build cache; the user's files are never
touched) and is rendered there with today's ``report`` through its build graph, so a second diff against
the same commit reuses the render. When today's code cannot render an old revision, the side keeps the
error and what can still be compared: its sources and the values its ``manifest.json`` recorded.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ReportError
from ..state import STATE_DIR

CACHE = "diff"


@dataclass
class Side:
    """One version of the project: where its files are, what it is called, and why it has no render."""

    label: str             # "a1b2c3d (message)" or "working tree"
    root: Path
    commit: str | None     # None for the working tree
    error: str | None = None  # the render failed: only sources and recorded values can be compared

    @property
    def rendered(self) -> bool:
        return self.error is None


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise ReportError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve(root: Path, revision: str) -> tuple[str, str]:
    """(full commit, "short message") of a revision name, or a clear error."""
    try:
        commit = git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except ReportError:
        raise ReportError(f"{revision!r} is not a revision of this repository (try a commit, tag or HEAD~1)") from None
    return commit, f"{commit[:7]} ({git(root, 'log', '-1', '--format=%s', commit)[:60]})"


def prefix(root: Path) -> str:
    """The project folder inside the repository (``''`` at its top)."""
    return git(root, "rev-parse", "--show-prefix")


def export(root: Path, revision: str) -> Side:
    """The project's files at ``revision``, exported once into the diff cache."""
    commit, label = resolve(root, revision)
    target = root / STATE_DIR / CACHE / commit
    if not (target / ".exported").is_file():
        archive = subprocess.run(["git", "archive", "--format=tar", commit, prefix(root) or "."], cwd=root,
                                 capture_output=True, check=True).stdout
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
            bundle.extractall(target, filter="data")
        (target / ".exported").write_text(commit, encoding="utf-8")
    return Side(label, target / prefix(root), commit)


def render(side: Side, root: Path) -> Side:
    """Render an exported side with today's ``report`` (a no-op when its cached render is current)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=git(root, "log", "-1", "--format=%ct", side.commit))
    done = subprocess.run([sys.executable, "-m", "reportkit.cli", "render", "--quiet", "--engine", "builtin",
                           "--project", str(side.root)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        side.error = f"today's `report render` cannot render {side.label} (exit {done.returncode}):\n{tail}"
    return side


def changed_files(root: Path, old: Side, new: Side) -> list[str]:
    """Project-relative files that differ between the two sides' commits (or the working tree)."""
    args = ["diff", "--name-only", old.commit] + ([new.commit] if new.commit else []) + ["--", "."]
    start = prefix(root)
    return sorted(name[len(start):] for name in git(root, *args).splitlines() if name.startswith(start))
