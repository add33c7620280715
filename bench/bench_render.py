"""Benchmark: `report render` (built-in engine) against raw pandoc + Typst on the same document.

The raw baseline is what the engine cannot avoid: pandoc to standalone HTML (embedded
resources, citeproc), pandoc to Typst (citeproc) and a Typst compile, on the document
after shortcode expansion. The engine adds its filters, checks and staging on top.
The analysis is brought up to date once beforehand and excluded from both sides; the build
cache is bypassed, so every run really renders.

Usage: python bench/bench_render.py [PROJECT ...] [--runs N]
Prints the median time of each side and their ratio (target: ratio <= 1.15).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typst

from reportkit.engines.builtin import pandoc_path
from reportkit.prerender import run_pre_render
from reportkit.progress import Progress
from reportkit.project import Project
from reportkit import parity
from reportkit.engines.builtin import BuiltinEngine
from reportkit.pipeline import render_document
from reportkit.source import Document

REPO = Path(__file__).resolve().parent.parent


def raw_pandoc_typst(project: Project, work: Path) -> None:
    """Plain pandoc + Typst on the expanded main document (no reportkit filters or checks)."""
    main = project.main_inputs[0]
    body = work / "raw.md"
    body.write_text(Document.read(project, main).expanded.body, encoding="utf-8")
    meta = project.document_metadata()
    common = [pandoc_path(), str(body), "--resource-path", f"{main.parent}:{project.root}", "--metadata", "title=Benchmark"]
    if meta.get("bibliography"):
        common += ["--citeproc", "--bibliography", str(project.root / meta["bibliography"])]
        if meta.get("csl"):
            common += ["--csl", str(project.root / meta["csl"])]
    subprocess.run(common + ["--to", "html5", "--standalone", "--embed-resources", "--mathml", "-o", str(work / "raw.html")],
                   check=True, cwd=project.root, capture_output=True)
    subprocess.run(common + ["--to", "typst", "--standalone", "-o", str(work / "raw.typ")],
                   check=True, cwd=main.parent, capture_output=True)
    # Typst resolves images against the document folder in the raw run
    typ = main.parent / ".bench-raw.typ"
    typ.write_text((work / "raw.typ").read_text(encoding="utf-8"), encoding="utf-8")
    try:
        typst.compile(str(typ), output=str(work / "raw.pdf"), root=str(project.root), ignore_system_fonts=True)
    finally:
        typ.unlink()


def engine_render(project: Project) -> None:
    """The built-in engine on the document, every time (no build cache): expand, render,
    check, parity, publish."""
    render_document(Document.read(project, project.main_inputs[0]), ("pdf", "html"), BuiltinEngine(), strict=False,
                    progress=Progress(quiet=True))


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def bench(project_dir: Path, runs: int) -> float:
    project = Project.load(project_dir)
    subprocess.run([sys.executable, "-m", "reportkit.cli", "build", "--project", str(project.root)], capture_output=True)
    run_pre_render(project, Progress(quiet=True)) if not project.config.get("reportkit") else None
    project = project.reload()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        raw_pandoc_typst(project, work)  # warm-up both sides (Typst font cache, disk cache)
        engine_render(project)
        raw, ours = [], []
        for _ in range(runs):  # interleave so drift affects both sides alike
            raw += timed(lambda: raw_pandoc_typst(project, work), 1)
            ours += timed(lambda: engine_render(project), 1)
        without = []  # the same, minus the HTML/PDF parity check (issue 4), to show what it costs
        original = parity.compare
        parity.compare = lambda html, pdf, expected=None: parity.ParityReport()
        try:
            without += [t for _ in range(runs) for t in timed(lambda: engine_render(project), 1)]
        finally:
            parity.compare = original
    raw_median, our_median, bare = statistics.median(raw), statistics.median(ours), statistics.median(without)
    ratio = our_median / raw_median
    print(f"{project.relative(project.main_inputs[0])} in {project_dir}: raw pandoc+Typst {raw_median:.3f}s, "
          f"report render {our_median:.3f}s, ratio {ratio:.2f}; without the parity check {bare:.3f}s, "
          f"ratio {bare / raw_median:.2f} (medians of {runs})")
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path, default=[REPO / "tests" / "fixture_project", REPO])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    for project in args.projects:
        bench(project, args.runs)


if __name__ == "__main__":
    main()
