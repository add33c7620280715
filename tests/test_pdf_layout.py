"""No words printed over one another, and no table broken so that a page holds fewer than three of its rows:
the detectors (tests/pdf_layout.py) are first shown to catch each fault in small Typst documents made to have
it, then run on the paper's PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
import typst

from pdf_layout import bad_table_splits, overlapping_glyphs, table_splits

TABLE_SIZE = 9.45  # table text: 0.9em of the paper's 10.5pt (src/reportkit/templates/typst/definitions.typ)
PREAMBLE = """
#set page(paper: "a5", margin: 1.5cm)
#set text(font: "Libertinus Serif", size: 10.5pt)
#set par(leading: 0.62em)
#set table(fill: (x, y) => if y > 0 and calc.even(y) { luma(246) }, inset: (x: 6pt, y: 4pt))
#show table: set text(size: 0.9em, hyphenate: false)
#show table.cell.where(y: 0): set text(weight: "bold")
"""


def pdf_of(tmp_path: Path, body: str, name: str = "doc") -> Path:
    source = tmp_path / f"{name}.typ"
    source.write_text(PREAMBLE + body, encoding="utf-8")
    out = tmp_path / f"{name}.pdf"
    typst.compile(str(source), output=str(out))
    return out


def table(columns: str, rows: int, header=("Period", "Persons", "Share")) -> str:
    cells = ", ".join(f"[{c}]" for c in header)
    body = ", ".join(f"[Row {i}], [{1000 + i}], [{i}.5]" for i in range(1, rows + 1))
    return f"#table(columns: {columns}, align: (left, right, right), table.header({cells}), {body})\n"


def test_overprinted_header_words_are_found(tmp_path):
    narrow = pdf_of(tmp_path, "#table(columns: (1.1cm, 1.1cm), align: right, [*Mongolia*], [*Turkmenistan*], "
                              "[1.0], [2.0])\n", "narrow")
    found = overlapping_glyphs(narrow)
    assert found and found[0].page == 1 and "T" in found[0].first + found[0].second
    wide = pdf_of(tmp_path, "#table(columns: (2.5cm, 2.5cm), align: right, [*Mongolia*], [*Turkmenistan*], "
                            "[1.0], [2.0])\n", "wide")
    assert overlapping_glyphs(wide) == []


def test_text_set_over_other_text_is_found(tmp_path):
    over = pdf_of(tmp_path, "Some words here.\n#place(top + left, dy: 0pt)[Other words]\n", "over")
    assert overlapping_glyphs(over)


def test_a_table_split_leaving_one_row_is_found(tmp_path):
    filler = "#v(16.5cm)\n"
    doc = pdf_of(tmp_path, filler + table("(3cm, 2cm, 2cm)", 12), "split")
    splits = table_splits(doc, TABLE_SIZE)
    assert len(splits) == 1 and splits[0].page == 1
    assert splits[0].rows_before < 3 and splits[0].rows_after >= 10
    assert bad_table_splits(doc, TABLE_SIZE) == splits
    # the same table split in the middle has enough rows on both pages
    middle = pdf_of(tmp_path, "#v(14cm)\n" + table("(3cm, 2cm, 2cm)", 12), "middle")
    splits = table_splits(middle, TABLE_SIZE)
    assert len(splits) == 1 and min(splits[0].rows_before, splits[0].rows_after) >= 3
    assert bad_table_splits(middle, TABLE_SIZE) == []


def test_rows_with_wrapped_cells_count_once(tmp_path):
    header = ("Period of the report", "Persons", "Share")
    rows = ", ".join(f"[January to September {2000 + i}], [{i}], [{i}.5]" for i in range(1, 13))
    body = f"#v(10.5cm)\n#table(columns: (2.2cm, 2cm, 2cm), table.header([{header[0]}], [{header[1]}], " \
           f"[{header[2]}]), {rows})\n"
    splits = table_splits(pdf_of(tmp_path, body, "wrapped"), TABLE_SIZE)
    assert len(splits) == 1
    assert splits[0].rows_before + splits[0].rows_after == 12


@pytest.mark.slow
@pytest.mark.parametrize("name", ["paper", "supplement"])
def test_no_overprinted_words_and_no_short_table_split(rendered_paper, name):
    pdf = rendered_paper / "_output" / f"{name}.pdf"
    overlaps = overlapping_glyphs(pdf)
    assert not overlaps, "\n".join(map(str, overlaps[:10]))
    splits = bad_table_splits(pdf, TABLE_SIZE)
    assert not splits, "\n".join(map(str, splits))
