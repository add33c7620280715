"""Reproducible builds: the fixed timestamp written into PDFs, and clean renders for `report verify`.

The PDF's creation date is ``SOURCE_DATE_EPOCH`` when set, else the time of the last git
commit of the project, so the same sources give the same bytes. ``clean_render`` copies the
tracked files to a new folder and renders them there with the network unreachable; `report verify`
compares what it wrote with the manifest (manifest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import ReportError
from .manifest import Manifest

# An address nothing listens on: any attempt to use the network fails at once.
NO_NETWORK = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
              "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
              "all_proxy": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}


class VerifyError(ReportError):
    """A clean render differs from the working copy."""

    exit_code = 7


# Folders that never hold sources (caches, environments, outputs of a render).
NOT_SOURCES = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".reportkit", "_output"}


def source_date_epoch(root: Path) -> int | None:
    """SOURCE_DATE_EPOCH, else the last commit's time, else (outside git, e.g. an unpacked archive) the
    manifest's, else None (Typst then uses the clock)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        return int(value)
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is not None and done.returncode == 0 and done.stdout.strip():
        return int(done.stdout.strip())
    manifest = Manifest.load(root)
    return manifest.source_date_epoch if manifest else None


def in_git(root: Path) -> bool:
    done = subprocess.run(["git", "rev-parse", "--is-inside-work-tree"], cwd=root, capture_output=True, text=True)
    return done.returncode == 0 and done.stdout.strip() == "true"


def tracked_files(root: Path) -> list[str]:
    """The project's sources: the files git tracks (what a fresh clone has) or, outside a git repository
    (an unpacked archive), every file except caches, environments, outputs and what the manifest lists."""
    if not in_git(root):
        manifest = Manifest.load(root)
        outputs = set(manifest.outputs) if manifest else set()
        found = []
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = sorted(d for d in subfolders if d not in NOT_SOURCES)
            for name in sorted(files):
                relative = os.path.relpath(os.path.join(folder, name), root)
                if relative not in outputs:
                    found.append(relative)
        return found
    done = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=root, capture_output=True, timeout=30)
    prefix = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True).stdout.strip()
    names = [n.decode() for n in done.stdout.split(b"\0") if n]
    return [n[len(prefix):] if prefix and n.startswith(prefix) else n for n in names]


def clean_copy(root: Path, target: Path) -> None:
    """Copy the project's sources (``tracked_files``) to ``target``."""
    for name in tracked_files(root):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


class CleanRenderError(ReportError):
    """The render of a clean copy failed; carries that render's own exit code (6 for a failing step)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def untracked_files(root: Path) -> list[str]:
    """Files git does not track (and does not ignore): a clean copy does not have them."""
    if not in_git(root):
        return []
    done = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "--", "."], cwd=root,
                          capture_output=True, text=True)
    return done.stdout.split() if done.returncode == 0 else []


def clean_render(root: Path, args: list[str], epoch: int | None, env: dict[str, str] | None = None) -> Path:
    """Copy the tracked files to a new temporary folder and run ``report render ARGS`` there, offline,
    with the PDF timestamp ``epoch``; returns the copy's folder (the caller removes it)."""
    folder = Path(tempfile.mkdtemp(prefix="report-verify-"))
    copy = folder / root.name
    clean_copy(root, copy)
    environment = dict(os.environ, **NO_NETWORK, **(env or {}))
    if epoch is not None:
        environment["SOURCE_DATE_EPOCH"] = str(epoch)
    done = subprocess.run([sys.executable, "-m", "reportkit.cli", "render", "--quiet", *args, "--project", str(copy)],
                          env=environment, capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        message = f"the render of a clean copy of the tracked files failed (exit {done.returncode}):\n{done.stderr.strip()}"
        untracked = untracked_files(root)
        if untracked:
            message += ("\nuntracked files are not copied (is one of them needed?): git add "
                        + " ".join(untracked[:8]) + (" ..." if len(untracked) > 8 else ""))
        raise CleanRenderError(message, done.returncode)
    return copy
