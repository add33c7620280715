"""What the built-in engine refuses before rendering: constructs of a document it cannot render as
Quarto does. Each refusal is a problem at the construct's file and line, ending with
``errors.UNSUPPORTED_TAIL``; the build stops before any output is replaced."""

from __future__ import annotations

import re

from ..errors import UNSUPPORTED, UNSUPPORTED_TAIL, Location, Problem
from ..project import CONFIG_NAME
from ..source import Document

# Formats pandoc and Quarto know by name; any other name in `format:` is a format extension's
# (`jasa-pdf`, `ieee-typst`), whose template and filters only Quarto can run.
BASE_FORMATS = frozenset("""
html html4 html5 pdf typst docx odt rtf epub epub2 epub3 revealjs beamer pptx slidy slideous dzslides s5 gfm
commonmark commonmark_x markdown markdown_strict markdown_phpextra markdown_mmd markua djot latex context jats
jats_archiving jats_articleauthoring jats_publishing ipynb asciidoc asciidoctor asciidoc_legacy man ms texinfo
textile rst org mediawiki dokuwiki zimwiki jira xwiki tei opml haddock docbook docbook4 docbook5 icml fb2 plain
bibtex biblatex csljson chunkedhtml ansi native json dashboard email hugo docusaurus confluence
""".split())


def _format_names(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(k) for k in value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    return []


def _line_of(text: str, name: str, first_line: int) -> int | None:
    match = re.search(rf"^[ \t]*(?:format:[ \t]*)?{re.escape(name)}[ \t]*:?", text, re.M)
    return first_line + text.count("\n", 0, match.start()) if match else None


def format_extensions(document: Document) -> list[Problem]:
    """A format extension named in the front matter or in ``_quarto.yml``."""
    found = []
    sources = [(document.front_matter.get("format"), document.expanded.front_matter_text, document.shown,
                document.expanded.front_matter_line),
               (document.project.config.get("format"), document.project.config_text, CONFIG_NAME, 1)]
    for value, text, file, first in sources:
        for name in _format_names(value):
            base = re.split(r"[-+]", name, maxsplit=1)[0].lower()
            if base not in BASE_FORMATS:
                found.append(Problem(f"{UNSUPPORTED}.format", f"format extension '{name}' (its template and filters) "
                                     f"{UNSUPPORTED_TAIL}", Location(file, _line_of(text, name, first)), name))
    return found


def code_cells(document: Document) -> list[Problem]:
    """Cells and inline expressions the built-in engine cannot run ({r}, {julia}, {ojs}...), and cell
    options it does not implement (execute/cells.py); {python} cells it runs (execute/step.py)."""
    return list(document.cells.refusals)


# Quarto's page layout classes and tabsets: the HTML arranges their content (tabs, margin, page
# width) in ways the built-in engine's page does not.
LAYOUT_CLASS = re.compile(r"(?:^\s*:{3,}\s*\{[^}]*|\]\{[^}]*)\.(panel-tabset|panel-sidebar|panel-input|panel-fill|"
                          r"panel-center|column-margin|column-(?:page|screen|body)[\w-]*|aside)\b")


def layout_classes(document: Document) -> list[Problem]:
    """Tabsets, margin content and page-width columns, refused at their line."""
    found, fence = [], None
    for line, location in document.lines():
        code = re.match(r"^\s*(`{3,}|~{3,})", line)
        if code:
            fence = None if fence else code.group(1)
            continue
        if fence:
            continue
        if "{" not in line:
            continue  # LAYOUT_CLASS needs one; it has no literal prefix, so re would try it at every character
        for match in LAYOUT_CLASS.finditer(line):
            found.append(Problem(f"{UNSUPPORTED}.layout", f"the .{match.group(1)} layout {UNSUPPORTED_TAIL}",
                                 location, f".{match.group(1)}"))
    return found


MARGIN_KEYS = ("cap-location", "fig-cap-location", "tbl-cap-location")


def margin_captions(document: Document) -> list[Problem]:
    """Captions in the margin (``*cap-location: margin``), a layout the built-in engine does not have."""
    found = []
    sources = [(document.front_matter, document.expanded.front_matter_text, document.shown,
                document.expanded.front_matter_line),
               (document.project.document_metadata(), document.project.config_text, CONFIG_NAME, 1)]
    for meta, text, file, first in sources:
        for key in MARGIN_KEYS:
            if str(meta.get(key, "")) == "margin":
                found.append(Problem(f"{UNSUPPORTED}.cap-location", f"{key}: margin (captions in the margin) "
                                     f"{UNSUPPORTED_TAIL}", Location(file, _line_of(text, key, first)), key))
    return found


def format_refusals(document: Document, formats: tuple[str, ...]) -> list[Problem]:
    """Code cells in a Word or JATS render by an engine that does not run them itself: their outputs are
    recorded for HTML and PDF only (execute/markdown.py), so they cannot be shown there as Quarto does."""
    others = [f for f in formats if f not in ("html", "pdf")]
    if not others or not document.cells:
        return []
    first = next(iter([*document.cells.cells, *document.cells.inline, *document.cells.embeds]))
    return [Problem(f"{UNSUPPORTED}.cells-{others[0]}", f"code cells in a {', '.join(others)} render "
                    f"{UNSUPPORTED_TAIL}", first.location, getattr(first, "label", None))]


def refusals(document: Document) -> list[Problem]:
    """Every construct of ``document`` the built-in engine refuses."""
    return code_cells(document) + format_extensions(document) + margin_captions(document) + layout_classes(document)
