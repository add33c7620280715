"""Checks on rendered files before they replace the last good outputs."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from .errors import Problem
from .office import XmlFacts, docx_facts, jats_facts

# Quarto's (and our) markers for things that did not resolve.
MARKERS = re.compile(r"\?@[A-Za-z][\w:.-]*|\?var:[\w.-]+|\?meta:[\w.-]+")


class _HtmlFacts(HTMLParser):
    """Collects ids, cross-reference targets, image sources and visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.xrefs: list[str] = []
        self.links: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("href", "").startswith("#"):
            target = unquote(attributes["href"][1:])
            self.links.append(target)
            if "quarto-xref" in (attributes.get("class") or "").split():
                self.xrefs.append(target)
        if tag == "img":
            self.images.append(attributes.get("src") or "")
        if tag in ("script", "style", "math"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "math") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def markers_in(text: str) -> list[str]:
    """Unresolved-reference markers (``?@fig-x``, ``?var:x``) in a text, in order, once each."""
    return list(dict.fromkeys(MARKERS.findall(text)))


def marker_problems(markers: list[str], path: Path) -> list[Problem]:
    """One problem per marker; its subject is what the marker stands for (``?@fig-x`` -> ``@fig-x``)."""
    return [Problem("output.marker", f"unresolved marker {m} in {path.name}", subject=m[1:]) for m in markers]


def check_html(path: Path) -> list[Problem]:
    """The page has no markers, every internal link has a target, every image exists."""
    facts = html_facts(path)
    problems = marker_problems(markers_in("".join(facts.text)), path)
    for target in dict.fromkeys(facts.links):
        if target and target not in facts.ids:
            problems.append(Problem("output.link", f"link to #{target} has no target in {path.name}", subject=f"#{target}"))
    for src in facts.images:
        if src.startswith("data:") or re.match(r"^[a-z]+://", src):
            continue
        if not src or not (path.parent / unquote(src)).is_file():
            problems.append(Problem("output.image", f"image {src!r} referenced by {path.name} does not exist"))
    return problems


def html_facts(path: Path) -> _HtmlFacts:
    """Parsed facts about an HTML output (for tests and the parity check)."""
    facts = _HtmlFacts()
    facts.feed(path.read_text(encoding="utf-8"))
    return facts


def pdf_text(path: Path) -> list[str]:
    """Text of each page of a PDF: poppler's pdftotext where installed (ten times faster than
    pypdf; a long PDF is read as two halves in parallel), else pypdf."""
    return start_pdf_text(path)()


def start_pdf_text(path: Path) -> Callable[[], list[str]]:
    """``pdf_text``, started: pdftotext runs in the background (the caller may do other work meanwhile, as
    the parity check parses the HTML); the function returned waits for it and gives the pages' text."""
    pdftotext = shutil.which("pdftotext")
    jobs = []
    if pdftotext:
        pages = page_count(path)
        halves = [(1, pages)] if pages < 8 else [(1, pages // 2), (pages // 2 + 1, pages)]
        jobs = [subprocess.Popen([pdftotext, "-enc", "UTF-8", "-f", str(a), "-l", str(b), str(path), "-"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) for a, b in halves]

    def finish() -> list[str]:
        outputs = [job.communicate()[0] for job in jobs]
        if jobs and all(job.returncode == 0 for job in jobs):
            text = []
            for output in outputs:
                part = output.decode("utf-8").split("\f")
                text += part[:-1] if part and not part[-1].strip() else part
            return text
        from pypdf import PdfReader

        return [page.extract_text() or "" for page in PdfReader(str(path)).pages]
    return finish


def page_count(path: Path) -> int:
    """Number of pages: poppler's pdfinfo where installed, else pypdf (0 for an unreadable file). Asked once
    per file as it is (the output check and the parity check's text both need it)."""
    try:
        stat = path.stat()
    except OSError:
        return 0
    return _page_count(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _page_count(path: str, size: int, mtime_ns: int) -> int:
    pdfinfo = shutil.which("pdfinfo")
    if pdfinfo:
        done = subprocess.run([pdfinfo, path], capture_output=True, text=True, errors="replace")
        match = re.search(r"^Pages:\s+(\d+)", done.stdout, re.M)
        if done.returncode == 0 and match:
            return int(match.group(1))
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(path).pages)
    except (PdfReadError, OSError, ValueError):
        return 0


def check_pdf(path: Path, source: Path | None = None) -> list[Problem]:
    """The PDF is complete (header, end marker, at least one page) and has no markers.

    Markers are looked for in ``source`` (the Typst file it was compiled from) when given,
    which is much faster than extracting the PDF's text; otherwise in the extracted text.
    The structure check reads the header and the end marker directly and counts the pages
    with ``page_count``; the tests check the PDFs in depth with pypdf.
    """
    with open(path, "rb") as handle:
        head = handle.read(5)
        handle.seek(max(0, path.stat().st_size - 1024))
        tail = handle.read()
    if head != b"%PDF-" or b"%%EOF" not in tail:
        return [Problem("output.pdf", f"{path.name} is not a complete PDF file")]
    if page_count(path) == 0:
        return [Problem("output.pdf", f"{path.name} has no pages")]
    if source is not None:
        text = source.read_text(encoding="utf-8").replace("\\", "")
    else:
        try:
            text = "\n".join(pdf_text(path))
        except Exception as exc:  # pypdf raises several types for damaged files
            return [Problem("output.pdf", f"{path.name} cannot be read as PDF: {exc}")]
    return marker_problems(markers_in(text), path)


XML_FACTS = {"docx": docx_facts, "jats": jats_facts}


def check_xml(fmt: str, path: Path) -> list[Problem]:
    """A Word or JATS file: readable, no markers, every internal link has a target (a bookmark, an
    id), every image a JATS file names exists beside it."""
    try:
        facts: XmlFacts = XML_FACTS[fmt](path)
    except ValueError as exc:
        return [Problem(f"output.{fmt}", str(exc))]
    problems = marker_problems(markers_in("\n".join(facts.text)), path)
    for target in dict.fromkeys(facts.links):
        if target not in facts.ids:
            problems.append(Problem("output.link", f"link to #{target} has no target in {path.name}", subject=f"#{target}"))
    for src in facts.images:
        if not re.match(r"^[a-z]+://", src) and not (path.parent / unquote(src)).is_file():
            problems.append(Problem("output.image", f"image {src!r} referenced by {path.name} does not exist"))
    return problems


def output_text(fmt: str, path: Path) -> str:
    """The text a reader sees in a PDF, Word or JATS output (the parity check searches it)."""
    return " ".join(XML_FACTS[fmt](path).text if fmt in XML_FACTS else pdf_text(path))


def check_output(fmt: str, path: Path, source: Path | None = None) -> list[Problem]:
    """Run the check for one rendered file; a missing file is itself a problem."""
    if not path.is_file() or path.stat().st_size == 0:
        return [Problem("output.missing", f"expected output {path.name} was not written")]
    if fmt in XML_FACTS:
        return check_xml(fmt, path)
    return check_html(path) if fmt == "html" else check_pdf(path, source)
