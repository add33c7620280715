"""A main document as one render sees it: read, expanded and parsed once.

Every later stage (the engines, the output checks, the build graph's list of inputs, ``report
check``) takes a :class:`Document` instead of reading the file again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .errors import Location, Problem
from .execute.cells import Cells, parse_cells
from .metadata import deep_merge
from .project import ALL_FORMATS, CONFIG_NAME, PATH_KEYS, VARIABLES_NAME, Project, resolve_path
from .shortcodes import Expanded, Expander

# an image's target; its alt text may hold brackets two deep (a citation "[@key]", a link "[text](url)")
_FLAT = r"[^\[\]]"
_NESTED = rf"\[(?:{_FLAT}|\[{_FLAT}*\])*\]"
IMAGE = re.compile(rf"!\[(?:{_FLAT}|{_NESTED})*\]\(<?([^)\s>]+)")


@dataclass
class Document:
    """One main document of a project, with its shortcodes expanded."""

    project: Project
    main: Path
    expanded: Expanded

    @classmethod
    def read(cls, project: Project, main: Path) -> Document:
        """Read and expand ``main`` (its includes, variables and metadata shortcodes)."""
        expander = Expander(project.root, project.variables, project.document_metadata(), project.config_text)
        return cls(project, main, expander.expand(main))

    @property
    def shown(self) -> str:
        """The document's path as shown to users (relative to the project root)."""
        return self.project.relative(self.main)

    @property
    def stem(self) -> str:
        return self.project.stem(self.main)

    @property
    def front_matter(self) -> dict:
        return self.expanded.front_matter

    @cached_property
    def metadata(self) -> dict:
        """Project metadata with the front matter over it (format options not included)."""
        return deep_merge(self.expanded.project_metadata, self.front_matter)

    @property
    def front_location(self) -> Location:
        return Location(self.shown, self.expanded.front_matter_line)

    @property
    def problems(self) -> list[Problem]:
        """Problems found while expanding (missing includes, unknown variables, ...) and in the
        code cells (unknown or misplaced options, ...)."""
        return [*self.expanded.problems, *self.cells.problems]

    @cached_property
    def cells(self) -> Cells:
        """The document's executable code cells and inline expressions (``execute/cells.py``)."""
        return parse_cells(self.lines(), self.metadata, self.front_location)

    def locate(self, needle: str) -> Location | None:
        """Where in the sources ``needle`` first appears (see ``Expanded.locate``)."""
        return self.expanded.locate(needle)

    def lines(self) -> list[tuple[str, Location | None]]:
        """Each line of the expanded body with the source location it came from."""
        body = self.expanded.body.split("\n")
        return [(line, self.expanded.source_map.at(number)) for number, line in enumerate(body, start=1)]

    def images(self) -> list[tuple[str, Path]]:
        """Local images the document shows: (target as written, the file it names)."""
        found = []
        for target in dict.fromkeys(IMAGE.findall(self.expanded.body)):
            if not re.match(r"^[a-z]+:", target):
                found.append((target, resolve_path(target, self.main.parent, self.project.root)))
        return found

    def missing_images(self, produced: set[str] = frozenset()) -> list[Problem]:
        """An image that is not there and that no step writes (``produced``: what the steps write)."""
        problems = []
        for target, path in self.images():
            if not path.is_file() and self.project.relative(path) not in produced:
                problems.append(Problem("image.missing", f"image {target} does not exist, and no step writes "
                                        f"{self.project.relative(path)}", self.locate(target), target))
        return problems

    @cached_property
    def inputs(self) -> list[str]:
        """Every project file a render of this document reads: the main file and its includes,
        the settings and variables, files named by settings (bibliography, CSL, CSS, template
        partials), local images and embedded notebooks. The engine's own files are not included (``Engine.inputs``)."""
        project = self.project
        names = [project.relative(f) for f in self.expanded.files]
        names += [n for n in (CONFIG_NAME, VARIABLES_NAME) if (project.root / n).exists()]
        settings = [project.document_metadata(), *(project.format_options(f) for f in ALL_FORMATS)]
        for options, base in [*((o, project.root) for o in settings), (self.front_matter, self.main.parent)]:
            for key in PATH_KEYS:
                values = options.get(key) or []
                for value in [values] if isinstance(values, str) else values:
                    names.append(project.relative(resolve_path(value, base, project.root)))
        names += [project.relative(path) for _, path in self.images()]
        for embed in self.cells.embeds:
            names.append(project.relative(resolve_path(embed.target, self.main.parent, project.root)))
        return list(dict.fromkeys(names))
