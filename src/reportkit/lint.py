"""``report check``: what ``report render`` would refuse, found without rendering (engine failures aside).

1. the project's steps can be listed (an analysis module that fails to import is named with file:line);
2. the data package is valid (validated again only when one of its files changed since it last passed);
3. for each main document: its expansion (includes, variables, metadata shortcodes), numbers and number
   words typed into its prose and quoted values shown with false precision (``numbers.py``), images that are
   missing and that no step writes, and what the built-in engine's Lua filters report (unresolved
   cross-references, duplicate labels, unknown citation keys) from one pandoc pass that writes nothing (two,
   HTML and PDF, when the document shows content by format);
4. entries of the bibliography that no document cites.

When the analysis has not produced its outputs yet (or they are stale), the quoted values cannot be checked:
that is said as one problem (`report build` first) instead of one per value.
"""

from __future__ import annotations

import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

from . import xref
from .datapackage import require_valid
from .engines.builtin import BuiltinEngine
from .errors import Location, Problem, ReportError
from .numbers import NumberRules, scan_abstract, scan_body
from .progress import Progress
from .project import FORMATS, VARIABLES_NAME, Project, resolve_path
from .settings import settings
from .source import Document
from .state import STATE_DIR, read_json, write_json

CLEAN_PASSES = "check-passes.json"  # in the state folder: start_filter_passes' memory


def typed_numbers(document: Document, rules: NumberRules) -> list[Problem]:
    """Numbers typed into a document's abstract and prose (rule ``prose.number``)."""
    expanded = document.expanded
    abstract = scan_abstract(expanded.front_matter_text, document.shown, expanded.front_matter_line, rules)
    return abstract + scan_body(document.lines(), rules)


def project_typed_numbers(project: Project) -> list[Problem]:
    """Typed-number problems of every main document of a project."""
    rules = settings(project).number_rules
    return [p for main in project.main_inputs for p in typed_numbers(Document.read(project, main), rules)]


def source_problems(project: Project) -> list[Problem]:
    """Every problem a render would stop on, except the engines' own failures; an invalid data
    package raises DataError, an analysis that cannot be listed StepError. The documents' filter passes
    (pandoc) start first and run while the rest is checked here: the machine's two cores work at once."""
    options = settings(project)
    documents = [Document.read(project, main) for main in project.main_inputs]
    passed_file = project.root / STATE_DIR / CLEAN_PASSES
    passed = read_json(passed_file)  # document -> key of its last filter pass that found nothing
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory(prefix="report-check-") as work, \
            ThreadPoolExecutor(1) as pool:  # the data check (Python), while the rest is checked here
        filtered = []
        for document in documents:
            links = xref.links(document, [d for d in documents if d is not document])
            filtered.append(start_filter_passes(document, Path(work) / document.stem, links, passed))
        from .plan import build_graph  # imported (~0.1 s) while the passes run

        graph = build_graph(project, FORMATS, BuiltinEngine(), True, Progress(quiet=True), documents=False)
        graph.close()
        steps = [s for s in graph.steps.values() if s.name != "data"]
        produced = {output for step in steps for output in step.outputs}
        stale = [s.name for s in steps if graph.reasons(s, graph.fingerprints.digests(s.all_inputs()))]
        if stale and VARIABLES_NAME in produced:
            problems.append(Problem("check.stale", f"the analysis's outputs are out of date ({', '.join(stale)}), so "
                                    "quoted values cannot be checked: run `report build` first", Location(VARIABLES_NAME)))
        data = graph.steps.get("data")
        validated = None
        if data is not None and graph.reasons(data, graph.fingerprints.digests(data.inputs)):
            validated = pool.submit(require_valid, options.data_package, options.required_provenance,
                                    options.data_rebuild, project.root)
        for document, found in zip(documents, filtered):
            problems += document_problems(document, options.number_rules, produced,
                                          not (stale and VARIABLES_NAME in produced), found)
        write_json(passed_file, passed)  # its own file: a render running meanwhile keeps its state.json
        problems += unused_references(project, documents)
        if validated is not None:
            validated.result()  # raises DataError (exit 5) with every data problem
            graph.record(data)  # the data passed: the next check (or render) need not validate it again
    return problems


FORMAT_CONDITION = re.compile(r"\b(?:when|unless)-format\b")
BIB_ENTRY = re.compile(r"^\s*@(\w+)\s*\{\s*([^,\s]+)\s*,", re.M)
CITED = re.compile(r"(?<![\w.])-?@([\w][\w:.#$%&+?<>~/-]*\w|\w)")


def unused_references(project: Project, documents: list[Document]) -> list[Problem]:
    """Entries of the documents' bibliographies (BibTeX/BibLaTeX files) that no document cites, nor lists
    under ``nocite`` (rule ``bibliography.unused``), at their line in the file."""
    cited: set[str] = set()
    files: dict[Path, None] = {}
    for document in documents:
        cited |= set(CITED.findall(document.expanded.body))
        nocite = document.metadata.get("nocite") or ""
        cited |= set(CITED.findall(" ".join(nocite) if isinstance(nocite, list) else str(nocite)))
        for options, base in ((document.expanded.project_metadata, project.root),
                              (document.front_matter, document.main.parent)):
            names = options.get("bibliography") or []
            for name in [names] if isinstance(names, str) else names:
                files[resolve_path(name, base, project.root)] = None
    if "*" in cited:
        return []
    problems = []
    for path in files:
        if not path.is_file() or path.suffix.lower() not in (".bib", ".bibtex"):
            continue
        text = path.read_text(encoding="utf-8")
        for match in BIB_ENTRY.finditer(text):
            kind, key = match.groups()
            if kind.lower() in ("comment", "string", "preamble") or key in cited:
                continue
            line = text.count("\n", 0, match.start(2)) + 1
            problems.append(Problem("bibliography.unused", f"reference @{key} is in the bibliography but never cited",
                                    Location(project.relative(path), line), subject="@" + key))
    return problems


def document_problems(document: Document, rules: NumberRules, produced: set[str], values_known: bool,
                      filtered: Callable[[], list[Problem]]) -> list[Problem]:
    """One document's problems (see the module's docstring); ``filtered``: its filter passes, running
    (``start_filter_passes``)."""
    problems = [p for p in document.problems if values_known or p.rule != "var.unknown"]
    problems += typed_numbers(document, rules) + document.missing_images(produced)
    try:
        # a reference to a float a code cell makes resolves once the cells ran (render), not here
        problems += [p for p in filtered()
                     if not (p.rule == "xref.unresolved" and p.subject and document.cells.defines(p.subject))]
    except ReportError as error:  # e.g. pandoc could not read the document
        problems.append(error.problem)
    return problems


def check_formats(document: Document) -> tuple[str, ...]:
    """The formats whose filter pass ``report check`` runs: the HTML's, and the PDF's too when the document
    shows content by format (``when-format``/``unless-format``), as a render reports what either shows."""
    return ("html", "pdf") if FORMAT_CONDITION.search(document.expanded.body) else ("html",)


def start_filter_passes(document: Document, work: Path, links: dict | None,
                        passed: dict | None) -> Callable[[], list[Problem]]:
    """Start the built-in engine's filter passes over ``document``, one per format a render writes whose
    content differs (``check_formats``); the function returned waits for them and gives what the filters
    report (a problem both find, once; a ReportError raised here, e.g. a missing bibliography, is raised
    there). ``links``: the ids the project's other documents define, which its references may name
    (``xref.links``). ``passed`` remembers, per document, the key of its last passes that found nothing
    (``BuiltinEngine.check_key``): while the key is the same, they are not run again (after an edit of the
    article, only the article's pass runs)."""
    engine = BuiltinEngine()
    try:
        metas = {fmt: engine.check_metadata(document, links, fmt) for fmt in check_formats(document)}
        key = "|".join(engine.check_key(document, meta) for meta in metas.values())
        if passed is not None and passed.get(document.stem) == key:
            return list
        running = []
        for fmt, meta in metas.items():
            folder = work / fmt
            folder.mkdir(parents=True, exist_ok=True)
            running.append(engine.start_check(document, folder, links, meta))
    except ReportError as error:
        def failed() -> list[Problem]:
            raise error
        return failed

    def finish() -> list[Problem]:
        found: list[Problem] = []
        for pass_ in running:
            found += [p for p in pass_() if p not in found]
        if passed is not None:
            if found:
                passed.pop(document.stem, None)
            else:
                passed[document.stem] = key
        return found
    return finish
