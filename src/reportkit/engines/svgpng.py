"""SVG to PNG for pandoc's Word writer, drawn by Typst (the typst wheel; no system library).

Word files carry an SVG image with a PNG beside it for readers that cannot draw SVG (LibreOffice,
older Word). pandoc makes that PNG with ``rsvg-convert`` when one is on PATH, and otherwise leaves it
out. The built-in engine puts ``shim(folder)`` first on PATH for the docx writer, so the PNG is made
here, the same on every machine: ``python -m reportkit.engines.svgpng`` reads the SVG on standard
input and writes the PNG to standard output, as pandoc calls ``rsvg-convert -f png -a --dpi-x N``.
"""

from __future__ import annotations

import re
import shlex
import sys
import tempfile
from pathlib import Path

SCALE = 2  # PNG pixels per CSS pixel: sharp when the image is printed at its size
PAGE = '#set page(width: auto, height: auto, margin: 0pt, fill: none)\n#image("image.svg")\n'


def svg_to_png(svg: bytes, dpi: float = 96) -> bytes:
    """``svg`` drawn at its own size, ``SCALE`` times ``dpi`` pixels per inch."""
    import typst

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "image.svg").write_bytes(svg)
        page = Path(folder) / "page.typ"
        page.write_text(PAGE, encoding="utf-8")
        return typst.compile(str(page), root=folder, format="png", ppi=dpi * SCALE, ignore_system_fonts=True)


def shim(folder: Path) -> Path:
    """An executable ``rsvg-convert`` in ``folder`` that runs this module with this interpreter."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "rsvg-convert"
    script.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m reportkit.engines.svgpng \"$@\"\n",
                      encoding="utf-8")
    script.chmod(0o755)
    return folder


def main(argv: list[str]) -> int:
    dpi = re.search(r"--dpi-x[ =](\d+(?:\.\d+)?)", " ".join(argv))
    try:
        png = svg_to_png(sys.stdin.buffer.read(), float(dpi.group(1)) if dpi else 96)
    except Exception as exc:  # Typst's own error type; pandoc then keeps the SVG alone and warns
        print(f"svgpng: {exc}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(png)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
