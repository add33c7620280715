"""Run every analysis step and write what the chapters embed."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "report" / "generated"
MEASURES = ROOT / "data" / "policy" / "concept_2023_2027_measures.csv"


def measures_by_gap_basis(measures: pd.DataFrame) -> pd.DataFrame:
    """Number of Concept measures by how their gap is documented."""
    basis = measures["gap_basis"].fillna("none documented").replace("", "none documented")
    return basis.value_counts().rename_axis("gap_basis").reset_index(name="measures").sort_values("gap_basis")


def main() -> int:
    measures = pd.read_csv(MEASURES, dtype=str, keep_default_na=False)
    counts = measures_by_gap_basis(measures)
    (GENERATED / "figures").mkdir(parents=True, exist_ok=True)
    (GENERATED / "tables").mkdir(parents=True, exist_ok=True)

    plt.rcParams["svg.hashsalt"] = "kazakh-diaspora"
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.barh(counts["gap_basis"], counts["measures"], color="#0072B2")
    ax.set_xlabel("Measures of the Concept 2023–2027 (count)")
    fig.tight_layout()
    fig.savefig(GENERATED / "figures" / "policy-gaps.svg", metadata={"Date": None})
    plt.close(fig)

    rows = "\n".join(f"| {r.measure_id} | {r.area} | {r.target_group} |" for r in measures.itertuples())
    table = "| ID | Area | Target group |\n|:--|:--|:--|\n" + rows + "\n\n: Measures of the Migration Policy Concept 2023–2027 {#tbl-policy-measures}\n"
    (GENERATED / "tables" / "policy-measures.md").write_text(table, encoding="utf-8")

    variables = {"policy": {"n_measures": int(len(measures)),
                            "n_gaps_sourced": int((measures["gap_basis"] == "source").sum())}}
    (ROOT / "_variables.yml").write_text(yaml.safe_dump(variables, sort_keys=True), encoding="utf-8")
    return 0
