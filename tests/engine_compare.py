"""What two engines show a reader of the same document: the built-in engine against Quarto.

Compared across engines is what the HTML/PDF parity check compares across formats (numbered
captions in order, every quoted value, every cited work), and besides: section numbers and
titles, the page count (within ``PAGE_TOLERANCE``) and the figures' files. Each engine's HTML is
also checked against the other engine's PDF with the parity check itself.

Differences that are Quarto's own choice are not compared; they are listed in ``QUARTOS_CHOICES``
(and in README "Two engines").
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
import subprocess
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from reportkit import parity
from reportkit.checks import page_count, pdf_text

# What each engine writes its own way; none of these is compared.
QUARTOS_CHOICES = {
    "markup": "HTML class names, Quarto's title block, its Bootstrap page layout and scripts "
              "(the built-in engine writes Quarto's float/xref/callout classes, not the rest)",
    "other-formats": "Quarto's HTML links to the document's other formats ('Other Formats: Typst')",
    "screen-reader": "Quarto's HTML repeats some text for screen readers in visually hidden spans (a titled "
                     "callout's type, 'Tip'; the keys of a kbd shortcode)",
    "callout-icons": "Quarto's PDF draws callout icons (Font Awesome glyphs, '!' for important)",
    "line-breaks": "where lines and pages break, hyphenation, dot leaders in the table of contents, and the "
                   "order in which pdftotext reads table cells (also compared in layout order)",
    "values": "Quarto writes {{< var >}} values as plain text; the built-in engine marks each (class "
              "reportkit-value) and links it to its provenance entry: values are compared by their text",
    "pdf-layout": "Quarto wraps the project's Typst partials in its own template: line breaks, page breaks, "
                  "running heads and the title block's layout differ; the page count may differ by PAGE_TOLERANCE",
}
PAGE_TOLERANCE = 0.08  # a fraction of the built-in engine's page count, at least one page


@dataclass
class Shown:
    """What one engine's outputs show: facts of the HTML (captions, values, bibliography, numbered
    headings), cross-reference texts, figure files, the PDF's text and page count."""

    html: Path
    pdf: Path
    facts: parity.RenderedFacts
    xrefs: list[str]
    figures: list[str]
    pdf_text: str
    pages: int

    @classmethod
    def read(cls, output: Path, stem: str, project: Path, expected: parity.Expected) -> Shown:
        html, pdf = output / f"{stem}.html", output / f"{stem}.pdf"
        return cls(html, pdf, parity.html_facts(html, expected), links(html).xrefs, html_figures(html, project),
                   " ".join(pdf_text(pdf)).replace("\u00a0", " "), page_count(pdf))

    @property
    def sections(self) -> list[tuple[str, str]]:
        return self.facts.sections


class _Links(HTMLParser):
    """Image sources and the texts of cross-references (``a.quarto-xref``), in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.images: list[str] = []
        self.xrefs: list[str] = []
        self._xref: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        elif tag == "a" and "quarto-xref" in (a.get("class") or "").split():
            self._xref = []

    def handle_endtag(self, tag):
        if tag == "a" and self._xref is not None:
            self.xrefs.append(" ".join("".join(self._xref).split()))
            self._xref = None

    def handle_data(self, data):
        if self._xref is not None:
            self._xref.append(data)


def links(html: Path) -> _Links:
    reader = _Links()
    reader.feed(html.read_text(encoding="utf-8"))
    return reader


def pdf_references(text: str, expected: parity.Expected) -> list[str]:
    """What a PDF's text calls 'Figure 3', 'Section 4.2.1', 'Equation 1' (a word hyphenated at a line end
    joined), captions left out (they are compared on their own)."""
    words = "|".join(re.escape(w) for w in (*expected.titles, "Section", "Equation"))
    text = re.sub(r"\u00ad\s*", "", text)
    found = re.finditer(rf"\b(?:{words})\s+\d+(?:\.\w+)*(?!\w|\.\w|\s*{re.escape(expected.delimiter)})", text)
    return [" ".join(m.group(0).split()) for m in found]


def html_figures(html: Path, project: Path) -> list[str]:
    """The file each image of the page shows, in order: the project file with the same bytes
    (embedded ``data:`` images are decoded), else ``?`` and the bytes' digest."""
    by_digest = {}
    for path in sorted(project.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".svg", ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".webp"):
            by_digest.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), str(path.relative_to(project)))
    shown = []
    for src in links(html).images:
        if src.startswith("data:"):
            header, _, payload = src.partition(",")
            data = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
        else:
            target = html.parent / unquote(src)
            data = target.read_bytes() if target.is_file() else src.encode()
        digest = hashlib.sha256(data).hexdigest()
        shown.append(by_digest.get(digest, f"?{digest[:12]}"))
    return shown


@dataclass
class Comparison:
    """Every difference found between two engines' outputs of one document, and what was compared."""

    differences: list[str] = field(default_factory=list)
    compared: dict[str, int] = field(default_factory=dict)
    tolerated: list[str] = field(default_factory=list)  # subjects of differences excused by the caller

    def differ(self, message: str) -> None:
        self.differences.append(message)


def compare(builtin: Shown, quarto: Shown, expected: parity.Expected, tolerated: dict[str, str] | None = None
            ) -> Comparison:
    """Differences between what the built-in engine and Quarto show (``QUARTOS_CHOICES`` aside);
    ``tolerated``: subjects (``var:name``) whose differences a test excuses, with the reason."""
    tolerated = tolerated or {}
    result = Comparison()
    b, q = builtin.facts, quarto.facts
    result.compared = {"captions": len(b.captions), "sections": len(builtin.sections), "entries": len(b.entries),
                       "values": len(expected.quoted), "figures": len(builtin.figures), "xrefs": len(builtin.xrefs)}
    if b.captions != q.captions:
        result.differ(f"HTML captions differ: built-in {_short(b.captions)} vs Quarto {_short(q.captions)}")
    caption = expected.caption()
    pdf_numbers = [caption.findall(shown.pdf_text) for shown in (builtin, quarto)]
    if pdf_numbers[0] != pdf_numbers[1]:
        result.differ(f"PDF caption numbers differ: built-in {pdf_numbers[0]} vs Quarto {pdf_numbers[1]}")
    if b.entries != q.entries:
        keys = sorted(set(b.entries) ^ set(q.entries)) or [k for k in b.entries if b.entries[k] != q.entries.get(k)]
        result.differ(f"bibliography differs (entries {keys[:5]}): e.g. built-in "
                      f"{b.entries.get(keys[0], '-')[:80]!r} vs Quarto {q.entries.get(keys[0], '-')[:80]!r}")
    if builtin.sections != quarto.sections:
        pairs = [(x, y) for x, y in zip(builtin.sections, quarto.sections) if x != y]
        first = pairs[0] if pairs else (builtin.sections[len(quarto.sections):][:1], quarto.sections[len(builtin.sections):][:1])
        result.differ(f"section numbering differs ({len(builtin.sections)} vs {len(quarto.sections)} numbered "
                      f"headings); first difference: built-in {first[0]} vs Quarto {first[1]}")
    if builtin.xrefs != quarto.xrefs:
        pairs = [(x, y) for x, y in zip(builtin.xrefs, quarto.xrefs) if x != y][:3]
        result.differ(f"HTML cross-reference texts differ ({len(builtin.xrefs)} vs {len(quarto.xrefs)}): {pairs}")
    # in the PDF as a multiset: a reference in a caption moves with its float (the order is compared in HTML)
    ours, theirs = (Counter(pdf_references(shown.pdf_text, expected)) for shown in (builtin, quarto))
    if ours != theirs:
        result.differ(f"PDF references differ: only built-in {sorted((ours - theirs).elements())[:5]}, "
                      f"only Quarto {sorted((theirs - ours).elements())[:5]}")
    if builtin.figures != quarto.figures:
        result.differ(f"figures differ: built-in {builtin.figures} vs Quarto {quarto.figures}")
    allowed = max(1, round(PAGE_TOLERANCE * builtin.pages))
    if abs(builtin.pages - quarto.pages) > allowed:
        result.differ(f"page count: built-in {builtin.pages} vs Quarto {quarto.pages} (tolerance {allowed})")
    # each engine's HTML against the other engine's PDF: the parity check itself
    unmarked = parity.Expected(expected.titles, expected.delimiter, expected.floats, 0, expected.quoted)
    for html, pdf, names in ((builtin.html, quarto.pdf, "built-in HTML vs Quarto PDF"),
                             (quarto.html, builtin.pdf, "Quarto HTML vs built-in PDF")):
        for problem in parity.compare(html, pdf, unmarked).problems:
            if problem.subject in tolerated:
                result.tolerated += [problem.subject] if problem.subject not in result.tolerated else []
            else:
                result.differ(f"{names}: {problem.message}")
    return result


def _short(captions: list[tuple[str, int, str]]) -> list[str]:
    return [f"{kind} {number}: {text[:30]}" for kind, number, text in captions]


# -- visible text ----------------------------------------------------------------------------
BLOCKS = set("address article aside blockquote body br caption dd details div dl dt fieldset figcaption figure "
             "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody td tfoot "
             "th thead tr ul".split())
NOT_SHOWN = {"script", "style", "template", "title"}
QUARTO_ONLY = {"screen-reader-only", "visually-hidden", "quarto-alternate-formats"}  # see QUARTOS_CHOICES
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
ICON = re.compile(r"^(?:[\ue000-\uf8ff]|!)$")  # a callout icon in Quarto's PDF
LEADER = re.compile(r"^\.+$")


class _Visible(HTMLParser):
    """The text of a page as a reader sees it, one string per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hidden)

    @property
    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        if tag in BLOCKS:
            self.parts.append("\n")
        if tag not in ("br", "img", "hr", "meta", "link", "input", "wbr"):
            self._stack.append((tag, self._hidden or tag in NOT_SHOWN or bool(classes & QUARTO_ONLY)))

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n")
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data.replace("\n", " "))


def html_blocks(html: Path) -> list[str]:
    """The visible text of ``html``, one normalised string per block (``QUARTO_ONLY`` left out)."""
    reader = _Visible()
    reader.feed(html.read_text(encoding="utf-8"))
    text = unicodedata.normalize("NFKC", "".join(reader.parts)).translate(INVISIBLE)
    return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def pdf_words(pdf: Path, layout: bool = False) -> list[str]:
    """The words of a PDF in reading (or layout) order, with hyphenation at line ends joined and
    dot leaders and callout icons left out (see QUARTOS_CHOICES)."""
    done = subprocess.run(["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"],
                          capture_output=True, text=True, check=True)
    text = unicodedata.normalize("NFKC", done.stdout)
    text = re.sub(r"\u00ad\s*", "", text).translate(INVISIBLE)
    return [w for w in text.split() if not LEADER.match(w) and not ICON.match(w)]


def text_differences(builtin: tuple[Path, Path], quarto: tuple[Path, Path], context: int = 4) -> list[str]:
    """Where the visible text of the built-in engine's (HTML, PDF) differs from Quarto's: the HTML
    block by block, the PDF word by word (in reading order, or else in layout order)."""
    found = []
    ours, theirs = html_blocks(builtin[0]), html_blocks(quarto[0])
    if ours != theirs:
        diff = difflib.unified_diff(theirs, ours, "Quarto HTML", "built-in HTML", lineterm="", n=1)
        found.append("\n".join(diff))
    if pdf_words(builtin[1]) != pdf_words(quarto[1]) and pdf_words(builtin[1], True) != pdf_words(quarto[1], True):
        ours, theirs = pdf_words(builtin[1]), pdf_words(quarto[1])
        matcher = difflib.SequenceMatcher(a=theirs, b=ours, autojunk=False)
        for op, a1, a2, b1, b2 in matcher.get_opcodes():
            if op != "equal":
                found.append(f"PDF: Quarto {' '.join(theirs[max(0, a1 - context):a2 + context])!r} vs built-in "
                             f"{' '.join(ours[max(0, b1 - context):b2 + context])!r}")
    return found
