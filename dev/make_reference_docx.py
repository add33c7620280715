"""Make report/templates/reference.docx, the Word reference document the paper names under
``format: docx: reference-doc:`` in _quarto.yml (both engines read it).

It starts from pandoc's own reference document (``pandoc --print-default-data-file reference.docx``)
and changes only: A4 pages with 2.5 cm margins, page numbers centred in the footer (a PAGE field),
figures centred and kept with their captions, table captions kept with their tables, 9 pt text in
tables (the paper's wide tables fit the page), and a boxed ``Callout`` paragraph style (the
built-in engine writes callouts in it).

    python dev/make_reference_docx.py [OUTPUT]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "report" / "templates" / "reference.docx"


def pandoc_reference(path: Path) -> None:
    """pandoc's default reference document, written to ``path``."""
    subprocess.run([pypandoc.get_pandoc_path(), "-o", str(path), "--print-default-data-file", "reference.docx"],
                   check=True)


def page_number_footer(section) -> None:
    """A centred footer holding a PAGE field (Word fills in each page's number)."""
    paragraph = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == "PAGE":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = " PAGE "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def boxed(style) -> None:
    """A thin border and a light shade around paragraphs of ``style`` (consecutive ones share one box)."""
    properties = style.element.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), "12" if side == "left" else "4")
        edge.set(qn("w:space"), "4")
        edge.set(qn("w:color"), "0758E5")
        borders.append(edge)
    properties.append(borders)
    shade = OxmlElement("w:shd")
    shade.set(qn("w:val"), "clear")
    shade.set(qn("w:color"), "auto")
    shade.set(qn("w:fill"), "EEF3FC")
    properties.append(shade)


def adjust(path: Path) -> None:
    document = Document(str(path))
    for section in document.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)
        page_number_footer(section)
    styles = document.styles
    figure = styles["Captioned Figure"]
    figure.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    figure.paragraph_format.keep_with_next = True
    styles["Table Caption"].paragraph_format.keep_with_next = True
    styles["Table"].font.size = Pt(9)
    for name in ("Image Caption", "Table Caption"):
        styles[name].font.italic = False
        styles[name].font.size = Pt(10)
    callout = styles.add_style("Callout", WD_STYLE_TYPE.PARAGRAPH)
    callout.base_style = styles["Body Text"]
    callout.font.color.rgb = RGBColor(0x1F, 0x1F, 0x1F)
    boxed(callout)
    document.save(str(path))


def main(output: Path = DEFAULT_OUTPUT) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder) / "reference.docx"
        pandoc_reference(work)
        adjust(work)
        output.write_bytes(work.read_bytes())
    print(f"wrote {output}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
