"""Policy and missions: the coded tables of the Concept 2023–2027 measures and of the missions' diaspora work."""

from __future__ import annotations

import pandas as pd

from . import style
from .data import REF, load, sum_refs
from .outputs import Results, figure_path, table_paths, write_figure, write_table
from .registry import step

MEASURES = "data/policy/concept_2023_2027_measures.csv"
MISSIONS = "data/missions/mission_diaspora_work.csv"

GAP_LABELS = {"source": "gap stated in a published study", "assessment": "gap is our own assessment",
              "": "no gap documented"}
ROLE_ORDER = ["direct", "supporting", "not stated"]


# -- pure functions --------------------------------------------------------------------------

def measures_only(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows that are measures (``kind == "measure"``), not rows recording an absence."""
    unknown = set(rows["kind"]) - {"measure", "absence"}
    if unknown:
        raise ValueError(f"unknown kind value(s): {sorted(unknown)}")
    return rows[rows["kind"] == "measure"]


def measures_by_gap_basis(measures: pd.DataFrame) -> pd.DataFrame:
    """Number of Concept measures by how their gap is documented (every basis listed, even with 0)."""
    basis = measures["gap_basis"].fillna("")
    unknown = set(basis) - set(GAP_LABELS)
    if unknown:
        raise ValueError(f"unknown gap_basis value(s): {sorted(unknown)}")
    rows = []
    for key, label in GAP_LABELS.items():
        part = measures[basis == key]
        rows.append({"gap_basis": key, "label": label, "measures": len(part), REF: sum_refs(part[REF])})
    return pd.DataFrame(rows)


def measures_display(measures: pd.DataFrame) -> pd.DataFrame:
    """The measures table as shown: ID, area, target group and how the gap is documented."""
    return pd.DataFrame({
        "ID": measures["measure_id"],
        "Area": measures["area"],
        "Target group": measures["target_group"],
        "Gap": measures["gap_basis"].fillna("").map(GAP_LABELS),
    })


def areas_by_country(work: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Documented areas of diaspora work per country: rows = area, columns = country, cell = mission role.

    A blank cell means no evidence was found (not "no activity").
    """
    areas = sorted(work["area"].unique())
    table = pd.DataFrame({"area": areas})
    for iso in countries:
        part = work[work["country_iso3"] == iso]
        roles = part.groupby("area")["mission_role"].agg(lambda s: ", ".join(sorted(set(s), key=ROLE_ORDER.index)))
        table[iso] = table["area"].map(roles)
    return table


def has_full_date(dates: pd.Series) -> pd.Series:
    """Whether each evidence date is a complete day (``2021-03-22``), not empty or a bare year."""
    return dates.fillna("").str.fullmatch(r"\d{4}-\d{2}-\d{2}")


def areas_per_country(work: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Per country: number of documented areas, of those with the mission named directly, and of rows
    without a complete date (no date, or a year only)."""
    rows = []
    for iso in countries:
        part = work[work["country_iso3"] == iso]
        rows.append({"country_iso3": iso, "areas": part["area"].nunique(),
                     "direct": part.loc[part["mission_role"] == "direct", "area"].nunique(),
                     "undated": int((~has_full_date(part["evidence_date"])).sum()), REF: sum_refs(part[REF])})
    return pd.DataFrame(rows)


# -- steps -----------------------------------------------------------------------------------

@step("policy", inputs=[MEASURES], outputs=[figure_path("policy-gaps"), *table_paths("policy-measures")])
def run_policy() -> None:
    rows = load(MEASURES, required=["measure_id", "kind", "area", "target_group", "gap_basis"])
    measures = measures_only(rows)
    counts = measures_by_gap_basis(measures)
    res = Results("policy")
    res.add("policy.n_measures", len(measures), "count", measures_only, sum_refs(measures[REF]))
    names = {"source": "policy.n_gaps_sourced", "assessment": "policy.n_gaps_assessed", "": "policy.n_gaps_none"}
    for row in counts.to_dict("records"):
        res.add(names[row["gap_basis"]], row["measures"], "count", measures_by_gap_basis, row[REF])

    fig, ax = style.figure(6.5, 2.6)
    ax.barh(counts["label"], counts["measures"], color=[style.PALETTE[0], style.PALETTE[1], "#999999"])
    ax.invert_yaxis()
    ax.set_xlabel("Measures of the Concept 2023–2027 (count)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", visible=False)
    write_figure(res, fig, "policy-gaps", [MEASURES], measures_by_gap_basis)
    write_table(res, "policy-measures", measures_display(measures),
                "Measures of the Migration Policy Concept 2023–2027 reported in its official and press summaries, "
                "and how a gap in each is documented. No measure for Kazakh communities that stay abroad is "
                "reported",
                [MEASURES], measures_display,
                source="coded from the Government's announcement and press summaries of the Concept "
                       "[@primeminister2022concept; @kazinform2022concept]", csv=rows.drop(columns=[REF]))
    res.write()


@step("missions", inputs=[MISSIONS], outputs=[*table_paths("missions-areas")])
def run_missions() -> None:
    work = load(MISSIONS, required=["country_iso3", "area", "mission_role", "evidence_date"])
    countries = style.CENTRAL_ASIA
    matrix = areas_by_country(work, countries)
    per = areas_per_country(work, countries)
    res = Results("missions")
    res.add("missions.n_rows", len(work), "count", run_missions, sum_refs(work[REF]))
    res.add("missions.n_areas", work["area"].nunique(), "count", run_missions, sum_refs(work[REF]))
    for row in per.to_dict("records"):
        key = f"missions.{row['country_iso3'].lower()}"
        res.add(f"{key}.n_areas", row["areas"], "count", areas_per_country, row[REF])
        res.add(f"{key}.n_direct", row["direct"], "count", areas_per_country, row[REF])
    res.add("missions.n_undated", int(per["undated"].sum()), "count", areas_per_country, sum_refs(work[REF]))

    display = matrix.rename(columns={"area": "Area of work", **{c: style.COUNTRY_NAMES[c] for c in countries}})
    display = display.fillna("–")
    write_table(res, "missions-areas", display,
                "Documented areas of diaspora work of Kazakhstan's missions, by host country; a cell gives how "
                "directly the mission is named (direct, supporting, not stated); – means no evidence was found, "
                "not that there is no activity",
                [MISSIONS], areas_by_country,
                source="coded from news agencies' and the Otandastar Fund's reports (listed in the Supplementary "
                       "Material)", csv=matrix, align={c: "l" for c in display.columns})
    res.write()
