"""Reading a PDF's layout as a reader sees it: glyphs printed over one another, and tables split so that a
page holds fewer than three of their rows. Used by tests/test_pdf_layout.py on the paper, the supplement and
small Typst documents made to show each fault.

Glyph and word boxes come from pdfplumber (pdfminer.six). Text inside the figures is drawn as paths, so only
the document's own text is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber

OVERLAP = 0.5        # glyphs overlap when they share more than this fraction of the narrower one's width
MIN_OVERLAP = 1.2    # ... and more than this many points (kerning tucks a comma under a V by less)
TABLE_END_GAP = 24.0  # points of empty space below a table's last line (caption, paragraph or page end follow)
MIN_ROWS = 3
BAND_GREY = 246 / 255  # the fill of every second table row (src/reportkit/templates/typst/definitions.typ)


@dataclass(frozen=True)
class Overlap:
    page: int
    first: str   # the glyph printed first and the words around it
    second: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.first!r} and {self.second!r} are printed over one another"


def _line_key(char: dict) -> float:
    return round(char["bottom"] * 2) / 2


def overlapping_glyphs(pdf: Path) -> list[Overlap]:
    """Pairs of visible glyphs on one line whose boxes overlap by more than ``OVERLAP`` of the narrower
    glyph's width and more than ``MIN_OVERLAP`` points (kerning moves glyphs by a fraction of a point;
    overprinted words overlap by whole glyphs).
    Lines are glyphs sharing a baseline; glyphs of two lines overlap when their boxes intersect too."""
    found = []
    with pdfplumber.open(str(pdf)) as doc:
        for number, page in enumerate(doc.pages, 1):
            chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: (_line_key(c), c["x0"]))
            lines: dict[float, list[dict]] = {}
            for c in chars:
                lines.setdefault(_line_key(c), []).append(c)
            keys = sorted(lines)
            for i, key in enumerate(keys):
                line = lines[key]
                for a, b in zip(line, line[1:]):
                    narrow = min(a["x1"] - a["x0"], b["x1"] - b["x0"])
                    shared = a["x1"] - b["x0"]
                    if narrow > 0 and shared > OVERLAP * narrow and shared > MIN_OVERLAP:
                        found.append(Overlap(number, _context(line, a), _context(line, b)))
                for other_key in keys[i + 1:]:
                    if other_key - key > 30:
                        break
                    found += _across_lines(number, line, lines[other_key])
    return found


def _across_lines(number: int, upper: list[dict], lower: list[dict]) -> list[Overlap]:
    out = []
    for a in upper:
        for b in lower:
            dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            small = min(a["x1"] - a["x0"], b["x1"] - b["x0"]), min(a["bottom"] - a["top"], b["bottom"] - b["top"])
            if dx > max(OVERLAP * small[0], MIN_OVERLAP) and dy > OVERLAP * small[1]:
                out.append(Overlap(number, _context(upper, a), _context(lower, b)))
    return out


def _context(line: list[dict], char: dict, width: int = 12) -> str:
    i = line.index(char)
    return "".join(c["text"] for c in line[max(0, i - width):i + width])


@dataclass(frozen=True)
class TableSplit:
    header: str
    page: int         # the page the table starts on
    rows_before: int  # rows of the table on that page
    rows_after: int   # rows on the next page, below the repeated header

    def __str__(self) -> str:
        return (f"table with header {self.header!r} splits after page {self.page}: {self.rows_before} row(s) there, "
                f"{self.rows_after} on the next page")


def _words(page) -> list[dict]:
    return page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)


def _header_lines(page, table_size: float) -> list[list[dict]]:
    """Table header rows: runs of bold words at the table's text size that are not a caption label."""
    bold = [w for w in _words(page) if "Bold" in w["fontname"] and abs(w["size"] - table_size) < 0.3]
    rows: dict[float, list[dict]] = {}
    for w in bold:
        rows.setdefault(round(w["top"]), []).append(w)
    # a header may wrap over several lines: join lines less than two line heights apart
    blocks, last = [], None
    for top in sorted(rows):
        if last is not None and top - last < 2.2 * table_size:
            blocks[-1] += rows[top]
        else:
            blocks.append(list(rows[top]))
        last = top
    return [sorted(b, key=lambda w: (round(w["top"]), w["x0"])) for b in blocks if len(b) >= 2
            and not b[0]["text"].startswith(("Table", "Figure"))]


def _signature(block: list[dict]) -> str:
    return " ".join(w["text"] for w in block)


def _bands(page, top: float) -> list[tuple[float, float, float, float]]:
    """Shaded rows below ``top``: (top, bottom, left, right), one per row (the template shades every second
    table row in light grey; a row's cells are separate rectangles and are merged here)."""
    rows: dict[tuple[float, float], list[float]] = {}
    for r in page.rects:
        colour = r.get("non_stroking_color")
        grey = colour[0] if isinstance(colour, (tuple, list)) and len(colour) == 1 else colour
        if isinstance(grey, (int, float)) and abs(grey - BAND_GREY) < 0.01 and r["top"] > top - 1:
            key = (round(r["top"], 1), round(r["bottom"], 1))
            rows.setdefault(key, []).extend([r["x0"], r["x1"]])
    return sorted((t, b, min(xs), max(xs)) for (t, b), xs in rows.items())


def _rows_below(page, block: list[dict], table_size: float) -> int:
    """Rows of the table whose header is ``block`` on this page.

    The table's content is every line of table-size text and every shaded row below the header, down to the
    first empty gap of more than ``TABLE_END_GAP`` points. Each shaded row is one row; the lines between two
    shaded rows (or before the first, or after the last) are one unshaded row, however many lines its cells
    wrap to."""
    bottom = max(w["bottom"] for w in block)
    left, right = min(w["x0"] for w in block) - 8, max(w["x1"] for w in block) + 8
    lines = sorted({(round(w["top"], 1), round(w["bottom"], 1)) for w in _words(page)
                    if left <= w["x0"] <= right and w["top"] > bottom + 0.5 and abs(w["size"] - table_size) < 0.15})
    bands = [(t, b) for t, b, x0, x1 in _bands(page, bottom) if x0 < right and x1 > left]
    items = sorted([(t, b, "line") for t, b in lines] + [(t, b, "band") for t, b in bands])
    rows, reach, open_row = 0, bottom, False
    for top, low, kind in items:
        if top - reach > TABLE_END_GAP:
            break
        inside = any(t - 0.5 <= top and low <= b + 0.5 for t, b in bands)
        if kind == "band":
            rows += 1 + open_row
            open_row = False
        elif not inside:
            open_row = True
        reach = max(reach, low)
    return rows + open_row


def table_splits(pdf: Path, table_size: float) -> list[TableSplit]:
    """Every table whose header is repeated at the top of the next page (so the table broke there), with its
    rows on either side. ``table_size`` is the font size of table text in points."""
    found = []
    with pdfplumber.open(str(pdf)) as doc:
        pages = list(doc.pages)
        headers = [_header_lines(p, table_size) for p in pages]
        for i in range(len(pages) - 1):
            following = {_signature(b): b for b in headers[i + 1]}
            for block in headers[i]:
                again = following.get(_signature(block))
                if again is not None and again[0]["top"] < min(b[0]["top"] for b in headers[i + 1]) + 1:
                    found.append(TableSplit(_signature(block), i + 1, _rows_below(pages[i], block, table_size),
                                            _rows_below(pages[i + 1], again, table_size)))
    return found


def bad_table_splits(pdf: Path, table_size: float) -> list[TableSplit]:
    """Splits that leave fewer than ``MIN_ROWS`` rows of a table on one of the two pages."""
    return [s for s in table_splits(pdf, table_size) if min(s.rows_before, s.rows_after) < MIN_ROWS]
