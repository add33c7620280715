"""Migration interaction of Kazakhstan with Uzbekistan, Kyrgyzstan, Tajikistan and Turkmenistan: net migration
(UN WPP 2024, with the older World Bank vintage beside it), Kazakhstan's recorded arrivals and departures by partner
country, remittances (World Bank WDI; totals received from all countries, not bilateral) and bilateral migrant
stock (UN DESA 2020: people BORN in one country living in another, not ethnic Kazakhs)."""

from __future__ import annotations

import pandas as pd

from . import style
from .data import REF, load, numeric, sum_refs, usable
from .outputs import (Results, cell, figure_path, fmt_count, fmt_period, fmt_signed, is_missing, table_paths,
                      write_figure,
                      write_table)
from .registry import step

NET = "data/net_migration_wpp2024.csv"
OLD_WDI = "data/wdi_gdiviz_2024_03.csv"
PARTNER = "data/migration_by_partner.csv"
REMITTANCES = "data/remittances_wdi_2023_05.csv"
STOCK = "data/migrant_stock_undesa2020.csv"
FIVE = ["KAZ", *style.CENTRAL_ASIA]
RECEIVED, PAID, RECEIVED_GDP = "BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT", "BX.TRF.PWKR.DT.GD.ZS"
REMIT_VINTAGE = "World Bank WDI, updated 2023-05-10"
OLD_VINTAGE = "World Bank WDI vintage 2024-03-28"


# -- pure functions --------------------------------------------------------------------------

def net_migration(net: pd.DataFrame, first: int = 1991) -> pd.DataFrame:
    """Net migrants per country and year (persons; WPP publishes thousands), from ``first``."""
    n = numeric(net, "year", "net_migrants_thousands")
    n = n[n["year"] >= first].copy()
    n["net_persons"] = n["net_migrants_thousands"] * 1000
    return n[["country_iso3", "year", "net_persons", REF]].reset_index(drop=True)


def net_sum(net: pd.DataFrame, iso: str, first: int, last: int) -> dict:
    """Sum of net migrants over ``first..last``; missing if any year is absent (no gap is filled)."""
    part = net[(net["country_iso3"] == iso) & net["year"].between(first, last)]
    years = set(part["year"])
    absent = [y for y in range(first, last + 1) if y not in years]
    if absent or part["net_persons"].isna().any():
        return {"value": None, "reason": f"no value for {absent[0] if absent else 'a year'}", REF: sum_refs(part[REF])}
    return {"value": part["net_persons"].sum(), "reason": None, REF: sum_refs(part[REF])}


def old_vintage(wdi: pd.DataFrame, var: str) -> pd.DataFrame:
    """One variable of the 2024-03 WDI extract (``nmig``, ``remin``, ...)."""
    w = numeric(wdi, "year", "value")
    return w[w["gdiviz_var"] == var][["country_iso3", "year", "value", REF]].reset_index(drop=True)


def rounded_to(count: float) -> int:
    """The rounding a printed count shows: ``12100`` → 100, ``113`` → 1 (trailing zeros are taken as rounding)."""
    n, step = int(abs(count)), 1
    while n and n % (step * 10) == 0:
        step *= 10
    return step


def difference(a: float, b: float) -> float:
    """``a − b`` rounded as coarsely as the coarser of the two printed counts, so that no digit is shown that
    neither count has: 12,100 − 113 → 12,000."""
    step = max(rounded_to(a), rounded_to(b))
    return round((a - b) / step) * step


def kaz_flows(partner: pd.DataFrame, partners: list[str]) -> pd.DataFrame:
    """Kazakhstan's recorded arrivals from and departures to each partner, per published period (persons).

    One row per (period, partner); ``net`` = arrivals − departures where both are published for the same period
    (see :func:`difference`); a lower bound ("more than 2,000") is kept in ``arrivals_low`` and never used as a count.
    """
    p = numeric(usable(partner), "persons", "persons_low")
    p = p[(p["reporter_iso3"] == "KAZ") & (p["measure"] == "persons") & (p["migrant_group"] == "all migrants")
          & p["partner_iso3"].isin(partners)]
    rows = []
    for (period, iso), g in p.groupby(["period", "partner_iso3"], sort=False):
        imm, emi = g[g["flow"] == "immigrants"], g[g["flow"] == "emigrants"]
        a = imm["persons"].iloc[0] if len(imm) == 1 else None
        d = emi["persons"].iloc[0] if len(emi) == 1 else None
        rows.append({"period": period, "period_start": g["period_start"].iloc[0], "period_end": g["period_end"].iloc[0],
                     "partner_iso3": iso, "arrivals": a, "departures": d,
                     "arrivals_low": imm["persons_low"].iloc[0] if len(imm) == 1 else None,
                     "net": difference(a, d) if not (is_missing(a) or is_missing(d)) else None, REF: sum_refs(g[REF])})
    out = pd.DataFrame(rows)
    return out.sort_values(["period_start", "period_end", "partner_iso3"]).reset_index(drop=True)


def kaz_totals(partner: pd.DataFrame) -> pd.DataFrame:
    """Kazakhstan's total arrivals, departures and net migration per full calendar year; ``net`` is computed,
    ``net_published`` is the printed value (both kept, so a disagreement shows)."""
    p = numeric(usable(partner), "persons", "net_persons")
    p = p[(p["reporter_iso3"] == "KAZ") & (p["partner"] == "ALL") & (p["migrant_group"] == "all migrants")]
    p = p[p["period"].str.fullmatch(r"\d{4}")]
    rows = []
    for period, g in p.groupby("period"):
        get = lambda flow, col: g.loc[g["flow"] == flow, col].iloc[0] if (g["flow"] == flow).sum() == 1 else None
        a, d = get("immigrants", "persons"), get("emigrants", "persons")
        rows.append({"year": int(period), "arrivals": a, "departures": d,
                     "net": difference(a, d) if not (is_missing(a) or is_missing(d)) else None,
                     "net_published": get("net", "net_persons"), REF: sum_refs(g[REF])})
    return pd.DataFrame(rows)


def remittances(remit: pd.DataFrame, indicator: str) -> pd.DataFrame:
    r = numeric(remit, "year", "value")
    return r[r["indicator_code"] == indicator][["country_iso3", "year", "value", REF]].reset_index(drop=True)


def bilateral_stock(stock: pd.DataFrame, year: int) -> pd.DataFrame:
    """Persons born in Kazakhstan living in each Central Asian country and the reverse, both sexes (male +
    female; missing if either sex is absent)."""
    s = numeric(stock, "year", "persons")
    s = s[s["year"] == year]
    rows = []
    for iso in style.CENTRAL_ASIA:
        for dest, orig, key in [(iso, "KAZ", "kaz_born_in_partner"), ("KAZ", iso, "partner_born_in_kaz")]:
            g = s[(s["destination_iso3"] == dest) & (s["origin_iso3"] == orig)]
            sexes = set(g["sex"])
            value = g["persons"].sum() if {"male", "female"} <= sexes and g["persons"].notna().all() else None
            rows.append({"partner_iso3": iso, "direction": key, "year": year, "persons": value,
                         "reason": None if value is not None else "not published for both sexes", REF: sum_refs(g[REF])})
    return pd.DataFrame(rows)


# -- steps -----------------------------------------------------------------------------------

@step("migration-net", inputs=[NET, OLD_WDI], outputs=[figure_path("net-migration"), *table_paths("net-migration")])
def run_net() -> None:
    net = net_migration(load(NET, required=["country_iso3", "year", "net_migrants_thousands"]))
    old = old_vintage(load(OLD_WDI, required=["country_iso3", "gdiviz_var", "year", "value"]), "nmig")
    res = Results("migration-net")
    fig, ax = style.figure(6.5, 3.6)
    for iso in FIVE:
        n = net[net["country_iso3"] == iso]
        ax.plot(n["year"], n["net_persons"] / 1000, color=style.COUNTRY_COLOURS[iso], marker=style.COUNTRY_MARKERS[iso],
                ms=3, lw=1.2, label=style.country_name(iso))
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set_ylabel("Net migrants (thousand persons per year)")
    ax.set_xlabel("Year")
    ax.legend(ncol=3, loc="lower right")
    write_figure(res, fig, "net-migration", [NET], net_migration)
    periods = [(1991, 2000), (2001, 2010), (2011, 2020), (2021, 2023)]
    rows, csv_rows = [], []
    for iso in FIVE:
        row = {"Country": style.country_name(iso)}
        for a, b in periods:
            s = net_sum(net, iso, a, b)
            row[f"{a}–{b}"] = cell("signed", s["value"])
            csv_rows.append({"country_iso3": iso, "first": a, "last": b, "net_persons": s["value"]})
        for year in (2021, 2022, 2023):
            y = net[(net["country_iso3"] == iso) & (net["year"] == year)]
            res.add(f"migration.{iso.lower()}.net_wpp_{year}", y["net_persons"].iloc[0] if len(y) else None, "signed",
                    net_migration, y[REF].iloc[0] if len(y) else (), reason=f"no WPP 2024 value for {year}",
                    note="UN WPP 2024")
        for a, b in [(1991, 2023), (2021, 2023)]:
            s = net_sum(net, iso, a, b)
            res.add(f"migration.{iso.lower()}.net_wpp_{a}_{b}", s["value"], "signed", net_sum, s[REF],
                    reason=s["reason"], note="UN WPP 2024, sum of annual net migrants")
        rows.append(row)
    write_table(res, "net-migration", pd.DataFrame(rows),
                "Net migration by period, persons (sum of the annual values; + net immigration, − net emigration), "
                "with all origins and destinations, not only Central Asia",
                [NET], net_sum, source="UN World Population Prospects 2024 [@unwpp2024]", csv=pd.DataFrame(csv_rows))
    # vintage difference (World Bank 2024-03 used WPP 2022)
    for iso, year in [("KGZ", 2019)]:
        new = net[(net["country_iso3"] == iso) & (net["year"] == year)]
        o = old[(old["country_iso3"] == iso) & (old["year"] == year)]
        res.add(f"migration.{iso.lower()}.net_{year}_wpp2024", new["net_persons"].iloc[0], "signed", net_migration,
                new[REF].iloc[0])
        res.add(f"migration.{iso.lower()}.net_{year}_wdi2024_03", o["value"].iloc[0] if len(o) else None, "signed",
                old_vintage, o[REF].iloc[0] if len(o) else (), reason="not in the 2024-03 extract",
                note=f"{OLD_VINTAGE} (WPP 2022-based)")
    res.write()


@step("migration-flows", inputs=[PARTNER], outputs=[figure_path("migration-flows"), *table_paths("kaz-flows")])
def run_flows() -> None:
    partner = load(PARTNER, required=["reporter_iso3", "period", "period_start", "period_end", "flow", "migrant_group",
                                      "partner", "partner_iso3", "measure", "persons", "persons_low", "net_persons",
                                      "share_pct", "status"])
    flows = kaz_flows(partner, style.CENTRAL_ASIA)
    totals = kaz_totals(partner)
    res = Results("migration-flows")

    fig, (ax1, ax2) = style.figure(7.0, 3.6, ncols=2, gridspec_kw={"width_ratios": [1, 1.2]})
    ax1.bar(totals["year"].astype(str), totals["arrivals"], width=0.35, align="edge", color=style.PALETTE[0], label="arrivals")
    ax1.bar(totals["year"].astype(str), -totals["departures"], width=0.35, align="edge", color=style.PALETTE[1], label="departures (−)")
    ax1.scatter(totals["year"].astype(str), totals["net"], color="black", marker="D", s=18, zorder=3, label="net")
    ax1.axhline(0, color="#444444", lw=0.8)
    style.thousands(ax1)
    ax1.set_ylabel("Persons per year")
    ax1.set_title("Kazakhstan, all partners", fontsize=9)
    ax1.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3)
    full = flows[flows["period"] == "2024"]
    xs = list(range(len(full)))
    ax2.bar([x - 0.2 for x in xs], full["arrivals"], width=0.4, color=style.PALETTE[0], label="arrivals from")
    ax2.bar([x + 0.2 for x in xs], full["departures"].fillna(0), width=0.4, color=style.PALETTE[1], label="departures to")
    for x, d in zip(xs, full["departures"]):
        if is_missing(d):
            ax2.annotate("n/a", (x + 0.2, 0), ha="center", va="bottom", fontsize=7)
    ax2.set_xticks(xs, [style.country_name(i) for i in full["partner_iso3"]], fontsize=8, rotation=20)
    style.thousands(ax2)
    ax2.set_ylabel("Persons (2024)")
    ax2.set_title("With each Central Asian country, 2024", fontsize=9)
    ax2.legend(fontsize=7)
    write_figure(res, fig, "migration-flows", [PARTNER], kaz_flows)

    display = pd.DataFrame({
        "Period": [p if str(p).isdigit() else fmt_period(a, b)
                   for p, a, b in zip(flows["period"], flows["period_start"], flows["period_end"])],
        "Partner": flows["partner_iso3"].map(style.country_name),
        "Arrivals in Kazakhstan": [cell("count", a) if not is_missing(a) else
                                   (f"> {fmt_count(l)}" if not is_missing(l) else "–")
                                   for a, l in zip(flows["arrivals"], flows["arrivals_low"])],
        "Departures from Kazakhstan": [cell("count", v) for v in flows["departures"]],
        "Net": [cell("signed", v) for v in flows["net"]],
    })
    write_table(res, "kaz-flows", display,
                "Kazakhstan's permanent-residence arrivals from and departures to the Central Asian countries, persons, "
                "per published period (whole years or part of a year); net = arrivals − departures where both are "
                "published; – not published; > more than",
                [PARTNER], kaz_flows,
                source="Bureau of National Statistics of Kazakhstan, as quoted by news pages (listed in the "
                       "Supplementary Material)", csv=flows)
    for r in flows.to_dict("records"):
        if not str(r["period"]).isdigit():
            continue
        key = f"migration.kaz_{r['partner_iso3'].lower()}"
        for col, kind in [("arrivals", "count"), ("departures", "count"), ("net", "signed")]:
            reason = {"arrivals": "arrivals not published", "departures": "departures not published",
                      "net": "departures or arrivals not published for the same period"}[col]
            res.add(f"{key}.{col}_{r['period']}", r[col], kind, kaz_flows, r[REF], reason=reason,
                    says="not computable" if col == "net" else None)
    h1 = flows[(flows["period"] == "2024-H1") & (flows["partner_iso3"] == "UZB")]
    if len(h1) == 1:
        res.add("migration.kaz_uzb.net_2024_h1", h1["net"].iloc[0], "signed", kaz_flows, h1[REF].iloc[0],
                reason="not published")
    for r in totals.to_dict("records"):
        res.add(f"migration.kaz.arrivals_{r['year']}", r["arrivals"], "count", kaz_totals, r[REF], reason="not published")
        res.add(f"migration.kaz.departures_{r['year']}", r["departures"], "count", kaz_totals, r[REF], reason="not published")
        res.add(f"migration.kaz.net_{r['year']}", r["net"], "signed", kaz_totals, r[REF], reason="not published")
        if not is_missing(r["net_published"]) and not is_missing(r["net"]) and r["net_published"] != r["net"]:
            res.gap(topic=f"Kazakhstan net migration {r['year']}", what="published and computed net differ",
                    reason=f"published {fmt_signed(r['net_published'])}, arrivals − departures {fmt_signed(r['net'])}; "
                           "both shown", data=PARTNER, function=kaz_totals)
    for iso in style.CENTRAL_ASIA:
        if flows[(flows["partner_iso3"] == iso) & flows["departures"].notna()].empty:
            res.gap(topic=f"Kazakhstan–{style.country_name(iso)} flows", what="departures from Kazakhstan to this country",
                    reason="no published figure in data/", data=PARTNER, function=kaz_flows)
    uz = numeric(usable(partner), "share_pct")
    uz = uz[(uz["reporter_iso3"] == "UZB") & (uz["partner_iso3"] == "KAZ") & (uz["period"] == "2021")]
    for flow, name in [("emigrants", "emigrants_to_kaz_share_2021"), ("immigrants", "immigrants_from_kaz_share_2021")]:
        g = uz[uz["flow"] == flow]
        res.add(f"migration.uzb.{name}", g["share_pct"].iloc[0] if len(g) == 1 else None, "pct_printed", run_flows,
                g[REF].iloc[0] if len(g) == 1 else (), reason="not published",
                note="State Statistics Committee of Uzbekistan, share of all (e)migrants")
    res.write()


@step("remittances", inputs=[REMITTANCES, OLD_WDI], outputs=[figure_path("remittances"), *table_paths("remittances")])
def run_remittances() -> None:
    remit = load(REMITTANCES, required=["country_iso3", "indicator_code", "year", "value"])
    received, paid, gdp = (remittances(remit, c) for c in (RECEIVED, PAID, RECEIVED_GDP))
    old = old_vintage(load(OLD_WDI, required=["country_iso3", "gdiviz_var", "year", "value"]), "remin")
    res = Results("remittances")
    fig, ax = style.figure(6.5, 3.6)
    for iso in FIVE:
        r = received[(received["country_iso3"] == iso) & (received["year"] >= 2000) & (received["year"] <= 2021)]
        ax.plot(r["year"], r["value"] / 1e9, color=style.COUNTRY_COLOURS[iso], marker=style.COUNTRY_MARKERS.get(iso, "o"),
                ms=3, lw=1.2, label=style.country_name(iso))
    ax.set_ylabel("Remittances received (billion current US$)")
    ax.set_xlabel("Year")
    ax.legend(ncol=2, loc="upper left")
    write_figure(res, fig, "remittances", [REMITTANCES], remittances)
    rows, csv_rows = [], []
    for iso in FIVE:
        def pick(df, year):
            g = df[(df["country_iso3"] == iso) & (df["year"] == year)]
            return (g["value"].iloc[0], g[REF].iloc[0]) if len(g) == 1 else (None, ())
        rec, rref = pick(received, 2021)
        pay, pref = pick(paid, 2021)
        pct, gref = pick(gdp, 2021)
        r22, r22ref = pick(received, 2022)
        o22, o22ref = pick(old, 2022)
        key = f"migration.{iso.lower()}"
        res.add(f"{key}.remittances_received_2021", rec, "usd", remittances, rref, reason="not published for 2021",
                note=REMIT_VINTAGE)
        res.add(f"{key}.remittances_gdp_2021", pct, "pct", remittances, gref, reason="not published for 2021",
                note=REMIT_VINTAGE)
        o21, o21ref = pick(old, 2021)
        for year, value, ref in [(2021, o21, o21ref), (2022, o22, o22ref)]:
            res.add(f"{key}.remittances_received_{year}_wdi2024_03", value, "usd", old_vintage, ref,
                    reason="not in the 2024-03 extract", note=OLD_VINTAGE)
        rows.append({"Country": style.country_name(iso),
                     "Received 2021 (US$ million)": cell("usd_million", rec),
                     "Received 2021 (% of GDP)": cell("pct", pct),
                     "Paid 2021 (US$ million)": cell("usd_million", pay),
                     "Received 2022, May 2023 vintage (US$ million)": cell("usd_million", r22),
                     "Received 2022, March 2024 vintage (US$ million)": cell("usd_million", o22)})
        csv_rows.append({"country_iso3": iso, "received_2021_usd": rec, "received_2021_pct_gdp": pct,
                         "paid_2021_usd": pay, "received_2022_usd_wdi_2023_05": r22, "received_2022_usd_wdi_2024_03": o22})
    write_table(res, "remittances", pd.DataFrame(rows),
                "Personal remittances received and paid, current US dollars, from and to all countries (not only "
                "between Central Asian countries): 2021 from the vintage updated in May 2023; 2022 from both "
                "vintages, which differ (the May 2023 values for 2022 are rounded KNOMAD estimates); – not published",
                [REMITTANCES, OLD_WDI], remittances,
                source="World Bank, World Development Indicators [@worldbank_remittances]", csv=pd.DataFrame(csv_rows))
    res.write()


@step("migrant-stock", inputs=[STOCK], outputs=[*table_paths("migrant-stock")])
def run_stock() -> None:
    stock = load(STOCK, required=["destination_iso3", "origin_iso3", "year", "sex", "persons"])
    res = Results("migrant-stock")
    now, then = bilateral_stock(stock, 2020), bilateral_stock(stock, 1990)
    rows = []
    for iso in style.CENTRAL_ASIA:
        def get(df, direction):
            g = df[(df["partner_iso3"] == iso) & (df["direction"] == direction)].iloc[0]
            return g
        a20, b20 = get(now, "kaz_born_in_partner"), get(now, "partner_born_in_kaz")
        a90, b90 = get(then, "kaz_born_in_partner"), get(then, "partner_born_in_kaz")
        key = f"migration.kaz_{iso.lower()}"
        res.add(f"{key}.stock_kaz_born_2020", a20["persons"], "count", bilateral_stock, a20[REF], reason=a20["reason"])
        res.add(f"{key}.stock_partner_born_2020", b20["persons"], "count", bilateral_stock, b20[REF], reason=b20["reason"])
        rows.append({"Partner": style.country_name(iso),
                     "Born in Kazakhstan, living in partner, 1990": cell("count", a90["persons"]),
                     "Born in Kazakhstan, living in partner, 2020": cell("count", a20["persons"]),
                     "Born in partner, living in Kazakhstan, 1990": cell("count", b90["persons"]),
                     "Born in partner, living in Kazakhstan, 2020": cell("count", b20["persons"])})
    write_table(res, "migrant-stock", pd.DataFrame(rows),
                "Bilateral international migrant stock, persons (both sexes): people born in one country (or its "
                "citizens where birthplace is not recorded) living in another. It counts place of birth, not "
                "ethnicity, so it does not measure the Kazakh diaspora",
                [STOCK], bilateral_stock, source="UN DESA, International Migrant Stock 2020 [@undesa2020migrantstock]",
                csv=pd.concat([then, now]).drop(columns=[REF]))
    res.write()
