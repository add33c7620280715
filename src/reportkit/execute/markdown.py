"""Executed cells as markdown, the way Quarto's Jupyter engine writes them before pandoc runs:
each cell becomes a ``.cell`` div with its code (``.cell-code``) and one ``.cell-output`` div per
output; a ``fig-``/``tbl-`` labelled cell becomes a numbered float in Quarto's own markdown
(an image with the label, or a ``::: {#fig-x layout-ncol=2}`` div with one subfigure per panel and
the caption last), so the crossref filter treats it like a hand-written float. Inline expressions
become their values.

One markdown serves both formats: where they need different renditions of an output (HTML wins in
HTML, Markdown or text in PDF), each is wrapped in ``.content-visible when-format=...`` (conditional
content, kept for its format). A DataFrame is its bare HTML ``<table>``, which the tables filter reads
as a table in both formats. An output only HTML can show is refused for the PDF.
"""

from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UNSUPPORTED, UNSUPPORTED_TAIL, Location, Problem
from .cells import Cell, Cells
from .kernel import strip_ansi

TABLE_WRAPPING = re.compile(r"<style\b.*?</style>|</?div\b[^>]*>", re.I | re.S)
DEFAULT_REPR = re.compile(r"^<[\w.]+ (object|at 0x)[^>]*>$")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()>#+\-.!|])")
# where a warning was raised, as the kernel names it (a temporary file that differs on every run)
KERNEL_FILE = re.compile(r"^\S*ipykernel_\d+[/\\]\d+\.py:\d+: ", re.M)
WIDGET = "application/vnd.jupyter.widget-view+json"
IMAGES = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg"}


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _fence(text: str, ticks: int = 3) -> str:
    longest = max((len(m) for m in re.findall(r"^\s*(`{3,})", text, re.M)), default=0)
    return "`" * max(ticks, longest + 1)


def code_block(text: str, attributes: str = "") -> list[str]:
    fence = _fence(text)
    return [f"{fence}{' {' + attributes + '}' if attributes else ''}", *text.split("\n"), fence]


def _quote(value) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def html_table(data: dict) -> str | None:
    """The ``<table>`` of an HTML output that is one table and nothing else (a pandas DataFrame: a
    ``<div>`` around a ``<style>`` and the table), which the tables filter reads as a real table."""
    if "text/html" not in data:
        return None
    rest = TABLE_WRAPPING.sub("", _text(data["text/html"])).strip()
    if rest.lower().count("<table") == 1 and re.fullmatch(r"<table\b.*</table>", rest, re.I | re.S):
        return rest
    return None


def html_only(data: dict) -> bool:
    """An output whose text form says nothing (``<... object at 0x...>``) or whose HTML is a program
    (a widget, a script): only a browser shows it."""
    if WIDGET in data:
        return True
    html = _text(data.get("text/html", ""))
    return bool(html) and (bool(DEFAULT_REPR.match(_text(data.get("text/plain", "")).strip()))
                           or "<script" in html.lower())


def choose(data: dict, fmt: str) -> str | None:
    """The representation Quarto shows in ``fmt``: HTML first in HTML; Markdown, images, an HTML
    table, then text in PDF. A Jupyter widget has no static form here (None)."""
    if WIDGET in data:
        return None
    order = ["text/markdown", *IMAGES, "text/plain"]
    if fmt == "html":
        order.insert(0, "text/html")
    elif html_table(data):
        order.insert(-1, "text/html")
    return next((mime for mime in order if mime in data), None)


def with_math(data: dict) -> dict:
    """LaTeX that is math (``$...$``) shows as Markdown math, as Quarto does."""
    latex = _text(data.get("text/latex", "")).strip()
    if latex and "text/markdown" not in data and latex.startswith("$") and latex.endswith("$"):
        return {**data, "text/markdown": latex}
    return data


def discardable(output: dict, has_image: bool) -> bool:
    """A matplotlib object's repr echoed by the last line of a plotting cell (Quarto drops these)."""
    if output.get("output_type") != "execute_result" or set(output.get("data", {})) != {"text/plain"}:
        return False
    lines = _text(output["data"]["text/plain"]).split("\n")
    first = lines[0].strip()
    if has_image:
        if len(lines) == 1:
            return bool(re.match(r"^([<(\[]).*([>)\]])$", first) or re.match(r"^Text\([-\d]", first)
                        or (first.startswith("{") and "<matplotlib." in first))
        return any("<matplotlib." in line for line in lines)
    return first.startswith(("[<matplotlib", "<matplotlib", "<seaborn."))


def inline_value(data: dict) -> str:
    """An inline expression's value as markdown: Markdown as is, a string without its quotes
    (markdown-escaped), anything else as its text."""
    if "text/markdown" in data:
        return _text(data["text/markdown"])
    text = _text(data.get("text/plain", ""))
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return MARKDOWN_SPECIAL.sub(r"\\\1", text[1:-1].replace("\\\\", "\\"))
    return text


@dataclass
class Context:
    """Where figures go and what the document asks for everywhere."""

    formats: tuple[str, ...]
    figures: Path            # folder the image files are written to
    document_dir: Path       # image paths in the markdown are relative to it
    code_fold: object = None
    code_summary: object = None
    problems: list[Problem] = field(default_factory=list)
    refusals: list[Problem] = field(default_factory=list)

    def image(self, cell: Cell, number: int, mime: str, data) -> str:
        """Write one image output; its path as the markdown names it."""
        self.figures.mkdir(parents=True, exist_ok=True)
        target = self.figures / f"cell-{cell.number}-output-{number}.{IMAGES[mime]}"
        if mime == "image/svg+xml" and "<svg" in _text(data):
            target.write_text(_text(data), encoding="utf-8")
        else:
            target.write_bytes(base64.b64decode(_text(data)))
        return Path(os.path.relpath(target, self.document_dir)).as_posix()


class CellWriter:
    """Markdown for one executed cell."""

    def __init__(self, cell: Cell, outputs: list[dict], context: Context):
        self.cell, self.context = cell, context
        self.images = 0
        has_image = any(self._image_mime(o) for o in outputs)
        keep = []
        for output in outputs:
            if output.get("output_type") == "stream" and output.get("name") == "stderr" and not cell.get("warning"):
                continue
            if discardable(output, has_image):
                continue
            if "data" in output:
                output = {**output, "data": with_math(output["data"])}
            keep.append(output)
        self.outputs = keep

    @staticmethod
    def _image_mime(output: dict) -> str | None:
        data = output.get("data") or {}
        mimes = {choose(data, fmt) for fmt in ("html", "pdf")}
        return next(iter(mimes)) if len(mimes) == 1 and next(iter(mimes)) in IMAGES else None

    def problem(self, message: str, rule: str = "cell.output") -> None:
        self.context.problems.append(Problem(rule, message, self.cell.location, self.cell.label))

    # -- pieces -----------------------------------------------------------------------------
    def code(self) -> list[str]:
        cell = self.cell
        echo = cell.get("echo", True)
        if echo is False:
            return []
        if echo == "fenced":
            shown = [line for line in cell.option_lines if not re.search(r"\|\s*echo:\s*fenced\s*$", line)]
            text = "\n".join(["```{" + cell.language + "}", *shown, cell.code, "```"])
            return code_block(text, ".cell-code")
        attributes = []
        lst = cell.get("lst-label")
        if lst:
            attributes.append("#" + str(lst).lstrip("#"))
        attributes += [f".{cell.language}", ".cell-code"]
        fold = cell.get("code-fold", self.context.code_fold)
        if fold not in (None, False):
            attributes.append(f"code-fold={_quote('true' if fold is True else fold)}")
        summary = cell.get("code-summary", self.context.code_summary)
        if summary is not None:
            attributes.append(f"code-summary={_quote(summary)}")
        if cell.get("lst-cap") is not None:
            attributes.append(f"lst-cap={_quote(cell.get('lst-cap'))}")
        return code_block(cell.code, " ".join(attributes))

    def rendition(self, output: dict, image_attributes: str = "", caption: str = "") -> list[str]:
        """The markdown of one display output, in both formats."""
        data = output["data"]
        mimes = {fmt: choose(data, fmt) for fmt in ("html", "pdf")}
        if mimes["html"] == mimes["pdf"]:
            return self._as(mimes["html"], data, image_attributes, caption)
        blocks = []
        for fmt, quarto in (("html", "html"), ("pdf", "typst")):
            if fmt not in self.context.formats:
                continue
            if fmt == "pdf" and mimes["pdf"] == "text/plain" and html_only(data):
                self.context.refusals.append(Problem(
                    f"{UNSUPPORTED}.html-output", "a cell output is HTML only (interactive, or with no text, Markdown "
                    "or image form), so the PDF cannot show it: render `--to html`, give the object a Markdown form "
                    "(IPython.display.Markdown) or an image, or hide it with `#| output: false`", self.cell.location))
                continue
            blocks += [f'::: {{.content-visible when-format="{quarto}"}}', "",
                       *self._as(mimes[fmt], data, image_attributes, caption), "", ":::", ""]
        return blocks

    def _as(self, mime: str | None, data: dict, image_attributes: str, caption: str) -> list[str]:
        if mime in IMAGES:
            self.images += 1
            path = self.context.image(self.cell, self.images, mime, data[mime])
            return [f"![{caption}]({path}){{{image_attributes}}}" if image_attributes else f"![{caption}]({path})"]
        if mime == "text/markdown":
            return _text(data[mime]).strip("\n").split("\n")
        if mime == "text/html":
            return ["```{=html}", *(html_table(data) or _text(data[mime])).strip("\n").split("\n"), "```"]
        if mime == "text/plain":
            return code_block(strip_ansi(_text(data[mime])).rstrip("\n"))
        self.context.refusals.append(Problem(f"{UNSUPPORTED}.cell-output", "a cell output with no static form "
                                             f"({', '.join(sorted(data))}: a Jupyter widget?) {UNSUPPORTED_TAIL}",
                                             self.cell.location))
        return []

    def output(self, output: dict, **image) -> list[str]:
        """One output in its ``.cell-output`` div (or bare, for ``output: asis``)."""
        kind = output.get("output_type")
        asis = self.cell.get("output") == "asis"
        if kind == "stream":
            text = KERNEL_FILE.sub("", strip_ansi(_text(output.get("text", ""))).rstrip("\n"))
            if asis and output.get("name") == "stdout":
                return [text, ""]
            return [f"::: {{.cell-output .cell-output-{output.get('name', 'stdout')}}}", "", *code_block(text), "",
                    ":::", ""]
        if kind == "error":
            text = strip_ansi("\n".join(output.get("traceback") or [f"{output.get('ename')}: {output.get('evalue')}"]))
            return ["::: {.cell-output .cell-output-error}", "", *code_block(text), "", ":::", ""]
        body = self.rendition(output, **image)
        if asis:
            return [*body, ""]
        markdown = " .cell-output-markdown" if choose(output["data"], "pdf") == "text/markdown" else ""
        return [f"::: {{.cell-output .cell-output-display{markdown}}}", "", *body, "", ":::", ""]

    # -- the cell --------------------------------------------------------------------------
    def markdown(self) -> list[str]:
        cell = self.cell
        if not cell.get("include", True):
            return []
        code = self.code()
        outputs = self.outputs if cell.get("output", True) is not False else []
        kind = (cell.label or "").split("-")[0] if cell.label and "-" in cell.label else ""
        if kind == "fig":
            inner = self._figure(outputs)
        elif kind == "tbl":
            inner = self._table(outputs)
        else:
            inner = [line for output in outputs for line in self.output(output)]
        if not code and not inner:
            return []
        if cell.get("output") == "asis" and not code and kind not in ("fig", "tbl") and not cell.label:
            return ["", *inner]
        classes = cell.get("classes") or []
        classes = [classes] if isinstance(classes, str) else classes
        ident = f"#{cell.label} " if cell.label and kind not in ("fig", "tbl") else ""
        extra = "".join(f" .{c.lstrip('.')}" for c in classes)
        return ["", f"::: {{{ident}.cell{extra}}}", "", *code, "", *inner, "", ":::", ""]

    def _layout(self) -> str:
        parts = []
        for key in ("layout-ncol", "layout-nrow"):
            if self.cell.get(key) is not None:
                parts.append(f"{key}={_quote(self.cell.get(key))}")
        layout = self.cell.get("layout")
        if layout is not None:
            text = layout if isinstance(layout, str) else re.sub(r"\s+", "", str(layout))
            parts.append(f"layout={_quote(text)}")
        return (" " + " ".join(parts)) if parts else ""

    def _subcaptions(self, key: str, count: int) -> list[str] | None:
        value = self.cell.get(key)
        if value is None:
            return None
        captions = [""] * count if value is True else [str(value)] if not isinstance(value, list) else \
            [str(v) for v in value]
        if len(captions) != count:
            self.problem(f"{key} gives {len(captions)} caption(s) but the cell {self.cell.label} shows {count} "
                         f"{'figure' if key.startswith('fig') else 'table'}(s)")
        return (captions + [""] * count)[:count]

    def _figure(self, outputs: list[dict]) -> list[str]:
        label, cell = self.cell.label, self.cell
        images = [o for o in outputs if "data" in o and self._image_mime(o)]
        others = [line for o in outputs if o not in images for line in self.output(o)]
        caption = str(cell.get("fig-cap") or "")
        alt = cell.get("fig-alt")
        alt_attribute = f" fig-alt={_quote(alt)}" if alt is not None else ""
        if not images:
            self.problem(f"the cell labelled {label} shows no figure (draw one with matplotlib, or label it "
                         "without fig-)")
            return others
        subcaps = self._subcaptions("fig-subcap", len(images))
        if subcaps is None and len(images) == 1:
            return [*others, *self.output(images[0], image_attributes=f"#{label}{alt_attribute}", caption=caption)]
        if subcaps is None:
            self.problem(f"the cell labelled {label} draws {len(images)} figures: give fig-subcap (one caption "
                         "each) to show them as subfigures, or draw one figure")
            subcaps = [""] * len(images)
        panels = []
        for number, (image, subcap) in enumerate(zip(images, subcaps), start=1):
            panels += [*self.rendition(image, image_attributes=f"#{label}-{number}", caption=subcap), ""]
        return [*others, f"::: {{#{label}{self._layout()}}}", "", *panels, caption, "", ":::", ""]

    def _table(self, outputs: list[dict]) -> list[str]:
        label, cell = self.cell.label, self.cell
        shown = [o for o in outputs if "data" in o]
        others = [line for o in outputs if o not in shown for line in self.output(o)]
        caption = str(cell.get("tbl-cap") or "")
        if not shown:
            self.problem(f"the cell labelled {label} shows no table (its last line should be the table, "
                         "e.g. a DataFrame)")
            return others
        subcaps = self._subcaptions("tbl-subcap", len(shown))
        if subcaps is None:
            body = [line for o in shown for line in [*self.rendition(o), ""]]
            return [*others, f"::: {{#{label}}}", "", *body, caption, "", ":::", ""]
        panels = []
        for number, (output, subcap) in enumerate(zip(shown, subcaps), start=1):
            panels += [f"::: {{#{label}-{number}}}", "", *self.rendition(output), "", subcap, "", ":::", ""]
        return [*others, f"::: {{#{label}{self._layout()}}}", "", *panels, caption, "", ":::", ""]


def executed_lines(lines: list[tuple[str, Location | None]], cells: Cells, record: dict, context: Context,
                   embedded: dict[int, tuple[Cell, list[dict]]] | None = None) -> list[tuple[str, Location | None]]:
    """The document's lines with every cell replaced by its markdown, every inline expression by
    its value and every embed (``embedded``: line -> notebook cell and outputs) by the cell's markdown
    (each new line keeps the location of the cell it came from)."""
    results = iter(record.get("inline", []))
    inline_lines = {i.line for i in cells.inline}
    by_first = {cell.first: (cell, entry.get("outputs", [])) for cell, entry in zip(cells.cells, record.get("cells", []))}
    by_first.update(embedded or {})
    out: list[tuple[str, Location | None]] = []
    index = 0
    while index < len(lines):
        text, location = lines[index]
        if index in by_first:
            cell, outputs = by_first[index]
            out += [(line, cell.location) for line in CellWriter(cell, outputs, context).markdown()]
            index = cell.last + 1
            continue
        if index in inline_lines:
            text = _substitute(text, results)
        out.append((text, location))
        index += 1
    return out


def _substitute(text: str, results) -> str:
    from .cells import INLINE, LANGUAGE

    def value(match: re.Match) -> str:
        if match.group("lang").lower() != LANGUAGE:
            return match.group(0)
        return match.group(1) + inline_value(next(results, {"text/plain": html.escape(match.group(0))}))

    return INLINE.sub(value, text)
