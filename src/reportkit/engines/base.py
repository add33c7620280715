"""What every render engine offers, and what it reports back."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import Problem
from ..protocol import FILTER_METADATA, LINKS, with_links_file
from ..progress import Progress
from ..source import Document


@dataclass
class RenderRequest:
    """One main document to render into ``staging`` in the given formats."""

    document: Document
    formats: tuple[str, ...]
    staging: Path
    links: dict = field(default_factory=dict)  # ids of the project's other documents (xref.links)

    @property
    def project(self):
        return self.document.project

    @property
    def main(self) -> Path:
        return self.document.main


@dataclass
class RenderResult:
    """Files written (format -> path in staging) and problems found while rendering."""

    outputs: dict[str, Path] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # intermediate sources an output was made from (e.g. the .typ of a PDF), for fast checks
    sources: dict[str, Path] = field(default_factory=dict)
    # files or folders published beside an output (the images a JATS file names)
    supporting: dict[str, list[Path]] = field(default_factory=dict)
    # outputs still being written when ``render`` returned (format -> a function that waits until the file is
    # written, and raises what writing it raised): the caller checks the others meanwhile (:meth:`finish`)
    pending: dict[str, Callable[[], None]] = field(default_factory=dict)

    def finish(self) -> None:
        """Wait until every pending output is written (all of them, also when one fails: none is still
        being written afterwards); raise the first error."""
        error: BaseException | None = None
        for wait in self.pending.values():
            try:
                wait()
            except BaseException as exc:  # (re-raised below, once the others are waited for)
                error = error or exc
        if error is not None:
            raise error


class Engine(ABC):
    """A renderer of main documents. The build graph keys a document's render on
    ``fingerprint()`` and on the document's inputs plus ``inputs()``."""

    name: str
    # True when the engine runs a document's code cells itself (Quarto); otherwise the build
    # graph runs them first (execute/step.py) and the engine renders their recorded outputs.
    executes_cells: bool = False
    # whether the HTML marks each quoted value with protocol.VALUE_CLASS (the parity check then
    # compares them by name; otherwise by their text)
    marks_values: bool = True

    @abstractmethod
    def inputs(self) -> list[Path]:
        """Files of the engine itself that every render reads (its filters, templates)."""

    @abstractmethod
    def tools(self, cache: dict) -> dict[str, str]:
        """What, besides files, decides the engine's output: its tools and their versions.
        ``cache`` is persisted between builds, for answers that are slow to find."""

    def fingerprint(self, cache: dict) -> str:
        """The engine's part of a render's cache key."""
        return "|".join([self.name, *(f"{tool}={version}" for tool, version in sorted(self.tools(cache).items()))])

    @abstractmethod
    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        """Render ``request.document`` into ``request.staging``; problems go into the result."""

    def prepare(self, project) -> None:
        """A render of ``project`` is about to run its steps: start what it will likely need; by default nothing."""

    def close(self) -> None:
        """Stop what the engine keeps running (a preview's, or what ``prepare`` started); by default nothing."""


def write_metadata(path: Path, meta: dict) -> Path:
    """``meta`` as a metadata file for pandoc's or Quarto's ``--metadata-file``; returns ``path``. Written
    as JSON, which is YAML (1.2) too, and some fifty times faster to write than YAML from Python. The filter
    settings' links (the other documents' ids) go to a JSON file beside it, ``<name>.links.json``, which the
    settings name (``protocol.with_links_file``): pandoc would read each of them as markdown."""
    settings = meta.get(FILTER_METADATA)
    if isinstance(settings, dict) and settings.get(LINKS):
        links = path.with_name(f"{path.name}.links.json")
        links.write_text(json.dumps(settings[LINKS], ensure_ascii=False, sort_keys=True), encoding="utf-8")
        meta = {**meta, FILTER_METADATA: with_links_file(settings, str(links.resolve()))}
    path.write_text(json.dumps(meta, ensure_ascii=False, sort_keys=True, default=str), encoding="utf-8")
    return path


def located(request: RenderRequest, problem: Problem) -> Problem:
    """``problem`` with the source location of its subject, when it has none yet."""
    if problem.location is None and problem.subject:
        location = request.document.locate(problem.subject)
        if location is not None:
            return Problem(problem.rule, problem.message, location, problem.subject)
    return problem
