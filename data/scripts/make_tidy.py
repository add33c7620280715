"""Rebuild every tidy CSV in data/ from data/original/ and rewrite data/datapackage.json.

    python data/scripts/make_tidy.py

Inputs are the verbatim copies in data/original/<source>/ (each with its SOURCE.md). Nothing here
estimates, interpolates or averages: every value written is a value printed in an original file, only
re-shaped (wide -> long), re-labelled (ISO3 codes) or split ("7000000-8000000" -> low/high). Where
originals disagree, every value is kept and the `status` / `status_reason` columns record the
decision (see CONFLICT DECISIONS below and data/README.md).

The Table Schemas and the provenance of every resource are declared in data/scripts/resources.py; this
script fills in path, bytes and sha256 and writes data/datapackage.json.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
import warnings
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pyreadr

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
ORIG = DATA / "original"
sys.path.insert(0, str(HERE))

import resources  # noqa: E402  (schemas and provenance, next to this file)

CA = ["KAZ", "UZB", "KGZ", "TJK", "TKM"]
WPP_M49 = {398: "KAZ", 860: "UZB", 417: "KGZ", 762: "TJK", 795: "TKM"}


# ----------------------------------------------------------------------------- helpers
def read_rows(rel: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of an original CSV with the physical line number each record starts on (header = line 1)."""
    out = []
    with open(ORIG / rel, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        start = reader.line_num + 1
        for rec in reader:
            if len(rec) != len(header):
                raise SystemExit(f"{rel}:{start}: {len(rec)} cells, header has {len(header)}")
            out.append((start, dict(zip(header, rec))))
            start = reader.line_num + 1
    return out


def write_csv(rel: str, columns: list[str], rows: list[dict]) -> None:
    path = DATA / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else fmt(r.get(c)) for c in columns])
    print(f"wrote {rel}: {len(rows)} rows")


def fmt(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v != v:  # NaN
            return ""
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


AMOUNT_PATTERNS = [
    (re.compile(r"^(\d+)$"), lambda m: (int(m[1]), None, None, "as printed")),
    (re.compile(r"^~(\d+)$"), lambda m: (int(m[1]), None, None, "approximately")),
    (re.compile(r"^>(\d+)$"), lambda m: (None, int(m[1]), None, "more than")),
    (re.compile(r"^<(\d+)$"), lambda m: (None, None, int(m[1]), "less than")),
    (re.compile(r"^(\d+)-(\d+)$"), lambda m: (None, int(m[1]), int(m[2]), "range")),
    (re.compile(r"^>(\d+) \(<(\d+) official\)$"), lambda m: (None, int(m[1]), int(m[2]), "range")),
]


def parse_amount(raw: str):
    """'808227' -> exact; '~3000000' -> approximately; '>2500000' -> low bound; 'a-b' -> range. Never a midpoint."""
    raw = raw.strip()
    if raw == "":
        return None, None, None, None
    for rx, make in AMOUNT_PATTERNS:
        m = rx.match(raw)
        if m:
            return make(m)
    raise SystemExit(f"unrecognised amount {raw!r}")


def decimals(s: str) -> int:
    return len(s.split(".")[1]) if "." in s else 0


def round_to(s: str, nd: int) -> Decimal:
    return Decimal(s).quantize(Decimal(1).scaleb(-nd), rounding=ROUND_HALF_UP)


def agree(measure: str, a: str, b: str) -> bool:
    """Do two printed values agree within the rounding of the less precise one?"""
    if a == b:
        return True
    if measure == "share_pct":
        nd = min(decimals(a), decimals(b))
        return round_to(a, nd) == round_to(b, nd)
    x, y = int(a), int(b)
    if x == y:
        return True
    zeros = min(len(a) - len(a.rstrip("0")), len(b) - len(b.rstrip("0")))
    coarse = max(len(a) - len(a.rstrip("0")), len(b) - len(b.rstrip("0")))
    tol = 0.5 * 10 ** coarse if coarse > zeros else 0
    return abs(x - y) <= tol


def precision(measure: str, s: str) -> int:
    return decimals(s) if measure == "share_pct" else -(len(s) - len(s.rstrip("0")))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- countries
def build_countries(used: set[str]) -> None:
    wb = pd.read_csv(ORIG / "wb-population/population.csv")
    names = dict(zip(wb["Country Code"], wb["Country Name"]))
    rows = []
    for code in sorted(used):
        if code == "XXX":
            rows.append({"iso3": code, "name": "Other / unspecified origin (UN DESA residual category)",
                         "kind": "residual category", "central_asia": False,
                         "name_source": "UN DESA International Migrant Stock 2020 (via gdiviz stocks.rda)"})
            continue
        if code not in names:
            raise SystemExit(f"country code {code} not found in World Bank population.csv")
        rows.append({"iso3": code, "name": names[code], "kind": "country", "central_asia": code in CA,
                     "name_source": "World Bank WDI country name (population.csv)"})
    write_csv("countries.csv", ["iso3", "name", "kind", "central_asia", "name_source"], rows)


# ----------------------------------------------------------------------------- World Bank population
def build_population() -> None:
    wb = pd.read_csv(ORIG / "wb-population/population.csv")
    ca = wb[wb["Country Code"].isin(CA)].sort_values(["Country Code", "Year"])
    rows = [{"country_iso3": r["Country Code"], "year": int(r["Year"]), "population": int(r["Value"])}
            for _, r in ca.iterrows()]
    write_csv("population_wb.csv", ["country_iso3", "year", "population"], rows)


# ----------------------------------------------------------------------------- WPP 2024 net migration
def build_net_migration() -> None:
    mig = pyreadr.read_r(ORIG / "un-wpp2024-migration/original/mig1dt.rda")["mig1dt"]
    misc = pyreadr.read_r(ORIG / "un-wpp2024-migration/original/misc1dt.rda")["misc1dt"]
    m = mig[mig.country_code.isin(WPP_M49)].merge(
        misc[misc.country_code.isin(WPP_M49)][["country_code", "year", "cnmr"]],
        on=["country_code", "year"], how="left", validate="one_to_one")
    m = m.assign(iso3=m.country_code.map(WPP_M49)).sort_values(["iso3", "year"])
    rows = [{"country_iso3": r.iso3, "un_m49": int(r.country_code), "year": int(r.year),
             "net_migrants_thousands": float(r.mig), "net_migration_rate_per_1000": float(r.cnmr)}
            for r in m.itertuples()]
    write_csv("net_migration_wpp2024.csv",
              ["country_iso3", "un_m49", "year", "net_migrants_thousands", "net_migration_rate_per_1000"], rows)


# ----------------------------------------------------------------------------- WDI remittances (2023-05-10)
REMIT_FILES = {
    "BX.TRF.PWKR.CD.DT": "wb-remittances/original/personal-remittances-received.xls",
    "BM.TRF.PWKR.CD.DT": "wb-remittances/original/personal-remittances-paid.xls",
    "BX.TRF.PWKR.DT.GD.ZS": "wb-remittances/original/remittances-received-percent-gdp.xls",
}
REMIT_UNIT = {"BX.TRF.PWKR.CD.DT": "current US$", "BM.TRF.PWKR.CD.DT": "current US$",
              "BX.TRF.PWKR.DT.GD.ZS": "% of GDP"}


def read_wdi_xls(rel: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = pd.read_excel(ORIG / rel, sheet_name="Data", header=3)
    return x


def build_remittances() -> None:
    rows = []
    for code, rel in REMIT_FILES.items():
        x = read_wdi_xls(rel)
        assert set(x["Indicator Code"]) == {code}, rel
        for _, r in x[x["Country Code"].isin(CA)].iterrows():
            for col in x.columns[4:]:
                v = r[col]
                if pd.notna(v):
                    rows.append({"country_iso3": r["Country Code"], "indicator_code": code, "year": int(col),
                                 "value": float(v), "unit": REMIT_UNIT[code]})
    rows.sort(key=lambda r: (r["country_iso3"], r["indicator_code"], r["year"]))
    write_csv("remittances_wdi_2023_05.csv", ["country_iso3", "indicator_code", "year", "value", "unit"], rows)


# ----------------------------------------------------------------------------- WDI 2024-03-28 via gdiviz
GDIVIZ_VARS = {"pop": ("SP.POP.TOTL", "persons"), "nmig": ("SM.POP.NETM", "persons"),
               "remin": ("BX.TRF.PWKR.CD.DT", "current US$"), "remout": ("BM.TRF.PWKR.CD.DT", "current US$")}


def build_wdi_gdiviz() -> None:
    ind = pyreadr.read_r(ORIG / "wb-wdi-via-gdiviz/original/indicators.rda")["indicators"]
    sub = ind[ind.iso.isin(CA) & ind["var"].isin(GDIVIZ_VARS)].sort_values(["iso", "var", "t"])
    rows = [{"country_iso3": r.iso, "gdiviz_var": r.var, "indicator_code": GDIVIZ_VARS[r.var][0],
             "year": int(r.t), "value": float(r.v), "unit": GDIVIZ_VARS[r.var][1]}
            for r in sub.itertuples() if pd.notna(r.v)]
    write_csv("wdi_gdiviz_2024_03.csv",
              ["country_iso3", "gdiviz_var", "indicator_code", "year", "value", "unit"], rows)


# ----------------------------------------------------------------------------- UN DESA migrant stock 2020
def build_migrant_stock() -> set[str]:
    s = pyreadr.read_r(ORIG / "undesa-migrant-stock-2020/original/stocks.rda")["stocks"]
    c = s[s["to"].isin(CA) | s["from"].isin(CA)].copy()
    c["year"] = c["t"].astype(int)
    c = c.sort_values(["to", "from", "year", "sex"])
    rows = [{"destination_iso3": r.to, "origin_iso3": getattr(r, "_2"), "year": r.year, "sex": r.sex.lower(),
             "persons": int(r.v) if float(r.v).is_integer() else float(r.v)}
            for r in c.itertuples()]
    write_csv("migrant_stock_undesa2020.csv", ["destination_iso3", "origin_iso3", "year", "sex", "persons"], rows)
    return set(c["to"]) | set(c["from"])


# ----------------------------------------------------------------------------- ethnic composition
PE_ETHNIC = "page-extracts/ethnic_kazakhs_by_country.csv"
CE_ETHNIC = "census-ethnic/ethnic_composition.csv"
SP_ETHNIC = "stored-pages/ethnic_composition_additions.csv"  # read by this project; same columns as CE_ETHNIC

# CONFLICT DECISIONS for ethnic counts/shares. Key: (country, year, group, measure, printed value, file or None).
# Every multi-valued (country, year, group, measure) that does not agree within rounding must be decided here;
# the build stops otherwise.
ETHNIC_DECISIONS: list[tuple[tuple, str, str]] = [
    (("UZB", "1989", "Kazakhs", "persons", "821200", None), "rejected",
     "newstaraz.kz swaps the 1989 and 2021 figures; three independent pages (azathabar.com RFE/RL, zakovat.uz, "
     "dzen.ru) and the census count 808,227 give 1989 = 808.2 thousand and 1 Jan 2021 = 821.2 thousand"),
    (("UZB", "2021", "Kazakhs", "persons", "808200", None), "rejected",
     "newstaraz.kz swaps the 1989 and 2021 figures; the State Statistics Committee list of 1 Jan 2021 "
     "(zakovat.uz, dzen.ru) and RFE/RL (azathabar.com) give 821.2 thousand for 2021"),
    (("UZB", "1989", "Karakalpaks", "persons", "411900", None), "use",
     "karakalpak.com gives 411.9 thousand (389.7 + 22.2 thousand) with the share; RFE/RL's "
     "'more than 411.8 thousand' is consistent with it"),
    (("UZB", "1989", "Karakalpaks", "persons", "411800", None), "corroborates",
     "'411,8 müňden gowrak' = more than 411.8 thousand; consistent with 411,900 (karakalpak.com)"),
    (("UZB", "1989", "Total", "persons", "19810000", None), "use",
     "census present population as stated by the State Statistics Committee (via RFE/RL); the 19,905,000 "
     "infobox figure is the permanent population, a different population concept"),
    (("UZB", "1989", "Total", "persons", "19905000", None), "other-definition",
     "permanent population (Wikipedia infobox); 19,810,000 is the census present population"),
    (("UZB", "2000", "Kazakhs", "persons", "990022", None), "unclear",
     "Uzbekistan held no census in 2000 and the page names no source for 990,022"),
    (("TJK", "1989", "Tatars", "persons", "79442", None), "other-definition",
     "79,442 = 72,228 Tatars + 7,214 Crimean Tatars (both rows of the other table); a wider group, not a conflict"),
    (("TJK", "1989", "Tatars", "share_pct", "1.6", None), "other-definition",
     "share of Tatars including Crimean Tatars (72,228 + 7,214); the 'Tatars' row alone is 1.4%"),
    (("TJK", "2000", "Uzbeks", "persons", "936703", None), "conflict",
     "two Wikipedia tables disagree: 936,703 (List of ethnic groups in Tajikistan) vs 1,012,500 (Tajikistani "
     "people, footnote not visible; probably Uzbeks with related sub-groups such as Laqai). No primary census "
     "publication is available offline to decide; show both"),
    (("TJK", "2000", "Uzbeks", "share_pct", "15.3", None), "conflict", "see the 936,703 vs 1,012,500 conflict"),
    (("TJK", "2000", "Uzbeks", "persons", "1012500", None), "conflict",
     "two Wikipedia tables disagree: 1,012,500 (Tajikistani people; footnote not visible; probably Uzbeks with "
     "related sub-groups) vs 936,703 (List of ethnic groups in Tajikistan); show both"),
    (("TJK", "2000", "Uzbeks", "share_pct", "16.5", None), "conflict", "see the 936,703 vs 1,012,500 conflict"),
    (("TJK", "2010", "Uzbeks", "persons", "926344", None), "conflict",
     "two Wikipedia tables disagree: 926,344 (List of ethnic groups) vs 1,046,647 (Tajikistani people, footnote "
     "not visible; probably Uzbeks plus related groups). No primary census publication available; show both"),
    (("TJK", "2010", "Uzbeks", "share_pct", "12.2", None), "conflict", "see the 926,344 vs 1,046,647 conflict"),
    (("TJK", "2010", "Uzbeks", "persons", "1046647", None), "conflict",
     "two Wikipedia tables disagree: 1,046,647 (Tajikistani people) vs 926,344 (List of ethnic groups); show both"),
    (("TJK", "2010", "Uzbeks", "share_pct", "13.8", None), "conflict", "see the 926,344 vs 1,046,647 conflict"),
    (("TKM", "1995", "Kazakhs", "persons", "88752", CE_ETHNIC), "conflict",
     "CONFLICT with 86,987 (1.94%, ru-Wikipedia mirror); no primary 1995 publication found. Arithmetic caveat: "
     "88,752 = 2.0% x 4,437,600 exactly, and every count in this 1995 table equals its rounded share x the total "
     "(checked by data/scripts/make_tidy.py), so these counts look reconstructed from rounded shares. Show both"),
    (("TKM", "1995", "Kazakhs", "share_pct", "2.0", CE_ETHNIC), "conflict", "see the 88,752 vs 86,987 conflict"),
    (("TKM", "1995", "Kazakhs", "persons", "86987", None), "conflict",
     "CONFLICT with 88,752 (2.0%, en-Wikipedia table, whose counts equal rounded share x total); no primary 1995 "
     "publication found to decide; show both"),
    (("TKM", "1995", "Kazakhs", "share_pct", "1.94", None), "conflict", "see the 88,752 vs 86,987 conflict"),
    (("TKM", "1995", "Kazakhs", "share_pct", "2", None), "corroborates",
     "Nations Encyclopedia's rounded 2% fits 2.0% (88,752) but, rounded to a whole percent, also 1.94%: it does "
     "not decide the conflict"),
    (("KGZ", "2009", "Kyrgyz", "share_pct", "71.0", None), "conflict",
     "census table gives 71.0%, the National Statistical Committee presentation (via ca-news) 70.9% for the same "
     "count; 0.1 percentage point, no source to decide; show both"),
    (("KGZ", "2009", "Kyrgyz", "share_pct", "70.9", None), "conflict",
     "70.9% (NSC presentation via ca-news) vs 71.0% (census table); show both"),
    (("KGZ", "2021", "Russians", "share_pct", "5.2", None), "rejected",
     "inconsistent with the same page's own counts: 341,000 / 6,637,000 = 5.14% (checked by make_tidy.py); "
     "ru-Wikipedia gives 5.14%"),
    (("KGZ", "2021", "Russians", "share_pct", "5.14", None), "use",
     "agrees with asiatv.kg's counts (341,000 / 6,637,000 = 5.14%); its printed 5.2% does not"),
    (("KGZ", "", "Kazakhs", "persons", "33200", CE_ETHNIC), "corroborates",
     "same figure as the 2009 census count 33.2 thousand (stored-pages/ethnic_composition_additions.csv:2, "
     "wikiston.uz encyclopedia), which dates it; this infobox gives no year"),
    (("KGZ", "2009", "Kazakhs", "share_pct", "0.7", None), "unclear",
     "an older copy of the same Wikipedia text labels these shares a '2007 estimate', and the Russian share in the "
     "same sentence (9.0%) contradicts the census table (7.8%)"),
]


def check_tkm_1995_arithmetic(rows: list[dict]) -> None:
    """Confirm the claim recorded above: counts in the TKM 1995 table equal rounded share x total."""
    t = [r for r in rows if r["country_iso3"] == "TKM" and r["year"] == "1995" and r["source_file"] == CE_ETHNIC
         and "liquisearch" in r["page_url"]]
    total = int(next(r["persons_raw"] for r in t if r["group"] == "Total"))
    for r in t:
        if r["group"] != "Total" and r["persons_raw"] and r["share_raw"]:
            implied = float(r["share_raw"]) / 100 * total
            assert abs(implied - int(r["persons_raw"])) <= 0.5, (r["group"], implied)


def check_kgz_2021_arithmetic(rows: list[dict]) -> None:
    a = {r["group"]: int(r["persons_raw"]) for r in rows if r["country_iso3"] == "KGZ" and r["year"] == "2021"
         and "asiatv" in r["page_url"] and r["persons_raw"]}
    assert round(a["Russians"] / a["Total"] * 100, 2) == 5.14


ETHNIC_COLUMNS = ["country_iso3", "year", "source_kind", "group", "measure", "persons", "persons_low",
                  "persons_high", "share_pct", "qualifier", "status", "status_reason", "stated_source", "page_url",
                  "note", "source_file", "source_line"]

QUALIFIER_OVERRIDES = {  # (file, line-content match) -> qualifier, from the printed wording quoted in `note`
    ("KGZ", "1999", "Kazakhs", "43000"): "approximately",   # 'около 43 тыс.'
    ("UZB", "1989", "Russians", "1653000"): "more than",    # '1 million 653 müň adamdan gowrak'
    ("UZB", "1989", "Karakalpaks", "411800"): "more than",  # '411,8 müňden gowrak'
    ("TKM", "", "Kazakhs", "20000"): "approximately",       # 'ок. 20 000'
    ("KGZ", "2009", "Kazakhs", "33200"): "rounded (hundreds)",  # '33,2 минг киши'
}


def build_ethnic() -> list[dict]:
    raw = []
    for line, r in read_rows(CE_ETHNIC):
        raw.append({"file": CE_ETHNIC, "line": line, "country_iso3": r["country_iso3"], "year": r["year"],
                    "source_kind": r["source_kind"], "group": r["group"], "persons_raw": r["persons"],
                    "share_raw": r["share_pct"], "stated_source": r["stated_source"], "page_url": r["page_url"],
                    "note": r["note"]})
    for line, r in read_rows(PE_ETHNIC):
        raw.append({"file": PE_ETHNIC, "line": line, "country_iso3": r["country_iso3"], "year": r["year"],
                    "source_kind": r["kind"], "group": "Kazakhs", "persons_raw": r["kazakhs"],
                    "share_raw": r["share_pct"], "stated_source": r["stated_source"], "page_url": r["page_url"],
                    "note": r["note"]})
    for line, r in read_rows(SP_ETHNIC):  # same columns as CE_ETHNIC; rows added last so earlier rows keep their numbers
        raw.append({"file": SP_ETHNIC, "line": line, **{k: r[k] for k in ("country_iso3", "year", "source_kind", "group")},
                    "persons_raw": r["persons"], "share_raw": r["share_pct"], "stated_source": r["stated_source"],
                    "page_url": r["page_url"], "note": r["note"]})
    for r in raw:
        r["source_file"] = r["file"]
    check_tkm_1995_arithmetic(raw)
    check_kgz_2021_arithmetic(raw)

    # one tidy row per printed value (persons or share), so each value carries its own status
    rows = []
    for r in raw:
        items = []
        if r["persons_raw"]:
            items.append(("persons", r["persons_raw"]))
        if r["share_raw"]:
            items.append(("share_pct", r["share_raw"]))
        if not items:
            items.append(("share_pct", ""))  # a row that names a group but prints no number for it
        for measure, printed in items:
            t = {k: r[k] for k in ("country_iso3", "year", "source_kind", "group", "stated_source", "page_url",
                                   "note", "source_file")}
            t.update(source_line=r["line"], measure=measure, printed=printed, status=None, status_reason="")
            if measure == "persons":
                val, lo, hi, q = parse_amount(printed)
                q = QUALIFIER_OVERRIDES.get((r["country_iso3"], r["year"], r["group"], printed), q)
                t.update(persons=val, persons_low=lo, persons_high=hi, qualifier=q)
            else:
                t.update(share_pct=printed or None, qualifier="as printed" if printed else None)
            rows.append(t)

    # decisions
    used = [0] * len(ETHNIC_DECISIONS)
    for t in rows:
        for i, ((c, y, g, m, v, f), status, reason) in enumerate(ETHNIC_DECISIONS):
            if (t["country_iso3"], t["year"], t["group"], t["measure"], t["printed"]) == (c, y, g, m, v) and \
                    (f is None or f == t["source_file"]):
                t["status"], t["status_reason"] = status, reason
                used[i] += 1
    unused = [ETHNIC_DECISIONS[i][0] for i, n in enumerate(used) if n == 0]
    if unused:
        raise SystemExit(f"ethnic decisions that match no row: {unused}")
    for t in rows:
        if t["status"]:
            continue
        if "CONFLICT/ERROR" in t["note"]:
            t["status"], t["status_reason"] = "rejected", "marked CONFLICT/ERROR in the original (see note)"
        elif t["printed"] == "":
            t["status"] = "no-value"
            t["status_reason"] = ("the page gives no number for this group (see note: 'slightly under 9%'); "
                                  "left missing rather than estimated")
        elif t["year"] == "":
            t["status"], t["status_reason"] = "unclear", "the page gives no reference year"
        elif t["source_kind"].startswith("unclear"):
            t["status"], t["status_reason"] = "unclear", "census year or estimate year not established"
    resolve_groups(rows, key=lambda t: (t["country_iso3"], t["year"], t["group"], t["measure"]),
                   measure=lambda t: t["measure"], label="ethnic")
    out = []
    for t in rows:
        out.append({k: t.get(k) for k in ETHNIC_COLUMNS})
    write_csv("ethnic_composition.csv", ETHNIC_COLUMNS, out)
    return out


def resolve_groups(rows, key, measure, label, value=lambda t: t["printed"]):
    """Give every still-undecided row a status: the single value of its key is `use`; values that agree
    within rounding -> the most precise is `use`, the rest `corroborates`; anything else stops the build."""
    groups: dict = {}
    for t in rows:
        groups.setdefault(key(t), []).append(t)
    undecided_conflicts = []
    for k, ts in groups.items():
        open_ = [t for t in ts if not t["status"]]
        if not open_:
            continue
        anchors = [t for t in ts if t["status"] in ("use", "conflict", "corroborates")]
        for t in list(open_):
            for a in anchors:
                if a is not t and agree(measure(t), value(t), value(a)):
                    t["status"] = "corroborates"
                    t["status_reason"] = f"agrees within rounding with {a['source_file']}:{a['source_line']}"
                    if a["status"] == "conflict":
                        t["status_reason"] += ", a value in conflict (see its status_reason)"
                    open_.remove(t)
                    break
        if not open_:
            continue
        if any(a["status"] in ("use", "conflict") for a in anchors):
            undecided_conflicts.append((k, [value(t) for t in open_]))
            continue
        if all(agree(measure(a), value(a), value(b)) for a in open_ for b in open_):
            best = max(open_, key=lambda t: precision(measure(t), value(t)))  # first of the most precise
            best["status"] = "use"
            for t in open_:
                if t is not best:
                    t["status"] = "corroborates"
                    t["status_reason"] = f"agrees within rounding with {best['source_file']}:{best['source_line']}"
        else:
            undecided_conflicts.append((k, [value(t) for t in open_]))
    if undecided_conflicts:
        raise SystemExit(f"{label}: values disagree and no decision is recorded: {undecided_conflicts}")


# ----------------------------------------------------------------------------- diaspora size estimates
PE_DIASPORA = "page-extracts/diaspora_size_estimates.csv"
TUKUMOV = "census-ethnic/tukumov2000_kazakhs_of_uzbekistan.csv"
DIASPORA_COLUMNS = ["estimator", "reference_period", "area", "area_iso3", "kazakhs", "kazakhs_low", "kazakhs_high",
                    "qualifier", "transcribed_from", "status", "status_reason", "page_url", "note", "source_file",
                    "source_line", "item"]
AREA_CODES = {"World (abroad total)": None, "World (total)": None}


def build_diaspora() -> list[dict]:
    rows = []
    for line, r in read_rows(PE_DIASPORA):
        areas, values = r["country"].split("/"), r["kazakhs_estimate"].split("/")
        if len(areas) > 1 and len(values) != len(areas):
            raise SystemExit(f"{PE_DIASPORA}:{line}: {len(areas)} areas, {len(values)} values")
        for area, printed in zip(areas, values):
            val, lo, hi, q = parse_amount(printed)
            rows.append({"estimator": r["estimator"], "reference_period": r["date_or_period"], "area": area,
                         "area_iso3": AREA_CODES.get(area, area), "kazakhs": val, "kazakhs_low": lo,
                         "kazakhs_high": hi, "qualifier": q, "transcribed_from": "value column",
                         "page_url": r["page_url"], "note": r["note"], "source_file": PE_DIASPORA,
                         "source_line": line, "item": area, "status": "use", "status_reason": ""})
    tk = dict((r["item"], (line, r)) for line, r in read_rows(TUKUMOV))
    for item, area in (("Kazakhs worldwide", "World (total)"),
                       ("Kazakhs living outside Kazakhstan", "World (abroad total)")):
        line, r = tk[item]
        rows.append({"estimator": "E. Tukumov, Kazakhstan Institute for Strategic Studies (Central Asia and the "
                                  "Caucasus 2000 no. 6)", "reference_period": "2000 (publication year; 'today')",
                     "area": area, "area_iso3": None, "kazakhs": int(r["value"]), "kazakhs_low": None,
                     "kazakhs_high": None, "qualifier": "as printed", "transcribed_from": "value column",
                     "page_url": r["page_url"], "note": r["note"], "source_file": TUKUMOV, "source_line": line,
                     "item": area, "status": "use", "status_reason": ""})
    for t in rows:
        if t["source_file"] == PE_DIASPORA and "lecture notes" in t["estimator"]:
            t["status"] = "unclear"
            t["status_reason"] = "low-quality secondary source (lecture notes citing 'latest statistics', no origin)"
        if t["estimator"].startswith("Otandastar") and t["area"] == "World (abroad total)":
            t["status"] = "conflict"
            t["status_reason"] = ("two undated Otandastar Fund figures for Kazakhs abroad disagree: 'about 7-8 million' "
                                  "(Mugalzhar) vs 'more than 5 million (officially under 6 million)' (Qazinform); "
                                  "show both, do not pick one")
        if t["reference_period"] == "" and t["status"] == "use":
            t["status_reason"] = "the page gives no date for the estimate"
    write_csv("diaspora_size_estimates.csv", DIASPORA_COLUMNS, rows)
    return rows


# ----------------------------------------------------------------------------- migration by partner
CE_MIG = "census-ethnic/migration_by_partner.csv"
PE_MIG = "page-extracts/kz_external_migration_bns.csv"
MIG_COLUMNS = ["reporter_iso3", "period", "period_start", "period_end", "flow", "migrant_group", "partner",
               "partner_iso3", "measure", "persons", "persons_low", "net_persons", "share_pct", "share_of",
               "qualifier", "transcribed_from", "status", "status_reason", "stated_source", "page_url", "note",
               "source_file", "source_line"]
PARTNER_GROUPS = {"ALL", "CIS", "non-CIS", "other"}


def period_bounds(p: str) -> tuple[str, str]:
    if re.fullmatch(r"\d{4}", p):
        return f"{p}-01", f"{p}-12"
    m = re.fullmatch(r"(\d{4})-(\d{2})\.\.(\d{4})-(\d{2})", p)
    if m:
        return f"{m[1]}-{m[2]}", f"{m[3]}-{m[4]}"
    m = re.fullmatch(r"(\d{4})-Q(\d)", p)
    if m:
        q = int(m[2])
        return f"{m[1]}-{3 * q - 2:02d}", f"{m[1]}-{3 * q:02d}"
    m = re.fullmatch(r"(\d{4})-H(\d)", p)
    if m:
        h = int(m[2])
        return f"{m[1]}-{6 * h - 5:02d}", f"{m[1]}-{6 * h:02d}"
    raise SystemExit(f"unrecognised period {p!r}")


def mig_row(**kw) -> dict:
    row = {c: None for c in MIG_COLUMNS}
    row.update(kw)
    row["period_start"], row["period_end"] = period_bounds(row["period"])
    p = row["partner"]
    row["partner_iso3"] = None if p in PARTNER_GROUPS else p
    return row


def build_migration() -> list[dict]:
    rows = []
    for line, r in read_rows(CE_MIG):
        flow, group = r["flow"], "all migrants"
        if flow == "emigrants: ethnic Kazakhs":
            flow, group = "emigrants", "ethnic Kazakhs"
        elif flow == "immigrants: ethnic Kazakhs share":
            flow, group = "immigrants", "ethnic Kazakhs"
        common = dict(reporter_iso3=r["reporter_iso3"], period=r["period"], flow=flow, migrant_group=group,
                      partner=r["partner"], stated_source=r["stated_source"], page_url=r["page_url"], note=r["note"],
                      source_file=CE_MIG, source_line=line, transcribed_from="value column")
        if r["persons"]:
            val, lo, hi, q = parse_amount(r["persons"])
            rows.append(mig_row(**common, measure="persons", persons=val, persons_low=lo, qualifier=q,
                                printed=r["persons"]))
        if r["share_pct"]:
            share_of = (f"all {flow} of {r['reporter_iso3']} in the period" if group == "all migrants"
                        else f"ethnic Kazakhs as a share of all {flow} of {r['reporter_iso3']} in the period")
            rows.append(mig_row(**common, measure="share_pct", share_pct=r["share_pct"], share_of=share_of,
                                qualifier="as printed", printed=r["share_pct"]))
    for line, r in read_rows(PE_MIG):
        common = dict(reporter_iso3="KAZ", period=r["year"], migrant_group="all migrants",
                      stated_source=r["stated_source"], page_url=r["page_url"], note=r["note"], source_file=PE_MIG,
                      source_line=line, transcribed_from="value column")
        q = "rounded (thousands)" if "rounded thousands" in r["note"] else "as printed"
        rows.append(mig_row(**common, flow="immigrants", partner="ALL", measure="persons",
                            persons=int(r["arrivals"]), qualifier=q, printed=r["arrivals"]))
        rows.append(mig_row(**common, flow="emigrants", partner="ALL", measure="persons",
                            persons=int(r["departures"]), qualifier=q, printed=r["departures"]))
        rows.append(mig_row(**common, flow="net", partner="ALL", measure="net_persons",
                            net_persons=int(r["net"]), qualifier=q, printed=r["net"]))
        for col, flow in (("cis_share_arrivals_pct", "immigrants"), ("cis_share_departures_pct", "emigrants")):
            if r[col]:
                rows.append(mig_row(**common, flow=flow, partner="CIS", measure="share_pct", share_pct=r[col],
                                    share_of=f"all {flow} of KAZ in the period", qualifier="as printed",
                                    printed=r[col]))
        # the transcriber recorded the page's top origins in `note`; kept, flagged as transcribed from the note
        m = re.search(r"top origins (\d{4}): (.*?) \(", r["note"])
        if m:
            assert m[1] == r["year"]
            names = {"Russia": "RUS", "Uzbekistan": "UZB", "Turkmenistan": "TKM"}
            for name, num in re.findall(r"(\w+) ([\d,]+)", m[2]):
                rows.append(mig_row(**{**common, "transcribed_from": "note column"}, flow="immigrants",
                                    partner=names[name], measure="persons", persons=int(num.replace(",", "")),
                                    qualifier="as printed", printed=num.replace(",", "")))
    for t in rows:
        t["status"], t["status_reason"] = None, ""
        if t["period"] == "2024-H1" and t["partner"] == "UZB":
            t["status_reason"] = ("page says Uzbekistan is '65% of migrants'; arithmetic shows 65% is UZB's share of "
                                  "the net gain (4,773 / 7,289), not of arrivals (4,838 / 14,256 = 34%)")
    resolve_groups(rows, key=lambda t: (t["reporter_iso3"], t["period"], t["flow"], t["migrant_group"],
                                        t["partner"], t["measure"]),
                   measure=lambda t: "share_pct" if t["measure"] == "share_pct" else "persons", label="migration")
    write_csv("migration_by_partner.csv", MIG_COLUMNS, rows)
    return rows


# ----------------------------------------------------------------------------- kandas
PE_KANDAS = "page-extracts/kandas_repatriation.csv"
CE_KANDAS = "census-ethnic/kandas_arrivals.csv"
KANDAS_COLUMNS = ["report_id", "period_start", "period_end", "year", "scope", "persons", "families",
                  "cumulative_since_1991_persons", "status", "status_reason", "stated_source", "page_url", "note",
                  "source_file", "source_line"]
SHARE_COLUMNS = ["report_id", "origin", "origin_iso3", "share_pct", "status", "status_reason"]
ORIGINS = ["UZB", "CHN", "MNG", "TKM", "RUS", "other"]


def kandas_scope_pe(start: str, end: str) -> str:
    if start[:4] != end[:4]:
        return "cumulative"
    if end.endswith("-12-31"):
        return "year"
    return "year to date"


def build_kandas() -> tuple[list[dict], list[dict]]:
    reports, shares = [], []
    for line, r in read_rows(PE_KANDAS):
        start, end = r["period"].split("..")
        rid = f"pe-{line}"
        reports.append({"report_id": rid, "period_start": start, "period_end": end, "scope":
                        kandas_scope_pe(start, end), "persons": int(r["kandas_persons"]), "families": None,
                        "cumulative_since_1991_persons": r["cumulative_since_1991"] or None,
                        "stated_source": r["stated_source"], "page_url": r["page_url"], "note": r["note"],
                        "source_file": PE_KANDAS, "source_line": line})
        for o in ORIGINS:
            v = r[f"share_{o}_pct"]
            if v:
                shares.append({"report_id": rid, "origin": o, "origin_iso3": None if o == "other" else o,
                               "share_pct": v})
    for line, r in read_rows(CE_KANDAS):
        rid = f"ce-{line}"
        reports.append({"report_id": rid, "period_start": r["period_start"] or None,
                        "period_end": r["period_end"] or None, "scope": r["scope"],
                        "persons": r["persons"] or None, "families": r["families"] or None,
                        "cumulative_since_1991_persons": r["cumulative_since_1991_persons"] or None,
                        "stated_source": r["stated_source"], "page_url": r["page_url"], "note": r["note"],
                        "source_file": CE_KANDAS, "source_line": line})
        for o in ORIGINS:
            v = r[f"share_{o}_pct"]
            if v:
                shares.append({"report_id": rid, "origin": o, "origin_iso3": None if o == "other" else o,
                               "share_pct": v})
    for rep in reports:
        s, e = rep["period_start"] or "", rep["period_end"] or ""
        rep["year"] = int(s[:4]) if s and e and s[:4] == e[:4] else None
        rep["status"], rep["status_reason"] = "use", ""
    by_id = {r["report_id"]: r for r in reports}

    def find(file, **match):
        hits = [r for r in reports if r["source_file"] == file and all(str(r[k]) == str(v) for k, v in match.items())]
        assert len(hits) == 1, (file, match, len(hits))
        return hits[0]

    # 1. cumulative to 1 Jan 2015: same total; the Polish translation shifted the last shares
    pe15 = find(PE_KANDAS, period_end="2015-01-01")
    ce15 = find(CE_KANDAS, period_end="2015-01-01")
    pe15["status"] = "corroborates"
    pe15["status_reason"] = (f"same total as {ce15['report_id']} (ministry via RFE/RL/Refworld); its TKM/RUS shares "
                             "come from a Polish translation that shifted them and are rejected")
    # 2. 2021 full year: 17,540 vs another report's 12.5 thousand (arbatmedia.kz, recorded in note only)
    pe21 = find(PE_KANDAS, period_start="2021-01-01")
    dec22 = find(CE_KANDAS, period_end="2022-11-30")
    implied = int(dec22["cumulative_since_1991_persons"]) - int(dec22["persons"])
    assert abs(implied - int(pe21["cumulative_since_1991_persons"])) < 100, implied
    pe21["status_reason"] = (
        "CONFLICT resolved: another report (arbatmedia.kz, in note) gives 12.5 thousand and 1,082.8 thousand "
        f"cumulative. The ministry's later cumulative 1,105,700 to 1 Dec 2022 minus 17,888 arrivals in Jan-Nov 2022 "
        f"= {implied:,} at the start of 2022, which matches this row's 1,087,800, not 1,082,800; so 17,540 is kept")
    # 3. Goble Nov 2024: shares probably for 2024 arrivals, not cumulative
    goble = find(CE_KANDAS, cumulative_since_1991_persons="1144900")
    goble["status_reason"] = ("cumulative total usable; its origin shares (CHN 45.9, UZB 39.2) are AMBIGUOUS "
                              "(probably 2024 arrivals) and marked unclear")
    # 4. row without a year
    noyear = find(CE_KANDAS, persons="7500")
    noyear["status"] = "unclear"
    noyear["status_reason"] = "year not in the stored excerpt (2019-2022, probably 2022); use only with the year verified"
    # 5. 2020: China ahead of Uzbekistan is confirmed by two more sources; the '1.7 million' cumulative is not used
    pe20 = find(PE_KANDAS, period_start="2020-01-01")
    pe20["status_reason"] = ("China 54.2% ahead of Uzbekistan 30% is confirmed by Aimak.kg (10 months) and Kursiv "
                             "(full year): not an inversion")
    for rid in (r["report_id"] for r in reports if r["source_file"] == CE_KANDAS and r["period_start"] == "2020-01-01"):
        by_id[rid]["status_reason"] = ("the page's '1.7 million since 1991' contradicts the ministry's ~1.07 million "
                                       "and is not recorded as a cumulative value")

    for s in shares:
        rep = by_id[s["report_id"]]
        s["status"], s["status_reason"] = "use", ""
        if rep is pe15:
            if s["origin"] in ("TKM", "RUS"):
                s["status"] = "rejected"
                s["status_reason"] = (f"Polish translation shifted the shares; ministry figures ({ce15['report_id']}): "
                                      "TKM 6.8, RUS 4.6, other 3.5")
            else:
                s["status"], s["status_reason"] = "corroborates", f"same as {ce15['report_id']}"
        elif rep is goble:
            s["status"] = "unclear"
            s["status_reason"] = ("Goble applies these shares to the cumulative total, which contradicts every "
                                  "earlier cumulative share (UZB ~61%); probably 2024 arrivals")
        elif rep is noyear:
            s["status"], s["status_reason"] = "unclear", "year of the report not established"
    write_csv("kandas_arrivals.csv", KANDAS_COLUMNS, reports)
    write_csv("kandas_origin_shares.csv", SHARE_COLUMNS, shares)
    return reports, shares


# ----------------------------------------------------------------------------- datapackage.json
def write_datapackage() -> None:
    desc = resources.package_descriptor()
    for res in desc["resources"]:
        path = DATA / res["path"]
        res["bytes"] = path.stat().st_size
        res["hash"] = "sha256:" + sha256(path)
        for orig in res.get("originals", []):
            p = DATA / orig["path"]
            orig["bytes"] = p.stat().st_size
            orig["hash"] = "sha256:" + sha256(p)
    (DATA / "datapackage.json").write_text(json.dumps(desc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote datapackage.json: {len(desc['resources'])} resources")


def main() -> int:
    build_population()
    build_net_migration()
    build_remittances()
    build_wdi_gdiviz()
    stock_codes = build_migrant_stock()
    ethnic = build_ethnic()
    diaspora = build_diaspora()
    mig = build_migration()
    _, shares = build_kandas()
    missions = pd.read_csv(DATA / "missions/mission_diaspora_work.csv", dtype=str, keep_default_na=False)
    used = set(CA) | stock_codes | {r["country_iso3"] for r in ethnic} | set(missions["country_iso3"])
    used |= {r["area_iso3"] for r in diaspora if r["area_iso3"]}
    used |= {r["partner_iso3"] for r in mig if r["partner_iso3"]} | {r["reporter_iso3"] for r in mig}
    used |= {s["origin_iso3"] for s in shares if s["origin_iso3"]}
    build_countries(used)
    write_datapackage()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
