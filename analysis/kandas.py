"""Kandas (ethnic Kazakh repatriates, formerly oralman): cumulative arrivals since 1991 and arrivals by country
of origin, per published ministry report. Reports have different cut-off dates and scopes; they are shown as
published, never turned into a year-by-year series."""

from __future__ import annotations

import pandas as pd

from . import style
from .data import REF, load, merge, numeric, sum_refs, usable
from .outputs import Results, cell, figure_path, fmt_date, round_sig, table_paths, write_figure, write_table
from .registry import step

ARRIVALS = "data/kandas_arrivals.csv"
SHARES = "data/kandas_origin_shares.csv"
ORIGINS = ["UZB", "CHN", "MNG", "TKM", "RUS", "other"]


def cumulative(arrivals: pd.DataFrame) -> pd.DataFrame:
    """Cumulative kandas since 1991 by cut-off (``period_end``), usable rows with a cumulative figure."""
    a = numeric(usable(arrivals), "cumulative_since_1991_persons")
    a = a[a["cumulative_since_1991_persons"].notna()]
    return a[["report_id", "period_start", "period_end", "scope", "cumulative_since_1991_persons", REF]] \
        .sort_values(["period_end", "cumulative_since_1991_persons"]).reset_index(drop=True)


def origin_table(arrivals: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Per report with usable origin shares: persons, scope and the share of each origin (%), plus the implied
    persons per origin (share × persons, rounded shares so approximate). Shares of ``unclear`` or ``rejected``
    rows are left out; a report whose shares add up to far from 100% keeps a ``share_sum`` to show it."""
    a = numeric(usable(arrivals), "persons")
    s = numeric(usable(shares), "share_pct")
    s = s.assign(origin=s["origin_iso3"].fillna("other"))
    wide = s.pivot_table(index="report_id", columns="origin", values="share_pct", aggfunc="first")
    refs = s.groupby("report_id")[REF].agg(sum_refs).rename("share_ref")
    wide = wide.join(refs).reset_index()
    out = merge(a[["report_id", "period_start", "period_end", "scope", "persons", REF]], wide, on="report_id", how="inner")
    out[REF] = [sum_refs([r, s]) for r, s in zip(out[REF], out.pop("share_ref"))]
    for o in ORIGINS:
        if o not in out.columns:
            out[o] = float("nan")
    out["share_sum"] = out[ORIGINS].sum(axis=1, min_count=1)
    return out.sort_values(["period_end", "period_start"]).reset_index(drop=True)


def implied_persons(persons: float, share_pct: float) -> float | None:
    """Persons from one origin implied by a total and a (rounded) share."""
    if pd.isna(persons) or pd.isna(share_pct):
        return None
    return persons * share_pct / 100


def label(row) -> str:
    """The period a report covers, as in prose: ``1991 to 1 April 2015``, ``2021``, ``January to September 2025``."""
    start, end = str(row["period_start"]), str(row["period_end"])
    if row["scope"] == "cumulative":
        return f"1991 to {fmt_date(end)}"
    if start[:4] == end[:4] and start[5:] in ("01-01", "01") and end[5:] in ("12-31", "12"):
        return start[:4]
    if start[:4] == end[:4]:
        return f"{fmt_date(start[:7]).split()[0]} to {fmt_date(end[:7])}"
    return f"{fmt_date(start)} to {fmt_date(end)}"


def significant_digits(printed: float) -> int:
    """Significant digits of a share as printed: ``61.5`` → 3, ``30`` → 1 (trailing zeros of a whole
    number are not taken as significant)."""
    text = f"{printed:g}"
    digits = text.replace(".", "").lstrip("0")
    return max(1, len(digits if "." in text else digits.rstrip("0")))


@step("kandas", inputs=[ARRIVALS, SHARES],
      outputs=[figure_path("kandas-origin"), figure_path("kandas-cumulative"), *table_paths("kandas-origin")])
def run_kandas() -> None:
    arrivals = load(ARRIVALS, required=["report_id", "period_start", "period_end", "scope", "persons",
                                        "cumulative_since_1991_persons", "status"])
    shares = load(SHARES, required=["report_id", "origin", "origin_iso3", "share_pct", "status"])
    cum = cumulative(arrivals)
    origins = origin_table(arrivals, shares)
    res = Results("kandas")

    fig, ax = style.figure(6.5, 3.2)
    x = pd.to_datetime(cum["period_end"].str.slice(0, 7), format="%Y-%m", errors="coerce")
    x = x.fillna(pd.to_datetime(cum["period_end"].str.slice(0, 4), format="%Y", errors="coerce"))
    ax.scatter(x, cum["cumulative_since_1991_persons"], color=style.PALETTE[0], s=24, zorder=2)
    style.thousands(ax)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("Kandas since 1991 (persons)")
    ax.set_xlabel("Cut-off date of the report")
    write_figure(res, fig, "kandas-cumulative", [ARRIVALS], cumulative)

    fig, ax = style.figure(7.0, 4.2)
    labels = [label(r) for r in origins.to_dict("records")]
    left = pd.Series(0.0, index=origins.index)
    for o in ORIGINS:
        vals = origins[o].fillna(0)
        ax.barh(labels, vals, left=left, color=style.COUNTRY_COLOURS[o], label=style.COUNTRY_NAMES[o],
                edgecolor="white", lw=0.5)
        left += vals
    ax.invert_yaxis()
    ax.set_xlabel("Share of kandas in the report (% of persons)")
    ax.set_xlim(0, 100)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(ncol=6, loc="lower center", bbox_to_anchor=(0.4, 1.0), fontsize=7)
    ax.grid(axis="y", visible=False)
    write_figure(res, fig, "kandas-origin", [ARRIVALS, SHARES], origin_table)

    display = pd.DataFrame({"Period": labels,
                            "Kandas (persons)": [cell("count", v) for v in origins["persons"]],
                            **{f"{style.COUNTRY_NAMES[o].capitalize()} (%)": [cell("pct_printed", v) for v in origins[o]]
                               for o in ORIGINS}})
    write_table(res, "kandas-origin", display,
                "Kandas given status in Kazakhstan, per published report, and the share of each country of origin "
                "as published; cut-off dates and scopes differ; – not reported",
                [ARRIVALS, SHARES], origin_table,
                source="Ministry of Labour and Social Protection of the Population and its predecessors, as quoted by "
                       "the media (listed in the Supplementary Material)", csv=origins.drop(columns=[REF]))

    last = cum.iloc[-1]
    res.add("kandas.total_since_1991", last["cumulative_since_1991_persons"], "count", cumulative, last[REF],
            note=f"report {last['report_id']}")
    res.add("kandas.total_period_end", str(last["period_end"]), "date", cumulative, last[REF])
    first = cum[cum["period_end"].str.slice(0, 4) <= "2003"]
    if len(first):
        f = first.iloc[-1]
        res.add("kandas.total_to_2002", f["cumulative_since_1991_persons"], "count", cumulative, f[REF])
    peak = numeric(usable(arrivals), "persons")
    peak = peak[peak["scope"] == "period sum"]
    for r in peak.to_dict("records"):
        res.add(f"kandas.persons_{r['period_start']}_{r['period_end']}", r["persons"], "count", run_kandas, r[REF])
    cum_rep = origins[origins["scope"] == "cumulative"]
    if len(cum_rep):
        c = cum_rep.iloc[-1]
        res.add("kandas.cumulative_report_cutoff", str(c["period_end"]), "date", origin_table, c[REF])
        res.add("kandas.cumulative_report_persons", c["persons"], "count", origin_table, c[REF])
        for o in ["UZB", "CHN", "MNG", "TKM", "RUS"]:
            res.add(f"kandas.cumulative_share_{o.lower()}", c[o], "pct_printed", origin_table, c[REF],
                    reason="origin not reported separately")
        implied = implied_persons(c["persons"], c["UZB"])
        res.add("kandas.cumulative_uzb_persons_approx",
                None if implied is None else round_sig(implied, significant_digits(c["UZB"])), "count",
                implied_persons, c[REF], reason="no share for Uzbekistan",
                note="persons × published share, rounded to the share's significant digits")
    years = origins[origins["scope"] == "year"]
    for r in years.to_dict("records"):
        y = str(r["period_start"])[:4]
        res.add(f"kandas.year_{y}_persons", r["persons"], "count", origin_table, r[REF])
        res.add(f"kandas.year_{y}_share_uzb", r["UZB"], "pct_printed", origin_table, r[REF], reason="not reported")
        res.add(f"kandas.year_{y}_share_chn", r["CHN"], "pct_printed", origin_table, r[REF], reason="not reported")
    res.gap(topic="Kandas by year", what="a continuous year-by-year series of arrivals by origin (1991–2019 in particular)",
            reason="only reports with differing cut-off dates are published in the data; no series is constructed",
            data=ARRIVALS, function=origin_table)
    res.write()
