"""Tie the tidy CSVs in data/ back to the original files in data/original/.

Every expected value is computed here from the original (spreadsheet, .rda, or transcribed CSV line named
by source_file/source_line), never typed in.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pyreadr
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
ORIG = DATA / "original"
CA = ["KAZ", "UZB", "KGZ", "TJK", "TKM"]


def tidy(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


def original_line(rel: str, line: int) -> dict[str, str]:
    """The record of an original CSV that starts on physical line ``line`` (header = 1)."""
    with open(ORIG / rel, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        start = reader.line_num + 1
        for rec in reader:
            if start == line:
                return dict(zip(header, rec))
            start = reader.line_num + 1
    raise AssertionError(f"{rel}: no record on line {line}")


def num(s: str) -> float | None:
    return None if s == "" else float(s)


# ----------------------------------------------------------------------------- machine-readable originals
def test_population_equals_world_bank_file():
    wb = pd.read_csv(ORIG / "wb-population/population.csv")
    wb = wb[wb["Country Code"].isin(CA)]
    t = tidy("population_wb.csv")
    assert len(t) == len(wb)
    expected = {(r["Country Code"], int(r["Year"])): int(r["Value"]) for _, r in wb.iterrows()}
    got = {(r.country_iso3, int(r.year)): int(r.population) for r in t.itertuples()}
    assert got == expected


def test_net_migration_equals_wpp2024_rda():
    mig = pyreadr.read_r(ORIG / "un-wpp2024-migration/original/mig1dt.rda")["mig1dt"]
    misc = pyreadr.read_r(ORIG / "un-wpp2024-migration/original/misc1dt.rda")["misc1dt"]
    t = tidy("net_migration_wpp2024.csv")
    m49 = dict(zip(t.country_iso3, t.un_m49.astype(int)))
    assert len(t) == len(mig[mig.country_code.isin(m49.values())])
    mig_i = mig.set_index(["country_code", "year"])["mig"]
    cnmr_i = misc.set_index(["country_code", "year"])["cnmr"]
    for r in t.itertuples():
        key = (m49[r.country_iso3], int(r.year))
        assert float(r.net_migrants_thousands) == pytest.approx(mig_i[key], abs=1e-9)
        assert float(r.net_migration_rate_per_1000) == pytest.approx(cnmr_i[key], abs=1e-9)


def test_wpp_country_codes_match_wpp_country_names():
    names = pyreadr.read_r(ORIG / "un-wpp2024-migration/original/countries.rda")["countries"]
    names = dict(zip(names.country_code, names.name))
    countries = dict(zip(tidy("countries.csv").iso3, tidy("countries.csv").name))
    for r in tidy("net_migration_wpp2024.csv").drop_duplicates("country_iso3").itertuples():
        wpp, wb = names[int(r.un_m49)], countries[r.country_iso3]
        assert wpp.split()[0][:5] == wb.split()[0][:5], (wpp, wb)  # "Kyrgyzstan" / "Kyrgyz Republic"


def test_migrant_stock_equals_undesa_rda():
    s = pyreadr.read_r(ORIG / "undesa-migrant-stock-2020/original/stocks.rda")["stocks"]
    s = s[s["to"].isin(CA) | s["from"].isin(CA)]
    expected = {(r.to, getattr(r, "_2"), int(r.t), r.sex.lower()): float(r.v) for r in s.itertuples()}
    t = tidy("migrant_stock_undesa2020.csv")
    got = {(r.destination_iso3, r.origin_iso3, int(r.year), r.sex): float(r.persons) for r in t.itertuples()}
    assert got == expected
    # and one aggregate recomputed from both sides: persons born in KAZ living in UZB, 2020
    born_kaz_in_uzb = s[(s["to"] == "UZB") & (s["from"] == "KAZ") & (s["t"] == "2020")]["v"].sum()
    tidy_sum = t[(t.destination_iso3 == "UZB") & (t.origin_iso3 == "KAZ") & (t.year == "2020")].persons.astype(int)
    assert tidy_sum.sum() == born_kaz_in_uzb


def test_remittances_equal_wdi_spreadsheets():
    t = tidy("remittances_wdi_2023_05.csv")
    files = {"BX.TRF.PWKR.CD.DT": "personal-remittances-received.xls",
             "BM.TRF.PWKR.CD.DT": "personal-remittances-paid.xls",
             "BX.TRF.PWKR.DT.GD.ZS": "remittances-received-percent-gdp.xls"}
    n = 0
    for code, fname in files.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = pd.read_excel(ORIG / "wb-remittances/original" / fname, sheet_name="Data", header=3)
            head = pd.read_excel(ORIG / "wb-remittances/original" / fname, sheet_name="Data", header=None, nrows=2)
        assert str(head.iloc[1, 1]).startswith("2023-05-10")  # the vintage stated in the descriptor
        x = x[x["Country Code"].isin(CA)].set_index("Country Code")
        sub = t[t.indicator_code == code]
        for r in sub.itertuples():
            assert float(r.value) == pytest.approx(float(x.loc[r.country_iso3, r.year]), rel=1e-12)
        n_orig = int(x.iloc[:, 3:].notna().sum().sum())
        assert len(sub) == n_orig
        n += n_orig
    assert len(t) == n


def test_wdi_2024_vintage_equals_gdiviz_rda():
    ind = pyreadr.read_r(ORIG / "wb-wdi-via-gdiviz/original/indicators.rda")["indicators"]
    ind = ind[ind.iso.isin(CA) & ind["var"].isin(["pop", "nmig", "remin", "remout"]) & ind.v.notna()]
    expected = {(r.iso, r.var, int(r.t)): r.v for r in ind.itertuples()}
    t = tidy("wdi_gdiviz_2024_03.csv")
    got = {(r.country_iso3, r.gdiviz_var, int(r.year)): float(r.value) for r in t.itertuples()}
    assert got.keys() == expected.keys()
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-12)


def test_country_names_come_from_world_bank_file():
    wb = pd.read_csv(ORIG / "wb-population/population.csv").drop_duplicates("Country Code")
    names = dict(zip(wb["Country Code"], wb["Country Name"]))
    for r in tidy("countries.csv").itertuples():
        if r.kind == "country":
            assert r.name == names[r.iso3]


# ----------------------------------------------------------------------------- page-transcribed originals
def printed_amount(raw: str) -> tuple[float | None, float | None, float | None]:
    raw = raw.strip()
    if raw.startswith(">") and "(" in raw:  # ">5000000 (<6000000 official)"
        lo, hi = raw[1:].split(" (<")
        return None, float(lo), float(hi.split()[0])
    if raw.startswith(">"):
        return None, float(raw[1:]), None
    if raw.startswith("~"):
        return float(raw[1:]), None, None
    if "-" in raw:
        lo, hi = raw.split("-")
        return None, float(lo), float(hi)
    return float(raw), None, None


def test_ethnic_values_tie_back_to_original_lines():
    t = tidy("ethnic_composition.csv")
    for r in t.itertuples():
        o = original_line(r.source_file, int(r.source_line))
        assert o["country_iso3"] == r.country_iso3 and o["year"] == r.year and o["page_url"] == r.page_url
        if r.measure == "persons":
            raw = o["persons"] if "persons" in o else o["kazakhs"]
            assert (num(r.persons), num(r.persons_low), num(r.persons_high)) == printed_amount(raw)
        else:
            assert num(r.share_pct) == num(o["share_pct"])
    # every printed value of every original line is in the tidy table
    for rel, col in (("census-ethnic/ethnic_composition.csv", "persons"),
                     ("page-extracts/ethnic_kazakhs_by_country.csv", "kazakhs"),
                     ("stored-pages/ethnic_composition_additions.csv", "persons")):
        with open(ORIG / rel, encoding="utf-8", newline="") as fh:
            n_values = sum(max(1, bool(row[col]) + bool(row["share_pct"])) for row in csv.DictReader(fh))
        assert (t.source_file == rel).sum() == n_values


def test_migration_values_tie_back_to_original_lines():
    t = tidy("migration_by_partner.csv")
    for r in t[t.transcribed_from == "value column"].itertuples():
        o = original_line(r.source_file, int(r.source_line))
        if r.source_file.startswith("census-ethnic"):
            assert (o["reporter_iso3"], o["period"], o["partner"]) == (r.reporter_iso3, r.period, r.partner)
            if r.measure == "persons":
                v, lo, _ = printed_amount(o["persons"])
                assert (num(r.persons), num(r.persons_low)) == (v, lo)
            else:
                assert num(r.share_pct) == num(o["share_pct"])
        else:
            col = {("immigrants", "persons"): "arrivals", ("emigrants", "persons"): "departures",
                   ("net", "net_persons"): "net", ("immigrants", "share_pct"): "cis_share_arrivals_pct",
                   ("emigrants", "share_pct"): "cis_share_departures_pct"}[(r.flow, r.measure)]
            value = {"persons": r.persons, "net_persons": r.net_persons, "share_pct": r.share_pct}[r.measure]
            assert o["year"] == r.period and num(value) == num(o[col])
    for r in t[t.transcribed_from == "note column"].itertuples():
        o = original_line(r.source_file, int(r.source_line))
        assert f"{int(r.persons):,}" in o["note"]


def test_kandas_values_tie_back_to_original_lines():
    reports = tidy("kandas_arrivals.csv")
    shares = tidy("kandas_origin_shares.csv")
    for r in reports.itertuples():
        o = original_line(r.source_file, int(r.source_line))
        if r.source_file.startswith("page-extracts"):
            assert o["period"] == f"{r.period_start}..{r.period_end}"
            assert num(r.persons) == num(o["kandas_persons"])
            assert num(r.cumulative_since_1991_persons) == num(o["cumulative_since_1991"])
        else:
            assert (o["period_start"], o["period_end"]) == (r.period_start, r.period_end)
            assert num(r.persons) == num(o["persons"]) and num(r.families) == num(o["families"])
            assert num(r.cumulative_since_1991_persons) == num(o["cumulative_since_1991_persons"])
    by_id = reports.set_index("report_id")
    for s in shares.itertuples():
        rep = by_id.loc[s.report_id]
        o = original_line(rep.source_file, int(rep.source_line))
        assert num(s.share_pct) == num(o[f"share_{s.origin}_pct"])
    n_printed = sum(1 for r in reports.itertuples()
                    for origin in ["UZB", "CHN", "MNG", "TKM", "RUS", "other"]
                    if original_line(r.source_file, int(r.source_line))[f"share_{origin}_pct"])
    assert len(shares) == n_printed


def test_diaspora_values_tie_back_and_ranges_are_not_averaged():
    t = tidy("diaspora_size_estimates.csv")
    for r in t.itertuples():
        o = original_line(r.source_file, int(r.source_line))
        if r.source_file.startswith("page-extracts"):
            areas, values = o["country"].split("/"), o["kazakhs_estimate"].split("/")
            raw = dict(zip(areas, values))[r.area] if len(areas) > 1 else o["kazakhs_estimate"]
            assert (num(r.kazakhs), num(r.kazakhs_low), num(r.kazakhs_high)) == printed_amount(raw)
        else:
            assert num(r.kazakhs) == num(o["value"])
    rng = t[t.qualifier == "range"]
    assert len(rng) and (rng.kazakhs == "").all()  # never a midpoint


# ----------------------------------------------------------------------------- conflict bookkeeping
def test_conflicts_are_recorded_not_silently_resolved():
    e = tidy("ethnic_composition.csv")
    key = ["country_iso3", "year", "group", "measure"]
    use = e[e.status == "use"]
    assert not use.duplicated(key).any(), "at most one value to use per country/year/group/measure"
    assert (e[e.status != "use"].status_reason != "").all(), "every non-'use' status carries its reason"
    for _, c in e[e.status == "conflict"].iterrows():
        same = e[(e[key] == c[key]).all(axis=1) & (e.status == "conflict")]
        assert len(same) >= 2, f"a conflict needs its counterpart: {c.to_dict()}"
    # the flagged Uzbekistan swap: the swapped values are rejected in both original files
    swapped = e[e.page_url.str.contains("newstaraz")]
    assert len(swapped) == 4 and (swapped.status == "rejected").all()
    uzb = use[(use.country_iso3 == "UZB") & (use.group == "Kazakhs") & (use.measure == "persons")]
    by_year = dict(zip(uzb.year, uzb.persons.astype(int)))
    census89 = original_line("census-ethnic/ethnic_composition.csv", 5)
    assert by_year["1989"] == int(census89["persons"]) and census89["year"] == "1989"


def test_tkm_1995_counts_equal_share_times_total_as_recorded():
    """The caveat written into status_reason is true of the original table."""
    o = pd.read_csv(ORIG / "census-ethnic/ethnic_composition.csv", dtype=str, keep_default_na=False)
    t = o[(o.country_iso3 == "TKM") & (o.year == "1995") & o.page_url.str.contains("liquisearch")]
    total = int(t[t.group == "Total"].persons.iloc[0])
    rows = t[(t.persons != "") & (t.share_pct != "") & (t.group != "Total")]
    assert len(rows) >= 4
    for r in rows.itertuples():
        assert abs(float(r.share_pct) / 100 * total - int(r.persons)) <= 0.5


def test_kandas_2021_resolution_arithmetic():
    """17,540 (2021) is kept because the ministry's later cumulative implies 1,087,8xx at the start of 2022."""
    k = pd.read_csv(ORIG / "census-ethnic/kandas_arrivals.csv", dtype=str, keep_default_na=False)
    dec22 = k[k.period_end == "2022-11-30"].iloc[0]
    implied = int(dec22.cumulative_since_1991_persons) - int(dec22.persons)
    pe = pd.read_csv(ORIG / "page-extracts/kandas_repatriation.csv", dtype=str, keep_default_na=False)
    y21 = pe[pe.period.str.startswith("2021")].iloc[0]
    assert abs(implied - int(y21.cumulative_since_1991)) < abs(implied - 1_082_800)
    row = tidy("kandas_arrivals.csv").set_index("report_id").loc["pe-4"]
    assert row.status == "use" and row.persons == y21.kandas_persons


# ----------------------------------------------------------------------------- reproducible build
@pytest.mark.slow
def test_build_script_reproduces_committed_files(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, str(copy / "scripts" / "make_tidy.py")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for f in sorted(DATA.glob("*.csv")) + [DATA / "datapackage.json"]:
        assert hashlib.sha256((copy / f.name).read_bytes()).digest() == hashlib.sha256(f.read_bytes()).digest(), f.name
