"""Writing what the chapters embed: figures, tables, quoted values with provenance, data gaps.

A step collects its results in a :class:`Results`; at the end it calls :meth:`Results.write`, which
writes the step's value fragment (values, formatted text, provenance, gaps) as JSON. The
``variables`` step merges all fragments (see analysis/appendices.py).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import style
from .data import describe_refs
from .registry import GENERATED, ROOT, code_ref, values_fragment


# -- formatting for reading ----------------------------------------------------------------

def fmt_count(v: float) -> str:
    """Persons, families, countries: ``821,200``."""
    return f"{round(v):,}"


def fmt_pct(v: float) -> str:
    """A percentage: one decimal from 1% up; two significant digits below 1% (``0.22%``)."""
    if v == 0:
        return "0%"
    if abs(v) >= 1:
        return f"{v:.1f}%"
    digits = max(1, 1 - int(math.floor(math.log10(abs(v)))))
    return f"{v:.{digits}f}%"


def fmt_pct_printed(v: float) -> str:
    """A percentage as the source printed it (no added digits): ``0.9%``."""
    return f"{v:g}%"


def fmt_signed(v: float) -> str:
    """A change in persons with its sign: ``+9,293`` / ``−6,946``."""
    return ("+" if v > 0 else "−" if v < 0 else "") + f"{abs(round(v)):,}"


def fmt_year(v) -> str:
    return str(int(v)) if not isinstance(v, str) else v


def fmt_usd(v: float) -> str:
    """US dollars in millions or billions: ``US$ 309.9 million``, ``US$ 2.79 billion``."""
    if abs(v) >= 1e9:
        return f"US$ {v / 1e9:,.2f} billion"
    return f"US$ {v / 1e6:,.1f} million"


def fmt_ratio(v: float) -> str:
    """How many times larger: ``15.2``."""
    return f"{v:,.1f}"


def fmt_ordinal(v) -> str:
    """A rank: ``1st``, ``2nd``, ``3rd``, ``11th``."""
    n = int(v)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt_text(v) -> str:
    return str(v)


def fmt_count_range(v) -> str:
    """Two values a source pair leaves open: ``86,987–88,752`` (equal ends print once)."""
    lo, hi = sorted(v)
    return fmt_count(lo) if round(lo) == round(hi) else f"{fmt_count(lo)}–{fmt_count(hi)}"


def fmt_pct_range(v) -> str:
    lo, hi = sorted(v)
    a, b = fmt_pct(lo), fmt_pct(hi)
    return a if a == b else f"{a[:-1]}–{b}"


FORMATS: dict[str, Callable] = {"count": fmt_count, "pct": fmt_pct, "signed": fmt_signed, "year": fmt_year,
                                "usd": fmt_usd, "ratio": fmt_ratio, "text": fmt_text, "rank": fmt_ordinal,
                                "count_range": fmt_count_range, "pct_printed": fmt_pct_printed, "pct_range": fmt_pct_range}


def missing_text(reason: str) -> str:
    return f"not available ({reason})"


def is_missing(v) -> bool:
    if isinstance(v, (tuple, list)):
        return any(is_missing(x) for x in v)
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


# -- collecting results ---------------------------------------------------------------------

@dataclass
class Quantity:
    """One quoted value: its number (or the reason it is missing) and where it came from."""

    name: str
    value: object
    kind: str
    function: str
    refs: tuple[str, ...] = ()
    reason: str | None = None
    note: str = ""

    @property
    def text(self) -> str:
        if is_missing(self.value):
            return missing_text(self.reason or "no data")
        return FORMATS[self.kind](self.value)

    def record(self) -> dict:
        value = None if is_missing(self.value) else self.value
        if isinstance(value, (tuple, list)):
            value = [x.item() if hasattr(x, "item") else x for x in value]
        elif hasattr(value, "item"):
            value = value.item()
        return {"name": self.name, "text": self.text, "value": value, "kind": self.kind,
                "missing": value is None, "reason": self.reason if value is None else None,
                "function": self.function, "note": self.note, "inputs": describe_refs(self.refs)}


@dataclass
class Results:
    """What one step produced: quoted values and declared data gaps."""

    step: str
    values: list[Quantity] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)

    def add(self, name: str, value, kind: str, function: Callable, refs=(), reason: str | None = None,
            note: str = "") -> Quantity:
        """Record a quoted value. A missing value needs a ``reason``; it is never filled in."""
        if is_missing(value) and not reason:
            raise ValueError(f"{name}: a missing value needs its reason")
        if any(q.name == name for q in self.values):
            raise ValueError(f"{name}: recorded twice")
        q = Quantity(name, value, kind, code_ref(function), tuple(refs), reason, note)
        self.values.append(q)
        if is_missing(value):
            self.gap(topic=name, what=f"value `{name}`", reason=reason, function=function)
        return q

    def gap(self, topic: str, what: str, reason: str, function: Callable | None = None,
            data: str = "") -> None:
        """Declare something the paper would show but the data cannot give."""
        self.gaps.append({"topic": topic, "what": what, "reason": reason, "data": data,
                          "function": code_ref(function) if function else ""})

    def write(self) -> None:
        path = ROOT / values_fragment(self.step)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"step": self.step, "values": [q.record() for q in self.values], "gaps": self.gaps}
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


# -- figures and tables ---------------------------------------------------------------------

def figure_path(name: str) -> str:
    return f"{GENERATED}/figures/{name}.svg"


def table_paths(name: str) -> list[str]:
    return [f"{GENERATED}/tables/{name}.md", f"{GENERATED}/tables/{name}.csv"]


def write_figure(fig, name: str, data: list[str], function: Callable, source: str) -> None:
    """Save ``fig`` with a source line naming the source, the data files and the code."""
    path = ROOT / figure_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"Source: {source}.  Data: {', '.join(data)}.  Code: {code_ref(function)}"
    style.save(fig, path, line)


def _cell(v) -> str:
    if is_missing(v):
        return "–"
    return str(v).replace("|", "\\|").replace("\n", " ")


def markdown_table(display: pd.DataFrame, align: dict[str, str] | None = None) -> str:
    """A pipe table; columns whose cells look numeric are right-aligned."""
    align = align or {}
    cols = list(display.columns)

    def is_num(c):
        vals = [str(v) for v in display[c] if not is_missing(v) and str(v) not in ("–", "")]
        return bool(vals) and all(v.replace(",", "").replace(".", "").replace("%", "").replace("−", "")
                                  .replace("+", "").strip().isdigit() for v in vals)

    marks = [{"r": "--:", "l": ":--", "c": ":-:"}[align.get(c, "r" if is_num(c) else "l")] for c in cols]
    lines = ["| " + " | ".join(_cell(c) for c in cols) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in display.itertuples(index=False)]
    return "\n".join(lines)


def write_table(name: str, display: pd.DataFrame, caption: str, data: list[str], function: Callable,
                csv: pd.DataFrame | None = None, align: dict[str, str] | None = None) -> None:
    """Write ``<name>.md`` (pipe table + ``: Caption {#tbl-name}``) and ``<name>.csv`` (the numbers)."""
    note = f"Data: {', '.join(f'`{d}`' for d in data)}; code: `{code_ref(function)}`."
    text = markdown_table(display, align) + f"\n\n: {caption.rstrip('.')}. {note} {{#tbl-{name}}}\n"
    md, csv_path = table_paths(name)
    (ROOT / md).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / md).write_text(text, encoding="utf-8")
    frame = (csv if csv is not None else display).drop(columns=["_ref"], errors="ignore")
    frame.to_csv(ROOT / csv_path, index=False, lineterminator="\n")
