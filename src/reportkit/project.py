"""The project: where it is, what ``_quarto.yml`` and ``_variables.yml`` say.

Only the settings both engines need are interpreted here; everything else in
``_quarto.yml`` is left for Quarto itself.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yamlcache
from .errors import ConfigError, Location
from .state import STATE_DIR

CONFIG_NAME = "_quarto.yml"
VARIABLES_NAME = "_variables.yml"
# What `report render` writes by default; Word and JATS are rendered when asked for (`--to`).
FORMATS = ("pdf", "html")
ALL_FORMATS = ("pdf", "html", "docx", "jats")
# Quarto's name for each of our output formats (JATS: the Article Authoring tag set).
QUARTO_FORMAT = {"pdf": "typst", "html": "html", "docx": "docx", "jats": "jats_articleauthoring"}
# The file each format writes, as Quarto names it: paper.pdf, paper.html, paper.docx, paper.xml.
SUFFIX = {"pdf": ".pdf", "html": ".html", "docx": ".docx", "jats": ".xml"}
# Settings that name files; Quarto resolves them against the project root when set in _quarto.yml.
PATH_KEYS = ("bibliography", "csl", "css", "template-partials", "reference-doc")


def output_name(stem: str, fmt: str) -> str:
    """The file name of a document's output in ``fmt``."""
    return stem + SUFFIX[fmt]


def load_yaml(path: Path, text: str | None = None, first_line: int = 1) -> Any:
    """Parse YAML, turning syntax errors into ConfigError with file and line."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", Location(path)) from exc
    try:
        return yamlcache.load(text)  # libyaml's loader where PyYAML was built with it (ten times faster)
    except yamlcache.yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"malformed YAML: {reason}", Location(path, line), "config.yaml") from exc


def resolve_path(value: str, base: Path, root: Path) -> Path:
    """A path named in a source or setting: ``/x`` is relative to the project root, anything
    else to ``base`` (the folder of the file that names it), as Quarto reads them."""
    value = str(value)
    return ((root / value.lstrip("/")) if value.startswith("/") else (base / value)).resolve()


def relative_to_root(path: Path | str, root: Path) -> str | None:
    """``str(Path(path).resolve().relative_to(root))``, or None where that raises ValueError (not under
    ``root``): the same ``os.path.realpath`` and stat (for a symlink loop) as ``Path.resolve``, without
    pathlib's objects (about half the time; a render asks some 250 times)."""
    real = os.path.realpath(path)
    try:
        os.stat(real)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise RuntimeError(f"Symlink loop from {error.filename!r}") from error
    base = str(root)
    if real == base:
        return "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    return real[len(prefix):] if real.startswith(prefix) else None


def find_root(start: Path) -> Path | None:
    """Walk up from ``start`` to the folder holding ``_quarto.yml`` (None: there is none)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def project_documents(root: Path, output_dir: Path) -> list[Path]:
    """What ``quarto render`` renders in a project that names no ``project.render``: every ``.qmd``
    file, except those whose name (or a folder's) starts with ``_`` or ``.``, and the output folder."""
    found = []
    for path in sorted(root.rglob("*.qmd")):
        parts = path.relative_to(root).parts
        if any(part.startswith(("_", ".")) for part in parts) or output_dir in path.parents:
            continue
        found.append(path)
    return found


def _expect_mapping(value: Any, where: Location, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{what} must be a mapping, got {type(value).__name__}", where, "config.shape")
    return value


def _line_of_key(text: str, key: str) -> int | None:
    """Line number (1-based) of the first top-level ``key:`` in YAML text."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


@dataclass
class Project:
    """A Quarto project as both engines see it."""

    root: Path
    config: dict
    variables: dict
    main_inputs: list[Path]
    output_dir: Path
    config_text: str = field(repr=False, default="")

    # -- loading -----------------------------------------------------------------
    @classmethod
    def load(cls, start: Path | str = ".", documents: tuple[Path, ...] = ()) -> Project:
        """The project holding ``start``; without a ``_quarto.yml`` above it, ``start`` (or the folder
        of the ``documents`` named) is a folder of lone documents, as ``quarto render doc.qmd`` sees
        them. ``documents`` restricts the render to those files."""
        start = Path(start)
        root = find_root(start)
        text, config = "", {}
        lone = root is None
        if lone:
            root = start.resolve() if start.is_dir() else start.resolve().parent
        yamlcache.use_store(root / STATE_DIR)  # where the project's parsed YAML is remembered (yamlcache.py)
        if not lone:
            config_path = root / CONFIG_NAME
            text = config_path.read_text(encoding="utf-8")
            config = _expect_mapping(load_yaml(config_path, text), Location(config_path, 1), CONFIG_NAME)
        project = _expect_mapping(config.get("project"), Location(root / CONFIG_NAME, _line_of_key(text, "project")), "project")
        output_dir = root / str(project.get("output-dir", "_output"))
        main_inputs = cls._main_inputs(root, project, text, output_dir)
        if documents:
            main_inputs = cls._chosen(root, main_inputs, documents)
        if not main_inputs:
            where = f"no {CONFIG_NAME} found in {root} or any parent folder, and no .qmd document in it"
            raise ConfigError(where if not text else f"{CONFIG_NAME}: the project has no .qmd document to render",
                              Location(root / CONFIG_NAME) if text else None, "config.render")
        stems = [p.stem for p in main_inputs]
        clash = next((s for s in stems if stems.count(s) > 1), None)
        if clash:
            raise ConfigError(f"two documents would both write {clash}.html/.pdf into {output_dir.name}/: "
                              "name one in project.render, or rename one", Location(root / CONFIG_NAME), "config.render")
        variables = cls._load_variables(root)
        return cls(root, config, variables, main_inputs, output_dir, text)

    @staticmethod
    def _main_inputs(root: Path, project: dict, text: str, output_dir: Path) -> list[Path]:
        """``project.render``; else a manuscript's ``manuscript.article`` (default index.qmd); else
        every document (``project_documents``), as Quarto renders them."""
        renders = project.get("render") or []
        if isinstance(renders, str):
            renders = [renders]
        config_path = root / CONFIG_NAME
        if not renders and project.get("type") == "manuscript":
            manuscript = yamlcache.load(text or "{}", libyaml=False).get("manuscript") or {}
            renders = [str(manuscript.get("article", "index.qmd")) if isinstance(manuscript, dict) else "index.qmd"]
        if not renders:
            return project_documents(root, output_dir)
        main_inputs = []
        for item in renders:
            path = root / item
            if any(ch in str(item) for ch in "*?["):
                main_inputs += sorted(p for p in root.glob(str(item)) if p.is_file())
                continue
            if not path.is_file():
                raise ConfigError(f"project.render names {item}, which does not exist", Location(config_path), "config.render")
            main_inputs.append(path)
        return main_inputs

    @staticmethod
    def _chosen(root: Path, main_inputs: list[Path], documents: tuple[Path, ...]) -> list[Path]:
        chosen = []
        for document in documents:
            path = Path(document).resolve()
            if not path.is_file():
                raise ConfigError(f"{document}: no such document", rule="config.render")
            if root not in path.parents:
                raise ConfigError(f"{document} is not inside the project at {root}", rule="config.render")
            chosen.append(path)
        return chosen

    def reload(self) -> Project:
        """Read the configuration and variables again (after the project's steps wrote them)."""
        return Project.load(self.root, tuple(self.main_inputs))

    @staticmethod
    def _load_variables(root: Path) -> dict:
        path = root / VARIABLES_NAME
        if not path.exists():
            return {}
        return _expect_mapping(load_yaml(path), Location(path, 1), VARIABLES_NAME)

    # -- settings ------------------------------------------------------------------
    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def line_of_key(self, key: str) -> int | None:
        """Line of a top-level key in ``_quarto.yml`` (for messages about its value)."""
        return _line_of_key(self.config_text, key)

    @property
    def project_settings(self) -> dict:
        return self.config.get("project") or {}

    def format_options(self, fmt: str) -> dict:
        """Options under ``format: <quarto format>:`` (``format: html: default`` gives {})."""
        formats = self.config.get("format") or {}
        options = formats.get(QUARTO_FORMAT[fmt]) if isinstance(formats, dict) else None
        return options if isinstance(options, dict) else {}

    def document_metadata(self) -> dict:
        """Project-level document metadata: every top-level key except project/format."""
        return {k: v for k, v in self.config.items() if k not in ("project", "format", "reportkit")}

    def stem(self, main_input: Path) -> str:
        """Stable output name: the main document's file name without extension."""
        return main_input.stem

    def relative(self, path: Path) -> str:
        """A path as shown to users: relative to the project root where possible."""
        relative = relative_to_root(path, self.root)
        return str(path) if relative is None else relative
