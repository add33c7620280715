"""What every render engine offers, and what it reports back."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..errors import Problem
from ..progress import Progress
from ..project import Project
from ..shortcodes import Expanded

# Warnings both pandoc (built-in engine) and Quarto print, mapped to our rules.
CITEPROC_MISSING = re.compile(r"Citeproc: citation (\S+?) not found")
RESOURCE_MISSING = re.compile(r"Could not (?:fetch|find) (?:resource|image) '?([^'\s]+)'?")


@dataclass
class RenderRequest:
    """One main document to render into ``staging`` in the given formats."""

    project: Project
    main: Path
    formats: tuple[str, ...]
    staging: Path
    expanded: Expanded


@dataclass
class RenderResult:
    """Files written (format -> path in staging) and problems found while rendering."""

    outputs: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # intermediate sources an output was made from (e.g. the .typ of a PDF), for fast checks
    sources: dict[str, Path] = field(default_factory=dict)


class Engine(Protocol):
    name: str

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult: ...


def locate(request: RenderRequest, needle: str):
    """First source location whose expanded line contains ``needle`` (or None)."""
    return request.expanded.locate(needle)


def problems_from_log(request: RenderRequest, log: str) -> list[Problem]:
    """Problems in pandoc's or Quarto's warnings that apply to both engines."""
    problems = []
    for key in dict.fromkeys(CITEPROC_MISSING.findall(log)):
        problems.append(Problem("citation.unknown", f"citation key @{key} is not in the bibliography", locate(request, "@" + key)))
    for resource in dict.fromkeys(RESOURCE_MISSING.findall(log)):
        problems.append(Problem("image.missing", f"image or resource not found: {resource}", locate(request, resource)))
    return problems
