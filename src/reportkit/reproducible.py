"""Reproducible builds: the fixed timestamp written into PDFs, and `report verify`.

The PDF's creation date is ``SOURCE_DATE_EPOCH`` when set, else the time of the last git
commit of the project, so the same sources give the same bytes. ``verify`` copies the
tracked files to a clean folder, renders them there with the network unreachable, and
compares every output with the working copy's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ReportError
from .fingerprint import sha256_file

# An address nothing listens on: any attempt to use the network fails at once.
NO_NETWORK = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
              "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
              "all_proxy": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "no_proxy": "", "NO_PROXY": ""}


class VerifyError(ReportError):
    """A clean render differs from the working copy."""

    exit_code = 7


def source_date_epoch(root: Path) -> int | None:
    """SOURCE_DATE_EPOCH, else the last commit's time, else None (Typst then uses the clock)."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if value:
        return int(value)
    try:
        done = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return int(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def tracked_files(root: Path) -> list[str]:
    """Files git tracks in the project (what a fresh clone has)."""
    try:
        done = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=root, capture_output=True, timeout=30)
    except OSError as exc:
        raise ReportError(f"report verify needs git: {exc}") from exc
    if done.returncode != 0:
        raise ReportError(f"report verify needs a git repository: {done.stderr.decode().strip()}")
    prefix = subprocess.run(["git", "rev-parse", "--show-prefix"], cwd=root, capture_output=True, text=True).stdout.strip()
    names = [n.decode() for n in done.stdout.split(b"\0") if n]
    return [n[len(prefix):] if prefix and n.startswith(prefix) else n for n in names]


def clean_copy(root: Path, target: Path) -> None:
    for name in tracked_files(root):
        source = root / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def compare_outputs(names: list[str], left: Path, right: Path) -> list[str]:
    """Differences between two trees for the given output names."""
    differences = []
    for name in names:
        a, b = left / name, right / name
        if not a.is_file() and not b.is_file():
            continue
        if not a.is_file() or not b.is_file():
            differences.append(f"{name}: only in the {'clean render' if b.is_file() else 'working copy'}")
        elif sha256_file(a) != sha256_file(b):
            differences.append(f"{name}: differs (working copy {sha256_file(a)[:12]}, clean render {sha256_file(b)[:12]})")
    return differences


def verify(root: Path, args: list[str], output_names: list[str], keep: bool = False) -> tuple[list[str], Path]:
    """Render a clean copy with ``report render ARGS``; return the differences and the copy's folder."""
    folder = Path(tempfile.mkdtemp(prefix="report-verify-"))
    copy = folder / root.name
    clean_copy(root, copy)
    env = dict(os.environ, **NO_NETWORK)
    epoch = source_date_epoch(root)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    import sys

    done = subprocess.run([sys.executable, "-m", "reportkit.cli", "render", "--quiet", *args, "--project", str(copy)],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise VerifyError(f"the clean render in {copy} failed (exit {done.returncode}):\n{done.stderr.strip()}")
    differences = compare_outputs(output_names, root, copy)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return differences, copy
