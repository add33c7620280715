"""The analysis framework: registry, formatting, missing values, variables and provenance writers."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from analysis import appendices, data, outputs
from analysis.pipeline import load_steps
from analysis.registry import ROOT, STEPS, ordered
from reportkit.protocol import STEPS_DONE_ENV


@pytest.fixture(scope="module")
def steps():
    load_steps()
    return ordered()


def test_list_is_json_with_inputs_and_outputs():
    out = subprocess.run([sys.executable, "-m", "analysis", "--list"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    listed = json.loads(out)
    assert listed and {"name", "function", "inputs", "outputs", "after"} <= set(listed[0])
    assert listed[-1]["name"] == "variables"


def test_steps_declare_data_inputs_and_distinct_outputs(steps):
    seen = {}
    for s in steps:
        assert s.inputs and s.outputs, s.name
        for i in s.inputs:
            # data, value fragments, or the lock file (the environment the supplement describes)
            assert i.startswith(("data/", "report/generated/values/")) or i == "requirements.lock", (s.name, i)
        for o in s.outputs:
            assert o not in seen, f"{o} written by {seen[o]} and {s.name}"
            seen[o] = s.name
    # every step that reads a fragment runs after the step that writes it
    for s in steps:
        for i in s.inputs:
            if i in seen:
                assert seen[i] in s.after


@pytest.mark.parametrize("kind,value,text", [
    ("count", 821200, "821,200"), ("count", 0, "0"), ("pct", 2.4049, "2.4%"), ("pct", 0.2217, "0.22%"),
    ("pct", 0.0081, "0.0081%"), ("pct", 0, "0%"), ("signed", -6946, "−6,946"), ("signed", 9293, "+9,293"),
    ("year", 2021.0, "2021"), ("usd", 309886230, "US$ 309.9 million"), ("usd", 2792498249, "US$ 2.79 billion"),
    ("ratio", 10712.3, "10,700"), ("ratio", 278.9, "279"), ("ratio", 35.62, "35.6"), ("ratio", 1.234, "1.23"),
    ("date", "2015-04-01", "1\u00a0April\u00a02015"), ("date", "2021-03", "March\u00a02021"), ("date", "2021", "2021"),
])
def test_formats(kind, value, text):
    assert outputs.FORMATS[kind](value) == text


def test_missing_value_needs_reason_and_becomes_a_gap():
    res = outputs.Results("t")
    with pytest.raises(ValueError):
        res.add("t.x", None, "count", test_formats)
    q = res.add("t.y", float("nan"), "count", test_formats, reason="no census count published")
    # a sentence shows plain words; the reason goes to the data gaps, never into the sentence
    assert q.text == "not published" and "census" not in q.text
    assert res.gaps and res.gaps[0]["topic"] == "t.y" and res.gaps[0]["reason"] == "no census count published"
    assert res.add("t.r", None, "rank", test_formats, reason="r").text == "not determinable"
    assert res.add("t.c", None, "pct", test_formats, reason="r", says="undetermined").text == "undetermined"
    with pytest.raises(ValueError):
        res.add("t.y", 1, "count", test_formats)


def test_nest_and_conflicts():
    assert appendices.nest({"a.b.c": "1", "a.d": "2"}) == {"a": {"b": {"c": "1"}, "d": "2"}}
    with pytest.raises(ValueError):
        appendices.nest({"a.b": "1", "a.b.c": "2"})


def test_merge_fragments_rejects_bad_and_duplicate_names():
    v = {"name": "a.b", "text": "1", "value": 1, "inputs": [], "missing": False}
    with pytest.raises(ValueError):
        appendices.merge_fragments([{"step": "s", "values": [v], "gaps": []}, {"step": "t", "values": [v], "gaps": []}])
    with pytest.raises(ValueError):
        appendices.merge_fragments([{"step": "s", "values": [{**v, "name": "A.b"}], "gaps": []}])


def test_ranges():
    assert appendices.ranges([1, 2, 3, 7, 9, 10]) == "1–3, 7, 9–10"


def test_row_references_survive_merge_and_checksums_match_raw_rows(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "ROOT", tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/a.csv").write_text('k,v\nx,1\ny,"2,5"\n', encoding="utf-8")
    (tmp_path / "data/b.csv").write_text("k,w\ny,3\n", encoding="utf-8")
    data._raw_rows.cache_clear()
    data.datapackage.cache_clear()
    a, b = data.load("data/a.csv"), data.load("data/b.csv")
    m = data.merge(a, b, on="k")
    assert list(m["_ref"]) == [("data/a.csv#2", "data/b.csv#1")]
    desc = data.describe_refs(m["_ref"].iloc[0])
    import hashlib
    assert desc[0]["rows"][0]["sha256"] == hashlib.sha256(json.dumps(["y", "2,5"]).encode()).hexdigest()
    data._raw_rows.cache_clear()
    data.datapackage.cache_clear()


def test_blank_cells_are_missing_not_zero(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "ROOT", tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data/a.csv").write_text("k,v\nx,\ny,0\n", encoding="utf-8")
    df = data.numeric(data.load("data/a.csv"), "v")
    assert pd.isna(df["v"].iloc[0]) and df["v"].iloc[1] == 0


def test_markdown_table_caption_and_alignment(tmp_path, monkeypatch):
    text = outputs.markdown_table(pd.DataFrame({"Country": ["A|B"], "Persons": ["1,000"]}))
    sep = text.splitlines()[1]
    assert sep.startswith("|:-") and sep.endswith("-:|") and "A\\|B" in text


def test_table_column_widths_follow_content():
    """An ID column gets a narrow share, a long text column a wide one, and no header word is wider than its
    column, also when the columns do not all fit (pandoc reads relative widths from the separator's dashes)."""
    display = pd.DataFrame({"ID": ["M01", "M02"], "Area": ["educational immigration " * 3, "business"],
                            "Turkmenistan (%)": ["7.8", "6.8"]})
    widths = outputs.column_widths(display)
    assert widths[0] < widths[2] < widths[1]
    sep = outputs.markdown_table(display).splitlines()[1].strip("|").split("|")
    assert [len(c.strip(":")) for c in sep] == widths and sep[2].endswith(":") and sep[0].startswith(":")
    crowded = pd.DataFrame({f"Turkmenistan {i} (%)": ["1.0"] for i in range(5)} | {"Period": ["x" * 40]})
    widths = outputs.column_widths(crowded)
    total = sum(widths)
    for col, w in zip(crowded.columns, widths):   # each header word fits in its share of one line
        longest = max(len(word) for word in col.split())
        assert w / total * outputs.LINE_CHARS >= longest * outputs.BOLD + outputs.PADDING - 1


def test_table_cells_carry_no_unit():
    assert outputs.cell("pct", 0.1607) == "0.16" and outputs.cell("usd_million", 309886230) == "309.9"
    assert outputs.cell("usd_million", 13_500_000_000) == "13,500" and outputs.cell("count", None) == "–"
    assert outputs.cell("pct", 0.1607) == outputs.FORMATS["pct"](0.1607).removesuffix("%")


def test_pre_render_skips_when_reportkit_ran_the_steps(tmp_path):
    """Quarto's pre-render (python -m analysis) does nothing after reportkit's build graph ran the steps."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, **{STEPS_DONE_ENV: "1"})
    done = subprocess.run([sys.executable, "-m", "analysis"], cwd=root, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "analysis:" not in done.stderr
