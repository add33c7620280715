"""Reading data/: resources as DataFrames whose rows remember where they came from.

Every DataFrame returned by :func:`load` has a column ``_ref``: a tuple of row references
``"data/x.csv#12"`` (data row 12 of that file, header not counted, 1-based). Pure functions keep
``_ref`` through their filters, merges and sums (see :func:`merge` and :func:`sum_refs`), so every
computed number knows the exact input rows it used. :func:`describe_refs` turns references into a
provenance record: file and row checksums and the sources' citations from ``data/datapackage.json``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .registry import DATAPACKAGE, ROOT

REF = "_ref"
# Columns that cite the page a single row was read from.
ROW_CITATION_COLUMNS = ("page_url", "source_url", "gap_source_url", "url", "source")


class DataError(RuntimeError):
    """A data file the analysis needs is absent or lacks a column it relies on."""


def path_of(name: str) -> Path:
    return ROOT / name


@lru_cache(maxsize=None)
def datapackage() -> dict:
    """``data/datapackage.json`` (an empty package while it does not exist)."""
    p = path_of(DATAPACKAGE)
    if not p.exists():
        return {"resources": []}
    return json.loads(p.read_text(encoding="utf-8"))


def resource_for(path: str) -> dict | None:
    """The datapackage resource describing ``path`` (``data/...``), if any."""
    for res in datapackage().get("resources", []):
        rpath = res.get("path")
        if isinstance(rpath, str) and "data/" + rpath.lstrip("./") == path:
            return res
    return None


def _existing(path: str) -> Path:
    p = path_of(path)
    if not p.exists():
        raise DataError(f"{path} does not exist (it is built by the data/ work)")
    return p


@lru_cache(maxsize=None)
def _raw_rows(path: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    with _existing(path).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return tuple(rows[0]), tuple(tuple(r) for r in rows[1:])


def load(path: str, required: list[str] | None = None) -> pd.DataFrame:
    """Read ``path`` (a CSV under data/) as text, with a ``_ref`` column naming each row's source line.

    Every cell is a string (convert the columns you compute with: ``numeric(df, "year", "persons")``,
    which fails on text instead of guessing); empty cells are missing values (NaN), never zero or "".
    ``required`` columns must exist.
    """
    df = pd.read_csv(_existing(path), dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in (required or []) if c not in df.columns]
    if missing:
        raise DataError(f"{path} lacks column(s) {missing}; has {list(df.columns)}")
    df[REF] = [(f"{path}#{i}",) for i in range(1, len(df) + 1)]
    return df


# Row status in data/ (see data/README.md): "use" rows are the resolved values; "conflict" rows are
# values that disagree with no source to decide between them, so both are carried and shown.
USABLE = ("use", "conflict")


def usable(df: pd.DataFrame) -> pd.DataFrame:
    """Rows to compute with: status ``use`` or ``conflict`` (never ``rejected``, ``unclear``,
    ``corroborates`` (a duplicate of a used row) or ``other-definition``)."""
    return df[df["status"].isin(USABLE)]


def numeric(df: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """A copy with ``columns`` converted to numbers (blank stays missing; text is an error)."""
    out = df.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="raise")
    return out


def sum_refs(refs) -> tuple[str, ...]:
    """All references of several rows, in first-seen order (for aggregates)."""
    seen: dict[str, None] = {}
    for r in refs:
        for x in (r if isinstance(r, tuple) else ()):
            seen.setdefault(x, None)
    return tuple(seen)


def merge(left: pd.DataFrame, right: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """``pd.merge`` that keeps the rows' references of both sides in ``_ref``."""
    out = pd.merge(left, right, suffixes=("", "_right"), **kwargs)
    rr = out.pop(REF + "_right") if REF + "_right" in out.columns else None
    if rr is not None:
        out[REF] = [sum_refs([a, b]) for a, b in zip(out[REF], rr)]
    return out


def file_sha256(path: str) -> str:
    return hashlib.sha256(path_of(path).read_bytes()).hexdigest()


def row_sha256(path: str, row: int) -> str:
    """Checksum of one data row: sha256 of its fields as a JSON list of strings (csv-parsed)."""
    _, rows = _raw_rows(path)
    return hashlib.sha256(json.dumps(list(rows[row - 1]), ensure_ascii=False).encode("utf-8")).hexdigest()


def row_citation(path: str, row: int) -> list[str]:
    """The page(s) a row cites itself (``page_url``/``source_url`` columns), if any."""
    header, rows = _raw_rows(path)
    values = dict(zip(header, rows[row - 1]))
    return [values[c] for c in ROW_CITATION_COLUMNS if values.get(c, "").startswith("http")]


def resource_citation(path: str) -> list[dict]:
    """The resource's sources as the datapackage lists them (title, path/url)."""
    res = resource_for(path)
    if res is None:
        return []
    return [{k: v for k, v in src.items() if k in ("title", "path", "url", "version", "email")}
            for src in res.get("sources", [])]


def describe_refs(refs: tuple[str, ...]) -> list[dict]:
    """Provenance of a set of row references, grouped by resource."""
    by_path: dict[str, list[int]] = {}
    for ref in refs:
        path, _, row = ref.partition("#")
        by_path.setdefault(path, []).append(int(row))
    out = []
    for path, rows in by_path.items():
        res = resource_for(path)
        out.append({
            "resource": res.get("name") if res else None,
            "path": path,
            "sha256": file_sha256(path),
            "rows": [{"row": r, "sha256": row_sha256(path, r), "cites": row_citation(path, r)}
                     for r in sorted(set(rows))],
            "sources": resource_citation(path),
        })
    return out

