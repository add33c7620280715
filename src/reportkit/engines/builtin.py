"""The built-in engine: pandoc 3.9 (pypandoc_binary) + reportkit's Lua filters + Typst (typst wheel).

It renders the subset of Quarto listed in shared/engine.md: shortcodes (already expanded
by ``shortcodes.Expander``), numbered figures/tables/sections/equations with Quarto's
markup, callouts, citeproc with the project's CSL, table of contents. Word and JATS are
pandoc's docx and jats_articleauthoring writers over the same filters (``writers.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import __version__
from ..language import words
from ..bibliography import citation_keys, citation_names
from ..state import STATE_DIR
from ..errors import UNSUPPORTED, UNSUPPORTED_TAIL, ConfigError, EngineError, Location, Problem, StrictnessError
from ..metadata import NAMED_DATE_FORMATS, deep_merge, format_date, normalize_authors, parse_date
from ..progress import Progress
from ..project import PATH_KEYS, QUARTO_FORMAT, output_name, resolve_path
from ..protocol import CHECK_PASS, FILTER_METADATA, OUTLINE_READ, OUTLINE_WRITE, filter_settings, hex_path
from ..reproducible import source_date_epoch
from ..versions import distribution_version, executable_version
from ..source import Document
from ..packaged import package_file
from .base import Engine, RenderRequest, RenderResult, located, write_metadata
from .support import refusals
from .incremental import Started, context_key, included, spliced_render, start_early
from .memory import SPLICED, RenderMemory
from .executables import pandoc_path
from .partserver import PartServer
from .svgpng import shim
from .warm import WarmTypst
from .writers import WRITER_ARGS, WRITER_METADATA, media_folder

MARKDOWN = "markdown-implicit_header_references"
FILTERS = ("conditions.lua", "cells.lua", "tables.lua", "elsewhere.lua", "crossref.lua", "callouts.lua", "notes.lua", "vars.lua")
AFTER_CITEPROC = ("links.lua",)  # filters that read citeproc's output
PARTS_AT_ONCE = 2  # parts' pandoc processes running at once (each ~190 MB; a first quick page starts four)
OUTLINE = "outline.json"  # where a render's HTML pass writes the outline its RenderMemory keeps (in .work)
PART_FILTER = "part.lua"  # last, for a part of a document rendered alone (start_part)
# `report check`'s pass: the filters up to the last one that reports problems (only crossref.lua
# reports any; those after it only transform, and a check writes nothing). tests/test_filters.py holds
# every filter that calls problem() to this list.
CHECK_WRITER = "nothing-writer.lua"  # the check pass writes nothing (its filters report through --log)
BIBLIOGRAPHY_KEYS = "bibliography-keys.json"  # bibliography.citation_keys' memory, in the state folder
CHECK_FILTERS = FILTERS[:FILTERS.index("crossref.lua") + 1]
CHECK_WRITERS = {"html": "html", "pdf": "typst"}  # the writer a check pass of a format stands for (CHECK_PASS)
TYPST_SOURCE_LINE = re.compile(r"^\s*\d+\s*│ (.+)$", re.M)  # the failing line in a Typst diagnostic
UNSUPPORTED_TYPST = "unsupported.typst"
CITATION_UNKNOWN = "citation.unknown"  # the rule crossref.lua reports unknown citation keys under
# Metadata that is configuration for Quarto or for us, not document content.
NOT_METADATA = ("format", "project", "template-partials", "embed-resources", "css", "keep-typ", "reportkit")


@dataclass(frozen=True)
class Part:
    """One part of a document (an included file's text) to render alone, numbered and cited as in the
    whole document: ``whole`` is the outline the whole document's HTML pass wrote (crossref.lua), ``cited``
    the whole document's cited keys it is cited with (quick.cited_for: citeproc gives a citation its year
    suffix, "2020a", and its names by the others cited), ``outline`` where this part's own outline is written."""

    whole: Path
    cited: tuple[str, ...]
    outline: Path


@dataclass
class PartOutput:
    """What pandoc wrote for a part (HTML without a template, or Typst), its problems and its own
    outline (``labels``: ids in document order; ``cited``: bibliographic keys in order of first citation;
    ``ids``: every id it defines, which links elsewhere may point to; ``arguments``: the pandoc arguments it
    was rendered with)."""

    text: str
    problems: list[Problem]
    labels: list[str]
    cited: list[str]
    ids: list[str] = field(default_factory=list)
    arguments: list[str] = field(default_factory=list)


def engine_files() -> list[Path]:
    """The engine's own filters and templates (part of every render's inputs)."""
    folders = [package_file("filters"), package_file("templates", "html"), package_file("templates", "typst")]
    return sorted(p for folder in folders for p in folder.rglob("*") if p.is_file())


class BuiltinEngine(Engine):
    """pandoc + Typst, in-process where possible."""

    name = "builtin"

    def __init__(self, warm: WarmTypst | None = None, splice: bool = True, parts: PartServer | None = None):
        self.warm = warm  # a long-lived process's Typst compilers (report preview); None: compile cold
        # report render (no warm compilers): a document whose last render differs in one included file
        # only is rendered by splicing that file's part into it (incremental.py); False: always whole
        self.splice = splice
        self._parts_running: list[subprocess.Popen] = []  # start_part's processes, oldest first
        # start_part's pandoc (one part server), for the project it runs in. One for a render's splice too:
        # a second one beside it, for the other format, was no faster (measured: the same wall time, 11-16 %
        # more processor time for its own start and citeproc's tables, on two cores). ``parts``: one started
        # for this engine already (prestart.py)
        self._parts: PartServer | None = parts
        self._early: dict[str, Started] = {}  # stem -> the parts prepare() started for its splice

    def close(self) -> None:
        """Stop what the engine keeps running: its part server."""
        if self._parts is not None:
            self._parts.close()
            self._parts = None
        self._early = {}

    def prepare(self, project) -> None:
        """Before a render's steps: start the parts of the documents it will likely splice
        (incremental.start_early), so that pandoc renders them while the steps are checked."""
        if self.splice and self.warm is None:
            self._early = start_early(self, project)

    def inputs(self) -> list[Path]:
        return engine_files()

    def tools(self, cache: dict) -> dict[str, str]:
        return {"pandoc": executable_version(pandoc_path(), cache).removeprefix("pandoc ").strip(),
                "typst (Python wheel)": distribution_version("typst") or "absent", "reportkit": __version__}

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        """Markdown -> HTML (and Word, JATS) in background pandoc processes, while this process runs
        markdown -> Typst (pandoc) -> PDF (Typst): the formats use both cores."""
        refused = refusals(request.document)
        if refused:
            raise StrictnessError(refused)
        work = request.staging / ".work"
        work.mkdir(parents=True, exist_ok=True)
        stem = request.document.stem
        memory = context = None
        if self._remembers(request):
            memory, context = RenderMemory(request.project.root, stem), context_key(self, request)
            spliced = spliced_render(self, request, memory, context, progress, self._early.pop(stem, None))
            if spliced is not None:
                return spliced
        result = RenderResult()
        body = work / "body.md"
        body.write_text(request.document.expanded.body, encoding="utf-8")
        logs: list[Path] = []
        jobs = {}  # format -> (pandoc process, start time): every format but the PDF, in the background
        for fmt in (f for f in request.formats if f != "pdf"):
            target = request.staging / output_name(stem, fmt)
            logs.append(work / f"pandoc-{fmt}.log.json")
            # JATS: run where the XML is written, so that its images are extracted beside it;
            # Word: with svgpng.py as rsvg-convert, so each SVG gets its PNG fallback
            cwd = request.staging if fmt == "jats" else request.project.root
            env = {**os.environ, "PATH": os.pathsep.join([str(shim(work / "bin")), os.environ.get("PATH", "")])} \
                if fmt == "docx" else None
            jobs[fmt] = (self._start_pandoc(request, self._args(request, body, work, fmt, target, logs[-1]), cwd, env),
                         time.perf_counter())
            result.outputs[fmt] = target
            if fmt == "jats":
                result.supporting[fmt] = [request.staging / media_folder(stem)]
        interrupted = False
        try:
            if "pdf" in request.formats:
                typ = (self.warm.folder(stem) if self.warm else work) / f"{stem}.typ"
                logs.append(work / "pandoc-typst.log.json")
                with progress.step(f"pandoc -> {stem}.typ"):
                    args = self._args(request, body, work, "pdf", typ, logs[-1])
                    if self.warm:  # a preview: the part server, which has read this metadata before
                        self._start_served(request, args, "typst")()
                    else:
                        self._run_pandoc(request, args, "typst")
                self._unlink_missing_citations(typ, self.problems(request, logs[-1]))
                target = request.staging / f"{stem}.pdf"
                with progress.step(f"typst -> {stem}.pdf"):
                    self.typst(request, typ, target)
                result.outputs["pdf"] = target
                result.sources["pdf"] = typ
        except KeyboardInterrupt:  # Ctrl-C: the other formats' pandoc processes stop too, at once
            interrupted = True
            for job, _ in jobs.values():
                job.kill()
                job.wait()
            raise
        finally:
            for fmt, (job, started) in ({} if interrupted else jobs).items():
                self._finish_pandoc(request, job, fmt)
                progress.done(f"pandoc -> {output_name(stem, fmt)}", time.perf_counter() - started,
                              "alongside the PDF" if "pdf" in request.formats else "")
        for log in logs:
            result.problems += self.problems(request, log)
        if memory is not None:  # the next render may splice into this one, if it has nothing to report
            if result.problems:
                memory.forget()
            else:
                memory.save(context, request.document.expanded.body, work / OUTLINE, result.outputs["html"],
                            result.sources["pdf"], included=included(request.document))
        if self.warm and "html" in request.formats:  # what the outline describes, for the next quick page
            self.last_body(stem).write_text(request.document.expanded.body, encoding="utf-8")
            self.last_metadata(stem).write_text(self.metadata_snapshot(request), encoding="utf-8")
            if "pdf" in request.formats:
                shutil.copyfile(result.sources["pdf"], self.last_typst(stem))
        if self._parts is not None:  # between a preview's saves: a server that has grown is replaced
            self._parts.renew_if_grown()
        return result

    def _remembers(self, request: RenderRequest) -> bool:
        """Whether this render may splice into the document's last one and is remembered for the next
        (incremental.py): a render (a preview, with its warm compilers, renders whole and makes quick pages
        instead) of exactly the formats a splice makes."""
        return self.splice and self.warm is None and sorted(request.formats) == sorted(SPLICED)

    # -- parts (a preview's quick page) ---------------------------------------------------
    def outline(self, stem: str) -> Path:
        """Where a warm (preview) engine's HTML pass writes the document's outline."""
        return self.warm.folder(stem) / "outline.json"

    def last_body(self, stem: str) -> Path:
        """The expanded text of the document's last full render by a warm engine (with its outline)."""
        return self.warm.folder(stem) / "body.md"

    def last_typst(self, stem: str) -> Path:
        """The Typst source of that render (a quick PDF splices a copy; the warm compiler's own file,
        which a quick PDF overwrites, is no base for the next one)."""
        return self.warm.folder(stem) / "last.typ"

    def last_metadata(self, stem: str) -> Path:
        """The HTML metadata of that render (``metadata_snapshot``): a part is numbered with its outline
        only while the document's metadata is the same."""
        return self.warm.folder(stem) / "metadata.json"

    def metadata_snapshot(self, request: RenderRequest) -> str:
        """The document's HTML metadata as JSON text (what ``last_metadata`` holds)."""
        return json.dumps(self.metadata(request, "html"), sort_keys=True, default=str)

    def cited_names(self, request: RenderRequest) -> dict[str, list[str]] | None:
        """The names of each entry of the document's bibliography (bibliography.citation_names), which
        decide the entries a part is cited with (quick.cited_for)."""
        store = request.project.root / STATE_DIR / BIBLIOGRAPHY_KEYS
        return citation_names(self.metadata(request, "html"), pandoc_path(), store)

    def start_part(self, request: RenderRequest, name: str, text: str, fmt: str, cited: tuple[str, ...],
                   whole: Path | None = None) -> Callable[[], PartOutput]:
        """Start rendering one part of the document alone (``text``: its markdown; ``fmt``: "html" or "pdf",
        which gives Typst), numbered as the last full render of the document numbered it (its outline,
        ``whole``: by default the warm engine's), with ``cited`` as its cited entries (the whole document's
        keys, or those of them it needs: quick.cited_for). Files go to ``request.staging`` under ``name``.
        Returns the function that waits for the part."""
        work = request.staging
        work.mkdir(parents=True, exist_ok=True)
        body, log, outline = work / f"{name}.md", work / f"{name}.log.json", work / f"{name}.outline.json"
        target = work / f"{name}.{'typ' if fmt == 'pdf' else 'html'}"
        body.write_text(text, encoding="utf-8")
        part = Part(whole or self.outline(request.document.stem), cited, outline)
        args = self._args(request, body, work, fmt, target, log, part)
        wait = self._start_served(request, args, fmt)

        def finish() -> PartOutput:
            wait()
            own = json.loads(outline.read_text(encoding="utf-8"))
            return PartOutput(target.read_text(encoding="utf-8"), self.problems(request, log),
                              list(own.get("labels") or []), list(own.get("cited") or []), list(own.get("ids") or []),
                              args)
        return finish

    def _start_served(self, request: RenderRequest, args: list[str], fmt: str) -> Callable[[], None]:
        """Start a long-lived engine's pandoc pass (a part, or a preview's whole document to Typst): in the
        part server (``partserver.py``; passes run one after the other there, without pandoc's start-up
        and with the metadata it parsed before), else, when the server declines it, in a pandoc process
        once fewer than PARTS_AT_ONCE of them run. Returns the function that waits for it."""
        if self._parts is None or self._parts.cwd != request.project.root:
            self.close()
            self._parts = PartServer(pandoc_path(), request.project.root)
        served = self._parts.start(args)

        def wait() -> None:
            if not served():
                self._finish_pandoc(request, self._start_pandoc_part(request, args), fmt)
        return wait

    def _start_pandoc_part(self, request: RenderRequest, args: list[str]) -> subprocess.Popen:
        """A pandoc process for a pass the part server declined (``_start_served``), started once fewer than
        PARTS_AT_ONCE of them run, waiting for the oldest first (its output is kept: waiting for it later gives
        the same). A preview's first quick page renders each part as it was and as it is, in HTML and Typst:
        four at once peaked at ~780 MB for the preview."""
        self._parts_running = [p for p in self._parts_running if p.poll() is None]
        while len(self._parts_running) >= PARTS_AT_ONCE:
            self._parts_running.pop(0).communicate()
        process = self._start_pandoc(request, args)
        self._parts_running.append(process)
        return process

    # -- metadata ------------------------------------------------------------------
    def metadata(self, request: RenderRequest, fmt: str) -> dict:
        """Project metadata < project format options < front matter < front matter format options."""
        project, document = request.project, request.document
        where = document.front_location
        front = document.front_matter
        quarto_format = QUARTO_FORMAT[fmt]
        front_format = (front.get("format") or {}) if isinstance(front.get("format"), dict) else {}
        project_meta = self._resolve_paths(document.expanded.project_metadata, project.root, project.root)
        format_meta = self._resolve_paths(project.format_options(fmt), project.root, project.root)
        doc_meta = self._resolve_paths(front, request.main.parent, project.root)
        doc_format = front_format.get(quarto_format) if isinstance(front_format.get(quarto_format), dict) else {}
        meta = deep_merge(deep_merge(deep_merge(project_meta, format_meta), doc_meta), doc_format or {})
        meta = normalize_authors(meta, where)
        if meta.get("date") is not None:
            meta["date"] = self._date(request, meta, fmt, where)
        self._check_files(meta, where)
        language = words(meta.get("lang"))
        meta[FILTER_METADATA] = filter_settings(project.relative(request.main.parent).replace("\\", "/").strip("."),
                                                language, request.links,
                                                citation_keys(meta, pandoc_path(), project.root / STATE_DIR / BIBLIOGRAPHY_KEYS))
        meta.setdefault("toc-title", language["toc-title"])
        meta.setdefault("abstract-title", language["abstract-title"])
        if meta.get("number-sections") and fmt == "pdf":
            meta.setdefault("section-numbering", "1.1")
        meta.setdefault("pagetitle", str(meta.get("title", request.main.stem)))
        meta.setdefault("link-citations", True)
        if fmt in WRITER_METADATA:
            meta = WRITER_METADATA[fmt](meta)
        return {k: v for k, v in meta.items() if k not in NOT_METADATA or k in ("css", "template-partials")}

    @staticmethod
    def _date(request: RenderRequest, meta: dict, fmt: str, where: Location) -> str:
        """``date`` as Quarto shows it: ``today``/``now``/``last-modified`` resolved, formatted with
        ``date-format`` (default: long in HTML, ISO in Typst); a text Quarto cannot read stays as is."""
        moment = parse_date(meta["date"], request.main.stat().st_mtime)
        if moment is None:
            return str(meta["date"])
        date_format = meta.get("date-format") or ("iso" if fmt == "pdf" else "long")
        lang = str(meta.get("lang") or "en")
        if not lang.startswith("en") and any(t in str(NAMED_DATE_FORMATS.get(str(date_format), date_format))
                                            for t in ("MMM", "ddd")):
            raise StrictnessError([Problem(f"{UNSUPPORTED}.date", f"date-format {date_format} in lang {lang} (month and "
                                           f"day names in that language) {UNSUPPORTED_TAIL}", where, "date-format")])
        return format_date(moment, date_format)

    @staticmethod
    def _resolve_paths(meta: dict, base: Path, root: Path) -> dict:
        meta = dict(meta)
        for key in PATH_KEYS:
            if key in meta and meta[key]:
                values = meta[key] if isinstance(meta[key], list) else [meta[key]]
                resolved = [str(resolve_path(v, base, root)) for v in values]
                meta[key] = resolved if isinstance(meta[key], list) else resolved[0]
        return meta

    @staticmethod
    def _check_files(meta: dict, where: Location) -> None:
        for key in PATH_KEYS:
            values = meta.get(key) or []
            for value in values if isinstance(values, list) else [values]:
                if not Path(value).is_file():
                    raise ConfigError(f"{key}: file not found: {value}", where, "config.file")

    # -- pandoc --------------------------------------------------------------------
    def _args(self, request: RenderRequest, body: Path, work: Path, fmt: str, target: Path, log: Path,
              part: Part | None = None) -> list[str]:
        """pandoc's arguments for one format: metadata, filters (before citeproc), writer options;
        warnings (the filters' problems among them) go to ``log`` as JSON. ``part``: ``body`` is one part
        of the document, written alone (no template) and numbered and cited as in the whole document.
        A preview's HTML pass of the whole document writes its outline (``outline``)."""
        meta = self.metadata(request, fmt)
        if part is not None:
            meta[FILTER_METADATA][OUTLINE_READ] = hex_path(part.whole)
            meta[FILTER_METADATA][OUTLINE_WRITE] = hex_path(part.outline)
            if part.cited:  # cited as in the whole document, with links to its list (part.lua drops the part's)
                meta["nocite"] = ", ".join(f"@{key}" for key in part.cited)
        elif self.warm and fmt == "html":
            meta[FILTER_METADATA][OUTLINE_WRITE] = hex_path(self.outline(request.document.stem))
        elif fmt == "html" and self._remembers(request):  # the outline, for RenderMemory
            meta[FILTER_METADATA][OUTLINE_WRITE] = hex_path(work / OUTLINE)
        args = [str(body), "--from", MARKDOWN, "--metadata-file", str(write_metadata(work / f"meta-{fmt}{'-' + body.stem if part else ''}.yml", meta)),
                "--log", str(log)]
        for name in FILTERS:
            args += ["--lua-filter", str(package_file("filters", name))]
        if meta.get("bibliography"):
            args.append("--citeproc")
        for name in AFTER_CITEPROC:
            args += ["--lua-filter", str(package_file("filters", name))]
        if part is not None:
            args += ["--lua-filter", str(package_file("filters", PART_FILTER))]
        args += ["--resource-path", os.pathsep.join([str(request.main.parent), str(request.project.root)]),
                 "--output", str(target)]
        if part is not None:
            args += ["--to", "typst"] if fmt == "pdf" else ["--to", "html5", "--embed-resources", "--mathml", "--section-divs"]
            if fmt == "html" and meta.get("number-sections"):
                args.append("--number-sections")
        elif fmt == "html":
            args += ["--to", "html5", "--standalone", "--embed-resources", "--mathml", "--section-divs",
                     "--template", str(package_file("templates", "html", "template.html")),
                     "--css", str(package_file("templates", "html", "reportkit.css"))]
            css_files = meta.get("css") or []
            for css in [css_files] if isinstance(css_files, str) else css_files:
                args += ["--css", css]
            if meta.get("number-sections"):
                args.append("--number-sections")
            if meta.get("toc"):
                args += ["--toc", f"--toc-depth={meta.get('toc-depth', 3)}"]
        elif fmt in WRITER_ARGS:
            args += WRITER_ARGS[fmt](meta, target)
        else:
            args += ["--to", "typst", "--standalone", "--template", str(self._typst_template(request, meta))]
        return args

    def _start_pandoc(self, request: RenderRequest, args: list[str], cwd: Path | None = None,
                      env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen([pandoc_path(), *args], cwd=cwd or request.project.root, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)

    def _finish_pandoc(self, request: RenderRequest, process: subprocess.Popen, to: str) -> str:
        _, stderr = process.communicate()
        if process.returncode != 0:
            raise EngineError(f"pandoc failed ({process.returncode}) rendering "
                              f"{request.project.relative(request.main)} to {to}:\n{stderr.strip()}")
        return stderr

    def _run_pandoc(self, request: RenderRequest, args: list[str], to: str) -> str:
        return self._finish_pandoc(request, self._start_pandoc(request, args), to)

    def _typst_template(self, request: RenderRequest, meta: dict) -> Path:
        """Assemble the main Typst template with the project's partials (or reportkit's defaults)."""
        folder = request.staging / ".work" / "typst-template"
        folder.mkdir(parents=True, exist_ok=True)
        defaults = package_file("templates", "typst")
        for name in ("template.typ", "definitions.typ", "typst-template.typ", "typst-show.typ"):
            shutil.copyfile(defaults / name, folder / name)
        partials = meta.get("template-partials") or []
        for partial in partials if isinstance(partials, list) else [partials]:
            shutil.copyfile(partial, folder / Path(partial).name)
        return folder / "template.typ"

    @staticmethod
    def _unlink_missing_citations(typ: Path, problems: list[Problem]) -> None:
        """Citeproc links unknown keys to labels that do not exist, which Typst rejects;
        keep the text, drop the link (the problem itself is reported separately)."""
        missing = [p.subject.lstrip("@") for p in problems if p.rule == CITATION_UNKNOWN and p.subject]
        if not missing:
            return
        text = typ.read_text(encoding="utf-8")
        for key in missing:
            text = text.replace(f"#link(<ref-{key}>)[", "#[")
        typ.write_text(text, encoding="utf-8")

    # -- typst ----------------------------------------------------------------------
    def typst(self, request: RenderRequest, typ: Path, target: Path) -> None:
        import typst

        timestamp = source_date_epoch(request.project.root)
        try:
            if self.warm:
                self.warm.compile(typ, target, timestamp)
            else:
                typst.compile(str(typ), output=str(target), root=str(request.project.root),
                              ignore_system_fonts=True, timestamp=timestamp)
        except Exception as exc:  # typst raises its own TypstError with the diagnostic text
            refusal = source_typst_problem(request, exc)
            if refusal is not None:
                raise StrictnessError([refusal]) from exc
            raise EngineError(f"Typst could not compile {request.project.relative(typ)}:\n{exc}") from exc

    # -- checking without rendering ------------------------------------------------------
    def check_metadata(self, document: Document, links: dict | None = None, fmt: str = "html") -> dict:
        """The metadata ``check``'s pandoc pass for format ``fmt`` (html, pdf) reads: that format's, with
        ``links`` in the filter settings (only the other documents' floats: of the other ids only vars.lua
        reads, which a check does not run) and the filters told that the pass only reports, standing for
        that format's writer (``protocol.CHECK_PASS``)."""
        floats = {id_: link for id_, link in (links or {}).items() if link.get("text")}
        meta = self.metadata(RenderRequest(document, (fmt,), Path(), floats), fmt)
        meta[FILTER_METADATA][CHECK_PASS] = CHECK_WRITERS[fmt]
        return meta

    def check_key(self, document: Document, meta: dict) -> str:
        """A digest of everything ``check``'s pandoc pass reads: the expanded document, its metadata
        (``check_metadata``, with the filter settings and links), the bibliography files, the filters and the
        pandoc binary. A pass that found nothing need not run again while the key is the same (lint.py
        remembers it)."""
        digest = hashlib.sha256()
        pandoc = Path(pandoc_path())
        stat = pandoc.stat() if pandoc.exists() else None
        digest.update(f"{pandoc}|{stat and stat.st_size}|{stat and stat.st_mtime_ns}\0".encode())
        digest.update(document.expanded.body.encode("utf-8") + b"\0")
        digest.update(json.dumps(meta, sort_keys=True, default=str).encode("utf-8") + b"\0")
        bibliography = meta.get("bibliography") or []
        files = [*(package_file("filters", name) for name in CHECK_FILTERS),
                 *(Path(str(b)) for b in ([bibliography] if isinstance(bibliography, str) else bibliography))]
        for path in files:
            digest.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(absent)") + b"\0")
        return digest.hexdigest()

    def check(self, document: Document, work: Path, links: dict | None = None, meta: dict | None = None) -> list[Problem]:
        """What the filters report for ``document`` (unresolved references, duplicate labels, unknown
        citation keys), from one pandoc pass with the filters that writes nothing. ``links``: the ids the
        project's other documents define (``xref.links``); ``meta``: ``check_metadata``'s answer, when the
        caller has it already."""
        return self.start_check(document, work, links, meta)()

    def start_check(self, document: Document, work: Path, links: dict | None = None,
                    meta: dict | None = None) -> Callable[[], list[Problem]]:
        """``check``'s pass, started: pandoc runs in the background; the function returned waits for it and
        gives its problems."""
        request = RenderRequest(document, ("html",), work, links or {})
        body, log = work / "body.md", work / "check.log.json"
        body.write_text(document.expanded.body, encoding="utf-8")
        meta = write_metadata(work / "meta-check.yml", meta if meta is not None else self.check_metadata(document, links))
        process = self._start_pandoc(request, check_args(body, meta, log))

        def finish() -> list[Problem]:
            self._finish_pandoc(request, process, "its AST")
            return self.problems(request, log)
        return finish

    # -- problems ----------------------------------------------------------------------
    def problems(self, request: RenderRequest, log: Path) -> list[Problem]:
        """Problems in pandoc's JSON log, located in the document's sources."""
        return [located(request, p) for p in log_problems(log)]


def check_args(body: Path, meta: Path, log: Path) -> list[str]:
    """pandoc's arguments for ``check``'s pass over ``body`` (markdown) with the metadata file ``meta``
    (``check_metadata``'s): the filters up to the last that reports (``CHECK_FILTERS``), problems to ``log``."""
    args = [str(body), "--from", MARKDOWN, "--metadata-file", str(meta), "--log", str(log),
            "--to", str(package_file("filters", CHECK_WRITER)), "--output", os.devnull]
    for name in CHECK_FILTERS:
        args += ["--lua-filter", str(package_file("filters", name))]
    return args


def source_typst_problem(request: RenderRequest, exc: Exception) -> Problem | None:
    """A Typst error in Typst code the author wrote (a raw ```{=typst} block calling what only Quarto's
    template or bundled packages define): a refusal at that source line, or None when the failing
    line is not the author's."""
    diagnostic = getattr(exc, "diagnostic", "") or ""
    error = re.search(r"^error:", diagnostic, re.M)  # warnings may come first
    match = TYPST_SOURCE_LINE.search(diagnostic, error.start() if error else 0)
    code = match.group(1).strip() if match else ""
    location = request.document.locate(code) if len(code) > 2 else None
    if location is None:
        return None
    reason = getattr(exc, "message", None) or str(exc)
    return Problem(UNSUPPORTED_TYPST, f"raw Typst `{code}` ({reason}; Quarto's Typst template and bundled packages are "
                   f"not available) {UNSUPPORTED_TAIL}", location, code)


def from_filters(source: str, filters: list[str]) -> bool:
    """Whether a log entry's ``source`` is one of ``filters`` (paths). Lua names a file by its path, but
    a path of more than 59 characters by "..." and its last 56 (LUA_IDSIZE): an installed package's
    filters usually have such paths."""
    if source.startswith("..."):
        return any(path.endswith(source[3:]) for path in filters)
    return source in filters


def log_problems(log: Path) -> list[Problem]:
    """Problems in a pandoc ``--log`` file: our filters' reports (protocol.py) and resources pandoc
    could not fetch. They carry a subject but no location yet."""
    try:
        entries = json.loads(log.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    filters = [str(package_file("filters", name)) for name in (*FILTERS, *AFTER_CITEPROC)]
    found = []
    for entry in entries:
        if entry.get("type") == "ScriptingWarning" and from_filters(str(entry.get("source")), filters):
            report = json.loads(entry["message"])
            message = report["message"]
            if report["rule"].startswith(UNSUPPORTED):  # a filter names the construct; the tail is ours
                message = f"{message} {UNSUPPORTED_TAIL}"
            found.append(Problem(report["rule"], message, subject=report.get("subject")))
        elif entry.get("type") == "CouldNotFetchResource":
            path = entry.get("path", "")
            found.append(Problem("image.missing", f"image or resource not found: {path}", subject=path))
    return found
