"""Diaspora size: Kazakhs in Uzbekistan, Kyrgyzstan, Tajikistan and Turkmenistan over census years, their share of
the national population, their rank among the host country's groups, and their share of the regional and world
Kazakh diaspora (official counts beside Otandastar Fund and other estimates).

Rows with status ``use`` or ``conflict`` are used (data/README.md); both values of a conflict are carried and shown
as a pair or a range, never one silently chosen. Nothing is interpolated between census years.
"""

from __future__ import annotations

import pandas as pd

from . import style
from .data import REF, load, merge, numeric, sum_refs, usable
from .outputs import Results, cell, figure_path, fmt_count, table_paths, write_figure, write_table
from .registry import step

ETHNIC = "data/ethnic_composition.csv"
POPULATION = "data/population_wb.csv"
ESTIMATES = "data/diaspora_size_estimates.csv"
POPULATION_VINTAGE = "World Bank SP.POP.TOTL, 2025/26 vintage"
CA = style.CENTRAL_ASIA
TITULAR = {"UZB": "Uzbeks", "KGZ": "Kyrgyz", "TJK": "Tajiks", "TKM": "Turkmen"}
NOT_GROUPS = {"Total", "Other"}
OFFICIAL_KINDS = ("census", "official estimate")
# Estimates of all Kazakhs abroad, found by a word of the estimator's name: (variable-name tag, figure label).
ESTIMATORS = {"Mugalzhar": ("otandastar_mugalzhar", "Otandastar Fund\n(via Mugalzhar)"),
              "Toleuuly": ("otandastar_toleuuly", "Otandastar Fund\n(Toleuuly)"),
              "Tukumov": ("tukumov_2000", "Tukumov (2000)")}


def _ethnic(ethnic: pd.DataFrame) -> pd.DataFrame:
    return numeric(ethnic, "year", "persons", "share_pct")


# -- pure functions: size and share ----------------------------------------------------------

def kazakh_counts(ethnic: pd.DataFrame) -> pd.DataFrame:
    """Published counts of Kazakhs per host country and year (usable rows with a year and a count).

    A conflict gives two rows for the same country and year (``status == "conflict"``).
    """
    e = _ethnic(usable(ethnic))
    keep = (e["group"] == "Kazakhs") & (e["measure"] == "persons") & e["country_iso3"].isin(CA)
    keep &= e["year"].notna() & e["persons"].notna()
    cols = ["country_iso3", "year", "persons", "source_kind", "qualifier", "status", REF]
    out = e.loc[keep, cols].copy()
    out["year"] = out["year"].astype(int)
    return out.sort_values(["country_iso3", "year", "persons"]).reset_index(drop=True)


def undated_kazakh_values(ethnic: pd.DataFrame) -> pd.DataFrame:
    """Kazakh counts or shares whose page gives no year: they cannot be placed in a series."""
    e = _ethnic(ethnic)
    keep = (e["group"] == "Kazakhs") & e["country_iso3"].isin(CA) & e["year"].isna()
    return e.loc[keep, ["country_iso3", "persons", "persons_low", "persons_high", "share_pct", "status", REF]]


def population_shares(counts: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Kazakhs as % of the World Bank population of the same year; missing (with ``reason``) where the
    population is absent (the series starts in 1960) or zero."""
    pop = numeric(population, "year", "population")
    out = merge(counts, pop[["country_iso3", "year", "population", REF]], on=["country_iso3", "year"], how="left")
    out["share_pct"] = out["persons"] / out["population"].where(out["population"] > 0) * 100
    out["reason"] = None
    out.loc[out["population"].isna(), "reason"] = "no World Bank population for that year"
    out.loc[out["population"] == 0, "reason"] = "World Bank population is zero"
    return out


def published_shares(ethnic: pd.DataFrame) -> pd.DataFrame:
    """Kazakh shares of the population as printed (usable rows with a year)."""
    e = _ethnic(usable(ethnic))
    keep = (e["group"] == "Kazakhs") & (e["measure"] == "share_pct") & e["country_iso3"].isin(CA)
    keep &= e["year"].notna() & e["share_pct"].notna()
    out = e.loc[keep, ["country_iso3", "year", "share_pct", "source_kind", "status", REF]].copy()
    out["year"] = out["year"].astype(int)
    return out.sort_values(["country_iso3", "year"]).reset_index(drop=True)


def change(counts: pd.DataFrame, iso: str, first: int, last: int) -> dict:
    """Change of the Kazakh count between two years (persons and %); missing if either year lacks a single
    count (absent, or two conflicting values)."""
    c = counts[counts["country_iso3"] == iso]
    a, b = c[c["year"] == first], c[c["year"] == last]
    if len(a) != 1 or len(b) != 1:
        which = first if len(a) != 1 else last
        reason = f"no count for {which}" if min(len(a), len(b)) == 0 else f"conflicting counts for {which}"
        return {"persons": None, "pct": None, "reason": reason, REF: sum_refs([*a[REF], *b[REF]])}
    pa, pb = a["persons"].iloc[0], b["persons"].iloc[0]
    return {"persons": pb - pa, "pct": (pb - pa) / pa * 100 if pa else None,
            "reason": None if pa else f"count for {first} is zero", REF: sum_refs([a[REF].iloc[0], b[REF].iloc[0]])}


# -- pure functions: rank among the host country's groups ------------------------------------

def composition(ethnic: pd.DataFrame, iso: str, year: int) -> pd.DataFrame:
    """The usable counts of every group in one country and year (conflicts give several rows per group)."""
    e = _ethnic(usable(ethnic))
    keep = (e["country_iso3"] == iso) & (e["year"] == year) & (e["measure"] == "persons") & e["persons"].notna()
    return e.loc[keep, ["group", "persons", "status", REF]].reset_index(drop=True)


def kazakh_rank(table: pd.DataFrame, iso: str) -> pd.DataFrame:
    """Rank of the Kazakhs among all groups and among minorities (groups other than the titular one), one row
    per Kazakh value (two if the count is in conflict).

    A group counts as larger if all its values exceed the Kazakh value; if only some do (a conflict), the rank
    is a range. The rank is ``determined`` only if the groups not listed (total minus listed groups) number
    fewer people than the Kazakhs, so that no unlisted group can be larger.
    """
    groups = table[~table["group"].isin(NOT_GROUPS)]
    kaz = groups[groups["group"] == "Kazakhs"]
    others = groups[groups["group"] != "Kazakhs"]
    total = table.loc[table["group"] == "Total", "persons"]
    titular = TITULAR[iso]
    rows = []
    for _, k in kaz.iterrows():
        v = k["persons"]
        by_group = others.groupby("group")["persons"]
        surely = int((by_group.min() > v).sum())
        maybe = int((by_group.max() > v).sum())
        listed = v + by_group.max().sum()
        listed_min = v + by_group.min().sum()
        tit = by_group.max().get(titular)
        if len(total) != 1:
            determined, reason, unlisted = False, "the table gives no single total population", None
        else:
            unlisted = float(total.iloc[0]) - listed_min
            determined = unlisted < v
            reason = None if determined else (f"groups not listed number {fmt_count(unlisted)}, more than the "
                                                f"Kazakhs, so one of them could be larger")
        titular_larger = tit is not None and by_group.min().get(titular) > v
        minorities = (float(total.iloc[0]) - tit) if (len(total) == 1 and tit is not None) else None
        rows.append({
            "kazakhs": v, "status": k["status"],
            "rank_low": surely + 1, "rank_high": maybe + 1,
            "minority_rank_low": surely + 1 - int(titular_larger), "minority_rank_high": maybe + 1 - int(titular_larger),
            "determined": determined, "reason": reason, "unlisted": unlisted, "groups_listed": len(by_group) + 1,
            "titular": tit, "titular_per_kazakh": tit / v if (tit is not None and v) else None,
            "share_of_minorities_pct": v / minorities * 100 if minorities else None,
            "largest_minority": by_group.max().drop(titular, errors="ignore").idxmax() if len(others) else None,
            REF: sum_refs([k[REF], *others[REF], *table.loc[table["group"] == "Total", REF]]),
            "listed_persons": listed,
        })
    return pd.DataFrame(rows)


def rank_table(ethnic: pd.DataFrame) -> pd.DataFrame:
    """:func:`kazakh_rank` for every country and year with a Kazakh count and at least one other group."""
    counts = kazakh_counts(ethnic)
    out = []
    for (iso, year), _ in counts.groupby(["country_iso3", "year"]):
        table = composition(ethnic, iso, year)
        if (~table["group"].isin(NOT_GROUPS | {"Kazakhs"})).sum() == 0:
            continue
        r = kazakh_rank(table, iso)
        r.insert(0, "year", year)
        r.insert(0, "country_iso3", iso)
        out.append(r)
    return pd.concat(out, ignore_index=True)


# -- pure functions: region and world --------------------------------------------------------

def latest_official(counts: pd.DataFrame) -> pd.DataFrame:
    """Per host country, the latest year with a census or official-estimate count: its lowest and highest
    value (equal unless the sources conflict)."""
    c = counts[counts["source_kind"].isin(OFFICIAL_KINDS)]
    rows = []
    for iso in CA:
        ci = c[c["country_iso3"] == iso]
        if ci.empty:
            rows.append({"country_iso3": iso, "year": None, "low": None, "high": None, "qualifier": "", REF: ()})
            continue
        last = ci[ci["year"] == ci["year"].max()]
        rows.append({"country_iso3": iso, "year": int(last["year"].iloc[0]), "low": last["persons"].min(),
                     "high": last["persons"].max(), "qualifier": ", ".join(sorted(set(last["qualifier"].dropna()))),
                     REF: sum_refs(last[REF])})
    return pd.DataFrame(rows)


def regional_shares(latest: pd.DataFrame) -> pd.DataFrame:
    """Each country's share of the four countries' Kazakhs, as a range over conflicting values:
    lowest = own low / (own low + others' high), highest = own high / (own high + others' low)."""
    ok = latest.dropna(subset=["low"])
    lo_total, hi_total = ok["low"].sum(), ok["high"].sum()
    out = latest.copy()
    out["share_low_pct"] = out["low"] / (out["low"] + hi_total - out["high"]) * 100
    out["share_high_pct"] = out["high"] / (out["high"] + lo_total - out["low"]) * 100
    out.attrs["total"] = (lo_total, hi_total)
    return out


def world_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """Estimates of all Kazakhs abroad (low/high; a single value gives low = high), usable rows only."""
    e = numeric(usable(estimates), "kazakhs", "kazakhs_low", "kazakhs_high")
    w = e[e["area"] == "World (abroad total)"].copy()
    w["low"] = w["kazakhs_low"].fillna(w["kazakhs"])
    w["high"] = w["kazakhs_high"].fillna(w["kazakhs"])
    return w[["estimator", "reference_period", "low", "high", "qualifier", "status", REF]].reset_index(drop=True)


def country_estimates(estimates: pd.DataFrame) -> pd.DataFrame:
    """Estimates of Kazakhs in single host countries (usable rows), low/high as in :func:`world_estimates`."""
    e = numeric(usable(estimates), "kazakhs", "kazakhs_low", "kazakhs_high")
    c = e[e["area_iso3"].isin(CA)].copy()
    c["low"] = c["kazakhs_low"].fillna(c["kazakhs"])
    c["high"] = c["kazakhs_high"].fillna(c["kazakhs"])
    return c[["estimator", "reference_period", "area_iso3", "low", "high", "qualifier", REF]].reset_index(drop=True)


def share_range(part: tuple[float, float], whole: tuple[float, float]) -> tuple[float, float]:
    """``part`` as % of ``whole`` where both are (low, high) ranges: (low/high_whole, high/low_whole)."""
    return (part[0] / whole[1] * 100, part[1] / whole[0] * 100)


# -- size and share: figures, table, values ---------------------------------------------------

def size_figure(counts: pd.DataFrame):
    """Counts over census years per country, log scale; conflicting sources annotated."""
    fig, ax = style.figure(6.5, 3.8)
    for iso in CA:
        c = counts[counts["country_iso3"] == iso]
        if c.empty:
            continue
        single = c.groupby("year")["persons"].agg(["min", "max", "count"]).reset_index()
        ax.plot(single["year"], single["min"], color=style.COUNTRY_COLOURS[iso], lw=0.8, ls=":", zorder=1)
        ax.scatter(c["year"], c["persons"], color=style.COUNTRY_COLOURS[iso], marker=style.COUNTRY_MARKERS[iso],
                   s=28, label=style.country_name(iso), zorder=2)
        for r in single[single["count"] > 1].itertuples():
            ax.annotate("two conflicting\nsources", (r.year, r.max), xytext=(6, 6), textcoords="offset points",
                        fontsize=7, color="#444444")
    ax.set_yscale("log")
    style.thousands(ax)
    ax.set_ylabel("Kazakhs (persons, log scale)")
    ax.set_xlabel("Census or reference year")
    ax.legend(loc="lower left", ncol=2)
    return fig


def share_figure(shares: pd.DataFrame, printed: pd.DataFrame):
    """Computed shares (filled markers) beside shares as published (open markers)."""
    fig, ax = style.figure(7.0, 3.6)
    for iso in CA:
        s = shares[(shares["country_iso3"] == iso) & shares["share_pct"].notna()]
        p = printed[printed["country_iso3"] == iso]
        colour, marker = style.COUNTRY_COLOURS[iso], style.COUNTRY_MARKERS[iso]
        ax.scatter(s["year"], s["share_pct"], color=colour, marker=marker, s=28, label=f"{style.country_name(iso)}: count ÷ population")
        ax.scatter(p["year"], p["share_pct"], facecolors="none", edgecolors=colour, marker=marker, s=40,
                   label=f"{style.country_name(iso)}: share as published")
    ax.set_ylabel("Kazakhs (% of population)")
    ax.set_xlabel("Census or reference year")
    ax.legend(loc="upper left", ncol=1, fontsize=7, bbox_to_anchor=(1.01, 1.0))
    ax.set_ylim(bottom=0)
    return fig


def counts_display(shares: pd.DataFrame) -> pd.DataFrame:
    """The counts table as shown: one row per count, with the population and share of that year."""
    t = shares
    return pd.DataFrame({
        "Country": t["country_iso3"].map(style.country_name), "Year": t["year"].astype(str),
        "Kazakhs (persons)": [cell("count", v) for v in t["persons"]],
        "Kind of count": t["source_kind"] + t["qualifier"].map(lambda q: "" if q == "as printed" else f", {q}")
                         + t["status"].map(lambda s: ", conflicting sources" if s == "conflict" else ""),
        "Population (persons)": [cell("count", v) for v in t["population"]],
        "Kazakhs (%)": [cell("pct", v) for v in t["share_pct"]],
    })


def size_values(res: Results, counts: pd.DataFrame, shares: pd.DataFrame, printed: pd.DataFrame,
                undated: pd.DataFrame) -> None:
    """Quoted counts, shares (computed and as printed) and changes; undated values declared as gaps."""
    for iso in CA:
        key = f"diaspora.{iso.lower()}"
        c = counts[counts["country_iso3"] == iso]
        for year, g in c.groupby("year"):
            if len(g) == 1:
                res.add(f"{key}.count_{year}", g["persons"].iloc[0], "count", kazakh_counts, g[REF].iloc[0])
            else:
                res.add(f"{key}.count_{year}", (g["persons"].min(), g["persons"].max()), "count_range",
                        kazakh_counts, sum_refs(g[REF]), note="two conflicting sources, both shown")
        s = shares[(shares["country_iso3"] == iso)]
        for year, g in s.groupby("year"):
            if g["share_pct"].isna().all():
                continue
            if len(g) == 1:
                res.add(f"{key}.share_{year}", g["share_pct"].iloc[0], "pct", population_shares, g[REF].iloc[0],
                        note=POPULATION_VINTAGE)
            else:
                res.add(f"{key}.share_{year}", (g["share_pct"].min(), g["share_pct"].max()), "pct_range",
                        population_shares, sum_refs(g[REF]), note=f"two conflicting counts; {POPULATION_VINTAGE}")
        for r in printed[printed["country_iso3"] == iso].to_dict("records"):
            name = f"{key}.share_published_{r['year']}"
            if not any(q.name == name for q in res.values):
                res.add(name, r["share_pct"], "pct_printed", published_shares, r[REF], note=f"as printed ({r['source_kind']})")
    for iso, a, b in [("UZB", 1989, 2021), ("TJK", 1989, 2010), ("TKM", 1989, 1995)]:
        ch = change(counts, iso, a, b)
        key = f"diaspora.{iso.lower()}.change_{a}_{b}"
        res.add(f"{key}_pct", ch["pct"], "pct", change, ch[REF], reason=ch["reason"], says="undetermined")
    # Kyrgyzstan: no exact count; say so where the prose needs it
    kgz_years = sorted(set(printed.loc[printed["country_iso3"] == "KGZ", "year"]) - set(counts.loc[counts["country_iso3"] == "KGZ", "year"]))
    for y in kgz_years:
        res.add(f"diaspora.kgz.count_{y}", None, "count", kazakh_counts,
                reason=f"only a share is published for {y}; no census count found", says="not published")
    for iso, g in undated.groupby("country_iso3"):
        res.gap(topic=f"Kazakhs in {style.country_name(iso)}",
                what=f"{len(g)} published {'value' if len(g) == 1 else 'values'} without a year",
                reason="the pages give no reference year, so they cannot be placed in the series", data=ETHNIC,
                function=undated_kazakh_values)


@step("diaspora-size", inputs=[ETHNIC, POPULATION],
      outputs=[figure_path("diaspora-size"), figure_path("diaspora-share"), *table_paths("diaspora-counts")])
def run_size() -> None:
    ethnic = load(ETHNIC, required=["country_iso3", "year", "group", "measure", "persons", "share_pct", "status"])
    population = load(POPULATION, required=["country_iso3", "year", "population"])
    counts = kazakh_counts(ethnic)
    shares = population_shares(counts, population)
    printed = published_shares(ethnic)

    res = Results("diaspora-size")
    write_figure(res, size_figure(counts), "diaspora-size", [ETHNIC], kazakh_counts)
    write_figure(res, share_figure(shares, printed), "diaspora-share", [ETHNIC, POPULATION], population_shares)
    write_table(res, "diaspora-counts", counts_display(shares),
                "Kazakhs in the four host countries by census or reference year, and as a percentage of the "
                "population of that year (– where the World Bank series has no value: it starts in 1960)",
                [ETHNIC, POPULATION], population_shares,
                source=f"censuses and official estimates as quoted on public pages (listed in the Supplementary "
                       f"Material); population: {POPULATION_VINTAGE} [@worldbank_sp_pop_totl]",
                csv=shares[["country_iso3", "year", "persons", "source_kind", "qualifier", "status", "population",
                            "share_pct"]])
    size_values(res, counts, shares, printed, undated_kazakh_values(ethnic))
    res.write()


# -- rank: table, values ---------------------------------------------------------------------

def _rank_text(lo, hi, determined) -> str:
    text = str(lo) if lo == hi else f"{lo}–{hi}"
    return text if determined else f"({text})"


def rank_display(ranks: pd.DataFrame) -> pd.DataFrame:
    """The rank table as shown; ranks in parentheses count only the listed groups."""
    return pd.DataFrame({
        "Country": ranks["country_iso3"].map(style.country_name), "Year": ranks["year"].astype(str),
        "Kazakhs (persons)": [cell("count", v) for v in ranks["kazakhs"]],
        "Groups listed": ranks["groups_listed"].astype(str),
        "Rank among all groups": [_rank_text(a, b, d) for a, b, d in
                                  zip(ranks["rank_low"], ranks["rank_high"], ranks["determined"])],
        "Rank among minorities": [_rank_text(a, b, d) for a, b, d in
                                  zip(ranks["minority_rank_low"], ranks["minority_rank_high"], ranks["determined"])],
        "Titular group per Kazakh": [cell("ratio", v) for v in ranks["titular_per_kazakh"]],
        "Kazakhs (% of minorities)": [cell("pct", v) for v in ranks["share_of_minorities_pct"]],
    })


def rank_values(res: Results, ranks: pd.DataFrame) -> None:
    """Quoted minority ranks (missing with the reason where undetermined), shares of minorities, ratios."""
    for r in ranks.to_dict("records"):
        key = f"diaspora.{r['country_iso3'].lower()}"
        suffix = f"{r['year']}" + ("" if r["status"] != "conflict" else f"_if_{int(r['kazakhs'])}")
        if r["minority_rank_low"] == r["minority_rank_high"] and r["determined"]:
            res.add(f"{key}.minority_rank_{suffix}", r["minority_rank_low"], "rank", kazakh_rank, r[REF])
        else:
            reason = r["reason"] or "conflicting counts of another group change the rank"
            res.add(f"{key}.minority_rank_{suffix}", None, "rank", kazakh_rank, r[REF], reason=reason)
        if pd.notna(r["share_of_minorities_pct"]):
            res.add(f"{key}.share_of_minorities_{suffix}", r["share_of_minorities_pct"], "pct", kazakh_rank, r[REF])
        if pd.notna(r["titular_per_kazakh"]):
            res.add(f"{key}.titular_per_kazakh_{suffix}", r["titular_per_kazakh"], "ratio", kazakh_rank, r[REF])


@step("diaspora-rank", inputs=[ETHNIC], outputs=[*table_paths("diaspora-rank")])
def run_rank() -> None:
    ethnic = load(ETHNIC, required=["country_iso3", "year", "group", "measure", "persons", "status"])
    ranks = rank_table(ethnic)
    res = Results("diaspora-rank")
    write_table(res, "diaspora-rank", rank_display(ranks),
                "Rank of the Kazakhs among the host country's ethnic groups and among its minorities (all groups "
                "but the titular one), the titular group's size relative to the Kazakhs, and the Kazakhs' share of "
                "all minorities (total population minus the titular group). A rank in parentheses counts only the "
                "groups the table lists, because the groups it does not list are together larger than the Kazakhs; "
                "a range reflects conflicting counts",
                [ETHNIC], kazakh_rank, source="censuses and official estimates as quoted on public pages (listed in "
                                              "the Supplementary Material)",
                csv=ranks.drop(columns=[REF]))
    rank_values(res, ranks)
    res.write()


# -- distribution in the region and the world: table, values, figure --------------------------

def _estimator(name: str) -> tuple[str, str] | None:
    """(variable-name tag, figure label) of a world estimate, by a word of its estimator's name."""
    return next((v for k, v in ESTIMATORS.items() if k in name), None)


def distribution_display(latest: pd.DataFrame, per_country: pd.DataFrame) -> pd.DataFrame:
    """Per country: latest official count (year), share of the four, other published estimates."""
    rows = []
    for r in latest.to_dict("records"):
        est = per_country[per_country["area_iso3"] == r["country_iso3"]]
        rows.append({
            "Country": style.country_name(r["country_iso3"]),
            "Latest official count (persons)": (f"{fmt_count(r['low'])}" if r["low"] == r["high"] else
                                                f"{fmt_count(r['low'])} or {fmt_count(r['high'])}"),
            "Year": str(r["year"]),
            "Share of the four (%)": cell("pct_range", (r["share_low_pct"], r["share_high_pct"])),
            "Other estimates": "; ".join(f"{fmt_count(e['low'])} ({e['estimator'].split(' (')[0]}"
                                         + (f", {e['reference_period']}" if pd.notna(e['reference_period']) else "") + ")"
                                         for e in est.to_dict("records")) or "none",
        })
    return pd.DataFrame(rows)


def distribution_values(res: Results, latest: pd.DataFrame, world: pd.DataFrame, per_country: pd.DataFrame) -> None:
    """Quoted latest years, regional shares and total, world estimates and the region's share of each."""
    region = latest.attrs["total"]
    region_refs = sum_refs(latest[REF])
    for r in latest.to_dict("records"):
        key = f"diaspora.{r['country_iso3'].lower()}"
        res.add(f"{key}.latest_year", r["year"], "year", latest_official, r[REF])
        res.add(f"{key}.region_share", (r["share_low_pct"], r["share_high_pct"]), "pct_range", regional_shares,
                region_refs, note="range over conflicting counts; latest official year per country")
    res.add("diaspora.region.total_official", region, "count_range", regional_shares, region_refs,
            note="sum of each country's latest official count (different years)")
    for i, w in enumerate(world.to_dict("records")):
        tag = (_estimator(w["estimator"]) or (f"estimate_{i + 1}",))[0]
        res.add(f"diaspora.world.abroad_{tag}", (w["low"], w["high"]), "count_range", world_estimates, w[REF],
                note=f"{w['estimator']}; {w['qualifier']}; status {w['status']}")
        res.add(f"diaspora.world.region_share_{tag}", share_range(region, (w["low"], w["high"])),
                "pct_range", share_range, sum_refs([region_refs, w[REF]]),
                note="official counts of the four countries as % of this estimate of all Kazakhs abroad")
    otd = per_country[(per_country["area_iso3"] == "UZB") & per_country["estimator"].str.contains("Otandastar")]
    otd_world = world[world["estimator"] == (otd["estimator"].iloc[0] if len(otd) else None)]
    if len(otd) == 1 and len(otd_world) == 1:
        o, w = otd.iloc[0], otd_world.iloc[0]
        res.add("diaspora.uzb.otandastar_estimate", o["low"], "count", country_estimates, o[REF])
        res.add("diaspora.uzb.otandastar_world_share", share_range((o["low"], o["high"]), (w["low"], w["high"])),
                "pct_range", share_range, sum_refs([o[REF], w[REF]]),
                note="same estimator for the part and the whole")
        uzb = latest[latest["country_iso3"] == "UZB"].iloc[0]
        if uzb["low"] == uzb["high"]:
            res.add("diaspora.uzb.otandastar_to_official", o["low"] / uzb["low"], "ratio", country_estimates,
                    sum_refs([o[REF], uzb[REF]]), note=f"Otandastar estimate ÷ official count of {uzb['year']}")


def distribution_figure(latest: pd.DataFrame, world: pd.DataFrame, per_country: pd.DataFrame):
    """Left: official counts beside other estimates per country; right: world estimates and the region's total."""
    region = latest.attrs["total"]
    fig, (ax1, ax2) = style.figure(7.0, 3.8, ncols=2)
    ys = list(range(len(CA)))
    ax1.barh([y + 0.2 for y in ys], latest["high"], height=0.4, color=style.PALETTE[0], label="official count")
    for r in latest[latest["low"] != latest["high"]].itertuples():
        y = CA.index(r.country_iso3) + 0.2
        ax1.plot([r.low, r.high], [y, y], color="black", lw=3)
    for y, r in zip(ys, latest.itertuples()):
        ax1.annotate(f"{r.year}", (r.high, y + 0.2), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    est_labelled = set()
    for y, iso in zip(ys, CA):
        for e in per_country[per_country["area_iso3"] == iso].itertuples():
            otd = "Otandastar" in e.estimator
            kind = "Otandastar Fund estimate" if otd else "other published estimate"
            ax1.scatter([e.low], [y - 0.2], marker="D" if otd else "s", s=30,
                        color=style.PALETTE[1] if otd else style.PALETTE[2], label=None if kind in est_labelled else kind,
                        zorder=3)
            est_labelled.add(kind)
    ax1.set_xscale("log")
    ax1.set_xlim(100, 1e7)
    ax1.xaxis.set_major_formatter(style.matplotlib.ticker.FuncFormatter(
        lambda v, _: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else f"{v:g}"))
    ax1.tick_params(axis="x", labelsize=7)
    ax1.set_yticks(ys, [style.country_name(i) for i in CA])
    ax1.invert_yaxis()
    ax1.set_xlabel("Kazakhs (persons, log scale)")
    ax1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.45, -0.2), ncol=1)
    ax1.set_title("By host country (year of official count)", fontsize=9)
    ax1.grid(axis="y", visible=False)
    labels = [(_estimator(w.estimator) or (None, w.estimator[:20]))[1] for w in world.itertuples()]
    for i, w in enumerate(world.itertuples()):
        if w.low != w.high:
            ax2.plot([w.low, w.high], [i, i], color=style.PALETTE[3], lw=8, solid_capstyle="butt")
        else:
            ax2.scatter([w.low], [i], marker="D", s=30, color=style.PALETTE[3])
    ax2.scatter([region[0], region[1]], [len(world)] * 2, marker="o", s=30, color=style.PALETTE[0])
    ax2.set_yticks(range(len(world) + 1), labels + ["official counts,\nfour countries"], fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xlim(0, world["high"].max() * 1.05)
    ax2.xaxis.set_major_formatter(style.matplotlib.ticker.FuncFormatter(lambda v, _: f"{v / 1e6:.0f}"))
    ax2.set_xlabel("Kazakhs abroad (million persons)")
    ax2.set_title("All Kazakhs abroad: estimates", fontsize=9)
    ax2.grid(axis="y", visible=False)
    return fig


@step("diaspora-distribution", inputs=[ETHNIC, ESTIMATES],
      outputs=[figure_path("diaspora-distribution"), *table_paths("diaspora-distribution")])
def run_distribution() -> None:
    ethnic = load(ETHNIC, required=["country_iso3", "year", "group", "measure", "persons", "status"])
    estimates = load(ESTIMATES, required=["estimator", "area", "area_iso3", "kazakhs", "kazakhs_low",
                                          "kazakhs_high", "status"])
    latest = regional_shares(latest_official(kazakh_counts(ethnic)))
    world = world_estimates(estimates)
    per_country = country_estimates(estimates)

    res = Results("diaspora-distribution")
    distribution_values(res, latest, world, per_country)
    write_table(res, "diaspora-distribution", distribution_display(latest, per_country),
                "Kazakhs in the four host countries: the latest official count (census or official estimate; the "
                "years differ by country), each country's share of the four countries' total, and other published "
                "estimates (persons, with their year where the source gives one)",
                [ETHNIC, ESTIMATES], regional_shares,
                source="censuses and official estimates as quoted on public pages; Otandastar Fund and other "
                       "estimates as published (listed in the Supplementary Material)",
                csv=latest.drop(columns=[REF]))
    write_figure(res, distribution_figure(latest, world, per_country), "diaspora-distribution", [ETHNIC, ESTIMATES],
                 regional_shares)
    res.write()
