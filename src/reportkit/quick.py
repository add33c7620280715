"""A preview's quick page: after a save that changed one included file only, render that file's part
of the document alone and splice it into the last full render's page and Typst source, instead of
rendering the whole document again (a chapter is a few per cent of the paper).

A quick page is made only when it is the page a full render would make:

- the save changed included files only, and the document's expanded text differs from the last full
  render's (``BuiltinEngine.last_body``) inside one top-level include; its metadata (and the ids of the
  other documents) are as they were; it defines no reference links or notes (``DOCUMENT_WIDE``);
- the part is rendered as it was and as it is, each numbered and cited with the whole document's
  outline (crossref.lua's numbers, ids and cited keys); the part as it was must occur exactly once in the
  last page (so its place, numbers and citations are the page's), and the part as it is must report no
  problem, keep the same labels, headings, ids and cited keys and have no footnotes (so nothing outside it
  changes: the numbers, the table of contents, links to it, the list of references, the notes)
  (``same_shape``).

Otherwise the preview renders the whole document, as without a quick page. The full render follows a
quick page anyway (the PDF's checks, the other formats), and the preview compares its page with the
quick one (:meth:`QuickPages.differences`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .engines.base import RenderRequest
from .errors import Location, ReportError
from .project import Project
from .reproducible import source_date_epoch
from .source import Document
from . import xref

if TYPE_CHECKING:  # the built-in engine's splicing render (engines/incremental.py) uses this module's rules
    from .engines.builtin import BuiltinEngine, PartOutput

REMEMBERED = 8  # part renderings kept: a chapter's last one, in both formats, is the next save's "before"
CITATION = re.compile(r"@\{?([\w:.#$%&+?<>~/-]*\w)")  # pandoc's citation keys (inner punctuation allowed)
SECTION_END = "</section>"  # pandoc's --section-divs: each on a line of its own
HEADING = re.compile(r"<h[1-6][^>]*>.*?</h[1-6]>", re.S)
# footnotes and margin notes (filters/notes.lua) are numbered through the whole document
NOTES = ('role="doc-noteref"', '"margin-note-ref"')
# what pandoc resolves across the whole document, so that a part alone renders it differently: reference
# link and note definitions ("[label]: url", "[^note]: text"); a document with none has nothing to resolve
DOCUMENT_WIDE = re.compile(r"^ {0,3}\[[^\]\n]+\]:", re.M)


@dataclass
class Change:
    """The text of the one top-level include that changed, before and after; ``where``: its include line."""

    before: str
    after: str
    where: Location
    file: str  # the included file (as its lines' locations name it)


def changed_include(before: str, document: Document) -> Change | None:
    """How ``document``'s expanded text differs from ``before`` (the same document's, expanded earlier),
    when it differs inside one top-level include only; else None."""
    old, new = before.split("\n"), document.expanded.body.split("\n")
    locations = document.expanded.source_map.locations
    first = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    if first >= len(locations) or not locations[first].chain:
        return None
    where = locations[first].chain[0]
    inside = [i for i, loc in enumerate(locations) if loc.chain and loc.chain[0] == where]
    start, end = inside[0], inside[-1] + 1
    if inside != list(range(start, end)):
        return None
    old_end = len(old) - (len(new) - end)
    if old_end < start or old[:start] != new[:start] or old[old_end:] != new[end:]:
        return None
    file = next((loc.file for loc in locations[start:end] if len(loc.chain) == 1), where.file)
    return Change("\n".join(old[start:old_end]), "\n".join(new[start:end]), where, str(file))


def splice(whole: str, before: str, after: str) -> str | None:
    """``whole`` with ``before`` replaced by ``after``, when ``before`` occurs exactly once. A part's HTML
    closes its open sections at its end, where in the whole document the next file's headings decide
    whether they close there (a chapter of "## " sections inside the "# " section the main file opened):
    those closing tags are left out of both, when they are as many (the same headings: ``same_shape``)."""
    (before, closed), (after, closing) = open_ended(before), open_ended(after)
    if not before or closed != closing or whole.count(before) != 1:
        return None
    return whole.replace(before, after, 1)


def open_ended(text: str) -> tuple[str, int]:
    """``text`` without its final newlines and the section closing tags at its end; how many there were."""
    lines = text.rstrip("\n").split("\n")
    closed = 0
    while len(lines) > 1 and lines[-1] == SECTION_END:
        lines.pop()
        closed += 1
    return "\n".join(lines), closed


def cited_for(text: str, cited: tuple[str, ...], names: dict[str, list[str]] | None) -> tuple[str, ...]:
    """The keys of ``cited`` (the whole document's) a part with ``text`` is cited with: those it may cite
    (every ``@key`` in it: more than it cites when an ``@`` is no citation) and those that share a name
    with one of them (``names``: bibliography.citation_names), which citeproc may tell apart from them
    by a year suffix ("2020a") or more names; all of them when the names are not known. Fewer entries
    are faster to cite (~0.1-0.2 s a part for this paper's 41)."""
    if names is None:
        return cited
    found = set(CITATION.findall(text))
    own = [key for key in cited if key in found or key.rstrip(".:") in found]
    shared = {name for key in own for name in names.get(key, [key])}
    return tuple(key for key in cited if key in own or shared.intersection(names.get(key, [key])))


def same_shape(before: PartOutput, after: PartOutput, fmt: str) -> bool:
    """Whether the part as it is leaves the rest of the document as it was: no problems, the same labels
    and cited keys in the same order, the same ids (which links elsewhere may point to) and, in HTML, the
    same headings (which the table of contents shows) and no footnotes (numbered and listed document-wide)."""
    if before.problems or after.problems or before.labels != after.labels or before.cited != after.cited:
        return False
    if before.ids != after.ids:
        return False
    if fmt != "html":
        return True
    if any(mark in part.text for part in (before, after) for mark in NOTES):
        return False
    return HEADING.findall(before.text) == HEADING.findall(after.text)


@dataclass
class Pending:
    """A document whose quick page was served: its part's Typst renderings (under way), and what the
    PDF and the comparison with the full render need."""

    request: RenderRequest
    typst: dict[str, Callable[[], PartOutput]]  # "before"/"after" -> wait for it
    page: bytes
    source: str | None = None  # the spliced Typst source, once the quick PDF is made


@dataclass
class QuickPages:
    """Quick pages for a preview of the project at ``root`` with a warm built-in ``engine``, in the preview's
    ``formats`` (a quick page needs "html"; with "pdf", a quick PDF follows it)."""

    root: Path
    engine: BuiltinEngine
    formats: tuple[str, ...] = ("html", "pdf")
    pending: dict[str, Pending] = field(default_factory=dict)  # stem -> its served quick page
    _parts: dict[str, PartOutput] = field(default_factory=dict)  # part renderings by ``_start``'s key, oldest first

    def page(self, changed: list[Path]) -> dict[str, bytes] | None:
        """The pages to serve instead of the files (output name -> bytes), or None when a quick page
        cannot be made for this save (the preview then renders the whole document). The part's Typst is
        started at the same time, for :meth:`pdfs`."""
        self.pending = {}
        if "html" not in self.formats:
            return None
        try:
            project = Project.load(self.root)
            documents = {main: Document.read(project, main) for main in project.main_inputs}
        except ReportError:
            return None
        pages: dict[str, bytes] = {}
        for main, document in documents.items():
            stem = document.stem
            base, outline = self.engine.last_body(stem), self.engine.outline(stem)
            page_file = project.output_dir / f"{stem}.html"
            if not (base.is_file() and outline.is_file() and page_file.is_file()):
                return None
            before = base.read_text(encoding="utf-8")
            if before == document.expanded.body:
                continue
            if document.problems or document.cells or DOCUMENT_WIDE.search(document.expanded.body) \
                    or not self._only_includes(changed, document):
                return None
            change = changed_include(before, document)
            if change is None:
                return None
            others = [d for m, d in documents.items() if m != main]
            scratch = self.engine.warm.folder(stem) / "parts"
            request = RenderRequest(document, ("html",), scratch, xref.links(document, others))
            meta = self.engine.metadata_snapshot(request)
            if meta != self._read(self.engine.last_metadata(stem)):
                return None
            whole = outline.read_text(encoding="utf-8")
            cited = tuple(json.loads(whole).get("cited") or [])
            names = self.engine.cited_names(request)
            parts = {fmt: {name: self._start(request, name, text, fmt, cited_for(text, cited, names),
                                             f"{fmt}\0{whole}\0{meta}")
                           for name, text in (("before", change.before), ("after", change.after))}
                     for fmt in ("html", "pdf") if fmt in self.formats}
            html = {name: wait() for name, wait in parts["html"].items()}
            if not same_shape(html["before"], html["after"], "html"):
                return None
            page = splice(page_file.read_text(encoding="utf-8"), html["before"].text, html["after"].text)
            if page is None:
                return None
            pages[page_file.name] = page.encode("utf-8")
            self.pending[stem] = Pending(request, parts.get("pdf", {}), pages[page_file.name])
        return pages or None

    def pdfs(self) -> dict[str, bytes]:
        """The PDFs of the documents whose quick page was served (output name -> bytes), from their spliced
        Typst source and the warm compiler; a document whose PDF cannot be made quickly is left out."""
        out = {}
        for stem, pending in self.pending.items():
            typ, base = self.engine.warm.folder(stem) / f"{stem}.typ", self.engine.last_typst(stem)
            typst = {name: wait() for name, wait in pending.typst.items()}
            if not typst or not base.is_file() or not same_shape(typst["before"], typst["after"], "pdf"):
                continue
            source = splice(base.read_text(encoding="utf-8"), typst["before"].text, typst["after"].text)
            if source is None:
                continue
            typ.write_text(source, encoding="utf-8")
            pending.source = source
            target = self.engine.warm.folder(stem) / "parts" / f"{stem}.pdf"
            self.engine.warm.compile(typ, target, source_date_epoch(self.root))
            out[f"{stem}.pdf"] = target.read_bytes()
        return out

    def differences(self, output_dir: Path) -> list[str]:
        """After the full render: the outputs whose full version differs from the quick one served before
        it (none, when the quick path is right); forgets the quick ones."""
        found = []
        for stem, pending in self.pending.items():
            page = output_dir / f"{stem}.html"
            if page.is_file() and page.read_bytes() != pending.page:
                found.append(f"{stem}.html")
            typ = self.engine.warm.folder(stem) / f"{stem}.typ"
            if pending.source is not None and typ.is_file() and typ.read_text(encoding="utf-8") != pending.source:
                found.append(f"{stem}.typ")
        self.pending = {}
        return found

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _read(path: Path) -> str | None:
        return path.read_text(encoding="utf-8") if path.is_file() else None

    @staticmethod
    def _only_includes(changed: list[Path], document: Document) -> bool:
        included = {Path(f).resolve() for f in document.expanded.files[1:]}
        return bool(changed) and all(Path(p).resolve() in included for p in changed)

    def _start(self, request: RenderRequest, name: str, text: str, fmt: str, cited: tuple[str, ...],
               context: str) -> Callable[[], PartOutput]:
        """Start rendering a part (or find it rendered already, in the same ``context``); returns the wait."""
        key = hashlib.sha256(f"{context}\0{text}".encode("utf-8")).hexdigest()
        if key in self._parts:  # rendered for an earlier save: the newest again (kept last in line)
            output = self._parts[key] = self._parts.pop(key)
            return lambda: output
        wait = self.engine.start_part(request, f"{fmt}-{name}", text, fmt, cited)  # (cited: cited_for's, for this part)

        def remember() -> PartOutput:
            output = self._parts[key] = wait()
            while len(self._parts) > REMEMBERED:  # the oldest first (dicts keep insertion order)
                del self._parts[next(iter(self._parts))]
            return output
        return remember
