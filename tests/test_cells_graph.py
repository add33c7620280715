"""Executing cells is a build step keyed by the cells themselves: an unchanged document renders
again without a kernel; a changed cell, a data file a cell read, a declared file or a library reruns
them; prose and captions only re-render. Every cell run appends a line to a log outside the project
(so a test can count kernel runs), and --explain says why the cells ran."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import run_report
from test_graph import edit
from reportkit.execute.step import _libraries

DOCUMENT = """---
title: Counting
---

# Numbers

```{python}
#| label: setup
import os, pathlib
with open(os.environ["CELLS_RUN_LOG"], "a") as log:
    log.write("ran\\n")
rows = pathlib.Path("numbers.txt").read_text().split()
```

The file holds `{python} len(rows)` numbers.

```{python}
#| label: total
#| reads: notes.txt
print("total", sum(int(r) for r in rows))
```
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The project rendered once (its cells ran once); each test works on a copy of it."""
    root = tmp_path_factory.mktemp("cells-graph") / "counting"
    (root / "doc").mkdir(parents=True)
    (root / "_quarto.yml").write_text("project:\n  type: default\n  render: [doc/doc.qmd]\n", encoding="utf-8")
    (root / "doc" / "doc.qmd").write_text(DOCUMENT, encoding="utf-8")
    (root / "doc" / "numbers.txt").write_text("1 2 3\n", encoding="utf-8")
    (root / "doc" / "notes.txt").write_text("declared, never opened\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CELLS_RUN_LOG", str(root.parent / "first-run.log"))
        render(root)
    assert (root.parent / "first-run.log").read_text() == "ran\n"
    return root


@pytest.fixture
def project(rendered: Path, tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "counting"
    shutil.copytree(rendered, root)  # the record names project-relative files: a moved project stays valid
    monkeypatch.setenv("CELLS_RUN_LOG", str(tmp_path / "runs.log"))
    (tmp_path / "runs.log").write_text("", encoding="utf-8")
    return root


def render(root: Path, *args: str) -> str:
    result = run_report("render", "--engine", "builtin", "--to", "html", *args, project=root)
    assert result.exit_code == 0, result.output
    return result.output


def kernel_runs(root: Path) -> int:
    return (root.parent / "runs.log").read_text().count("ran")


def explained(root: Path) -> dict[str, str]:
    return dict(re.findall(r"^  (execute doc/doc\.qmd|render doc/doc\.qmd \(html\)): (.*)$", render(root, "--explain"), re.M))


def page(root: Path) -> str:
    return re.sub(r"<[^>]+>", "", (root / "_output" / "doc.html").read_text(encoding="utf-8"))


def test_first_render_runs_the_cells_in_the_document_folder(project):
    text = page(project)
    assert "The file holds 3 numbers." in text and "total 6" in text


def test_unchanged_document_starts_no_kernel(project):
    reasons = explained(project)
    assert reasons == {"execute doc/doc.qmd": "up to date", "render doc/doc.qmd (html)": "up to date"}
    assert kernel_runs(project) == 0


def test_prose_and_captions_rerender_without_a_kernel(project):
    edit(project / "doc" / "doc.qmd", "# Numbers", "# All the numbers")
    edit(project / "doc" / "doc.qmd", "#| label: total\n", "#| label: total\n#| echo: false\n")
    reasons = explained(project)
    assert reasons["execute doc/doc.qmd"] == "up to date" and "doc/doc.qmd changed" in reasons["render doc/doc.qmd (html)"]
    assert kernel_runs(project) == 0
    text = page(project)
    assert "All the numbers" in text and "total 6" in text and "sum(int(r)" not in text


def test_a_changed_cell_reruns_the_document(project):
    edit(project / "doc" / "doc.qmd", 'print("total",', 'print("sum is",')
    reasons = explained(project)
    assert reasons["execute doc/doc.qmd"] == "doc/doc.qmd#cell-2 changed"
    assert kernel_runs(project) == 1 and "sum is 6" in page(project)


def test_a_file_a_cell_read_reruns_the_document(project):
    (project / "doc" / "numbers.txt").write_text("1 2 3 4\n", encoding="utf-8")
    assert explained(project)["execute doc/doc.qmd"] == "doc/numbers.txt changed"
    assert kernel_runs(project) == 1
    assert "The file holds 4 numbers." in page(project) and "total 10" in page(project)


def test_a_declared_file_reruns_the_document(project):
    (project / "doc" / "notes.txt").write_text("changed\n", encoding="utf-8")
    assert explained(project)["execute doc/doc.qmd"] == "doc/notes.txt changed"
    assert kernel_runs(project) == 1


def test_new_cells_and_inline_expressions_are_reasons(project):
    edit(project / "doc" / "doc.qmd", "numbers.\n", "numbers, the largest `{python} max(rows)`.\n")
    assert explained(project)["execute doc/doc.qmd"] == "doc/doc.qmd#inline changed"
    assert "the largest 3." in page(project)
    edit(project / "doc" / "doc.qmd", "numbers.txt\").read_text().split()\n```\n",
         "numbers.txt\").read_text().split()\n```\n\n```{python}\nprint('third')\n```\n")
    assert "new input doc/doc.qmd#cell-3" in explained(project)["execute doc/doc.qmd"]
    assert kernel_runs(project) == 2


def test_a_lost_record_reruns_the_cells(project):
    (project / ".reportkit" / "execute" / "doc.json").unlink()
    assert "output .reportkit/execute/doc.json is missing" in explained(project)["execute doc/doc.qmd"]
    assert kernel_runs(project) == 1


def test_the_record_keys_the_libraries_the_cells_imported(project, tmp_path):
    record = json.loads((project / ".reportkit" / "execute" / "doc.json").read_text())
    assert record["libraries"] and record["path"]
    assert _libraries(record).split(",") == [f"{name}={version}" for name, version in sorted(record["libraries"].items())]
    site = tmp_path / "site"
    (site / "fake_lib-1.0.dist-info").mkdir(parents=True)
    before = _libraries({"libraries": {"fake-lib": "1.0", "gone": "1"}, "path": [str(site)]})
    (site / "fake_lib-1.0.dist-info").rename(site / "fake_lib-2.0.dist-info")  # as pip upgrades it
    after = _libraries({"libraries": {"fake-lib": "1.0", "gone": "1"}, "path": [str(site)]})
    assert (before, after) == ("fake-lib=1.0,gone=absent", "fake-lib=2.0,gone=absent")
