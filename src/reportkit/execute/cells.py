"""Executable code cells of a document, as Quarto reads them: where each ```` ```{python} ```` cell is,
its ``#|`` options (YAML, before any code), the document's ``execute:`` defaults, and the inline
expressions `` `{python} expr` `` in the prose. Parsing only: nothing here runs code.

Problems are values (``Problem`` with file:line): an unknown or misplaced option, a malformed
value, a duplicate label. Cells that only Quarto can run (``{r}``, ``{julia}``, ``{ojs}`` ...) and
options the built-in engine cannot honour are listed separately as *refusals*, because with
``--engine quarto`` they are fine.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .. import yamlcache
from ..errors import UNSUPPORTED, UNSUPPORTED_TAIL, Location, Problem

CELL_OPEN = re.compile(r"^(?P<fence>`{3,})\s*\{(?P<lang>[A-Za-z][\w+.-]*)(?P<rest>[^}]*)\}\s*$")
OTHER_FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})")
OPTION_LINE = re.compile(r"^#\s*\|\s?")
LATE_OPTION = re.compile(r"^\s*#\s*\|")
INLINE = re.compile(r"(^|[^`])`\{(?P<lang>[A-Za-z][\w+.-]*)\}[ \t](?P<expr>[^`]+)`")
LABEL = re.compile(r"^[A-Za-z][\w:.-]*$")
EMBED = re.compile(r"\{\{<\s*embed\s+(?P<target>[^\s>]+)(?P<params>[^>]*?)\s*>\}\}")
EMBED_PARAM = re.compile(r"^([\w-]+)=(\S+)$")

LANGUAGE = "python"
DEFAULT_KERNEL = "python3"
# Quarto's defaults for Jupyter documents (quarto.org, "Execution Options").
EXECUTE_DEFAULTS = {"eval": True, "echo": True, "output": True, "warning": True, "error": False, "include": True}
# Quarto's default figure size for Typst (format-typst.ts); one execution serves both formats here.
FIGURE_SIZE = (5.5, 3.5)

# Cell options, by what the built-in engine does with them. The names are Quarto's (its schema,
# quarto-cli src/resources/schema/cell-*.yml, MIT); `reads` is reportkit's own (files a cell reads).
SUPPORTED = {
    "label", "classes", "echo", "eval", "output", "include", "warning", "error",
    "fig-cap", "fig-subcap", "fig-alt", "fig-width", "fig-height", "tbl-cap", "tbl-subcap",
    "layout", "layout-ncol", "layout-nrow", "code-fold", "code-summary", "lst-label", "lst-cap", "reads",
}
# Options Quarto knows but ignores for Python cells in HTML and Typst: harmless here too.
NO_EFFECT = {"fig-pos", "fig-env", "fig-scap", "tags", "id", "renderings", "export"}
# Quarto options for Python cells that this engine does not implement: refused (Quarto has them).
QUARTO_ONLY = {
    "fig-align", "fig-link", "code-overflow", "code-line-numbers", "layout-align", "layout-valign",
    "column", "fig-column", "tbl-column", "cap-location", "fig-cap-location", "tbl-cap-location",
    "tbl-colwidths", "html-table-processing", "panel", "output-location",
    "title", "padding", "expandable", "width", "height", "context", "content", "color",
}
# Options of Quarto's knitr engine (R): they do nothing in a Python cell, in Quarto either.
KNITR_ONLY = {
    "cache", "cache-path", "cache-vars", "cache-globals", "cache-lazy", "cache-rebuild", "cache-comments",
    "dependson", "autodep", "tidy", "tidy-opts", "collapse", "prompt", "highlight", "class-source",
    "attr-source", "fig-format", "fig-dpi", "fig-asp", "out-width", "out-height", "fig-keep", "fig-show",
    "out-extra", "external", "sanitize", "interval", "aniopts", "animation-hook", "child", "file", "code",
    "purl", "message", "results", "comment", "class-output", "attr-output", "class-warning",
    "attr-warning", "class-message", "attr-message", "class-error", "attr-error",
}
# `execute:` keys: the cell defaults, and Quarto's execution settings that need nothing here
# (`freeze`/`cache`: the build graph caches every document's cells by content, see step.py).
EXECUTE_KEYS = {*EXECUTE_DEFAULTS, "reads", "enabled", "freeze", "cache", "daemon", "daemon-restart", "debug",
                "ipynb", "keep-ipynb"}
# What a cell in another language needs (the refusal names it).
OTHER_LANGUAGES = {
    "r": "R cells need Quarto with knitr",
    "julia": "Julia cells need Quarto with a Julia kernel",
    "ojs": "OJS cells need Quarto (Observable JS runs in the reader's browser)",
    "mermaid": "mermaid diagram cells need Quarto",
    "dot": "Graphviz (dot) diagram cells need Quarto",
}
# Options that change what the kernel computes (the rest only change how outputs are shown).
EXECUTION_OPTIONS = ("eval", "error", "fig-width", "fig-height")


@dataclass
class Cell:
    """One executable cell. ``first`` and ``last`` are its fence lines in the expanded body
    (0-based); ``options`` are its own ``#|`` options, ``defaults`` the document's."""

    number: int
    language: str
    code: str
    options: dict
    defaults: dict
    location: Location
    first: int
    last: int
    option_lines: list[str] = field(default_factory=list)
    name: str = ""

    def get(self, key: str, default: Any = None) -> Any:
        """The cell's option, else the document's default."""
        if key in self.options:
            return self.options[key]
        return self.defaults.get(key, default)

    @property
    def label(self) -> str | None:
        label = self.options.get("label")
        return str(label) if label else None

    @property
    def runs(self) -> bool:
        return bool(self.get("eval", True)) and self.language == LANGUAGE

    def code_location(self, line: int) -> Location:
        """Where line ``line`` (1-based) of the cell's code is in its source file."""
        offset = 1 + len(self.option_lines) + line - 1
        base = self.location
        return Location(base.file, base.line + offset if base.line else None, base.chain)

    def execution(self) -> dict:
        """What decides the cell's outputs: its code and the options that change execution."""
        return {"code": self.code, **{key: self.get(key) for key in EXECUTION_OPTIONS}}

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.execution(), sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Inline:
    """An inline expression `` `{python} expr` ``: evaluated after the cells before it (``after``)."""

    expression: str
    after: int
    line: int
    location: Location | None


@dataclass
class Embed:
    """``{{< embed notebook.ipynb#label >}}``: a notebook cell's stored outputs (``echo=true``: and code)."""

    target: str
    address: str
    echo: bool
    line: int
    location: Location


@dataclass
class Cells:
    """Everything executable in one document."""

    cells: list[Cell] = field(default_factory=list)
    inline: list[Inline] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    refusals: list[Problem] = field(default_factory=list)
    kernel: str = DEFAULT_KERNEL
    defaults: dict = field(default_factory=dict)
    reads: list[tuple[str, Location]] = field(default_factory=list)  # declared files, where declared

    def __bool__(self) -> bool:
        return bool(self.cells or self.inline or self.embeds)

    def defines(self, reference: str) -> bool:
        """True when ``@label`` (or a panel's ``@label-N``) is a float that a cell or an embed makes, and
        so exists only once the cells ran (``report check`` does not run them)."""
        labels = {c.label for c in self.cells if c.label} | {e.address for e in self.embeds if e.address}
        labels |= {str(c.options["lst-label"]).lstrip("#") for c in self.cells if c.options.get("lst-label")}
        label = reference.lstrip("@")
        return label in labels or bool(re.fullmatch(r"(.+)-\d+", label)) and label.rsplit("-", 1)[0] in labels

    def inline_digest(self) -> str:
        items = [(i.after, i.expression) for i in self.inline]
        return hashlib.sha256(json.dumps(items).encode()).hexdigest()


# -- option checks ------------------------------------------------------------------------------
def _is_bool(value) -> bool:
    return isinstance(value, bool)


def _is_text(value) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _is_captions(value) -> bool:
    return value is True or _is_text(value) or (isinstance(value, list) and all(_is_text(v) for v in value))


def _is_positive(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_paths(value) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


CHECKS = {
    "echo": (lambda v: _is_bool(v) or v == "fenced", "true, false or fenced"),
    "output": (lambda v: _is_bool(v) or v == "asis", "true, false or asis"),
    "eval": (_is_bool, "true or false"),
    "include": (_is_bool, "true or false"),
    "warning": (_is_bool, "true or false"),
    "error": (_is_bool, "true or false"),
    "label": (lambda v: isinstance(v, str) and bool(LABEL.match(v)), "an identifier such as fig-growth"),
    "fig-cap": (_is_text, "one caption (the panels of a figure take fig-subcap, one caption each)"),
    "tbl-cap": (_is_text, "a caption"),
    "fig-alt": (_is_text, "a text"),
    "lst-cap": (_is_text, "a caption"),
    "lst-label": (lambda v: isinstance(v, str) and bool(LABEL.match(v.lstrip("#"))), "an identifier such as lst-code"),
    "code-summary": (_is_text, "a text"),
    "code-fold": (lambda v: _is_bool(v) or v == "show", "true, false or show"),
    "fig-subcap": (_is_captions, "a caption, a list of captions or true"),
    "tbl-subcap": (_is_captions, "a caption, a list of captions or true"),
    "layout-ncol": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "a positive whole number"),
    "layout-nrow": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v > 0, "a positive whole number"),
    "layout": (lambda v: isinstance(v, str | list), "a layout such as [[1,1],[1]]"),
    "fig-width": (_is_positive, "a number of inches"),
    "fig-height": (_is_positive, "a number of inches"),
    "classes": (lambda v: isinstance(v, str) or (isinstance(v, list) and all(isinstance(c, str) for c in v)),
                "a class name or a list of them"),
    "reads": (_is_paths, "a path or a list of paths"),
}


def check_option(key: str, value: Any, where: Location, refusals: list[Problem]) -> Problem | None:
    """A problem with one cell option (unknown, knitr-only, malformed), or None; options only
    Quarto implements go to ``refusals``."""
    if key in QUARTO_ONLY:
        refusals.append(Problem(f"{UNSUPPORTED}.cell-option", f"cell option `{key}` {UNSUPPORTED_TAIL} (or remove it)",
                                where, key))
        return None
    if key in KNITR_ONLY:
        return Problem("cell.option-knitr", f"cell option `{key}` is for R cells (knitr); it has no effect on a "
                       "Python cell: remove it", where, key)
    if key not in SUPPORTED and key not in NO_EFFECT:
        import difflib  # only for this message

        known = sorted(SUPPORTED | NO_EFFECT | QUARTO_ONLY)
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        return Problem("cell.option-unknown", f"unknown cell option `{key}`{hint}", where, key)
    check = CHECKS.get(key)
    if check and not check[0](value):
        return Problem("cell.option-value", f"cell option `{key}` must be {check[1]}, not {value!r}", where, key)
    return None


def execute_defaults(metadata: dict, where: Location) -> tuple[dict, list[Problem]]:
    """The document's ``execute:`` options over Quarto's defaults, plus its figure size."""
    problems: list[Problem] = []
    execute = metadata.get("execute") or {}
    if not isinstance(execute, dict):
        return dict(EXECUTE_DEFAULTS), [Problem("cell.execute", "execute: must be a mapping of options", where)]
    defaults = dict(EXECUTE_DEFAULTS)
    for key, value in execute.items():
        if key not in EXECUTE_KEYS:
            problems.append(Problem("cell.execute", f"unknown execute option `{key}`", where, key))
        elif key in CHECKS and not CHECKS[key][0](value):
            problems.append(Problem("cell.execute", f"execute option `{key}` must be {CHECKS[key][1]}, not {value!r}",
                                    where, key))
        elif key in EXECUTE_DEFAULTS:
            defaults[key] = value
    if execute.get("enabled") is False:
        defaults["eval"] = False
    for key, fallback in zip(("fig-width", "fig-height"), FIGURE_SIZE):
        value = metadata.get(key, fallback)
        if not _is_positive(value):
            problems.append(Problem("cell.execute", f"{key} must be a number of inches, not {value!r}", where, key))
            value = fallback
        defaults[key] = value
    return defaults, problems


def kernel_name(metadata: dict, where: Location, refusals: list[Problem]) -> str:
    """The Jupyter kernel a document asks for (``jupyter: name`` or a kernelspec), refusing other engines."""
    engine = metadata.get("engine")
    if engine not in (None, "jupyter"):
        refusals.append(Problem(f"{UNSUPPORTED}.engine", f"engine: {engine} needs Quarto: render with `--engine quarto`",
                                where, "engine"))
    jupyter = metadata.get("jupyter")
    if isinstance(jupyter, str):
        return jupyter
    if isinstance(jupyter, dict):
        spec = jupyter.get("kernelspec") or {}
        if isinstance(spec, dict) and spec.get("name"):
            return str(spec["name"])
    return DEFAULT_KERNEL


# -- parsing -------------------------------------------------------------------------------------
def _paths(value) -> list[str]:
    """A ``reads`` value as a list of paths (malformed values are reported by the option checks)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _split_options(body: list[str]) -> tuple[list[str], list[str]]:
    """The leading ``#|`` lines of a cell, and the code after them."""
    count = 0
    while count < len(body) and OPTION_LINE.match(body[count]):
        count += 1
    return body[:count], body[count:]


def _line(location: Location, offset: int) -> Location:
    return Location(location.file, location.line + offset if location.line else None, location.chain)


def _options(option_lines: list[str], where: Location, problems: list[Problem]) -> dict:
    if not option_lines:
        return {}
    text = "\n".join(OPTION_LINE.sub("", line, count=1) for line in option_lines)
    try:
        options = yamlcache.load(text, libyaml=False)
    except yamlcache.yaml_error() as exc:
        mark = getattr(exc, "problem_mark", None)
        at = _line(where, 1 + (mark.line if mark else 0))
        problems.append(Problem("cell.option-yaml", f"cell options are not valid YAML: "
                                f"{getattr(exc, 'problem', None) or exc}", at))
        return {}
    if options is None:
        return {}
    if not isinstance(options, dict):
        problems.append(Problem("cell.option-yaml", "cell options must be `#| key: value` lines", _line(where, 1)))
        return {}
    return {str(k): v for k, v in options.items()}


def _check_cell(cell: Cell, problems: list[Problem], refusals: list[Problem]) -> None:
    for index, (key, value) in enumerate(cell.options.items()):
        # the line of this option, for the message
        at = next((_line(cell.location, 1 + i) for i, line in enumerate(cell.option_lines)
                   if re.match(rf"#\s*\|\s*{re.escape(key)}\s*:", line)), _line(cell.location, 1 + index))
        problem = check_option(key, value, at, refusals)
        if problem:
            problems.append(problem)


def parse_cells(lines: list[tuple[str, Location | None]], metadata: dict, where: Location) -> Cells:
    """Every cell and inline expression of an expanded document (``Document.lines()``)."""
    found = Cells()
    found.kernel = kernel_name(metadata, where, found.refusals)
    found.defaults, found.problems = execute_defaults(metadata, where)
    reads = (metadata.get("execute") or {}).get("reads") if isinstance(metadata.get("execute"), dict) else None
    found.reads = [(path, where) for path in _paths(reads)]
    outer: tuple[str, int] | None = None  # a fence that is not a cell (its content is not parsed)
    labels: dict[str, Location] = {}
    per_file: dict[str, int] = {}
    index = 0
    while index < len(lines):
        text, location = lines[index]
        location = location or where
        if outer:
            close = OTHER_FENCE.match(text)
            if close and close.group("fence")[0] == outer[0] and len(close.group("fence")) >= outer[1] \
                    and not text.strip().strip(outer[0]):
                outer = None
            index += 1
            continue
        opening = CELL_OPEN.match(text)
        if opening:
            index = _cell(lines, index, opening, location, found, labels, per_file)
            continue
        fence = OTHER_FENCE.match(text)
        if fence:
            outer = (fence.group("fence")[0], len(fence.group("fence")))
        else:
            # the tests of what each pattern needs: INLINE has no literal prefix, so re tries it at every
            # character of a paragraph (~80% of the parse, ~15 ms for the paper's two documents)
            if "`{" in text:
                for match in INLINE.finditer(text):
                    _inline(match, index, location, found)
            if "{{<" in text:
                for match in EMBED.finditer(text):
                    _embed(match, text, index, location, found)
        index += 1
    return found


def _inline(match: re.Match, index: int, location: Location, found: Cells) -> None:
    language = match.group("lang").lower()
    if language == LANGUAGE:
        found.inline.append(Inline(match.group("expr").strip(), len(found.cells), index, location))
    else:
        need = OTHER_LANGUAGES.get(language, f"{{{language}}} expressions need Quarto")
        found.refusals.append(Problem(f"{UNSUPPORTED}.cell-language", f"inline `{{{language}}}` expression: {need}: render with "
                                      "`--engine quarto`", location, f"{{{language}}}"))


def _embed(match: re.Match, text: str, index: int, location: Location, found: Cells) -> None:
    target, _, address = match.group("target").partition("#")
    params = dict(EMBED_PARAM.match(p).groups() for p in match.group("params").split() if EMBED_PARAM.match(p))
    unknown = [p for p in match.group("params").split() if not EMBED_PARAM.match(p) or p.split("=")[0] != "echo"]
    if text.strip() != match.group(0):
        found.problems.append(Problem("embed.inline", "embed must stand alone on its line", location, target))
    elif unknown:
        found.refusals.append(Problem(f"{UNSUPPORTED}.embed-option", f"embed option(s) {' '.join(unknown)} (only echo=true) "
                                      f"{UNSUPPORTED_TAIL}", location, target))
    elif not target.endswith(".ipynb"):
        found.refusals.append(Problem(f"{UNSUPPORTED}.embed-format", f"embedding {target} (not a .ipynb notebook) "
                                      f"{UNSUPPORTED_TAIL}", location, target))
    else:
        found.embeds.append(Embed(target, address, params.get("echo", "false").lower() == "true", index, location))


def notebook_cell(notebook: dict, address: str) -> tuple[dict, list[str], list[str]] | None:
    """The cell of a notebook (nbformat JSON) whose ``#| label`` (or cell id) is ``address``:
    (the cell, its option lines, its code lines); the first code cell when ``address`` is empty."""
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        lines = ("".join(source) if isinstance(source, list) else source).split("\n")
        option_lines, code = _split_options(lines)
        options = _options(option_lines, Location("notebook"), [])
        if not address or address in (options.get("label"), cell.get("id"), (cell.get("metadata") or {}).get("label")):
            return cell, option_lines, code
    return None


def embedded(embed: Embed, notebook: dict, number: int) -> tuple[Cell, list[dict]] | Problem:
    """The embedded notebook cell as a Cell (outputs as stored, code only with ``echo=true``)."""
    language = str(((notebook.get("metadata") or {}).get("kernelspec") or {}).get("language") or LANGUAGE).lower()
    if language != LANGUAGE:
        return Problem(f"{UNSUPPORTED}.embed-language", f"embedding the {language} notebook {embed.target} "
                       f"{UNSUPPORTED_TAIL}", embed.location, embed.target)
    found = notebook_cell(notebook, embed.address)
    if found is None:
        return Problem("embed.missing", f"{embed.target} has no cell labelled {embed.address!r}", embed.location,
                       embed.target)
    cell, option_lines, code = found
    problems: list[Problem] = []
    options = _options(option_lines, embed.location, problems)
    defaults = {**EXECUTE_DEFAULTS, "echo": embed.echo, "warning": False, "output": "asis", "eval": False}
    options = {k: v for k, v in options.items() if k not in ("echo", "eval", "output", "include", "warning")}
    if problems:
        return problems[0]
    return (Cell(number, LANGUAGE, "\n".join(code).strip("\n"), options, defaults, embed.location, embed.line,
                 embed.line, option_lines, name=f"{embed.target}#{embed.address}"),
            list(cell.get("outputs") or []))


def _cell(lines, index, opening, location, found: Cells, labels, per_file) -> int:
    """Parse the cell opening at ``index``; returns the index after its closing fence."""
    ticks = opening.group("fence")
    close = index + 1
    while close < len(lines) and not re.match(rf"^{ticks}`*\s*$", lines[close][0]):
        close += 1
    language = opening.group("lang").lower()
    if close == len(lines):
        found.problems.append(Problem("cell.unclosed", f"the {{{language}}} cell has no closing {ticks}", location))
        return close
    body = [line for line, _ in lines[index + 1:close]]
    option_lines, code_lines = _split_options(body)
    file = str(location.file)
    per_file[file] = per_file.get(file, 0) + 1
    cell = Cell(len(found.cells) + 1, language, "\n".join(code_lines).strip("\n"), {}, found.defaults, location,
                index, close, option_lines, name=f"{file}#cell-{per_file[file]}")
    cell.options = _options(option_lines, location, found.problems)
    if language != LANGUAGE:
        need = OTHER_LANGUAGES.get(language, f"{{{language}}} cells need Quarto (knitr, or a Jupyter kernel for "
                                             f"{language})")
        found.refusals.append(Problem(f"{UNSUPPORTED}.cell-language", f"{need}: render with `--engine quarto`", location,
                                      f"{{{language}}}"))
    elif opening.group("rest").strip():
        found.problems.append(Problem("cell.option-header", "options go on `#|` lines at the top of the cell, not "
                                      f"in the fence ({{{language}{opening.group('rest')}}})", location))
    for offset, line in enumerate(code_lines):
        if LATE_OPTION.match(line):
            found.problems.append(Problem(
                "cell.option-late", "`#|` option after code: options must be the first lines of the cell, with no "
                "blank line or code before them", _line(location, 1 + len(option_lines) + offset)))
            break
    _check_cell(cell, found.problems, found.refusals)
    label = cell.label
    if label and label in labels:
        found.problems.append(Problem("cell.label-duplicate", f"duplicate cell label {label} (first at "
                                      f"{labels[label].point()})", location, label))
    elif label:
        labels[label] = location
    found.reads += [(path, cell.location) for path in _paths(cell.options.get("reads"))]
    found.cells.append(cell)
    return close + 1
