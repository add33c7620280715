"""What changed between two versions of a project, as a reader sees it: quoted values (with the sentences
that quote them and the changed files behind them), figures, tables cell by cell, references, and the
prose of each section word by word."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from ..fingerprint import sha256_file
from ..manifest import MANIFEST_NAME, Manifest, flatten
from ..parity import html_facts
from ..project import VARIABLES_NAME, load_yaml
from ..protocol import VALUE_CLASS, VALUE_NAME_ATTRIBUTE
from .revisions import Side

FIGURE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg")


@dataclass
class ValueChange:
    name: str
    old: str | None
    new: str | None
    sentences: list[str] = field(default_factory=list)  # where the new version quotes it
    causes: list[str] = field(default_factory=list)     # changed files the value depends on


@dataclass
class TableChange:
    name: str
    cells: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)  # (row, column, old, new)
    note: str = ""  # rows or columns added or removed


@dataclass
class SectionChange:
    title: str
    words: list[tuple[str, str]]  # (kind, text): kind is "same", "insert" or "delete"


@dataclass
class Changes:
    values: list[ValueChange] = field(default_factory=list)
    figures: list[tuple[str, Path | None, Path | None]] = field(default_factory=list)  # (name, old file, new file)
    tables: list[TableChange] = field(default_factory=list)
    references_added: list[str] = field(default_factory=list)
    references_removed: list[str] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)  # only sections whose words changed
    unchanged_sections: int = 0


# -- values -----------------------------------------------------------------------------------
def values_of(side: Side) -> dict[str, str]:
    """The quoted values of a side: its variables file, or (unrendered) what its manifest recorded."""
    path = side.root / VARIABLES_NAME
    if side.rendered and path.is_file():
        return flatten(load_yaml(path) or {})
    recorded = Manifest.load(side.root) if (side.root / MANIFEST_NAME).is_file() else None
    return dict(recorded.variables) if recorded else {}


def value_changes(old: dict[str, str], new: dict[str, str]) -> list[ValueChange]:
    return [ValueChange(name, old.get(name), new.get(name)) for name in sorted(old.keys() | new.keys())
            if old.get(name) != new.get(name)]


def value_inputs(side: Side, provenance: str | None) -> dict[str, set[str]]:
    """Per quoted value, the files it is computed from, from the project's provenance record
    (``reportkit: provenance:``; {"variables": [{"name", "function": "file::fn", "inputs": [{"path"}]}]})."""
    path = side.root / provenance if provenance else None
    if path is None or not path.is_file():
        return {}
    found = {}
    for entry in json.loads(path.read_text(encoding="utf-8")).get("variables", []):
        files = {i["path"] for i in entry.get("inputs", []) if i.get("path")}
        if entry.get("function"):
            files.add(entry["function"].split("::")[0])
        found[entry["name"]] = files
    return found


class _Quotes(HTMLParser):
    """The paragraph text around each quoted value of a page (value name -> paragraph texts)."""

    BLOCKS = ("p", "li", "figcaption", "td", "th", "h1", "h2", "h3", "h4", "dd", "dt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: dict[str, list[str]] = {}
        self._text: list[str] | None = None
        self._names: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.BLOCKS:
            self._text, self._names = [], []
        if VALUE_CLASS in (attributes.get("class") or "").split() and attributes.get(VALUE_NAME_ATTRIBUTE):
            self._names.append(attributes[VALUE_NAME_ATTRIBUTE])

    def handle_endtag(self, tag):
        if tag in self.BLOCKS and self._text is not None:
            text = " ".join("".join(self._text).split())
            for name in self._names:
                self.paragraphs.setdefault(name, []).append(text)
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)


def sentences_quoting(html: Path, names: set[str], values: dict[str, str]) -> dict[str, list[str]]:
    """For each value name, the sentences of the page that quote it."""
    reader = _Quotes()
    reader.feed(html.read_text(encoding="utf-8"))
    found = {}
    for name in names:
        sentences = []
        for paragraph in reader.paragraphs.get(name, []):
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", paragraph):
                if values.get(name) and values[name] in sentence and sentence not in sentences:
                    sentences.append(sentence)
        found[name] = sentences or reader.paragraphs.get(name, [])[:1]
    return found


# -- figures and tables -------------------------------------------------------------------------
def figure_changes(old: Side, new: Side, outputs: list[str]) -> list[tuple[str, Path | None, Path | None]]:
    found = []
    for name in sorted(o for o in outputs if o.lower().endswith(FIGURE_SUFFIXES)):
        a, b = old.root / name, new.root / name
        a_file, b_file = (a if a.is_file() else None), (b if b.is_file() else None)
        if (a_file is None) != (b_file is None) or (a_file and sha256_file(a_file) != sha256_file(b_file)):
            found.append((name, a_file, b_file))
    return found


def read_table(path: Path) -> list[list[str]]:
    """A table's rows: a CSV file, or the pipe table of a markdown file (its separator line dropped)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return list(csv.reader(io.StringIO(text)))
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|[\s:|-]+\|$", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def table_change(name: str, old: list[list[str]], new: list[list[str]]) -> TableChange | None:
    """Cell-level differences of two tables whose first row is the header."""
    if old == new:
        return None
    change = TableChange(name)
    header = new[0] if new else old[0]
    if (old[:1] or [[]])[0] != (new[:1] or [[]])[0]:
        change.note = f"columns {old[0] if old else []} -> {header}"
    if len(old) != len(new):
        change.note = (change.note + "; " if change.note else "") + f"{len(old) - 1} -> {len(new) - 1} rows"
    for row in range(1, max(len(old), len(new))):
        a = old[row] if row < len(old) else []
        b = new[row] if row < len(new) else []
        for column in range(max(len(a), len(b))):
            x = a[column] if column < len(a) else None
            y = b[column] if column < len(b) else None
            if x != y:
                change.cells.append((row, header[column] if column < len(header) else str(column + 1), x, y))
    return change


def is_table(side: Side, name: str) -> bool:
    """A markdown output that holds a numbered table (a ``{#tbl-`` label)."""
    path = side.root / name
    return name.endswith(".md") and path.is_file() and "{#tbl-" in path.read_text(encoding="utf-8")


def table_changes(old: Side, new: Side, outputs: list[str]) -> list[TableChange]:
    """Tables among the outputs: the CSV of a table where it has one, else its markdown."""
    tables = {}
    for name in outputs:
        stem, suffix = name.rsplit(".", 1) if "." in name else (name, "")
        if suffix == "csv" or (f"{stem}.csv" not in outputs and (is_table(new, name) or is_table(old, name))):
            tables[stem] = name
    found = []
    for stem, name in sorted(tables.items()):
        a, b = old.root / name, new.root / name
        change = table_change(name, read_table(a) if a.is_file() else [], read_table(b) if b.is_file() else [])
        if change:
            found.append(change)
    return found


# -- prose ----------------------------------------------------------------------------------------
class _Sections(HTMLParser):
    """The visible text of a page, by top-level heading (h1/h2); the TOC, scripts, styles and the
    bibliography are left out."""

    SKIP = ("script", "style", "nav", "template", "title")
    BLOCKS = ("p", "li", "div", "td", "th", "br", "figcaption", "dd", "dt", "tr", "section", "figure")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, list[str]]] = [("Front matter", [])]
        self._skip = 0
        self._heading: list[str] | None = None
        self._in_bibliography = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.SKIP:
            self._skip += 1
        if tag in self.BLOCKS:
            self.sections[-1][1].append(" ")  # words of two blocks never run together
        if attributes.get("id") == "refs" or "references" in (attributes.get("class") or "").split():
            self._in_bibliography += 1
        if tag in ("h1", "h2") and not self._skip:
            self._heading = []

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in ("h1", "h2") and self._heading is not None:
            self.sections.append((" ".join("".join(self._heading).split()), []))
            self._heading = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._heading is not None:
            self._heading.append(data)
        elif not self._in_bibliography:
            self.sections[-1][1].append(data)


def sections_of(html: Path) -> dict[str, list[str]]:
    reader = _Sections()
    reader.feed(html.read_text(encoding="utf-8"))
    merged: dict[str, list[str]] = {}
    for title, parts in reader.sections:
        merged.setdefault(title, []).extend("".join(parts).split())
    return merged


def word_diff(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """Runs of words: ("same" | "delete" | "insert", text)."""
    runs = []
    for op, a, b, c, d in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(old[a:b])))
        if op in ("delete", "replace"):
            runs.append(("delete", " ".join(old[a:b])))
        if op in ("insert", "replace"):
            runs.append(("insert", " ".join(new[c:d])))
    return runs


def prose_changes(old_html: Path, new_html: Path) -> tuple[list[SectionChange], int]:
    return section_changes(sections_of(old_html), sections_of(new_html))


def source_sections(side: Side) -> dict[str, list[str]]:
    """Words of each section of a side's expanded sources (for a side that does not render)."""
    from ..project import Project
    from ..source import Document

    merged: dict[str, list[str]] = {}
    project = Project.load(side.root)
    for main in project.main_inputs:
        title = "Front matter"
        for line in Document.read(project, main).expanded.body.splitlines():
            heading = re.match(r"^#{1,2}\s+(.*?)\s*(\{.*\})?\s*$", line)
            if heading:
                title = heading.group(1)
            else:
                merged.setdefault(title, []).extend(line.split())
    return merged


def section_changes(old: dict[str, list[str]], new: dict[str, list[str]]) -> tuple[list[SectionChange], int]:
    changed, same = [], 0
    for title in [*new, *(t for t in old if t not in new)]:
        words = word_diff(old.get(title, []), new.get(title, []))
        if any(kind != "same" for kind, _ in words):
            changed.append(SectionChange(title, words))
        else:
            same += 1
    return changed, same


def reference_changes(old_html: Path, new_html: Path) -> tuple[list[str], list[str]]:
    """Bibliography entries (their text) added and removed."""
    old, new = html_facts(old_html).entries, html_facts(new_html).entries
    return ([new[k] for k in sorted(new.keys() - old.keys())], [old[k] for k in sorted(old.keys() - new.keys())])
