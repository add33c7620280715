"""The analysis as a whole: it runs, its variables match the chapters, figures are valid and deterministic."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

from analysis.pipeline import load_steps
from analysis.registry import ROOT, ordered
from conftest import tracked_copy
from reportkit.protocol import value_anchor

pytestmark = pytest.mark.slow  # runs the whole analysis twice

VAR = re.compile(r"\{\{<\s*var\s+([^\s>]+)\s*>\}\}")
REFERENCE_ONLY = ROOT / "analysis" / "reference_only_variables.txt"


def run_analysis(root: Path):
    subprocess.run([sys.executable, "-m", "analysis"], cwd=root, check=True, capture_output=True)


def digests(root: Path, paths):
    return {p: hashlib.sha256((root / p).read_bytes()).hexdigest() for p in paths}


class Runs(NamedTuple):
    root: Path    # a copy of the tracked files, where the analysis ran (never the checkout)
    first: dict   # output -> sha256 after the first run
    second: dict  # ... and after the second


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tracked_copy(tmp_path_factory.mktemp("analysis") / "repo")
    load_steps()
    outs = [o for s in ordered() for o in s.outputs]
    run_analysis(root)
    first = digests(root, outs)
    run_analysis(root)
    return Runs(root, first, digests(root, outs))


def flatten(d, prefix=""):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flatten(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def used_variables():
    used = set()
    for qmd in (ROOT / "report").rglob("*.qmd"):
        if "generated" not in qmd.parts:
            used |= set(VAR.findall(qmd.read_text(encoding="utf-8")))
    return used


def test_every_declared_output_is_written_and_identical_across_runs(two_runs):
    assert two_runs.first == two_runs.second


def test_figures_are_valid_svg_without_dates(two_runs):
    figures = [p for p in two_runs.first if p.endswith(".svg")]
    assert figures
    for p in figures:
        text = (two_runs.root / p).read_text(encoding="utf-8")
        root = ET.fromstring(text)
        assert root.tag.endswith("svg")
        assert "<dc:date>" not in text


def test_every_variable_used_in_report_exists(two_runs):
    written = dict(flatten(yaml.safe_load((two_runs.root / "_variables.yml").read_text(encoding="utf-8"))))
    missing = used_variables() - set(written)
    assert not missing, f"used in report/ but not written: {sorted(missing)}"
    assert all(isinstance(v, str) for v in written.values())


def test_every_variable_written_is_used_or_listed(two_runs):
    written = set(dict(flatten(yaml.safe_load((two_runs.root / "_variables.yml").read_text(encoding="utf-8")))))
    listed = {line.split("#")[0].strip() for line in REFERENCE_ONLY.read_text(encoding="utf-8").splitlines()} - {""}
    unused = written - used_variables()
    assert unused <= listed, f"written, not used and not listed in {REFERENCE_ONLY.name}: {sorted(unused - listed)}"
    stale = listed - unused
    assert not stale, f"listed as reference-only but used or not written: {sorted(stale)}"


def test_provenance_has_an_entry_and_anchor_for_every_variable(two_runs):
    prov = json.loads((two_runs.root / "report/generated/provenance.json").read_text(encoding="utf-8"))
    appendix = (two_runs.root / "report/generated/appendices/provenance.md").read_text(encoding="utf-8")
    for v in prov["variables"]:
        assert "{#" + value_anchor(v["name"]) + "}" in appendix
        assert v["function"].startswith("analysis/") and "::" in v["function"]
        if v["missing"]:  # the sentence shows plain words; the reason is recorded, never shown inside it
            assert v["reason"] and v["reason"] not in v["text"] and "(" not in v["text"]
            assert v["text"] in {"not published", "not determinable", "undetermined", "not computable"}
        else:
            assert v["inputs"], f"{v['name']} has no input rows"
            for inp in v["inputs"]:
                assert inp["path"].startswith("data/") and len(inp["sha256"]) == 64
                assert all(len(r["sha256"]) == 64 for r in inp["rows"])


def test_missing_values_are_listed_in_data_gaps(two_runs):
    prov = json.loads((two_runs.root / "report/generated/provenance.json").read_text(encoding="utf-8"))
    gaps = (two_runs.root / "report/generated/appendices/data-gaps.md").read_text(encoding="utf-8")
    for v in prov["variables"]:
        if v["missing"]:
            assert f"`{v['name']}`" in gaps


def test_every_figure_and_table_is_embedded_once_and_referenced(two_runs):
    """Each generated figure and table is placed in the article or in the supplement, under a label of a
    figure/table kind there (fig/tbl, or the supplement's sfig/stbl), and the article refers to it."""
    article = "\n".join(q.read_text(encoding="utf-8") for q in (ROOT / "report/chapters").glob("*.qmd"))
    sources = {"article": article, "supplement": (ROOT / "report/supplement.qmd").read_text(encoding="utf-8")}
    for p in two_runs.first:
        name = p.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        if p.endswith(".svg"):
            placed = {doc for doc, text in sources.items() if re.search(
                {"article": rf"generated/figures/{name}\.svg\){{#fig-{name}\b",
                 "supplement": rf"::: {{#sfig-{name}}}\n!\[\]\(generated/figures/{name}\.svg"}[doc], text)}
            label = "fig" if placed == {"article"} else "sfig"
        elif p.startswith("report/generated/tables/") and p.endswith(".md"):
            include = f"{{{{< include /report/generated/tables/{name}.md >}}}}"
            kinds = {"article": "tbl", "supplement": "stbl"}
            placed = {doc for doc, text in sources.items()
                      if re.search(rf"::: {{#{kinds[doc]}-{name}}}\n" + re.escape(include), text)}
            label = "tbl" if placed == {"article"} else "stbl"
            assert "{#" not in (two_runs.root / p).read_text(encoding="utf-8"), f"{p} carries its own label"
        else:
            continue
        assert len(placed) == 1, f"{p} placed in {sorted(placed) or 'no document'}"
        assert f"@{label}-{name}" in article, f"the article never refers to {label}-{name}"


# -- a quoted value and its table cell say the same -----------------------------------------------------------
NUMBER = re.compile(r"[−+-]?\d[\d,]*(?:\.\d+)?")
COUNTRIES = {"kaz": "Kazakhstan", "uzb": "Uzbekistan", "kgz": "Kyrgyzstan", "tjk": "Tajikistan",
             "tkm": "Turkmenistan", "chn": "China", "mng": "Mongolia", "rus": "Russia"}
UNIT_OF_KIND = {"pct": "%", "pct_printed": "%", "count": "persons", "signed": "persons", "usd": "US$"}


def as_number(text: str) -> float:
    return float(text.replace(",", "").replace("−", "-"))


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def table_cells(root: Path):
    """Every numeric cell of the generated tables: (table, the row's text, column header, cell)."""
    for md in sorted((root / "report/generated/tables").glob("*.md")):
        lines = [line for line in md.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        for line in lines[2:]:
            row = [c.strip() for c in line.strip("|").split("|")]
            for column, cell in zip(header, row):
                if NUMBER.fullmatch(cell):
                    yield md.name, " ".join(row), column, cell


def unit_of_column(header: str) -> str:
    return "%" if "%" in header else "US$" if "US$" in header else "persons"


def cells_quoting(value: dict, cells: list) -> list:
    """The table cells that show ``value``: a column of its unit, in a row or column naming its country
    and every year in its name, holding a number that rounds from the value (at the cell's precision)."""
    names = re.split(r"[._]", value["name"])
    countries = [COUNTRIES[n] for n in names if n in COUNTRIES]
    years = re.findall(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)", value["name"])
    if not countries or not years:
        return []
    unit = UNIT_OF_KIND[value["kind"]]
    scaled = value["value"] / 1e6 if unit == "US$" else value["value"]  # tables show US$ in millions
    return [(table, row, column, cell) for table, row, column, cell in cells
            if unit_of_column(column) == unit and any(c in row + column for c in countries)
            and all(y in row + column for y in years)
            and abs(as_number(cell) - scaled) <= 0.5 * 10 ** -decimals(cell) + 1e-9]


def test_a_quoted_value_and_its_table_cell_agree(two_runs):
    """The prose and a table show one quantity at the same precision ("0.16%" in a sentence and "0.16"
    in the % column, never "0.2"); US$ in billions in prose agrees with the table's millions at the prose's
    precision. Cells are matched by unit, country, year and value; at least 60 pairs must be compared."""
    cells = list(table_cells(two_runs.root))
    compared, disagree = 0, []
    for f in sorted((two_runs.root / "report/generated/values").glob("*.json")):
        for value in json.loads(f.read_text(encoding="utf-8"))["values"]:
            if value["missing"] or value["kind"] not in UNIT_OF_KIND or isinstance(value["value"], (bool, list)):
                continue
            shown = NUMBER.search(value["text"]).group(0)
            for table, row, column, cell in cells_quoting(value, cells):
                compared += 1
                if UNIT_OF_KIND[value["kind"]] == "US$":
                    per_million = 1e3 if "billion" in value["text"] else 1
                    same = round(as_number(cell) / per_million, decimals(shown)) == as_number(shown)
                else:
                    same = cell == shown
                if not same:
                    disagree.append(f"{value['name']} = {value['text']!r} but {table} ({row} | {column}) shows {cell!r}")
    assert compared >= 60, f"only {compared} value/cell pairs found: the matching no longer finds the tables' cells"
    assert not disagree, "\n".join(disagree)
