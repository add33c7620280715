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


def round_sig(v: float, digits: int = 3) -> float:
    """``v`` rounded to ``digits`` significant digits: ``10712.3`` → ``10700.0``."""
    if v == 0 or not math.isfinite(v):
        return v
    return round(v, digits - 1 - int(math.floor(math.log10(abs(v)))))


def fmt_ratio(v: float) -> str:
    """How many times larger, to three significant digits: ``15.2``, ``10,700``."""
    r = round_sig(v, 3)
    decimals = max(0, 2 - int(math.floor(math.log10(abs(r))))) if r else 0
    return f"{r:,.{decimals}f}"


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
NBSP = "\u00a0"  # keeps a date on one line


def fmt_date(v) -> str:
    """An ISO date as in prose, never split across lines: ``2015-04-01`` → ``1 April 2015``, ``2021-03`` →
    ``March 2021``, ``2021`` → ``2021``."""
    parts = str(v).split("-")
    if len(parts) == 3:
        return f"{int(parts[2])}{NBSP}{MONTHS[int(parts[1]) - 1]}{NBSP}{parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]}{NBSP}{parts[0]}"
    return parts[0]


def fmt_period(start, end) -> str:
    """A span of two ISO dates in prose form: ``1 January 2022 to 30 September 2022``."""
    return f"{fmt_date(start)} to {fmt_date(end)}"


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
                                "count_range": fmt_count_range, "pct_printed": fmt_pct_printed, "pct_range": fmt_pct_range,
                                "date": fmt_date}
# What a sentence says in place of a missing value (the reason goes to the data-gaps table).
ABSENT = {"rank": "not determinable", "pct": "not published", "ratio": "not determinable"}
ABSENT_DEFAULT = "not published"


def missing_text(kind: str, says: str | None = None) -> str:
    """The words a sentence shows for a missing value of ``kind``: ``says`` if given, else a default."""
    return says or ABSENT.get(kind, ABSENT_DEFAULT)


def cell(kind: str, v) -> str:
    """A table cell: the value formatted as in prose, without the unit the column header carries
    (``%``, ``US$ … million``); ``–`` when missing."""
    if is_missing(v):
        return "–"
    if kind == "usd_million":  # a value published in whole millions shows no decimal it does not have
        return f"{v / 1e6:,.0f}" if v % 1e6 == 0 else f"{v / 1e6:,.1f}"
    return FORMATS[kind](v).removesuffix("%")


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
    says: str | None = None  # the words shown in a sentence when the value is missing

    @property
    def text(self) -> str:
        if is_missing(self.value):
            return missing_text(self.kind, self.says)
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
    floats: list[dict] = field(default_factory=list)

    def add(self, name: str, value, kind: str, function: Callable, refs=(), reason: str | None = None,
            note: str = "", says: str | None = None) -> Quantity:
        """Record a quoted value. A missing value needs a ``reason`` (listed among the data gaps); a sentence
        shows ``says`` (or the default words for its kind) in its place. It is never filled in."""
        if is_missing(value) and not reason:
            raise ValueError(f"{name}: a missing value needs its reason")
        if any(q.name == name for q in self.values):
            raise ValueError(f"{name}: recorded twice")
        q = Quantity(name, value, kind, code_ref(function), tuple(refs), reason, note, says)
        self.values.append(q)
        if is_missing(value):
            self.gap(topic=name, what=f"value `{name}`", reason=reason, function=function)
        return q

    def gap(self, topic: str, what: str, reason: str, function: Callable | None = None,
            data: str = "") -> None:
        """Declare something the paper would show but the data cannot give."""
        self.gaps.append({"topic": topic, "what": what, "reason": reason, "data": data,
                          "function": code_ref(function) if function else ""})

    def add_float(self, label: str, data: list[str], function: Callable) -> None:
        """Record the data files and the code behind a figure or table (listed in the supplement)."""
        self.floats.append({"label": label, "data": list(data), "function": code_ref(function)})

    def write(self) -> None:
        path = ROOT / values_fragment(self.step)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"step": self.step, "values": [q.record() for q in self.values], "gaps": self.gaps,
                   "floats": self.floats}
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


# -- figures and tables ---------------------------------------------------------------------

def figure_path(name: str) -> str:
    return f"{GENERATED}/figures/{name}.svg"


def table_paths(name: str) -> list[str]:
    return [f"{GENERATED}/tables/{name}.md", f"{GENERATED}/tables/{name}.csv"]


def write_figure(res: "Results", fig, name: str, data: list[str], function: Callable) -> None:
    """Save ``fig`` (no source line in the image: the caption states the source) and record which data
    files and code made it."""
    path = ROOT / figure_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    style.save(fig, path)
    res.add_float(f"fig-{name}", data, function)


def _cell(v) -> str:
    if is_missing(v):
        return "–"
    return str(v).replace("|", "\\|").replace("\n", " ")


WRAP_AT = 28      # a cell longer than this many characters wraps within its column
LINE_CHARS = 95   # characters of table text that fit on one line of the page (A4 text width, table font size)
PADDING = 2.5     # a cell's inset on both sides, in characters
BOLD = 1.1        # header text is bold, about this much wider than body text


def _looks_numeric(values) -> bool:
    vals = [str(v) for v in values if not is_missing(v) and str(v) not in ("–", "")]
    return bool(vals) and all(v.replace(",", "").replace(".", "").replace("%", "").replace("−", "")
                              .replace("+", "").strip().isdigit() for v in vals)


def column_widths(display: pd.DataFrame) -> list[int]:
    """Each column's share of the table width, in characters, following its content.

    A column needs at least its header's longest word (no word may overflow its column) and wants its longest
    cell (up to ``WRAP_AT``: longer text wraps). When the wanted widths do not fit on a line, every column
    gets what it needs and the rest of the line is shared in proportion to what each wants beyond that."""
    need, want = [], []
    for c in display.columns:
        word = max((len(w) for w in str(c).split()), default=1) * BOLD
        cells = max((len(_cell(v)) for v in display[c]), default=0)
        need.append(word + PADDING)
        want.append(max(word, min(cells, WRAP_AT)) + PADDING)
    if sum(want) > LINE_CHARS:
        spare, extra = LINE_CHARS - sum(need), [w - n for w, n in zip(want, need)]
        want = [n + spare * e / sum(extra) for n, e in zip(need, extra)] if spare > 0 and sum(extra) else need
    return [max(3, round(w)) for w in want]


def markdown_table(display: pd.DataFrame, align: dict[str, str] | None = None) -> str:
    """A pipe table whose separator line gives each column a width that follows its content (pandoc reads
    relative widths from the dashes); columns whose cells look numeric are right-aligned."""
    align = align or {}
    cols = list(display.columns)
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in display.itertuples(index=False)]
    marks = []
    for c, width in zip(cols, column_widths(display)):
        side = align.get(c, "r" if _looks_numeric(display[c]) else "l")
        dashes = "-" * width
        marks.append({"r": dashes + ":", "l": ":" + dashes, "c": ":" + dashes + ":"}[side])
    lines = ["| " + " | ".join(_cell(c) for c in cols) + " |", "|" + "|".join(marks) + "|"]
    return "\n".join(lines + rows)


def write_table(res: "Results", name: str, display: pd.DataFrame, caption: str, data: list[str],
                function: Callable, source: str, csv: pd.DataFrame | None = None,
                align: dict[str, str] | None = None) -> None:
    """Write ``<name>.md`` (pipe table + ``: Caption. Source: …``) and ``<name>.csv`` (the numbers), and
    record which data files and code made it. The label is the including document's: it wraps the include
    in ``::: {#tbl-name}`` (or a supplementary kind, ``::: {#stbl-name}``)."""
    text = markdown_table(display, align) + f"\n\n: {caption.rstrip('.')}. Source: {source.rstrip('.')}.\n"
    md, csv_path = table_paths(name)
    (ROOT / md).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / md).write_text(text, encoding="utf-8")
    frame = (csv if csv is not None else display).drop(columns=["_ref"], errors="ignore")
    frame.to_csv(ROOT / csv_path, index=False, lineterminator="\n")
    res.add_float(f"tbl-{name}", data, function)
