"""Parity: every format (PDF, Word, JATS) must show the HTML's numbered captions, quoted values and cited works.

Quoted values are found by their class in HTML that marks them (the built-in engine's); Quarto
writes ``{{< var >}}`` values as plain text, so there each value's text is looked for instead.

Text is compared "squashed" (case-folded, compatibility-normalised, without whitespace
and hyphens), because the PDF's extracted text breaks lines and hyphenates words where
the HTML does not. Word and JATS write a level-1 section number as "1. Title" (as Quarto does).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable

from .checks import output_text, start_pdf_text
from .errors import Problem
from .metadata import float_kinds
from .project import SUFFIX
from .protocol import VALUE_CLASS, VALUE_NAME_ATTRIBUTE

HEADING = re.compile(r"h[1-6]")
NOT_SHOWN = ("script", "style", "title", "template")
PREFIX_CHARS = 60  # how much of each caption / bibliography entry must match
FLOAT_LABEL = re.compile(r"\{[^}]*#([A-Za-z]+)-[\w:.-]+")
# protocol.value_span's markdown: [text]{.class attribute="name"}
VALUE_SPAN = re.compile(r"\[((?:[^\]\\]|\\.)*)\]\{\." + re.escape(VALUE_CLASS) + r"\s+"
                        + re.escape(VALUE_NAME_ATTRIBUTE) + r'="([^"]*)"')
MARKDOWN_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Expected:
    """What the sources promise a reader: the caption words (``crossref: fig-title``, ``tbl-title``,
    ``title-delim``), how many float labels they hold, and the quoted values: how many the HTML
    marks (``values``, for an engine that marks them) and, by name, the texts a reader sees (``quoted``)."""

    titles: tuple[str, ...] = ("Figure", "Table")
    delimiter: str = ":"
    floats: int = 0
    values: int = 0
    quoted: tuple[tuple[str, str], ...] = ()  # (variable name, text shown)

    @classmethod
    def of(cls, body: str, crossref: dict | None, words: dict | None = None, marked: bool = True) -> Expected:
        """From an expanded body; ``words``: the language's titles; ``marked``: the engine marks quoted
        values in its HTML."""
        crossref = crossref if isinstance(crossref, dict) else {}
        words = words or {}
        quoted = [(name, MARKDOWN_ESCAPE.sub(r"\1", text)) for text, name in VALUE_SPAN.findall(body)]
        kinds = float_kinds(crossref, words)
        labels = {m.group(0) for m in FLOAT_LABEL.finditer(body) if m.group(1).lower() in kinds}
        return cls(titles=tuple(dict.fromkeys(title for _, title, _ in kinds.values())),
                   delimiter=str(crossref.get("title-delim", ":")), floats=len(labels),
                   values=len(quoted) if marked else 0, quoted=tuple(dict.fromkeys(quoted)))

    def caption(self) -> re.Pattern:
        """A numbered caption's start: ``Figure 3:``, or ``Table S3:`` for a kind numbered without a space
        (group 1 the title, group 2 the number, which ``crossref: fig-labels`` may make roman or
        alphabetic)."""
        titles = "|".join(re.escape(t) for t in sorted(self.titles, key=len, reverse=True))
        return re.compile(rf"({titles})\s*([0-9A-Za-z]+){re.escape(self.delimiter)}")


@dataclass
class ParityReport:
    """How much was compared, and every difference found."""

    captions: int = 0
    values: int = 0
    entries: int = 0
    sections: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.captions} captions, {self.sections} section numbers, {self.values} values, "
                f"{self.entries} references compared")


PAGE_FURNITURE = 120  # characters (squashed) that may follow a page's last line of text: its number, a footer


def squash(text: str) -> str:
    """Text reduced to what survives PDF extraction: no spaces, hyphens or soft hyphens."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


def across_pages(value: str, pages: list[str], furniture: int = PAGE_FURNITURE) -> bool:
    """Whether ``value`` runs from the end of one PDF page onto a line of the next: a paragraph broken by a
    page break continues below that page's running header and the floats placed at its top, which a
    PDF's text puts in between. The value's first words must end the page's text (but for up to
    ``furniture`` characters: a page number, a running footer), and the rest must start a line."""
    words = value.split()
    for split in range(1, len(words)):
        head, rest = squash(" ".join(words[:split])), squash(" ".join(words[split:]))
        for page, following in zip(pages, pages[1:]):
            end = squash(page)
            at = end.rfind(head)
            if at >= 0 and len(end) - at - len(head) <= furniture and any(
                    squash(line).startswith(rest) for line in following.splitlines()):
                return True
    return False


@dataclass
class RenderedFacts:
    """What a reader sees in one output: captions, quoted values, bibliography entries."""

    captions: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, number, text)
    values: dict[str, str] = field(default_factory=dict)  # variable name -> shown value
    entries: dict[str, str] = field(default_factory=dict)  # bibliography key -> entry text
    sections: list[tuple[str, str]] = field(default_factory=list)  # numbered headings: (number, title)
    text: list[str] = field(default_factory=list)  # the visible text
    generator: str = ""  # the program named by <meta name="generator">


class _HtmlReader(HTMLParser):
    """Collects figcaptions, quoted values (the protocol's value class), csl-entry texts and
    numbered headings (the number in their ``header-section-number`` span)."""

    def __init__(self, expected: Expected) -> None:
        super().__init__(convert_charrefs=True)
        self.caption = re.compile(expected.caption().pattern + r"\s*(.*)$", re.S)
        self.facts = RenderedFacts()
        self._stack: list[tuple[str, str, str]] = []  # (tag, kind, key) of open elements we collect
        self._buffers: dict[int, list[str]] = {}
        self._hidden = 0  # depth inside elements a reader does not see
        self._number = ""  # the section number of the heading being read

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("name") == "generator":
            self.facts.generator = a.get("content") or ""
        if tag in NOT_SHOWN:
            self._hidden += 1
        classes = (a.get("class") or "").split()
        kind = key = ""
        if tag == "figcaption":
            kind = "caption"
        elif VALUE_CLASS in classes and a.get(VALUE_NAME_ATTRIBUTE):
            kind, key = "var", a[VALUE_NAME_ATTRIBUTE]
        elif "csl-entry" in classes and (a.get("id") or "").startswith("ref-"):
            kind, key = "entry", a["id"][4:]
        elif HEADING.fullmatch(tag):
            kind, self._number = "heading", ""
        elif "header-section-number" in classes and any(k == "heading" for _, k, _ in self._stack):
            kind = "number"
        self._stack.append((tag, kind, key))
        if kind:
            self._buffers[len(self._stack)] = []

    def handle_endtag(self, tag):
        if tag in NOT_SHOWN and self._hidden:
            self._hidden -= 1
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
        if not self._hidden:
            self.facts.text.append(data)

    def _store(self, kind, key, text):
        if kind == "caption":
            match = self.caption.match(text.replace("\u00a0", " "))
            if match:
                self.facts.captions.append((match.group(1), match.group(2), match.group(3)))
        elif kind == "var":
            self.facts.values.setdefault(key, text)
        elif kind == "number":
            self._number = text
        elif kind == "heading" and self._number and text.startswith(self._number):
            self.facts.sections.append((self._number, text[len(self._number):].strip()))
        elif kind == "entry":
            self.facts.entries[key] = text


def html_facts(path: Path, expected: Expected = Expected()) -> RenderedFacts:
    reader = _HtmlReader(expected)
    reader.feed(path.read_text(encoding="utf-8"))
    return reader.facts


def marks_values(html: Path) -> bool:
    """Whether ``html`` was written by an engine that marks quoted values: not by Quarto
    (whose pages name it as their generator, ``quarto-1.11.0``)."""
    return not html_facts(html).generator.startswith("quarto")


FORMAT_NAMES = {"pdf": "PDF", "docx": "Word document", "jats": "JATS"}


def compare(html: Path, pdf: Path, expected: Expected = Expected(),
            pdf_pages: Callable[[], list[str]] | None = None, facts: RenderedFacts | None = None) -> ParityReport:
    """Every difference between what the HTML and another output (``pdf``: a PDF, Word or JATS file,
    by its suffix) show. Comparing nothing where the sources hold floats or quoted values is itself a
    problem (the check would prove nothing). ``facts``: the HTML's (:func:`html_facts` with ``expected``),
    when the caller has read them already."""
    fmt = {suffix: name for name, suffix in SUFFIX.items()}.get(pdf.suffix, "pdf")
    if fmt == "pdf" and pdf_pages is None:  # (``pdf_pages``: its text, already being read by the caller)
        pdf_pages = start_pdf_text(pdf)  # pdftotext reads the PDF while the HTML is parsed
    facts = html_facts(html, expected) if facts is None else facts
    other = FORMAT_NAMES[fmt]
    pages = [page.replace("\u00a0", " ") for page in pdf_pages()] if pdf_pages else []
    text = " ".join(pages) if fmt == "pdf" else output_text(fmt, pdf).replace("\u00a0", " ")
    squashed = squash(text)

    def in_other(value: str) -> bool:  # a value broken across a PDF's pages counts too
        return squash(value) in squashed or across_pages(value, pages)
    report = ParityReport(len(facts.captions), len(facts.values) or len(expected.quoted), len(facts.entries),
                          len(facts.sections))
    problems = report.problems

    def differ(message: str, subject: str | None = None) -> None:
        problems.append(Problem("parity", f"{html.name} vs {pdf.name}: {message}", subject=subject))

    if expected.floats and not facts.captions:
        differ(f"the sources label {expected.floats} figure(s)/table(s) but no numbered caption "
               f"('{expected.titles[0]} 1{expected.delimiter}') was found in the HTML")
    if expected.values and not facts.values:
        differ(f"the sources quote {expected.values} value(s) but none was found in the HTML")
    html_numbers = [(kind, number) for kind, number, _ in facts.captions]
    pdf_numbers = expected.caption().findall(text)
    for kind in expected.titles:
        in_html = [n for k, n in html_numbers if k == kind]
        in_pdf = [n for k, n in pdf_numbers if k == kind]
        if in_html != in_pdf:
            differ(f"{kind.lower()} captions numbered {in_html} in HTML but {in_pdf} in the {other}")
    for kind, number, caption in facts.captions:
        if squash(f"{kind} {number}{expected.delimiter} {caption}")[:PREFIX_CHARS] not in squashed:
            differ(f"caption of {kind} {number} ({caption[:50]!r}) not found in the {other}")
    for name, value in facts.values.items():
        if not in_other(value):
            differ(f"value of {name} ({value!r}) not found in the {other}", f"var:{name}")
    position = 0
    for number, title in facts.sections:  # numbered headings, in order (a table of contents counts)
        found = min((i for i in (squashed.find(squash(form)[:PREFIX_CHARS], position)
                                 for form in (f"{number} {title}", f"{number}. {title}")) if i >= 0), default=-1)
        if found < 0:
            differ(f"section {number} {title[:50]!r} not found in the {other} with that number (after section "
                   f"{facts.sections[max(0, facts.sections.index((number, title)) - 1)][0]})")
            break
        position = found
    shown = squash(" ".join(facts.text))
    for name, value in expected.quoted if not facts.values else ():  # unmarked values: by their text
        for where, found in (("HTML", squash(value) in shown), (other, in_other(value))):
            if not found:
                differ(f"value of {name} ({value!r}) not found in the {where}", f"var:{name}")
    for key, entry in facts.entries.items():
        if squash(entry)[:PREFIX_CHARS] not in squashed:
            differ(f"bibliography entry {key} ({entry[:50]!r}) not found in the {other}")
    return report
