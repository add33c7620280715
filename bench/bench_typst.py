"""Benchmark: Typst's compile of the built-in engine's .typ, as rendered and without the template's rule
that lays links to labels out as plain text in Typst's first layout pass (templates/typst/template.typ).

Each compile runs in a fresh process (Typst caches within one), the two sides interleaved so that the
machine's load affects both alike. Both sides must give the same PDF bytes; the script stops if not.

Usage: python bench/bench_typst.py [PROJECT ...] [--runs N]
Prints min and median wall and CPU seconds of each side and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from reportkit.engines.base import RenderRequest
from reportkit.engines.builtin import BuiltinEngine
from reportkit.progress import Progress
from reportkit.project import Project
from reportkit.source import Document

REPO = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"^#show link: it => .*<reportkit-laid-out>.*\n", re.M)
COMPILE = """
import resource, sys, time, typst
start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
pdf = typst.compile(sys.argv[1], root=sys.argv[2], ignore_system_fonts=True, timestamp=1767225600)
end = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - start, end.ru_utime + end.ru_stime - cpu.ru_utime - cpu.ru_stime)
open(sys.argv[3], "wb").write(pdf)
"""


def compile_once(typ: Path, root: Path, pdf: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one compile of ``typ`` in a fresh process; the PDF goes to ``pdf``."""
    out = subprocess.run([sys.executable, "-c", COMPILE, str(typ), str(root), str(pdf)],
                         capture_output=True, text=True, check=True).stdout
    wall, cpu = out.split()
    return float(wall), float(cpu)


def bench(project_dir: Path, runs: int) -> float:
    project = Project.load(project_dir)
    with tempfile.TemporaryDirectory(prefix=".bench-typst-", dir=project.root) as tmp:  # Typst reads only under the root
        work = Path(tmp)
        request = RenderRequest(Document.read(project, project.main_inputs[0]), ("pdf",), work / "stage")
        (work / "stage").mkdir()
        typ = BuiltinEngine().render(request, Progress(quiet=True)).sources["pdf"]
        rendered = work / "rendered.typ"
        rendered.write_text(typ.read_text(encoding="utf-8"), encoding="utf-8")
        plain = work / "plain.typ"
        plain.write_text(PLACEHOLDER.sub("", rendered.read_text(encoding="utf-8")), encoding="utf-8")
        sides = {"as rendered": rendered, "without the first-pass rule": plain}
        times = {name: [] for name in sides}
        for _ in range(runs):
            for name, source in sides.items():
                times[name].append(compile_once(source, project.root, source.with_suffix(".pdf")))
        if rendered.with_suffix(".pdf").read_bytes() != plain.with_suffix(".pdf").read_bytes():
            sys.exit("the two .typ files gave different PDFs")
    print(f"{project.relative(project.main_inputs[0])} in {project_dir} ({runs} fresh-process compiles each, same PDF bytes):")
    for name, found in times.items():
        wall, cpu = [w for w, _ in found], [c for _, c in found]
        print(f"  {name:28s} wall min {min(wall):.3f}s median {statistics.median(wall):.3f}s, "
              f"CPU min {min(cpu):.3f}s median {statistics.median(cpu):.3f}s")
    ours, theirs = (statistics.median(w for w, _ in times[name]) for name in sides)
    print(f"  ratio of the wall medians {ours / theirs:.2f}")
    return ours / theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", type=Path, default=[REPO])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for project in args.projects:
        bench(project, args.runs)


if __name__ == "__main__":
    main()
