"""Where the tools the engines run are: pandoc (the built-in engine's) and quarto. Light to import: `report
render` looks for them before it imports the engines (prestart.py)."""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
from pathlib import Path

from ..errors import EngineError


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary shipped by pypandoc_binary, in its package's files/ folder, found without importing
    pypandoc (~0.05-0.1 s of `report check`); else pypandoc's own search (also when PYPANDOC_PANDOC names
    one); else PATH."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is not None and spec.origin and not os.environ.get("PYPANDOC_PANDOC"):
        for name in ("pandoc", "pandoc.exe"):
            bundled = Path(spec.origin).parent / "files" / name
            if bundled.is_file() and os.access(bundled, os.X_OK):
                return str(bundled)
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except (ImportError, OSError):
        found = shutil.which("pandoc")
        if not found:
            raise EngineError("pandoc not found: install the pypandoc_binary package")
        return found


def find_quarto() -> str | None:
    """The quarto executable: ``QUARTO_PATH`` if set, else the one on PATH."""
    named = os.environ.get("QUARTO_PATH")
    if named:
        return named if Path(named).is_file() and os.access(named, os.X_OK) else None
    return shutil.which("quarto")
