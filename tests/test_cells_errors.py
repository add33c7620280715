"""Bad cells: each stops the render with a clear message naming the file and line, and the last good
outputs stay as they were (a raising cell, a cell that never ends, an unknown or misplaced option,
an R cell, a missing kernel, a failing inline expression)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import TESTS, run_report

GOOD = """---
title: Errors
---

Intro line.

```{python}
#| label: first
value = 6 * 7
print("value", value)
```

The value is `{python} value`.
"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cells-errors") / "project"
    root.mkdir()
    (root / "_quarto.yml").write_text("project:\n  type: default\n  render: [doc.qmd]\nreportkit:\n  cell-timeout: 3\n",
                                      encoding="utf-8")
    (root / "doc.qmd").write_text(GOOD, encoding="utf-8")
    result = run_report("render", "--engine", "builtin", project=root)
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(rendered, root)
    return root


def outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "_output").glob("*.*"))}


def broken(root: Path, old: str, new: str) -> tuple[int, str]:
    """Edit the document, render, and check the last good outputs survived; (exit code, message)."""
    before = outputs(root)
    assert set(before) == {"doc.html", "doc.pdf"}
    text = (root / "doc.qmd").read_text(encoding="utf-8")
    assert old in text
    (root / "doc.qmd").write_text(text.replace(old, new), encoding="utf-8")
    result = run_report("render", "--engine", "builtin", project=root)
    assert outputs(root) == before, "a failed render replaced the last good outputs"
    assert not list((root / "_output").glob(".staging-*"))
    return result.exit_code, result.output


def test_a_raising_cell_names_its_line_and_shows_the_traceback(project):
    code, message = broken(project, 'print("value", value)', 'print("value", value)\nrows = {}\nrows["missing"]')
    assert code == 6
    assert re.search(r"doc\.qmd:7: the \{python\} cell raised KeyError: 'missing' \(at doc\.qmd:12\)", message)
    assert 'rows["missing"]' in message and "Traceback" in message
    assert "error: true" in message


def test_a_cell_that_never_ends_times_out(project):
    code, message = broken(project, 'print("value", value)', 'import time\ntime.sleep(60)')
    assert code == 6
    assert "doc.qmd:7: the {python} cell did not finish within 3 s" in message
    assert "cell-timeout" in message


def test_an_unknown_option_is_refused_before_any_kernel(project):
    code, message = broken(project, "#| label: first\n", "#| label: first\n#| fig-caption: x\n")
    assert code == 3
    assert "doc.qmd:9: unknown cell option `fig-caption`" in message and "kernel" not in message


def test_options_after_a_blank_line_or_code(project):
    code, message = broken(project, 'print("value", value)', 'print("value", value)\n\n#| echo: false')
    assert code == 3
    assert "doc.qmd:12: `#|` option after code" in message


def test_an_r_cell_needs_quarto(project):
    code, message = broken(project, "The value", "```{r}\nsummary(cars)\n```\n\nThe value")
    assert code == 3
    assert "doc.qmd:13: R cells need Quarto with knitr: render with `--engine quarto`" in message


def test_a_missing_kernel_says_what_to_install(project):
    code, message = broken(project, "title: Errors", "title: Errors\njupyter: no-such-kernel")
    assert code == 4
    assert "doc.qmd:8: no Jupyter kernel named `no-such-kernel`" in message
    assert "python3" in message and "ipykernel install" in message


def test_a_failing_inline_expression_names_its_line(project):
    code, message = broken(project, "`{python} value`", "`{python} value + undefined_name`")
    assert code == 6
    assert "doc.qmd:13: inline expression `{python} value + undefined_name` raised NameError" in message


def test_error_true_shows_the_error_instead(project):
    text = (project / "doc.qmd").read_text(encoding="utf-8")
    (project / "doc.qmd").write_text(text.replace('#| label: first\n', '#| label: first\n#| error: true\n')
                                     .replace('print("value", value)', 'print("value", value)\n1 / 0'),
                                     encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--to", "html", project=project)
    assert result.exit_code == 0, result.output
    page = (project / "_output" / "doc.html").read_text(encoding="utf-8")
    assert "ZeroDivisionError: division by zero" in page and "The value is 42." in page


def test_a_declared_file_that_does_not_exist(project):
    code, message = broken(project, "#| label: first\n", "#| label: first\n#| reads: [data/missing.csv]\n")
    assert code == 3 and "doc.qmd:7: `reads: data/missing.csv` names no file" in message


def test_report_check_knows_the_floats_cells_make(tmp_path):
    project = tmp_path / "cells"
    shutil.copytree(TESTS / "cells_project", project, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    result = run_report("check", project=project)
    assert result.exit_code == 0, result.output  # @fig-line, @fig-panels-2, @lst-squares... come from cells
    text = (project / "cells.qmd").read_text(encoding="utf-8")
    (project / "cells.qmd").write_text(text.replace("See @fig-line,", "See @fig-nowhere, @fig-line,"), encoding="utf-8")
    result = run_report("check", project=project)
    assert result.exit_code == 3 and "unresolved cross-reference @fig-nowhere" in result.output
    assert "1 problem(s)" in result.output


def test_a_missing_python_kernel_names_ipykernel(tmp_path):
    from reportkit.execute.kernel import Kernel

    message = Kernel("python3", tmp_path, 10, tmp_path, (5.5, 3.5))._missing(Exception())
    assert "no Jupyter kernel named `python3`" in message and "pip install ipykernel" in message
