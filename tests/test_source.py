"""A document as a render reads it (source.py): the files it reads."""

from __future__ import annotations

from pathlib import Path

from reportkit.project import Project
from reportkit.source import Document


def document(root: Path, body: str) -> Document:
    (root / "_quarto.yml").write_text("project:\n  type: default\n", encoding="utf-8")
    (root / "paper.qmd").write_text(body, encoding="utf-8")
    project = Project.load(root)
    return Document.read(project, root / "paper.qmd")


def test_an_image_is_a_render_input_whatever_brackets_its_alt_text_holds(tmp_path):
    (tmp_path / "figures").mkdir()
    for name in ("plain", "cited", "linked", "deep"):
        (tmp_path / "figures" / f"{name}.svg").write_text("<svg/>", encoding="utf-8")
    doc = document(tmp_path, "# Figures\n\n"
                   "![A plain caption.](figures/plain.svg){#fig-plain}\n\n"
                   "![Source: a survey [@doe2020, p. 3].](figures/cited.svg){#fig-cited}\n\n"
                   "![See [the data](https://example.org) here.](figures/linked.svg)\n\n"
                   "![Two deep [see [@doe2020]] too.](figures/deep.svg)\n\n"
                   "![Missing [@doe2020].](figures/absent.svg)\n")
    assert [target for target, _ in doc.images()] == [f"figures/{name}.svg" for name in ("plain", "cited", "linked", "deep", "absent")]
    assert {"figures/cited.svg", "figures/linked.svg", "figures/deep.svg"} <= set(doc.inputs)
    assert [p.subject for p in doc.missing_images()] == ["figures/absent.svg"]
