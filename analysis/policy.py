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


def areas_per_country(work: pd.DataFrame, countries: list[str]) -> pd.DataFrame:
    """Per country: number of documented areas, of those with the mission named directly, of undated rows."""
    rows = []
    for iso in countries:
        part = work[work["country_iso3"] == iso]
        rows.append({"country_iso3": iso, "areas": part["area"].nunique(),
                     "direct": part.loc[part["mission_role"] == "direct", "area"].nunique(),
                     "undated": int(part["evidence_date"].isna().sum()), REF: sum_refs(part[REF])})
    return pd.DataFrame(rows)


# -- steps -----------------------------------------------------------------------------------

@step("policy", inputs=[MEASURES], outputs=[figure_path("policy-gaps"), *table_paths("policy-measures")])
def run_policy() -> None:
    measures = load(MEASURES, required=["measure_id", "area", "target_group", "gap_basis"])
    counts = measures_by_gap_basis(measures)
    res = Results("policy")
    res.add("policy.n_measures", len(measures), "count", run_policy, sum_refs(measures[REF]))
    names = {"source": "policy.n_gaps_sourced", "assessment": "policy.n_gaps_assessed", "": "policy.n_gaps_none"}
    for row in counts.to_dict("records"):
        res.add(names[row["gap_basis"]], row["measures"], "count", measures_by_gap_basis, row[REF])

    fig, ax = style.figure(6.5, 2.6)
    ax.barh(counts["label"], counts["measures"], color=[style.PALETTE[0], style.PALETTE[1], "#999999"])
    ax.invert_yaxis()
    ax.set_xlabel("Measures of the Concept 2023–2027 (count)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", visible=False)
    write_figure(fig, "policy-gaps", [MEASURES], measures_by_gap_basis,
                 source="Coded from official and press summaries of the Concept (Decree No. 961 of 30 Nov 2022)")

    write_table("policy-measures", measures_display(measures),
                "Measures of the Migration Policy Concept 2023–2027 and how a gap in each is documented",
                [MEASURES], measures_display, csv=measures.drop(columns=[REF]))
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
    write_table("missions-areas", display,
                "Documented areas of diaspora work of Kazakhstan's missions, by host country; a cell gives how "
                "directly the mission is named (direct, supporting, not stated); – means no evidence was found, "
                "not that there is no activity",
                [MISSIONS], areas_by_country, csv=matrix, align={c: "l" for c in display.columns})
    res.write()
