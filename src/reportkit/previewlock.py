"""One ``report preview`` per project at a time.

A second preview of the same project would render into the same output folder, build state and warm Typst
folder (``.reportkit/typst/<document>/``) as the first, each overwriting the other's files in the middle of
its builds. So a preview holds an exclusive lock on ``.reportkit/preview.lock`` for its whole life (the
system releases it when the process ends, however it ends), and a second one is refused, naming the first
(its process id and address). Where the system has no such locks (not POSIX), nothing is held.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from .errors import ReportError
from .state import STATE_DIR

LOCK = "preview.lock"


class PreviewRunning(ReportError):
    """Another preview of the project holds its lock."""


def hold(root: Path) -> IO | None:
    """Take the project's preview lock, or raise PreviewRunning; keep the returned file open while previewing."""
    try:
        import fcntl
    except ImportError:
        return None
    path = root / STATE_DIR / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "a process"
        handle.close()
        raise PreviewRunning(f"another report preview of this project is running ({holder}): it would write the "
                             f"same output and build files; stop it (Ctrl-C) or open its page",
                             rule="preview.running") from None
    note(handle)
    return handle


def note(handle: IO | None, address: str = "") -> None:
    """Say in the lock file who holds it (this process, serving ``address``): what a second preview is told."""
    if handle is not None:
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}" + (f", serving {address}" if address else ""))
        handle.flush()
