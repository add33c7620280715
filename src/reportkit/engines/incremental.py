"""``report render``'s incremental path for the built-in engine: a document whose last render differs from
this one in one included file only (a chapter was edited) is rendered by rendering that file's part alone,
in HTML and in Typst, and splicing it into the last render's page and Typst source; Typst then compiles
the spliced source (cold, as a whole render does).

This is the preview's quick page (quick.py) made a render, under the same rules, which make the spliced
outputs the bytes a whole render makes:

- everything the render reads besides the document's included files is as it was: the other inputs'
  contents, the engine's files and tools, both formats' metadata, the other documents' ids, the formats
  and the timestamp (:func:`context_key`); the last render reported no problem;
- the document's text differs inside one top-level include only (``quick.changed_include``), and the
  document defines no reference links or notes (:data:`quick.DOCUMENT_WIDE`), which pandoc resolves across
  the whole document;
- the part is rendered as it was and as it is, numbered and cited with the last render's outline; the part
  as it was must occur exactly once in the last page and Typst source, and the part as it is must keep the
  same shape (``quick.same_shape``: no problems, the same labels, ids, cited keys and headings, no notes).

Otherwise the document is rendered whole. The last render's state (:class:`RenderMemory`) is kept in
``.reportkit/render/<stem>/``: its expanded text, outline, page, Typst source, the last spliced parts (the
next edit's parts as they were) and ``state.json``, written last, with the context key and each file's
digest; a file that does not match its digest (an interrupted write, an edit by hand) means no splice.
The parts are rendered by one part server (partserver.py), the Typst part first, so that the PDF's compile
runs beside the HTML part; their files are kept in ``parts/`` there. The PDF is returned still being written
(``RenderResult.pending``): the pipeline checks the HTML meanwhile. When one of a document's included files is
newer than its last render, ``report render`` starts the part server first thing, warmed up with the last
splice's Typst part (prestart.py), and its parts before the steps run (:func:`start_early`); the render uses
them if it reads the same text.
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait as wait_futures
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .. import __version__
from ..errors import ReportError
from ..progress import Progress
from ..quick import DOCUMENT_WIDE, Change, changed_include, cited_for, same_shape, splice
from ..reproducible import source_date_epoch
from ..versions import distribution_version
from .base import RenderRequest, RenderResult
from .executables import pandoc_path
from .memory import PARTS, SPLICED, Remembered, RenderMemory
from .partserver import warm_up_request

if TYPE_CHECKING:
    from .builtin import BuiltinEngine, PartOutput

SPLICE_FORMAT = {"html": "html", "pdf": "typst"}  # a part's format -> the kind of text it is spliced into


def context_key(engine: BuiltinEngine, request: RenderRequest) -> str:
    """A digest of everything a render of ``request`` reads except the document's included files: the
    contents of its other inputs (main file, settings, variables, bibliography, CSL, images...), the
    engine's files and tools, both formats' metadata, the other documents' ids, formats and timestamp."""
    from .builtin import engine_files

    document, project = request.document, request.project
    chapters = {project.relative(f) for f in document.expanded.files[1:]}
    digest = hashlib.sha256()
    pandoc = Path(pandoc_path())
    stat = pandoc.stat()
    digest.update(f"reportkit={__version__}|pandoc={pandoc}|{stat.st_size}|{stat.st_mtime_ns}|"
                  f"typst={distribution_version('typst')}|formats={','.join(sorted(request.formats))}|"
                  f"epoch={source_date_epoch(project.root)}\0".encode())
    files = [project.root / name for name in document.inputs if name not in chapters] + engine_files()
    for path in files:
        digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(absent)") + b"\0")
    for fmt in SPLICED:
        digest.update(json.dumps(engine.metadata(request, fmt), sort_keys=True, default=str).encode() + b"\0")
    digest.update(json.dumps(request.links, sort_keys=True).encode())
    return digest.hexdigest()


@dataclass
class Started:
    """A splice's parts, under way: the render they are for (``key``: :func:`splice_key`), the last render,
    the change and the functions that wait for each part (format -> "before"/"after" -> wait)."""

    key: str
    last: Remembered
    change: Change
    waits: dict[str, dict[str, Callable[[], PartOutput]]]
    started: float


@dataclass
class Refused:
    """Why a document whose text changed inside one included file is rendered whole."""

    change: Change
    reason: str


def splice_key(context: str, document) -> str:
    """What a splice's parts are made from: the render's context and the document's expanded text."""
    return digest(f"{context}\0{document.expanded.body}")


def start_splice(engine: BuiltinEngine, document, links: dict, memory: RenderMemory, context: str
                 ) -> Started | Refused | None:
    """The first half of a splice: the checks on the document, then its parts started (the Typst part first:
    the PDF's compile then runs beside the HTML part). None: no splice (nothing to say); Refused: no splice,
    and why."""
    last = memory.load(context)
    if last is None or document.problems or document.cells:
        return None
    change = changed_include(last.body, document)
    if change is None:
        return None
    if DOCUMENT_WIDE.search(document.expanded.body):
        return Refused(change, "the document defines reference links or notes, which pandoc resolves across the "
                       "whole document")
    started = time.perf_counter()
    cited = tuple(json.loads(last.outline.read_text(encoding="utf-8")).get("cited") or [])
    # the parts' files at the same paths every time (beside the memory, not in a render's staging folder)
    parts_request = RenderRequest(document, SPLICED, memory.folder / PARTS, links)
    names = engine.cited_names(parts_request)
    waits = {fmt: {name: remembered(last, fmt, text) or engine.start_part(
        parts_request, f"{fmt}-{name}", text, fmt, cited_for(text, cited, names), last.outline)
        for name, text in (("before", change.before), ("after", change.after))} for fmt in ("pdf", "html")}
    return Started(splice_key(context, document), last, change, waits, started)


def spliced_render(engine: BuiltinEngine, request: RenderRequest, memory: RenderMemory, context: str,
                   progress: Progress, early: Started | None = None) -> RenderResult | None:
    """Render ``request`` by splicing the one changed part into the last render (see the module's docstring);
    None when it cannot be (then nothing in the staging folder is an output yet). When the document's
    text differs from the last render's inside one included file but is rendered whole, the progress
    says why. ``early``: the parts started before the render's steps ran (:func:`start_early`), used when
    they were started from what this render reads."""
    document = request.document
    if early is not None and early.key == splice_key(context, document):
        started = early
    else:
        started = start_splice(engine, document, request.links, memory, context)
    if not isinstance(started, Started):  # no splice: a part server started for one (prestart.py) is not needed
        engine.close()
        return None if started is None else whole(progress, started.change, started.reason)
    last, change, waits = started.last, started.change, started.waits
    stem, work = document.stem, request.staging / ".work"
    parts: dict[str, dict[str, PartOutput]] = {}
    typ, pdf, page = work / f"{stem}.typ", request.staging / f"{stem}.pdf", request.staging / f"{stem}.html"
    compiling: Future | None = None
    spliced_both = False
    try:
        for fmt, whole_text, target in (("pdf", last.typst, typ), ("html", last.page, page)):
            parts[fmt] = {name: wait() for name, wait in waits[fmt].items()}
            before, after = parts[fmt]["before"], parts[fmt]["after"]
            if not same_shape(before, after, fmt):
                return whole(progress, change, "the edit changes what the rest of the document shows of it (its "
                             "headings, labels, ids, cited works or notes), or a problem was found")
            spliced = splice(whole_text, before.text, after.text)
            if spliced is None:
                return whole(progress, change,
                             f"its {SPLICE_FORMAT[fmt]} as it was is not found once in the last render")
            target.write_text(spliced, encoding="utf-8")
            if fmt == "pdf":
                compiling = compile_beside(engine, request, typ, pdf)
        progress.done(f"pandoc -> {stem}.html, {stem}.typ: {change.file} only, spliced into the last render",
                      time.perf_counter() - started.started, "started with the render" if started is early else "")
        spliced_both = True
    finally:
        engine.close()
        if compiling is not None and not spliced_both:
            wait_futures([compiling])  # a whole render that follows writes the same PDF

    def compiled() -> None:  # the PDF is pending while the HTML is checked; the render is remembered once it is made
        progress.done(f"typst -> {stem}.pdf", compiling.result(), "alongside the HTML part and its checks")
        arguments = parts["pdf"]["after"].arguments  # (the next splice's first part is its Typst part)
        memory.save(context, document.expanded.body, last.outline, page, typ,
                    {fmt: {"sha": digest(change.after), "output": kept(parts[fmt]["after"])} for fmt in SPLICED},
                    included(document), warm_up_request(arguments, memory.folder / PARTS) if arguments else None)
    return RenderResult(outputs={"pdf": pdf, "html": page}, sources={"pdf": typ}, pending={"pdf": compiled})


def start_early(engine: BuiltinEngine, project) -> dict[str, Started]:
    """Before a render's steps run: the parts of each document that will likely be spliced (one of its
    included files changed since its last render), started from the project as it is now, so that
    pandoc renders them while Python checks what else is stale. A guess: a render whose steps change
    what the document reads (its variables, a generated table) starts its parts again."""
    from ..source import Document
    from .. import xref

    likely = [main for main in project.main_inputs if RenderMemory(project.root, project.stem(main)).likely_changed()]
    if not likely:
        return {}
    found = {}
    try:
        documents = {main: Document.read(project, main) for main in project.main_inputs}
        for main in likely:
            document = documents[main]
            links = xref.links(document, [d for m, d in documents.items() if m != main])
            memory = RenderMemory(project.root, document.stem)
            context = context_key(engine, RenderRequest(document, SPLICED, memory.folder / PARTS, links))
            started = start_splice(engine, document, links, memory, context)
            if isinstance(started, Started):
                found[document.stem] = started
    except (ReportError, OSError, ValueError):  # the render will find and report it itself
        return found
    return found


def compile_beside(engine: BuiltinEngine, request: RenderRequest, typ: Path, pdf: Path) -> Future:
    """Typst compiles ``typ`` to ``pdf`` in a thread (the typst wheel releases Python's lock while it compiles);
    the future's result: the seconds it took (its error, Typst's)."""
    def run() -> float:
        started = time.perf_counter()
        engine.typst(request, typ, pdf)
        return time.perf_counter() - started

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"typst {typ.name}")
    try:
        return pool.submit(run)
    finally:
        pool.shutdown(wait=False)  # (the thread ends with the compile)


def included(document) -> list[str]:
    """The document's included files (absolute paths)."""
    return [str(path) for path in document.expanded.files[1:]]


def whole(progress: Progress, change: Change, reason: str) -> None:
    """No splice (returns None), and the progress says why."""
    progress.info(f"  {change.file} changed; the document is rendered whole: {reason}")
    return None


def remembered(last: Remembered, fmt: str, text: str) -> Callable[[], PartOutput] | None:
    """The last splice's part in ``fmt``, when its markdown was ``text`` (the next edit's part as it was)."""
    from .builtin import PartOutput

    part = last.parts.get(fmt)
    if not part or part.get("sha") != digest(text):
        return None
    output = PartOutput(problems=[], **part["output"])
    return lambda: output


def kept(part: PartOutput) -> dict:
    """What :func:`remembered` gives back of a spliced part (which had no problems)."""
    return {"text": part.text, "labels": part.labels, "cited": part.cited, "ids": part.ids}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
