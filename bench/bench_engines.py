"""Benchmark of the two engines side by side on the paper, on a clean copy of the last commit.

Measured in one run on this machine, as ratios Quarto / built-in (issue target in brackets):
  cold   the render step from nothing (analysis already up to date), both formats   [built-in well ahead]
  edit   one chapter edited: `report render` again                                  [built-in well ahead]

Both engines render the same copy state: `report build` runs the analysis once, and every timed run
starts from a copy of that folder, so only the render step runs (plus, for Quarto, its pre-render,
which sees the steps done and returns at once). Each engine renders once untimed first, so that
machine-wide caches (Quarto's Sass and Deno caches, Typst's fonts) are warm for both; the engines
alternate from run to run.

Usage: QUARTO_PATH=/path/to/quarto python bench/bench_engines.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import REPORT, clean_copy, run

ENGINES = ("builtin", "quarto")


def timed_renders(base: Path, work: Path, engine: str, index: int, env: dict) -> tuple[float, float]:
    """(cold, edit) seconds for one engine on a fresh copy of ``base``."""
    project = work / f"{engine}-{index}"
    shutil.copytree(base, project, symlinks=True)
    render = [*REPORT, "render", "-q", "--engine", engine]
    cold = run(render, project, env)
    chapter = sorted((project / "report" / "chapters").glob("*.qmd"))[0]
    chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n\nEdited for the benchmark ({index}).\n",
                       encoding="utf-8")
    edit = run(render, project, env)
    shutil.rmtree(project)
    return cold, edit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    from reportkit.engines.executables import find_quarto
    from reportkit.engines.quarto import QuartoEngine

    quarto = find_quarto()
    if quarto is None:
        raise SystemExit("no Quarto: set QUARTO_PATH or put quarto on PATH (README 'Run the tests')")
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    with tempfile.TemporaryDirectory() as tmp:
        base = clean_copy(Path(tmp) / "repo")
        run([*REPORT, "build"], base, env)
        work = Path(tmp) / "work"
        work.mkdir()
        for engine in ENGINES:  # warm machine-wide caches, untimed
            timed_renders(base, work, engine, 0, env)
        times = {engine: ([], []) for engine in ENGINES}
        for index in range(1, args.runs + 1):
            for engine in ENGINES if index % 2 else reversed(ENGINES):
                cold, edit = timed_renders(base, work, engine, index, env)
                times[engine][0].append(cold)
                times[engine][1].append(edit)
    version = QuartoEngine(quarto).fingerprint({})
    print(f"paper, both formats, median of {args.runs} runs; {version}")
    for label, slot in (("cold", 0), ("edit", 1)):
        ours, theirs = (statistics.median(times[engine][slot]) for engine in ENGINES)
        print(f"{label}:   built-in {ours:.2f}s vs Quarto {theirs:.2f}s -> Quarto takes {theirs / ours:.1f}x  "
              "[built-in well ahead]")


if __name__ == "__main__":
    main()
