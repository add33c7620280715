"""Diaspora computations checked against values derived here from the raw rows of data/ (csv module, no pandas
logic shared with analysis/), plus edge cases: missing year, zero population, conflicting sources."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from analysis import diaspora
from analysis.data import load
from analysis.registry import ROOT

CA = ["UZB", "KGZ", "TJK", "TKM"]


def raw(path):
    with (ROOT / path).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def ethnic():
    return load(diaspora.ETHNIC)


def raw_kazakh_counts():
    return [r for r in raw(diaspora.ETHNIC) if r["group"] == "Kazakhs" and r["measure"] == "persons"
            and r["status"] in ("use", "conflict") and r["country_iso3"] in CA and r["year"] and r["persons"]]


def test_kazakh_counts_are_exactly_the_usable_dated_rows(ethnic):
    got = diaspora.kazakh_counts(ethnic)
    expected = sorted((r["country_iso3"], int(r["year"]), int(r["persons"])) for r in raw_kazakh_counts())
    assert sorted(zip(got["country_iso3"], got["year"], got["persons"].astype(int))) == expected
    # rejected and undated rows never enter the series
    rejected = [r for r in raw(diaspora.ETHNIC) if r["status"] == "rejected" and r["group"] == "Kazakhs"]
    for r in rejected:
        refs = {ref for t in got["_ref"] for ref in t}
        assert not any(ref.endswith(f"#{raw(diaspora.ETHNIC).index(r) + 1}") for ref in refs)


def test_share_of_population_from_raw_rows(ethnic):
    pop = {(r["country_iso3"], int(r["year"])): int(r["population"]) for r in raw(diaspora.POPULATION)}
    got = diaspora.population_shares(diaspora.kazakh_counts(ethnic), load(diaspora.POPULATION))
    for r in raw_kazakh_counts():
        key = (r["country_iso3"], int(r["year"]))
        row = got[(got["country_iso3"] == key[0]) & (got["year"] == key[1]) & (got["persons"] == int(r["persons"]))]
        if key in pop:
            assert row["share_pct"].iloc[0] == pytest.approx(int(r["persons"]) / pop[key] * 100)
        else:  # before 1960: missing, with its reason
            assert pd.isna(row["share_pct"].iloc[0]) and "no World Bank population" in row["reason"].iloc[0]


def test_zero_population_gives_missing_not_infinite(ethnic):
    counts = diaspora.kazakh_counts(ethnic).head(1)
    pop = pd.DataFrame({"country_iso3": counts["country_iso3"], "year": counts["year"], "population": [0],
                        "_ref": [("data/x.csv#1",)]})
    got = diaspora.population_shares(counts, pop)
    assert pd.isna(got["share_pct"].iloc[0]) and got["reason"].iloc[0] == "World Bank population is zero"


def test_change_uzbekistan_1989_2021_and_conflict(ethnic):
    counts = diaspora.kazakh_counts(ethnic)
    rows = raw_kazakh_counts()
    a = [int(r["persons"]) for r in rows if r["country_iso3"] == "UZB" and r["year"] == "1989"]
    b = [int(r["persons"]) for r in rows if r["country_iso3"] == "UZB" and r["year"] == "2021"]
    assert len(a) == len(b) == 1
    ch = diaspora.change(counts, "UZB", 1989, 2021)
    assert ch["persons"] == b[0] - a[0] and ch["pct"] == pytest.approx((b[0] - a[0]) / a[0] * 100)
    tkm95 = [r for r in rows if r["country_iso3"] == "TKM" and r["year"] == "1995"]
    assert len(tkm95) == 2 and {r["status"] for r in tkm95} == {"conflict"}
    ch = diaspora.change(counts, "TKM", 1989, 1995)
    assert ch["pct"] is None and "conflicting" in ch["reason"]
    assert diaspora.change(counts, "KGZ", 1989, 1999)["reason"] == "no count for 1989"


def test_undated_values_are_left_out_and_listed(ethnic):
    undated = [r for r in raw(diaspora.ETHNIC) if r["group"] == "Kazakhs" and r["country_iso3"] in CA and not r["year"]]
    assert len(diaspora.undated_kazakh_values(ethnic)) == len(undated) > 0


def test_rank_uzbekistan_2021_from_raw_rows(ethnic):
    rows = [r for r in raw(diaspora.ETHNIC) if r["country_iso3"] == "UZB" and r["year"] == "2021"
            and r["measure"] == "persons" and r["status"] == "use"]
    groups = {r["group"]: int(r["persons"]) for r in rows if r["group"] not in ("Total", "Other")}
    total = [int(r["persons"]) for r in rows if r["group"] == "Total"][0]
    k = groups["Kazakhs"]
    expected_rank = 1 + sum(v > k for g, v in groups.items() if g != "Kazakhs")
    got = diaspora.kazakh_rank(diaspora.composition(ethnic, "UZB", 2021), "UZB").iloc[0]
    assert got["rank_low"] == got["rank_high"] == expected_rank
    assert got["minority_rank_low"] == expected_rank - 1
    assert got["determined"] == (total - sum(groups.values()) < k)
    assert got["share_of_minorities_pct"] == pytest.approx(k / (total - groups["Uzbeks"]) * 100)
    assert got["titular_per_kazakh"] == pytest.approx(groups["Uzbeks"] / k)


def test_rank_with_conflicting_other_group_is_a_range():
    table = pd.DataFrame({"group": ["Tajiks", "Uzbeks", "Uzbeks", "Kazakhs", "Russians", "Total"],
                          "persons": [100.0, 60.0, 40.0, 50.0, 45.0, 300.0], "status": ["use"] * 6,
                          "_ref": [(f"data/t.csv#{i}",) for i in range(1, 7)]})
    r = diaspora.kazakh_rank(table, "TJK").iloc[0]
    assert (r["rank_low"], r["rank_high"]) == (2, 3)  # Uzbeks 60 or 40 against Kazakhs 50
    assert not r["determined"]  # 300 - (50 + 100 + 40 + 45) = 65 unlisted > 50


def test_regional_shares_interval_arithmetic():
    latest = pd.DataFrame({"country_iso3": ["A", "B"], "year": [2020, 2020], "low": [90.0, 8.0],
                           "high": [90.0, 10.0], "qualifier": ["", ""], "_ref": [(), ()]})
    got = diaspora.regional_shares(latest)
    assert got.attrs["total"] == (98.0, 100.0)
    assert got["share_low_pct"].iloc[0] == pytest.approx(90 / 100 * 100)
    assert got["share_high_pct"].iloc[0] == pytest.approx(90 / 98 * 100)
    assert got["share_low_pct"].iloc[1] == pytest.approx(8 / 98 * 100)


def test_world_estimates_keep_both_conflicting_otandastar_figures():
    est = load(diaspora.ESTIMATES)
    w = diaspora.world_estimates(est)
    rows = [r for r in raw(diaspora.ESTIMATES) if r["area"] == "World (abroad total)" and r["status"] in ("use", "conflict")]
    assert len(w) == len(rows)
    for r, got in zip(rows, w.to_dict("records")):
        assert got["low"] == int(r["kazakhs_low"] or r["kazakhs"]) and got["high"] == int(r["kazakhs_high"] or r["kazakhs"])
    assert diaspora.share_range((3.0, 3.0), (7.0, 8.0)) == pytest.approx((37.5, 3 / 7 * 100))
