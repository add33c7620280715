"""Policy and missions: computations checked against counts made here from the raw CSV rows."""

from __future__ import annotations

import csv
from collections import Counter

import pandas as pd
import pytest

from analysis import policy
from analysis.data import load
from analysis.registry import ROOT


def raw(path):
    with (ROOT / path).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_measures_by_gap_basis_matches_raw_rows():
    rows = raw(policy.MEASURES)
    expected = Counter(r["gap_basis"] for r in rows)
    got = policy.measures_by_gap_basis(load(policy.MEASURES))
    assert dict(zip(got["gap_basis"], got["measures"])) == {k: expected.get(k, 0) for k in policy.GAP_LABELS}
    assert got["measures"].sum() == len(rows)
    # each count's references are exactly the rows with that basis
    for rec in got.to_dict("records"):
        nums = sorted(int(r.split("#")[1]) for r in rec["_ref"])
        assert nums == [i for i, r in enumerate(rows, 1) if r["gap_basis"] == rec["gap_basis"]]


def test_unknown_gap_basis_is_an_error_and_empty_table_gives_zeros():
    df = load(policy.MEASURES)
    bad = df.copy()
    bad.loc[0, "gap_basis"] = "rumour"
    with pytest.raises(ValueError):
        policy.measures_by_gap_basis(bad)
    empty = policy.measures_by_gap_basis(df.iloc[0:0])
    assert list(empty["measures"]) == [0, 0, 0]


def test_areas_by_country_matches_raw_rows():
    rows = raw(policy.MISSIONS)
    countries = ["UZB", "KGZ", "TJK", "TKM"]
    got = policy.areas_by_country(load(policy.MISSIONS), countries).set_index("area")
    for r in rows:
        assert r["mission_role"] in got.loc[r["area"], r["country_iso3"]]
    # a blank cell only where no row documents that (area, country)
    documented = {(r["area"], r["country_iso3"]) for r in rows}
    for area in got.index:
        for iso in countries:
            assert pd.isna(got.loc[area, iso]) == ((area, iso) not in documented)


def test_areas_per_country_matches_raw_rows():
    rows = raw(policy.MISSIONS)
    got = policy.areas_per_country(load(policy.MISSIONS), ["UZB", "KGZ", "TJK", "TKM", "AFG"]).set_index("country_iso3")
    for iso in ["UZB", "KGZ", "TJK", "TKM"]:
        mine = [r for r in rows if r["country_iso3"] == iso]
        assert got.loc[iso, "areas"] == len({r["area"] for r in mine})
        assert got.loc[iso, "direct"] == len({r["area"] for r in mine if r["mission_role"] == "direct"})
        # a row lacks a complete date when its page shows no date or only the year
        assert got.loc[iso, "undated"] == sum(1 for r in mine if len(r["evidence_date"]) != len("2021-03-22"))
    assert got.loc["AFG", "areas"] == 0  # a country without evidence: zero documented areas, no error


def test_only_measures_are_counted_not_a_recorded_absence():
    """Row M10 records that no measure for Kazakhs abroad is reported; counting it inflated the measures."""
    rows = raw(policy.MEASURES)
    measures = policy.measures_only(load(policy.MEASURES))
    assert len(measures) == sum(1 for r in rows if r["kind"] == "measure") == len(rows) - 1
    assert "M10" not in set(measures["measure_id"])
    assert policy.measures_by_gap_basis(measures)["measures"].sum() == len(measures)
    bad = load(policy.MEASURES)
    bad.loc[0, "kind"] = "wish"
    with pytest.raises(ValueError):
        policy.measures_only(bad)


def test_total_undated_missions_rows_include_year_only_dates():
    work = load(policy.MISSIONS)
    per = policy.areas_per_country(work, ["UZB", "KGZ", "TJK", "TKM"])
    assert per["undated"].sum() == sum(1 for r in raw(policy.MISSIONS) if len(r["evidence_date"]) < 10) == 9
