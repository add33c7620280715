"""End to end: a project holding each kind of float and reference, rendered by the built-in engine in
both formats; what a reader sees in the HTML (visible text) and in the PDF (pdftotext) is the same."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from conftest import run_report
from reportkit.checks import pdf_text
from test_filters import text_of

PROJECT = Path(__file__).parent / "quarto_constructs"
pytestmark = pytest.mark.slow

IN_BOTH = [
    "Constructs", "Every float and reference kind", "Ada Example", "Bo Sample", "Example Lab", "March 5, 2024",
    "Figure 1: A red block", "(a) Blue", "(b) Green", "Figure 2: Two blocks side by side",
    "See Figure 1, Figure 2, 2 (b) and Figure 1, Figure 2 (a).",
    "Table 1: Included table", "Table 2: Two tables", "(a) Left", "(b) Right", "Table 3: A list table.",
    "Head one", "Cell two", "See Table 1, Table 2 (b) and Table 3.",
    "Theorem 1 (Pythagoras)", "Proof", "Listing 1: Greeting", "Note 1: Remember",
    "By Theorem 1, Listing 1, Equation 1 and Note 1; see also Section 1.",
    "Table of contents", "1 Figures", "3 Other kinds",
]
NEVER = ["?@", "{#", "Figure 3", "Table 4", "Table 5", "tbl-colwidths", "lst-cap", "Figure Figure", "{{<", "$e^",
         "2024-03-05", "* - Head"]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> tuple[str, str]:
    target = tmp_path_factory.mktemp("constructs") / "project"
    shutil.copytree(PROJECT, target)
    result = run_report("render", "--engine", "builtin", project=target)
    assert result.exit_code == 0, result.output
    page = (target / "_output" / "constructs.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style|title)\b.*?</\1>", " ", page, flags=re.S)
    html = text_of(re.sub(r"<math\b.*?</math>", " ", page, flags=re.S))
    pdf = " ".join(" ".join(pdf_text(target / "_output" / "constructs.pdf")).replace("\u00a0", " ").split())
    return html, pdf


@pytest.mark.parametrize("expected", IN_BOTH)
def test_reader_sees_it_in_both_formats(outputs, expected):
    html, pdf = outputs
    assert expected in html, f"HTML lacks {expected!r}"
    assert expected in pdf, f"PDF lacks {expected!r}"


def test_nothing_leaks(outputs):
    for text in outputs:
        for bad in NEVER:
            assert bad not in text
