"""The cells fixture project (tests/cells_project/: cells of every kind) rendered by the built-in
engine, and by Quarto where it is installed: what a reader sees in the HTML and in the PDF
(pdftotext), not only exit codes. Both engines must show the same text."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import TESTS, run_report
from test_filters import text_of

pytestmark = pytest.mark.slow  # a whole project's cells: pandas, matplotlib, both formats

PROJECT = TESTS / "cells_project"


ENGINES = ["builtin", pytest.param("quarto", marks=pytest.mark.quarto)]  # skipped, with the reason, without Quarto


@pytest.fixture(scope="module", params=ENGINES)
def rendered(request, tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("cells") / request.param
    shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    # Quarto's HTML for cells with HTML outputs loads require.js and jQuery from a CDN, which an offline
    # machine cannot embed: reported as problems, rendered with --allow-warnings to compare the text
    lenient = ["--allow-warnings"] if request.param == "quarto" else []
    result = run_report("render", "--engine", request.param, *lenient, project=target)
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture
def builtin(rendered) -> Path:
    if rendered.name != "builtin":
        pytest.skip("a property of the built-in engine's execution")
    return rendered


def squashed(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


@pytest.fixture(scope="module")
def html(rendered) -> str:
    page = (rendered / "_output" / "cells.html").read_text(encoding="utf-8")
    return squashed(text_of(re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)))


@pytest.fixture(scope="module")
def pdf(rendered) -> str:
    """pdftotext's layout and reading-order texts, one after the other (a phrase is found in either)."""
    path = str(rendered / "_output" / "cells.pdf")
    texts = [subprocess.run(["pdftotext", *mode, path, "-"], capture_output=True, text=True, check=True).stdout
             for mode in (["-layout"], [])]
    return " || ".join(squashed(t) for t in texts)


def count(text: str, phrase: str) -> int:
    """How often ``phrase`` appears in one text (for the PDF: in each of its two extractions)."""
    return max(part.count(phrase) for part in text.split(" || "))


@pytest.fixture(params=["html", "pdf"])
def text(request, html, pdf) -> str:
    return {"html": html, "pdf": pdf}[request.param]


def test_inline_values(text):
    assert "The five squares add up to 55; their mean is 11.0 and the largest is 25." in text
    assert "The total computed in a cell is 55." in text
    assert count(text, "{python}") == 1  # only in the cell shown with `echo: fenced`


def test_hidden_and_shown_code(text):
    assert "Printed by a cell whose code is hidden." in text
    assert 'print("Printed by a cell whose code is hidden.")' not in text
    assert 'print("Printed by a cell whose code is shown.")' in text and "Printed by a cell whose code is shown." in text
    # include: false hides code and output; eval: false shows code that never ran
    assert "this line is never shown" not in text and "import matplotlib" not in text
    assert 'this_cell = "is shown but never run"' in text
    # output: false shows the code only
    assert count(text, "Output that is not shown.") == 1
    assert "#| label: setup" not in text and "#| fig-cap" not in text


def test_figures_tables_and_references(text):
    assert "Figure 1: Squares of the first five whole numbers." in text
    assert "Figure 2: A narrow figure drawn at its own size." in text
    assert "Figure 4: Cubes, drawn in a notebook." in text
    assert "Table 1: The squares as a table." in text
    assert "See Figure 1, Figure 2, Figure 4 and Table 1; the panels of Figure 3" in text
    assert "the halves of Table 2 and Listing 1." in text
    assert "Figure 5" not in text and "Table 3" not in text and "?@" not in text


def test_subfigures_subtables_and_listings(text):
    assert re.search(r"\(a\) Rising.*\(b\) Falling.*Figure 3: Two panels side by side\.", text)
    assert re.search(r"Table 2: The squares in two halves\..*\(a\) Small.*\(b\) Large", text)
    assert "Listing 1: How the squares are listed." in text and "print(squares)" in text


def test_subfigure_reference_in_html(html):
    assert "(Figure 3 (b) falls)" in html


def test_dataframe_is_a_real_table(rendered, text):
    assert re.search(r"n square 0 1 1 1 2 4 2 3 9 3 4 16 4 5 25", text)
    page = (rendered / "_output" / "cells.html").read_text(encoding="utf-8")
    table = page[page.index('id="tbl-squares"'):]
    assert table.index("<table") < table.index("</figure>")


def test_other_outputs(text):
    assert "written by print 7" in text  # output: asis printed a markdown table
    assert "A Markdown result from display()." in text
    assert "ZeroDivisionError: division by zero" in text  # error: true
    assert "UserWarning: A visible warning from a cell." in text
    assert "UserWarning: A warning nobody sees." not in text and "The warning above is hidden." in text
    assert "Output of a folded cell." in text
    assert "```{python} #| label: fenced 1 + 1 ```" in text


def test_embedded_notebook_cells(text):
    assert "The cubes add up to 100" in text
    assert "print('The cubes add up to'" in text  # echo=true
    assert "plt.plot(range(1, 5)" not in text  # embeds show outputs only by default


def test_code_fold_in_html_only(rendered, pdf):
    page = (rendered / "_output" / "cells.html").read_text(encoding="utf-8")
    assert re.search(r'<details class="code-fold">\s*<summary>Show the folded code</summary>', page)
    assert 'print("Output of a folded cell.")' in pdf


def test_warnings_do_not_show_the_kernel_temporary_file(builtin, html, pdf):
    assert "ipykernel_" not in html and "ipykernel_" not in pdf  # (Quarto shows it)


def test_figures_are_svg_at_their_size(builtin):
    rendered = builtin
    record = json.loads((rendered / ".reportkit" / "execute" / "cells.json").read_text())
    svgs = [o["data"]["image/svg+xml"] for cell in record["cells"] for o in cell["outputs"]
            if "image/svg+xml" in o.get("data", {})]
    widths = [float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg).group(1)) for svg in svgs]
    assert len(widths) == 4 and widths[1] < widths[0] * 0.75  # fig-width 3 against the document's 5
    page = (rendered / "_output" / "cells.html").read_text(encoding="utf-8")
    assert 'alt="A rising line through five points."' in page


def test_unchanged_project_renders_again_without_a_kernel(builtin):
    rendered = builtin
    result = run_report("render", "--engine", "builtin", "--explain", project=rendered)
    assert result.exit_code == 0, result.output
    assert "execute cells.qmd: up to date" in result.output and "kernel" not in result.output


def test_cells_render_byte_for_byte_in_another_folder(tmp_path, monkeypatch):
    """Figures (SVG ids and dates), warnings (kernel file names) and tracebacks carry nothing of the run."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    made = []
    for name in ("one", "two"):
        target = tmp_path / name
        shutil.copytree(PROJECT, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
        result = run_report("render", "--engine", "builtin", "-q", project=target)
        assert result.exit_code == 0, result.output
        made.append({p.name: p.read_bytes() for p in (target / "_output").glob("cells.*")})
    assert set(made[0]) == {"cells.html", "cells.pdf"} and made[0] == made[1]
