"""Expand Quarto shortcodes before pandoc sees the text.

Handles the shortcodes Quarto ships: ``{{< include path >}}`` (alone on its line; relative to
the main document's folder, ``/`` meaning the project root; nested; circular includes, includes of
folders and of files outside the project are problems), ``{{< var a.b >}}`` from
``_variables.yml``, ``{{< meta key >}}`` from the document's metadata (its value is markdown),
``{{< env NAME default >}}``, ``{{< pagebreak >}}``, ``{{< kbd ... >}}``, ``{{< video url >}}``,
``{{< lipsum n >}}`` and ``{{< placeholder w h >}}``; ``{{< embed >}}`` is left for the cells stage
(execute/). Any other shortcode (an extension's) is refused.
``{{{< ... >}}}`` stays as literal text, and so does every shortcode in a code block whose
attributes say ``shortcodes="false"``.

Every output line remembers the file and line it came from (``SourceMap``), so later
stages can report problems where the author can fix them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .builtin_shortcodes import BUILTIN, shortcode_arguments
from .errors import UNSUPPORTED, UNSUPPORTED_TAIL, ConfigError, Location, Problem
from .metadata import deep_merge
from .project import CONFIG_NAME, load_yaml, relative_to_root, resolve_path
from .protocol import value_span

SHORTCODE = re.compile(r"(\{?)\{\{<\s*([A-Za-z][\w-]*)((?:\s+[^>]*?)?)\s*>\}\}(\}?)")
FENCE = re.compile(r"^\s*(```|~~~)")
NO_SHORTCODES = re.compile(r"""shortcodes\s*=\s*["']?false""")
INCLUDE_LINE = re.compile(r"^\s*\{\{<\s*include\s+(\S+?)\s*>\}\}\s*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# Characters that mean something to pandoc's markdown reader, escaped in substituted values.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~^$@!&])")
MISSING_VAR = "?var:{}"
PAGEBREAK = (
    "\n```{=typst}\n#pagebreak()\n```\n\n"
    '```{=html}\n<div class="page-break" style="page-break-after: always;"></div>\n```\n'
)


def escape_markdown(value: str) -> str:
    """Make a value show as literal text in markdown (``<script>`` stays text)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


@dataclass
class SourceMap:
    """For every line of expanded text, the location it came from."""

    locations: list[Location] = field(default_factory=list)

    def at(self, line: int) -> Location | None:
        """Location of 1-based ``line`` of the expanded text."""
        if 1 <= line <= len(self.locations):
            return self.locations[line - 1]
        return None


@dataclass
class Expanded:
    """A main document after shortcode expansion.

    ``front_matter`` is the document's YAML front matter, parsed once, with shortcodes in its
    string values substituted; ``front_matter_text`` is the raw YAML (its first line is line
    ``front_matter_line`` of the file).
    """

    body: str
    front_matter: dict
    front_matter_text: str
    front_matter_line: int
    source_map: SourceMap
    problems: list[Problem]
    files: list[Path]
    project_metadata: dict = field(default_factory=dict)

    def locate(self, needle: str) -> Location | None:
        """Source location of the first expanded line containing ``needle`` as a whole token."""
        pattern = re.compile(re.escape(needle) + r"(?![\w-])")
        for number, line in enumerate(self.body.splitlines(), start=1):
            if pattern.search(line):
                return self.source_map.at(number)
        return None


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(front matter YAML, body, number of lines the front matter block occupied)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return "", text, 0
    consumed = match.group(0)
    return match.group(1), text[match.end():], consumed.count("\n")


def lookup(mapping: dict, dotted: str) -> tuple[bool, Any]:
    """Find ``a.b.c`` in nested mappings: (found, value)."""
    node: Any = mapping
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


class Expander:
    """Expands one main document; collects problems rather than stopping at the first."""

    def __init__(self, root: Path, variables: dict, project_metadata: dict, config_text: str = ""):
        self.root = root
        self.variables = variables
        self.project_metadata = project_metadata
        self._metadata: dict = project_metadata
        self._config_text = config_text
        self._in_fence = False
        self._literal_fence = False
        self.problems: list[Problem] = []
        self.files: list[Path] = []

    # -- entry point ---------------------------------------------------------------
    def expand(self, main: Path) -> Expanded:
        text = self._read(main, None)
        if text is None:
            text = ""
        front_text, body, front_lines = split_front_matter(text)
        front = load_yaml(main, front_text, first_line=2) if front_text.strip() else {}
        if not isinstance(front, dict):
            raise ConfigError("front matter must be a YAML mapping", Location(self._show(main), 2), "config.shape")
        self.files.append(main)
        self._metadata = deep_merge(self.project_metadata, front)
        out_lines: list[str] = []
        locations: list[Location] = []
        self._expand_lines(body, main, front_lines, main.parent, (), out_lines, locations)
        self._in_fence = True  # metadata values: plain text, no spans
        front = self._in_metadata(front, front_text, self._show(main), 2)
        project_metadata = self._in_metadata(self.project_metadata, self._config_text, Path(CONFIG_NAME), 1)
        self._in_fence = False
        return Expanded(
            body="\n".join(out_lines) + "\n",
            front_matter=front,
            front_matter_text=front_text,
            front_matter_line=2,
            source_map=SourceMap(locations),
            problems=self.problems,
            files=self.files,
            project_metadata=project_metadata,
        )

    def _in_metadata(self, value: Any, text: str, file: Path, first_line: int, key: str = "") -> Any:
        """Shortcodes inside string values of metadata, located at their top-level key's line in ``text``."""
        if isinstance(value, dict):
            return {k: self._in_metadata(v, text, file, first_line, key or k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._in_metadata(v, text, file, first_line, key) for v in value]
        if isinstance(value, str) and "{{<" in value:
            match = re.search(rf"^{re.escape(str(key))}\s*:", text, re.M)
            line = first_line + text.count("\n", 0, match.start()) if match else None
            return self._substitute(value, Location(file, line))
        return value

    # -- includes -------------------------------------------------------------------
    def _read(self, path: Path, where: Location | None) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(Problem("include.missing", f"included file not found: {path}", where))
        except UnicodeDecodeError as exc:
            self.problems.append(Problem("include.encoding", f"{path} is not valid UTF-8 (byte {exc.start})", where))
        return None


    def _expand_lines(self, text, path, offset, base, chain, out_lines, locations):
        shown = self._show(path)
        for index, line in enumerate(text.split("\n") if text else []):
            here = Location(shown, offset + index + 1, chain)
            include = INCLUDE_LINE.match(line)
            if include:
                self._include(include.group(1), here, path, base, chain, out_lines, locations)
                continue
            if FENCE.match(line):
                self._in_fence = not self._in_fence
                self._literal_fence = self._in_fence and bool(NO_SHORTCODES.search(line))
                out_lines.append(line)
            else:
                out_lines.append(line if self._literal_fence else self._substitute(line, here))
            locations.append(here)

    def _include(self, target, here, path, base, chain, out_lines, locations):
        child = resolve_path(target, base, self.root)
        if self.root != child and self.root not in child.parents:
            self.problems.append(Problem("include.outside", f"included file {target} is outside the project "
                                         f"({child}): `report verify` could not reproduce it; move it into the project",
                                         here, target))
            return
        if child.is_dir():
            self.problems.append(Problem("include.folder", f"include names a folder, not a file: {target}", here, target))
            return
        active = [Path(loc.file) for loc in chain] + [Path(self._show(path))]
        if Path(self._show(child)) in active:
            cycle = " -> ".join(str(p) for p in [*active, Path(self._show(child))])
            self.problems.append(Problem("include.circular", f"circular include: {cycle}", here))
            return
        content = self._read(child, here)
        if content is None:
            return
        self.files.append(child)
        _, body, front_lines = split_front_matter(content)
        # Blank lines around an include keep blocks apart, as Quarto requires.
        out_lines.append("")
        locations.append(here)
        self._expand_lines(body, child, front_lines, base, (*chain, here), out_lines, locations)
        out_lines.append("")
        locations.append(here)

    def _show(self, path: Path) -> Path:
        relative = relative_to_root(path, self.root)  # Path(path).resolve().relative_to(self.root)
        return Path(path) if relative is None else Path(relative)

    # -- inline shortcodes ------------------------------------------------------------
    def _substitute(self, line: str, where: Location) -> str:
        if "{{<" not in line:
            return line
        return SHORTCODE.sub(lambda m: self._replace(m, where), line)

    def _replace(self, match: re.Match, where: Location) -> str:
        open_brace, name, args, close_brace = match.groups()
        if open_brace and close_brace:  # {{{< x >}}} is the escape for a literal {{< x >}}
            return match.group(0)[1:-1]
        args = args.strip()
        text = open_brace
        if name == "var":
            text += self._var(args, where, plain=self._plain_context(match.string, match.start()))
        elif name == "meta":
            text += self._meta(args, where)
        elif name == "pagebreak":
            text += PAGEBREAK
        elif name == "embed":
            text += match.group(0)  # a notebook's cell outputs: the cells stage replaces it (execute/)
        elif name == "include":
            self.problems.append(Problem("include.inline", "include must stand alone on its line", where))
            text += match.group(0)
        elif name in BUILTIN:
            text += BUILTIN[name](shortcode_arguments(args), alone=match.group(0).strip() == match.string.strip())
        else:
            self.problems.append(Problem(f"{UNSUPPORTED}.shortcode", f"shortcode '{name}' (an extension's, or one of "
                                         f"Quarto's that the built-in engine lacks) {UNSUPPORTED_TAIL}", where, name))
            text += match.group(0)
        return text + close_brace

    def _scalar(self, found: bool, value: Any, kind: str, key: str, where: Location) -> str:
        if not found:
            self.problems.append(Problem(f"{kind}.unknown", f"unknown {kind} '{key}'", where, f"{kind}:{key}"))
            return escape_markdown(MISSING_VAR.format(key) if kind == "var" else f"?meta:{key}")
        if isinstance(value, (dict, list)):
            self.problems.append(Problem(f"{kind}.not-scalar", f"{kind} '{key}' is a {type(value).__name__}, "
                                         "not a single value", where, f"{kind}:{key}"))
            return escape_markdown(f"?{kind}:{key}")
        if isinstance(value, bool):
            value = "true" if value else "false"
        return escape_markdown(str(value))

    def _var(self, key: str, where: Location, plain: bool = False) -> str:
        found, value = lookup(self.variables, key)
        text = self._scalar(found, value, "var", key, where)
        if plain or not found:
            return text
        # A span lets the HTML link the value to its provenance (filters/vars.lua).
        return value_span(text, key)

    def _plain_context(self, line: str, start: int) -> bool:
        """True where a span would not be markdown prose: code, link targets, attributes."""
        before = line[:start]
        return (self._in_fence or before.count("`") % 2 == 1 or before.rstrip().endswith("](")
                or before.count("{") > before.count("}"))

    def _meta(self, key: str, where: Location) -> str:
        """A metadata value, as markdown (Quarto renders ``$x^2$`` in a value as math); plain text in
        code and in metadata."""
        found, value = lookup(self._metadata, key)
        text = self._scalar(found, value, "meta", key, where)
        if not found or isinstance(value, (dict, list, bool)):
            return text
        return " ".join(str(value).split())
