"""Benchmark of executable cells: a document of 10 {python} cells (pandas tables, matplotlib
figures, printed values, inline expressions), measured in one run on this machine, as ratios to
running the same code with `python` directly:

  python   the 10 cells' code in one file, `python cells.py` (MPLBACKEND=Agg: plt.show() draws nothing)
  cold     `report render --engine builtin` from nothing: kernel start, the cells, both formats
  edited   the prose edited: the document renders again from the cells' record, no kernel
  caption  one caption edited: the same (captions are not part of the cells' key)
  no-op    nothing changed: nothing runs
  cell     one cell's code edited: the cells run again, then the render

Every timing is the median of --runs runs (each cold run starts from an empty .reportkit/).

Usage: python bench/bench_cells.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from bench_build import REPORT, run  # the same timing of a command, in this folder

CELLS = [
    ("setup", "import numpy as np\nimport pandas as pd\nimport matplotlib.pyplot as plt\nrng = np.random.default_rng(7)"),
    ("fig-walk", "walk = rng.normal(size=500).cumsum()\nplt.plot(walk)\nplt.show()"),
    ("values", "print('mean', round(float(walk.mean()), 3), 'sd', round(float(walk.std()), 3))"),
    ("tbl-summary", "frame = pd.DataFrame({'step': range(1, 11), 'value': walk[:10].round(2)})\nframe"),
    ("fig-hist", "plt.hist(walk, bins=30)\nplt.show()"),
    ("groups", "groups = pd.Series(walk).groupby(np.arange(500) // 100).agg(['mean', 'min', 'max'])\nprint(groups)"),
    ("tbl-groups", "groups.round(2)"),
    ("fig-groups", "groups['mean'].plot(kind='bar')\nplt.show()"),
    ("loop", "total = 0\nfor n in range(200_000):\n    total += n % 7\nprint(total)"),
    ("last", "summary = f'{len(walk)} steps, final value {walk[-1]:.2f}'\nprint(summary)"),
]


def document() -> str:
    parts = ["---", "title: Ten cells", "---", ""]
    for label, code in CELLS:
        options = [f"#| label: {label}"]
        if label.startswith("fig-"):
            options.append(f'#| fig-cap: "Figure of {label[4:]}."')
        if label.startswith("tbl-"):
            options.append(f'#| tbl-cap: "Table of {label[4:]}."')
        parts += ["```{python}", *options, code, "```", "", f"Prose after {label}.", ""]
        if label == "fig-walk":
            parts += ["The walk of `{python} len(walk)` steps ends at `{python} round(float(walk[-1]), 2)`.", ""]
    parts.append("See @fig-walk, @fig-hist, @tbl-summary and `{python} summary`.")
    return "\n".join(parts) + "\n"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="bench-cells-"))
    try:
        (folder / "_quarto.yml").write_text("project:\n  type: default\n  render: [cells.qmd]\n", encoding="utf-8")
        (folder / "cells.py").write_text("\n\n".join(code for _, code in CELLS) + "\n", encoding="utf-8")
        render = [*REPORT, "render", "--engine", "builtin", "--quiet"]
        times: dict[str, list[float]] = {k: [] for k in ("python", "cold", "edited", "caption", "no-op", "cell")}
        for number in range(runs):
            times["python"].append(run([sys.executable, "cells.py"], folder, dict(os.environ, MPLBACKEND="Agg")))
            shutil.rmtree(folder / ".reportkit", ignore_errors=True)
            shutil.rmtree(folder / "_output", ignore_errors=True)
            (folder / "cells.qmd").write_text(document(), encoding="utf-8")
            times["cold"].append(run(render, folder))
            edit(folder / "cells.qmd", "Prose after values.", f"Prose after values, edit {number}.")
            times["edited"].append(run(render, folder))
            edit(folder / "cells.qmd", "Figure of walk.", f"Figure of walk, edit {number}.")
            times["caption"].append(run(render, folder))
            times["no-op"].append(run(render, folder))
            edit(folder / "cells.qmd", "print(total)", f"print(total + {number})")
            times["cell"].append(run(render, folder))
        median = {k: statistics.median(v) for k, v in times.items()}
        base = median["python"]
        print(f"10-cell document, median of {runs} run(s) each (ratio to `python cells.py`, {base:.2f}s):")
        for name in ("cold", "cell", "edited", "caption", "no-op"):
            print(f"  {name:8s} {median[name]:6.2f}s  {median[name] / base:5.2f}x")
        print(f"  execution overhead (cold - edited) against python: {(median['cold'] - median['edited']) / base:.2f}x")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
