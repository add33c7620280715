"""The Quarto engine: ``quarto render`` through subprocess, with our strictness on its log.

Quarto exits 0 when a cross-reference or variable does not resolve, so its warnings are
parsed here and its outputs are checked like the built-in engine's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import EngineError, Problem
from ..progress import Progress
from ..project import QUARTO_FORMAT, output_name
from ..protocol import FILTER_METADATA, STEPS_DONE_ENV, filter_settings
from ..reproducible import source_date_epoch
from ..versions import executable_version
from ..packaged import package_file
from .base import Engine, RenderRequest, RenderResult, located, write_metadata

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# A warning line as Quarto 1.11 prints it (colour codes removed): from its Lua filters
# "WARNING (<filter>.lua:<line>) <text>", from pandoc "[WARNING] <text>", from Quarto itself
# "WARN: <text>" or "WARNING: <text>".
WARNING_LINE = re.compile(r"^\s*(?:\[WARNING\]|WARNING(?:\s*\([^)]*\))?:?|WARN:)\s*(.*)$", re.M)


@dataclass(frozen=True)
class Known:
    """A warning Quarto 1.11 prints, as a problem: ``pattern``'s group 1 is the key;
    ``subject`` and ``message`` are formatted with it."""

    rule: str
    pattern: re.Pattern
    subject: str
    message: str


# Quarto's real messages (measured with Quarto 1.11.0, pandoc 3.9; see tests/test_quarto_engine.py).
KNOWN = (
    Known("xref.unresolved", re.compile(r"Unable to resolve crossref @([\w:.-]+)"),
          "@{}", "unresolved cross-reference @{}"),
    Known("var.unknown", re.compile(r"Unknown var (\S+) specified in a var shortcode"),
          "var:{}", "unknown var '{}'"),
    Known("meta.unknown", re.compile(r"Unknown meta key (\S+) specified in a metadata shortcode", re.I),
          "meta:{}", "unknown meta '{}'"),
    Known("shortcode.unknown", re.compile(r"Shortcode '([^']+)' not found"), "{{{{< {}", "unknown shortcode '{}'"),
    Known("citation.unknown", re.compile(r"Citeproc: citation (\S+) not found"),
          "@{}", "citation key @{} is not in the bibliography"),
    Known("image.missing", re.compile(r"Could not fetch resource (\S+?)(?::\s|:?$)"),
          "{}", "image or resource not found (or not reachable offline): {}"),
)
# Notices about the Quarto installation, not about the document (a Quarto built from source
# has no typst-gather helper; it then stages every Typst package, which changes nothing here).
NOT_ABOUT_THE_DOCUMENT = ("typst-gather",)
MATH_METHOD = "html-math-method"
ELSEWHERE_FILTER = "elsewhere.lua"  # references to the project's other documents (xref.py)
LINKS_HELPER = ("lib", "links-file.lua")  # what elsewhere.lua loads to read the links (dofile)
OFFLINE_MATH = "mathml"


def version_of(output: str) -> str:
    """The version in ``quarto --version``'s output: ``1.11.0`` from a release, also from a build
    from source that prints ``quarto 1.11.0`` in colour."""
    text = ANSI.sub("", output).strip()
    match = re.search(r"\d+(?:\.\d+)+\S*", text)
    return match.group(0) if match else text


def math_method_chosen(request: RenderRequest) -> bool:
    """Whether the project or the document sets ``html-math-method`` (top level or under ``format: html:``)."""
    front = request.document.front_matter
    front_format = front.get("format") if isinstance(front.get("format"), dict) else {}
    places = (request.project.config, request.project.format_options("html"), front,
              front_format.get("html") if isinstance(front_format.get("html"), dict) else {})
    return any(MATH_METHOD in place for place in places)


def environment(root: Path) -> dict[str, str]:
    """Quarto's environment: cells (``QUARTO_PYTHON``) and the ``python`` of ``pre-render``
    commands (the first on PATH) are this interpreter, the project's, unless the user chose a
    ``QUARTO_PYTHON``; the project's steps are already done (``STEPS_DONE_ENV``, a project's
    pre-render may skip them); PDFs carry the commit's time (``SOURCE_DATE_EPOCH``)."""
    env = dict(os.environ, **{STEPS_DONE_ENV: "1"})
    env.setdefault("QUARTO_PYTHON", sys.executable)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", os.defpath)])
    epoch = source_date_epoch(root)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    return env


def log_problems(log: str) -> list[Problem]:
    """Problems in Quarto's output (text: Quarto has no structured log; its ``--log-format
    json-stream`` carries the same lines as INFO messages). Every warning line is a problem:
    the known ones with their rule and subject, any other as ``quarto.warning``."""
    problems = []
    for line in dict.fromkeys(WARNING_LINE.findall(ANSI.sub("", log))):
        text = line.strip()
        known = next(((k, m) for k in KNOWN if (m := k.pattern.search(text))), None)
        if known:
            kind, match = known
            key = match.group(1)
            problems.append(Problem(kind.rule, kind.message.format(key), subject=kind.subject.format(key)))
        elif text and not any(notice in text for notice in NOT_ABOUT_THE_DOCUMENT):
            problems.append(Problem("quarto.warning", f"Quarto: {text}"))
    return problems


def parse_log(request: RenderRequest, log: str) -> list[Problem]:
    """``log_problems``, located in the request's sources."""
    return [located(request, p) for p in log_problems(log)]


class QuartoEngine(Engine):
    """Runs ``quarto render`` once per format into the staging folder."""

    name = "quarto"
    executes_cells = True
    marks_values = False  # Quarto writes {{< var >}} values as plain text

    def __init__(self, executable: str):
        self.executable = executable

    def inputs(self) -> list[Path]:
        """Quarto's own files are covered by its version (fingerprint); ours: the filter that
        resolves references to the project's other documents, and the helper it loads."""
        return [package_file("filters", ELSEWHERE_FILTER), package_file("filters", *LINKS_HELPER)]

    def tools(self, cache: dict) -> dict[str, str]:
        """Quarto's version (``quarto --version``, 0.6 s; remembered until the executable changes)."""
        return {"quarto": version_of(executable_version(self.executable, cache))}

    def command(self, request: RenderRequest, fmt: str, out_dir: Path) -> list[str]:
        """The argument list (never a shell string) for one format. HTML math is MathML unless
        the project or document chose a method: Quarto's default (MathJax) loads scripts from a
        CDN, which a self-contained page cannot embed offline (the built-in engine writes MathML too).
        When the project's other documents define floats, ``links_metadata`` is passed too."""
        main = request.main.relative_to(request.project.root)
        args = [self.executable, "render", str(main), "--to", QUARTO_FORMAT[fmt], "--output-dir", str(out_dir)]
        if fmt == "html" and not math_method_chosen(request):
            args += ["-M", f"{MATH_METHOD}:{OFFLINE_MATH}"]
        if request.links:
            args += ["--metadata-file", str(self.links_metadata(request))]
        return args

    @staticmethod
    def links_metadata(request: RenderRequest) -> Path:
        """A metadata file (in staging) that runs ``filters/elsewhere.lua`` before Quarto's own
        filters, with the other documents' ids in the filter settings: Quarto resolves references
        across documents only in books, so a reference to the supplement's Table S3 is resolved the
        way the built-in engine resolves it."""
        path = request.staging / f".quarto-{request.document.stem}-links.yml"
        meta = {"filters": [{"path": str(package_file("filters", ELSEWHERE_FILTER)), "at": "pre-quarto"}],
                FILTER_METADATA: filter_settings("", {}, request.links)}
        return write_metadata(path, meta)

    def render(self, request: RenderRequest, progress: Progress) -> RenderResult:
        result = RenderResult()
        stem = request.document.stem
        for fmt in request.formats:
            out_dir = request.staging / f".quarto-{fmt}"
            with progress.step(f"quarto render --to {QUARTO_FORMAT[fmt]}"):
                log = self._run(self.command(request, fmt, out_dir), request.project.root, progress)
            produced = sorted(out_dir.rglob(output_name(stem, fmt)))
            target = request.staging / output_name(stem, fmt)
            if produced:
                shutil.move(str(produced[0]), target)
            if fmt == "jats":  # the image folders Quarto copied beside the XML, which names them
                result.supporting[fmt] = [Path(shutil.move(str(p), request.staging / p.name))
                                          for p in sorted(out_dir.iterdir()) if p.is_dir()]
            result.outputs[fmt] = target
            result.problems += parse_log(request, log)
        return result

    @staticmethod
    def _run(args: list[str], cwd: Path, progress: Progress) -> str:
        lines = []
        try:
            process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=environment(cwd),
                                       text=True, encoding="utf-8", errors="replace")
        except OSError as exc:
            raise EngineError(f"cannot start {args[0]}: {exc}") from exc
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            progress.stream(line)
        code = process.wait()
        log = "".join(lines)
        if code != 0:
            tail = "".join(lines[-20:])
            raise EngineError(f"quarto render failed with exit code {code}:\n{tail}")
        return log
