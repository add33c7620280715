"""HTML/PDF parity: both formats must show the same numbered captions, quoted values and cited works.

Text is compared "squashed" (case-folded, compatibility-normalised, without whitespace
and hyphens), because the PDF's extracted text breaks lines and hyphenates words where
the HTML does not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .checks import pdf_text
from .errors import Problem

CAPTION = re.compile(r"^(Figure|Table)\s+(\d+):\s*(.*)$", re.S)
PDF_CAPTION = re.compile(r"(Figure|Table)\s+(\d+):")
PREFIX_CHARS = 60  # how much of each caption / bibliography entry must match


def squash(text: str) -> str:
    """Text reduced to what survives PDF extraction: no spaces, hyphens or soft hyphens."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


@dataclass
class RenderedFacts:
    """What a reader sees in one output: captions, quoted values, bibliography entries."""

    captions: list[tuple[str, int, str]] = field(default_factory=list)  # (kind, number, text)
    values: dict[str, str] = field(default_factory=dict)  # variable name -> shown value
    entries: dict[str, str] = field(default_factory=dict)  # bibliography key -> entry text


class _HtmlReader(HTMLParser):
    """Collects figcaptions, quarto-var values and csl-entry texts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = RenderedFacts()
        self._stack: list[tuple[str, str, str]] = []  # (tag, kind, key) of open elements we collect
        self._buffers: dict[int, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        kind = key = ""
        if tag == "figcaption":
            kind = "caption"
        elif "quarto-var" in classes and a.get("data-var"):
            kind, key = "var", a["data-var"]
        elif "csl-entry" in classes and (a.get("id") or "").startswith("ref-"):
            kind, key = "entry", a["id"][4:]
        self._stack.append((tag, kind, key))
        if kind:
            self._buffers[len(self._stack)] = []

    def handle_endtag(self, tag):
        while self._stack:
            depth = len(self._stack)
            open_tag, kind, key = self._stack.pop()
            if kind:
                text = " ".join("".join(self._buffers.pop(depth)).split())
                self._store(kind, key, text)
            if open_tag == tag:
                break

    def handle_data(self, data):
        for buffer in self._buffers.values():
            buffer.append(data)

    def _store(self, kind, key, text):
        if kind == "caption":
            match = CAPTION.match(text.replace("\u00a0", " "))
            if match:
                self.facts.captions.append((match.group(1), int(match.group(2)), match.group(3)))
        elif kind == "var":
            self.facts.values.setdefault(key, text)
        elif kind == "entry":
            self.facts.entries[key] = text


def html_facts(path: Path) -> RenderedFacts:
    reader = _HtmlReader()
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.facts


def compare(html: Path, pdf: Path) -> list[Problem]:
    """Every difference between what the HTML and the PDF show, as problems."""
    facts = html_facts(html)
    text = " ".join(pdf_text(pdf)).replace("\u00a0", " ")
    squashed = squash(text)
    problems = []

    def differ(message: str) -> None:
        problems.append(Problem("parity", f"{html.name} vs {pdf.name}: {message}"))

    html_numbers = [(kind, number) for kind, number, _ in facts.captions]
    pdf_numbers = [(kind, int(number)) for kind, number in PDF_CAPTION.findall(text)]
    for kind in ("Figure", "Table"):
        in_html = [n for k, n in html_numbers if k == kind]
        in_pdf = [n for k, n in pdf_numbers if k == kind]
        if in_html != in_pdf:
            differ(f"{kind.lower()} captions numbered {in_html} in HTML but {in_pdf} in PDF")
    for kind, number, caption in facts.captions:
        if squash(f"{kind} {number}: {caption}")[:PREFIX_CHARS] not in squashed:
            differ(f"caption of {kind} {number} ({caption[:50]!r}) not found in the PDF")
    for name, value in facts.values.items():
        if squash(value) not in squashed:
            differ(f"value of {name} ({value!r}) not found in the PDF")
    for key, entry in facts.entries.items():
        if squash(entry)[:PREFIX_CHARS] not in squashed:
            differ(f"bibliography entry {key} ({entry[:50]!r}) not found in the PDF")
    return problems
