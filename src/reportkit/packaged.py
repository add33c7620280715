"""Files shipped inside the reportkit package (filters, templates, the part server's script)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_file(*parts: str) -> Path:
    """A file shipped inside the reportkit package (filters, templates)."""
    return Path(str(resources.files("reportkit").joinpath(*parts)))
