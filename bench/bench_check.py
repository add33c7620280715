"""Benchmark of `report check` on this paper (issue target in brackets), on a clean copy of the repository.

Measured in one run on this machine:
  check   `report check` after a chapter edit, analysis built      [<= 1.5 s]
  ratio   the same against `report render` after the same edit   (how much sooner a problem is seen)

`report check` does what a render would refuse, without rendering: the data package (skipped when unchanged
since it last passed), the steps' listing (cached), every document's expansion, typed numbers, images, and one
pandoc pass with the built-in engine's filters (started first; the rest is checked while it runs).

Last measured (2026-11-30 01:18 UTC, twice 7 runs, two cores shared with other work, load average ~2): check
median 1.15 s and 1.16 s (min 0.92/0.99, max 1.19/1.30), processor time median 1.42/1.38 s; render median
3.42/3.62 s, ratio 0.33/0.32. With the machine busier (load average 4-8: other sessions' tests and load
generators) the median was 1.60-2.31 s, processor time 1.48-1.58 s. Before issue 14's last changes: median
2.30 s, processor time 2.11 s (load ~2.8). A check with nothing changed: 0.5-0.7 s.

Usage: python bench/bench_check.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import resource

from bench_build import REPORT, clean_copy, run

CHAPTER = "report/chapters/conclusions.qmd"


def edit(project: Path, round_: int) -> None:
    path = project / CHAPTER
    word = "".join(chr(ord("a") + int(d)) for d in str(round_))  # no digits: report check flags typed numbers
    path.write_text(path.read_text(encoding="utf-8") + f"\nAn added sentence, edit {word}.\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = clean_copy(Path(tmp) / "repo")
        run([*REPORT, "render", "-q"], project)  # analysis built, outputs written, caches warm
        run([*REPORT, "check"], project)
        checks, renders, cpu = [], [], []
        for round_ in range(args.runs):  # interleaved, so that drift affects both alike
            edit(project, 2 * round_)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            checks.append(run([*REPORT, "check"], project))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            edit(project, 2 * round_ + 1)
            renders.append(run([*REPORT, "render", "-q"], project))
    check, render = statistics.median(checks), statistics.median(renders)
    print(f"report check after a chapter edit: median {check:.2f} s of {args.runs} (min {min(checks):.2f}, "
          f"max {max(checks):.2f}) [target <= 1.5 s] {'OK' if check <= 1.5 else 'MISSED'}")
    print(f"  processor time of report check (all its processes): median {statistics.median(cpu):.2f} s "
          "(what the machine's other load cannot inflate)")
    print(f"report render after a chapter edit: median {render:.2f} s; check / render = {check / render:.2f}")


if __name__ == "__main__":
    main()
