"""The PDFs as a reader gets them: page count, captions in order, fonts embedded, metadata."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader


def fonts(reader: PdfReader) -> dict[str, bool]:
    """Every font used on any page -> whether its program is embedded."""
    found = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            found[str(font.get("/BaseFont"))] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return found


def caption_numbers(text: str, kind: str) -> list[int]:
    return [int(n) for n in re.findall(rf"{kind}\s+(\d+):", text)]


@pytest.fixture(params=["fixture", pytest.param("paper", marks=pytest.mark.slow)])
def rendered(request):
    """(project folder, expected page range) for both the fixture and the paper."""
    if request.param == "fixture":
        return request.getfixturevalue("rendered_fixture"), range(1, 4)
    return request.getfixturevalue("rendered_paper"), range(2, 80)


def test_pdf_as_read(rendered):
    project, pages_expected = rendered
    reader = PdfReader(str(project / "_output" / "paper.pdf"))
    assert len(reader.pages) in pages_expected
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    for kind in ("Figure", "Table"):
        numbers = caption_numbers(text, kind)
        assert numbers and numbers == list(range(1, len(numbers) + 1)), f"{kind} captions: {numbers}"
    for marker in ("?@", "?var:", "??"):
        assert marker not in text
    used = fonts(reader)
    assert used and all(used.values()), f"fonts not embedded: {[f for f, e in used.items() if not e]}"
    config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
    assert reader.metadata.title == config["title"]
    for author in config["author"]:
        assert author["name"] in reader.metadata.author


def test_every_float_in_the_sources_has_a_numbered_caption(rendered):
    """As many numbered captions in the PDF as figure/table ids in the sources (chapters and
    the generated tables they include)."""
    project, _ = rendered
    # the documents' own sources (not, e.g., the project template the builder ships under src/)
    sources = [p for p in project.rglob("*.qmd") if p.relative_to(project).parts[0] != "src"]
    sources += list((project / "report" / "generated").rglob("*.md"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources
                     if not {"_output", "tests"} & set(p.relative_to(project).parts))
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(str(project / "_output" / "paper.pdf")).pages))
    for kind, prefix in (("Figure", "fig"), ("Table", "tbl")):
        ids = set(re.findall(rf"\{{#{prefix}-[\w-]+", text))
        assert ids and len(caption_numbers(pdf, kind)) == len(ids), kind


@pytest.mark.slow
def test_supplement_pdf_as_read(rendered_paper):
    """The supplement numbers its own floats S1, S2… (the sources' sfig/stbl labels), in order, and is a
    complete PDF like the article."""
    reader = PdfReader(str(rendered_paper / "_output" / "supplement.pdf"))
    assert 2 <= len(reader.pages) < 80
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
    source = (rendered_paper / "report" / "supplement.qmd").read_text(encoding="utf-8")
    for kind, prefix in (("Figure", "sfig"), ("Table", "stbl")):
        numbers = [int(n) for n in re.findall(rf"{kind} S(\d+):", text)]
        labels = re.findall(rf"\{{#{prefix}-[\w-]+", source)
        assert labels and numbers == list(range(1, len(labels) + 1)), f"{kind} S captions: {numbers}"
    assert not re.search(r"(Figure|Table) \d+:", text), "an unnumbered-S caption in the supplement"
    for marker in ("?@", "?var:", "??"):
        assert marker not in text
    assert all(fonts(reader).values())
    assert reader.metadata.title == "Supplementary Material"
