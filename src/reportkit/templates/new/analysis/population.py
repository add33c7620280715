"""One step: the population series as a figure, a table and the values quoted in the text."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib
import yaml

from reportkit.stepkit import step

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

DATA = "data/population.csv"


def series(path: str = DATA) -> list[tuple[int, int]]:
    """(year, persons) for every row of the data file, in year order."""
    with open(path, newline="", encoding="utf-8") as handle:
        return sorted((int(row["year"]), int(row["population"])) for row in csv.DictReader(handle))


def growth(rows: list[tuple[int, int]]) -> float:
    """Change from the first to the last year, in percent."""
    return (rows[-1][1] / rows[0][1] - 1) * 100


@step("population", inputs=[DATA], outputs=["generated/population.svg", "generated/population-table.md",
                                           "_variables.yml"])
def population() -> None:
    rows = series()
    Path("generated").mkdir(exist_ok=True)
    plt.rcParams["svg.hashsalt"] = "population"  # stable SVG ids: the same data give the same bytes
    figure, axes = plt.subplots(figsize=(6, 3))
    axes.plot([y for y, _ in rows], [p / 1e6 for _, p in rows], marker="o")
    axes.set_xticks([y for y, _ in rows])
    axes.set_ylabel("million persons")
    figure.tight_layout()
    figure.savefig("generated/population.svg", metadata={"Date": None})
    plt.close(figure)
    table = ["| Year | Persons |", "|---:|---:|", *(f"| {y} | {p:,} |" for y, p in rows), "",
             ": Mid-year population of Kazakhstan (World Bank, SP.POP.TOTL). {#tbl-population}", ""]
    Path("generated/population-table.md").write_text("\n".join(table), encoding="utf-8")
    values = {"population": {"first": f"{rows[0][1]:,}", "first_year": str(rows[0][0]),
                             "last": f"{rows[-1][1]:,}", "last_year": str(rows[-1][0]),
                             "growth": f"{growth(rows):.1f}%"}}
    Path("_variables.yml").write_text(yaml.safe_dump(values, sort_keys=True), encoding="utf-8")
