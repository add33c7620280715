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
        assert got.loc[iso, "undated"] == sum(1 for r in mine if not r["evidence_date"])
    assert got.loc["AFG", "areas"] == 0  # a country without evidence: zero documented areas, no error
