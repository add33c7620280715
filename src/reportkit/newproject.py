"""``report new``: a new project from the template shipped in ``templates/new`` (a minimal paper that
renders in both formats and passes ``report check`` as it is)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .packaged import package_file
from .errors import ReportError

# Files stored under another name in the package (a dot file would not be packaged).
RENAMED = {"gitignore": ".gitignore"}


def create(directory: Path) -> list[Path]:
    """Copy the template into ``directory`` (new or empty); returns the files written."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise ReportError(f"{directory} exists and is not an empty folder: choose a new one")
    template = package_file("templates", "new")
    written = []
    for source in sorted(template.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(template)
        target = directory / relative.parent / RENAMED.get(relative.name, relative.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written
