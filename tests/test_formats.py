"""Word (docx) and JATS outputs: the fixture project rendered to every format by the built-in engine;
the Word file read with python-docx and the JATS file with lxml, each held to the HTML (captions,
cross-reference texts, citations, quoted values), the JATS validated against the Article Authoring DTD."""

from __future__ import annotations

import re
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURE, QUARTO, REPO, run_report
from reportkit.parity import Expected, compare, html_facts

docx = pytest.importorskip("docx", reason="python-docx (a test extra) is not installed")
etree = pytest.importorskip("lxml.etree", reason="lxml (a test extra) is not installed")

DTD = Path(__file__).parent / "data" / "jats-articleauthoring-1.2d1" / "JATS-articleauthoring1-mathml3.dtd"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CAPTION = re.compile(r"^(Figure|Table)\u00a0\d+: ")


def with_reference_doc(project: Path) -> None:
    """Name the paper's reference document for the fixture's Word output, as the paper's _quarto.yml does."""
    config = project / "_quarto.yml"
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    shutil.copyfile(REPO / "report" / "templates" / "reference.docx", project / "reference.docx")
    data["format"]["docx"] = {"reference-doc": "reference.docx"}
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def every_format(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("formats") / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    with_reference_doc(target)
    result = run_report("render", "--engine", "builtin", "--to", "pdf,html,docx,jats", project=target)
    assert result.exit_code == 0, result.output
    assert "check HTML/Word document parity" in result.output and "check HTML/JATS parity" in result.output
    return target / "_output"


def html_xrefs(html: Path) -> dict[str, str]:
    """Cross-reference texts of the HTML, by target: ``{"fig-bars": "Figure 1", ...}``."""
    text = html.read_text(encoding="utf-8")
    found = re.findall(r'<a href="#([\w-]+)" class="quarto-xref">([^<]+)</a>', text)
    return {target: label.replace("\u00a0", " ") for target, label in found}


def run_text(element) -> str:
    """The text of a Word element's runs (its w:t elements)."""
    return "".join(t.text or "" for t in element.iter(W + "t"))


def test_docx_title_block_captions_and_page_numbers(every_format):
    document = docx.Document(str(every_format / "paper.docx"))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", "Fixture Paper") in styled and ("Subtitle", "Built by reportkit") in styled
    assert [t for s, t in styled if s == "Author"] == ["Ada Example", "Bo Sample"]
    assert ("Abstract", "A short paper with one figure, one table and 1,234 items.") in styled
    assert ("Heading 1", "1. Introduction") in styled and ("Heading 1", "2. Method") in styled
    captions = [(s, t) for s, t in styled if CAPTION.match(t)]
    assert captions == [("Image Caption", "Figure\u00a01: Bar heights of the fixture data."),
                        ("Table Caption", "Table\u00a01: Items in the fixture")]
    # the table caption stands above its table, the figure's below its image
    order = [child.tag for child in document.element.body.iterchildren()]
    caption_at = [i for i, p in enumerate(document.element.body.iterchildren())
                  if p.tag == W + "p" and "Table\u00a01:" in run_text(p)][0]
    assert order[caption_at + 1] == W + "tbl"
    # the callout: its title, then its content, in the reference document's boxed style
    assert [t for s, t in styled if s == "Callout"] == ["Note", "Everything above is generated for tests; see Figure\u00a01."]
    assert "?@" not in "\n".join(t for _, t in styled)
    footer = document.sections[0].footer._element
    assert any("PAGE" in (i.text or "") for i in footer.iter(W + "instrText")), "no page number field in the footer"


def test_docx_shows_what_the_html_shows(every_format):
    html = every_format / "paper.html"
    facts = html_facts(html)
    path = every_format / "paper.docx"
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs).replace("\u00a0", " ")
    # captions: the same, in the same order
    shown = [p.text.replace("\u00a0", " ") for p in document.paragraphs if CAPTION.match(p.text)]
    assert shown == [f"{kind} {number}: {caption}" for kind, number, caption in facts.captions]
    # cross-references: each a link to its bookmark, with the HTML's text
    links = {}
    for link in document.element.body.iter(W + "hyperlink"):
        if link.get(W + "anchor"):
            links[link.get(W + "anchor")] = run_text(link).replace("\u00a0", " ")
    bookmarks = {b.get(W + "name") for b in document.element.body.iter(W + "bookmarkStart")}
    for target, label in html_xrefs(html).items():
        assert links.get(target) == label and target in bookmarks, target
    # quoted values and cited works
    assert facts.values and all(value in text for value in facts.values.values())
    citation = "Knuth (1984, 3)"
    assert citation in " ".join("".join(facts.text).replace("\u00a0", " ").split())
    assert citation in " ".join(text.split())
    for entry in facts.entries.values():
        assert entry in text


def test_word_svg_has_a_png_fallback_drawn_by_typst(every_format):
    """Readers that cannot draw SVG (LibreOffice, older Word) show the PNG made by engines/svgpng.py."""
    with zipfile.ZipFile(every_format / "paper.docx") as package:
        media = {n.rsplit(".", 1)[-1]: package.read(n) for n in package.namelist() if n.startswith("word/media/")}
    assert set(media) == {"svg", "png"}
    assert media["png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", media["png"][16:24]) == (400, 200)  # bars.svg is 200 x 100, drawn at twice that


def jats(every_format: Path):
    return etree.parse(str(every_format / "paper.xml"), etree.XMLParser(no_network=True))


def test_jats_is_valid_article_authoring(every_format):
    tree = jats(every_format)
    root = tree.getroot()
    assert "Article Authoring DTD" in tree.docinfo.doctype
    assert root.get("dtd-version") == "1.2"
    # the only DTD obtainable offline is the 1.2 draft, which fixes dtd-version to "1.2d1"
    root.set("dtd-version", "1.2d1")
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(tree), dtd.error_log.filter_from_errors()


def test_jats_shows_what_the_html_shows(every_format):
    html = every_format / "paper.html"
    facts = html_facts(html)
    root = jats(every_format).getroot()
    captions = [" ".join("".join(c.itertext()).replace("\u00a0", " ").split()) for c in root.iter("caption")]
    assert captions == [f"{kind} {number}: {caption}" for kind, number, caption in facts.captions]
    assert [f.get("id") for f in root.iter("fig")] == ["fig-bars", "tbl-items"]
    # the front matter: title, authors with their affiliation and email, abstract, keywords
    assert root.findtext("front/article-meta/title-group/article-title") == "Fixture Paper"
    contribs = root.findall("front/article-meta/contrib-group/contrib")
    assert [c.findtext("string-name") for c in contribs] == ["Ada Example", "Bo Sample"]
    assert [c.findtext("aff/institution-wrap/institution") for c in contribs] == ["Institute of Examples"] * 2
    assert contribs[0].findtext("email") == "ada@example.org"
    assert root.findtext("front/article-meta/abstract/p").strip() == "A short paper with one figure, one table and 1,234 items."
    xrefs = {x.get("rid"): " ".join("".join(x.itertext()).split()).replace("\u00a0", " ")
             for x in root.iter("xref") if x.get("ref-type") != "bibr"}
    assert xrefs == html_xrefs(html)
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert all(rid in ids for rid in xrefs)
    text = " ".join(" ".join(root.itertext()).split())
    assert all(value in text for value in facts.values.values())
    boxed = [" ".join("".join(b.itertext()).split()) for b in root.iter("boxed-text")]
    assert boxed == ["Note Everything above is generated for tests; see Figure 1."]
    citations = [x for x in root.iter("xref") if x.get("ref-type") == "bibr"]
    assert [c.get("rid") for c in citations] == ["ref-knuth1984"]
    references = [" ".join("".join(c.itertext()).split()) for c in root.iter("mixed-citation")]
    assert references == list(facts.entries.values())
    # its images travel beside it
    graphics = [g.get("{http://www.w3.org/1999/xlink}href") for g in root.iter("graphic")]
    assert graphics and all((every_format / g).is_file() for g in graphics)


def test_parity_finds_a_value_missing_from_the_word_file(every_format, tmp_path):
    """The parity check reads the Word file: drop a quoted value from it and the check names it."""
    document = docx.Document(str(every_format / "paper.docx"))
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            run.text = run.text.replace("56.7%", "57%")
    broken = tmp_path / "paper.docx"
    document.save(str(broken))
    expected = Expected(floats=2, values=3)
    assert not compare(every_format / "paper.html", every_format / "paper.docx", expected).problems
    problems = compare(every_format / "paper.html", broken, expected).problems
    assert [p.subject for p in problems] == ["var:counts.share"], problems


def test_docx_only_render_checks_against_an_unpublished_html(fixture_project):
    result = run_report("render", "--engine", "builtin", "--to", "docx", project=fixture_project)
    assert result.exit_code == 0, result.output
    assert "check HTML/Word document parity" in result.output
    assert sorted(p.name for p in (fixture_project / "_output").iterdir()) == ["paper.docx"]


LAYOUT = """
::: {#fig-pair layout-ncol=2}
![Left](figures/bars.svg){#fig-left}

![Right](figures/bars.svg){#fig-right}

Two panels.
:::
"""


def test_word_refuses_a_layout_quarto_would_lay_out_in_a_table(fixture_project):
    """A layout of cells cannot be shown in Word as Quarto does: refused at its line (exit 3), nothing written."""
    method = fixture_project / "chapters" / "_method.qmd"
    method.write_text(method.read_text(encoding="utf-8") + LAYOUT, encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--to", "docx", project=fixture_project)
    assert result.exit_code == 3, result.output
    line = method.read_text(encoding="utf-8").splitlines().index("::: {#fig-pair layout-ncol=2}") + 1
    assert f"chapters/_method.qmd:{line}" in result.output
    assert "layout" in result.output and "Word" in result.output and "--engine quarto" in result.output
    assert not (fixture_project / "_output" / "paper.docx").exists()
    assert run_report("render", "--engine", "builtin", "--to", "html", project=fixture_project).exit_code == 0


def test_word_refuses_code_cells(fixture_project):
    paper = fixture_project / "paper.qmd"
    paper.write_text(paper.read_text(encoding="utf-8") + "\n```{python}\n1 + 1\n```\n", encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--to", "jats", project=fixture_project)
    assert result.exit_code == 3, result.output
    assert "code cells in a jats render" in result.output and "paper.qmd:" in result.output


@pytest.mark.quarto
@pytest.mark.skipif(QUARTO is None, reason="no quarto executable (QUARTO_PATH or PATH)")
def test_word_captions_and_references_as_quartos(every_format, tmp_path):
    """Real Quarto's docx of the fixture shows the same captions and cross-reference texts."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURE, project, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    result = run_report("render", "--engine", "quarto", "--to", "docx", "--allow-warnings", project=project)
    assert result.exit_code == 0, result.output

    def seen(path: Path):
        document = docx.Document(str(path))
        body = document.element.body
        paragraphs = [run_text(p) for p in body.iter(W + "p")]
        links = [run_text(h) for h in body.iter(W + "hyperlink") if h.get(W + "anchor")]
        headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
        return [t for t in paragraphs if CAPTION.match(t)], links, headings

    ours, quartos = seen(every_format / "paper.docx"), seen(project / "_output" / "paper.docx")
    assert ours[0] == quartos[0]
    assert [x for x in ours[1] if not x.startswith("1984")] == [x for x in quartos[1] if not x.startswith("1984")]
    assert ours[2] == quartos[2]


def test_output_check_reads_the_word_file(every_format, tmp_path):
    """A marker left in the Word file, or a link whose bookmark is gone, fails the output check."""
    from reportkit.checks import check_output

    assert check_output("docx", every_format / "paper.docx") == []
    document = docx.Document(str(every_format / "paper.docx"))
    for bookmark in document.element.body.iter(W + "bookmarkStart"):
        if bookmark.get(W + "name") == "tbl-items":
            bookmark.set(W + "name", "tbl-gone")
    document.paragraphs[-1].add_run(" see ?@fig-missing")
    broken = tmp_path / "paper.docx"
    document.save(str(broken))
    found = {(p.rule, p.subject) for p in check_output("docx", broken)}
    assert found == {("output.marker", "@fig-missing"), ("output.link", "#tbl-items")}
    (tmp_path / "empty.docx").write_bytes(b"PK not a zip")
    assert [p.rule for p in check_output("docx", tmp_path / "empty.docx")] == ["output.docx"]


def test_output_check_reads_the_jats_file(every_format, tmp_path):
    """The JATS check finds an image that is not beside the XML and XML that is not well-formed."""
    from reportkit.checks import check_output

    assert check_output("jats", every_format / "paper.xml") == []
    moved = tmp_path / "paper.xml"
    shutil.copyfile(every_format / "paper.xml", moved)  # its paper_media/ folder stays behind
    assert [p.rule for p in check_output("jats", moved)] == ["output.image"]
    moved.write_text(moved.read_text(encoding="utf-8").replace("</article>", ""), encoding="utf-8")
    assert [p.rule for p in check_output("jats", moved)] == ["output.jats"]


@pytest.mark.quarto
@pytest.mark.skipif(QUARTO is None, reason="no quarto executable (QUARTO_PATH or PATH)")
def test_quartos_jats_is_published_with_its_images(fixture_project):
    """Quarto's JATS names the images it copied beside the XML: they are published with it. Its
    bibliography is structured (<element-citation>), not the CSL text, which the parity check reports."""
    result = run_report("render", "--engine", "quarto", "--to", "jats", "--allow-warnings", project=fixture_project)
    assert result.exit_code == 0, result.output
    out = fixture_project / "_output"
    assert (out / "paper.xml").is_file() and (out / "figures" / "bars.svg").is_file()
    assert "output.image" not in result.output
    assert "bibliography entry knuth1984" in result.output
    assert not (out / "paper.html").exists()


def test_check_parity_compares_the_word_and_jats_files_too(fixture_project):
    assert run_report("render", "--engine", "builtin", "-q", "--to", "all,docx,jats", project=fixture_project).exit_code == 0
    result = run_report("check", "--parity", project=fixture_project)
    assert result.exit_code == 0 and "paper.docx" in result.output and "paper.xml" in result.output
    xml = fixture_project / "_output" / "paper.xml"
    xml.write_text(xml.read_text(encoding="utf-8").replace("56.7%", "57%"), encoding="utf-8")
    result = run_report("check", "--parity", project=fixture_project)
    assert result.exit_code == 3 and "paper.html vs paper.xml: value of counts.share" in result.output


@pytest.mark.slow
def test_the_paper_in_word_and_jats(rendered_paper, tmp_path):
    """The paper and its supplement render to Word and JATS (every check passed, parity with the HTML
    included); the JATS files are valid Article Authoring; the Word file has every numbered caption."""
    project = tmp_path / "repo"
    shutil.copytree(rendered_paper, project, symlinks=True, ignore=shutil.ignore_patterns("_output"))
    result = run_report("render", "--engine", "builtin", "--to", "docx,jats", project=project)
    assert result.exit_code == 0, result.output
    out = project / "_output"
    dtd = etree.DTD(str(DTD))
    for stem in ("paper", "supplement"):
        tree = etree.parse(str(out / f"{stem}.xml"), etree.XMLParser(no_network=True))
        tree.getroot().set("dtd-version", "1.2d1")  # the draft DTD's fixed value (see test_jats_is_valid_...)
        assert dtd.validate(tree), (stem, dtd.error_log.filter_from_errors())
        html = html_facts(rendered_paper / "_output" / f"{stem}.html")
        document = docx.Document(str(out / f"{stem}.docx"))
        texts = [p.text.replace("\u00a0", " ") for p in document.paragraphs]
        shown = [text for text in texts if re.match(r"^(Figure|Table) S?\d+: ", text)]
        assert len(shown) == len(html.captions) > 0, stem
    footer = docx.Document(str(out / "paper.docx")).sections[0].footer._element
    assert any("PAGE" in (i.text or "") for i in footer.iter(W + "instrText"))
