"""The built-in engine's Lua filters, one construct at a time: markdown in, visible text (or Typst
source) and reported problems out, through the same pandoc binary and filters as a render."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from reportkit.engines.base import write_metadata
from reportkit.engines.builtin import (AFTER_CITEPROC, FILTERS, MARKDOWN, check_args, log_problems, package_file,
                                       pandoc_path)
from reportkit.language import words
from reportkit.protocol import (CHECK_PASS, FILTER_METADATA, LINKS, LINKS_FILE, VALUE_CLASS, filter_settings,
                                value_anchor, value_span)


def run(markdown: str, tmp_path: Path, to: str = "html", doc_dir: str = "", **meta) -> tuple[str, list]:
    """pandoc with reportkit's filters (and citeproc when references are given): (output, problems). The
    metadata file is written as a render writes it (write_metadata: the links in a file of their own), in a
    folder whose name markdown would change ("--" a dash, "'" a curly quote). ``doc_dir``: the document's
    folder, relative to the project root."""
    metadata = {k.replace("_", "-"): v for k, v in meta.items()}
    # links: ids of the project's other documents (xref.links), handed over in the filter settings
    metadata[FILTER_METADATA] = filter_settings(doc_dir, words(metadata.get("lang")), metadata.pop("links", None))
    folder = tmp_path / "it's--meta"
    folder.mkdir(exist_ok=True)
    meta_file, log = write_metadata(folder / "meta.yml", metadata), tmp_path / "log.json"
    out = tmp_path / f"out.{to}"
    args = [pandoc_path(), "--from", MARKDOWN, "--to", to, "--metadata-file", str(meta_file), "--log", str(log),
            "--output", str(out)]
    for name in FILTERS:
        args += ["--lua-filter", str(package_file("filters", name))]
    if "references" in metadata:
        args.append("--citeproc")
    for name in AFTER_CITEPROC:
        args += ["--lua-filter", str(package_file("filters", name))]
    subprocess.run(args, input=markdown, capture_output=True, text=True, check=True)
    return out.read_text(encoding="utf-8"), log_problems(log)


def text_of(page: str) -> str:
    """Visible text of an HTML fragment, spaces normalised (a no-break space is a space)."""
    blocks = re.sub(r"</?(?:p|div|h\d|figure|figcaption|li|ul|ol|table|tr|td|th|thead|tbody|section)\b[^>]*>", " ", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", blocks)).replace("\u00a0", " ").split())


FIGURE = "![A caption](x.png){#fig-a}\n\n![Another](y.png){#fig-b}\n\n"


def test_figures_are_numbered_and_referenced(tmp_path):
    page, problems = run(FIGURE + "See @fig-b and @Fig-a.\n", tmp_path)
    text = text_of(page)
    assert "Figure 1: A caption" in text and "Figure 2: Another" in text
    assert "See Figure 2 and Figure 1." in text
    assert problems == []


def test_suppressed_prefix_gives_the_number_only(tmp_path):
    page, _ = run(FIGURE + "In panel [-@fig-b] we see.\n", tmp_path)
    assert "In panel 2 we see." in text_of(page)
    typst, _ = run(FIGURE + "In panel [-@fig-b] we see.\n", tmp_path, to="typst")
    assert "#link(<fig-b>)[2]" in typst


def test_crossref_prefix_and_title_options(tmp_path):
    page, _ = run(FIGURE + "See @fig-a.\n", tmp_path, crossref={"fig-prefix": "Fig.", "fig-title": "Fig"})
    text = text_of(page)
    assert "See Fig. 1." in text and "Fig 1: A caption" in text
    typst, _ = run(FIGURE + "See @fig-a.\n", tmp_path, to="typst", crossref={"fig-prefix": "Fig."})
    assert "#link(<fig-a>)[Fig.~1]" in typst


def test_duplicate_label_is_a_problem(tmp_path):
    _, problems = run("![One](x.png){#fig-a}\n\n![Two](y.png){#fig-a}\n", tmp_path)
    assert [(p.rule, p.subject) for p in problems] == [("xref.duplicate", "#fig-a")]


def test_unresolved_reference_is_a_problem_and_a_marker(tmp_path):
    page, problems = run("See @fig-nowhere.\n", tmp_path)
    assert [(p.rule, p.subject) for p in problems] == [("xref.unresolved", "@fig-nowhere")]
    assert "?@fig-nowhere" in text_of(page)


def test_problems_are_read_from_filters_installed_under_a_long_path(tmp_path, monkeypatch):
    """Lua names a file of more than 59 characters "..." and its tail in pandoc's log (an installed
    package's filters, usually): their problems are reported all the same."""
    import reportkit.engines.builtin as builtin

    installed = tmp_path / ("a-long-folder-name-" * 4) / "site-packages" / "reportkit"
    installed.mkdir(parents=True)
    (installed / "filters").symlink_to(package_file("filters"))
    monkeypatch.setattr(builtin, "package_file", lambda *parts: installed.joinpath(*parts))
    monkeypatch.setitem(globals(), "package_file", builtin.package_file)  # run() passes pandoc these paths
    page, problems = run("See @fig-nowhere.\n", tmp_path)
    assert len(str(installed / "filters" / "crossref.lua")) > 59
    assert [(p.rule, p.subject) for p in problems] == [("xref.unresolved", "@fig-nowhere")]


def test_unknown_citation_key_is_a_problem(tmp_path):
    references = [{"id": "known", "type": "book", "title": "T", "author": [{"family": "A"}], "issued": {"date-parts": [[2000]]}}]
    _, problems = run("As shown [@known] and [@ghost].\n", tmp_path, references=references)
    assert [(p.rule, p.subject) for p in problems] == [("citation.unknown", "@ghost")]


def test_sections_and_equations(tmp_path):
    source = "# Intro {#sec-intro}\n\n## Part {#sec-part}\n\n$$ x = 1 $$ {#eq-one}\n\nSee @sec-part and @eq-one.\n"
    page, problems = run(source, tmp_path, number_sections=True)
    assert "See Section 1.1 and Equation 1." in text_of(page) and problems == []


def test_labelled_display_equations_are_numbered_wherever_they_are(tmp_path):
    """crossref.lua numbers a labelled display equation in a paragraph, a list item, a div; the walk that does
    it runs only once the references' walk saw display math."""
    source = ("$$ x = 1 $$ {#eq-one}\n\n- an item: $$ y = 2 $$ {#eq-two}\n\n::: {.note}\nIn a div $$ z = 3 $$ {#eq-three}\n:::\n\n"
              "See @eq-one, @eq-two.\n")
    page, problems = run(source, tmp_path)
    assert problems == [] and "Equation 2" in text_of(page)
    assert [re.search(r'id="(eq-\w+)"', m).group(1) for m in re.findall(r'<span[^>]*class="quarto-eq"[^>]*>', page)] == \
        ["eq-one", "eq-two", "eq-three"]
    typst, _ = run(source, tmp_path, to="typst")
    assert re.findall(r'numbering: _ => "\((\d)\)".*?<(eq-\w+)>', typst) == [("1", "eq-one"), ("2", "eq-two"), ("3", "eq-three")]
    assert "quarto-eq" not in run("Inline $x$ only; see @eq-one.\n", tmp_path)[0]


def test_table_caption_is_on_top(tmp_path):
    page, _ = run("| a |\n|---|\n| 1 |\n\n: Numbers {#tbl-n}\n\nSee @tbl-n.\n", tmp_path)
    text = text_of(page)
    assert text.index("Table 1: Numbers") < text.index("a 1") and "See Table 1." in text


def test_callout_title_attribute_and_default(tmp_path):
    page, _ = run('::: {.callout-tip title="Read this first"}\nBody.\n:::\n\n::: {.callout-warning}\nMind.\n:::\n', tmp_path)
    text = text_of(page)
    assert "Read this first Body." in text and "Warning Mind." in text
    assert "Tip" not in text


@pytest.mark.parametrize("to", ["html", "typst"])
def test_quoted_values(tmp_path, to):
    source = (f"Counted {value_span('1,234', 'counts.total')} and {value_span('5%', 'counts.share')}.\n\n"
              f"[]{{#{value_anchor('counts.total')}}}Entry.\n")
    out, _ = run(source, tmp_path, to=to)
    if to == "typst":
        assert "Counted 1,234 and 5%." in out and VALUE_CLASS not in out
        return
    assert re.search(rf'<a href="#{value_anchor("counts.total")}"[^>]*class="{VALUE_CLASS}"[^>]*>1,234</a>', out)
    # no provenance entry: the value stays text, in a span that still names its variable
    assert f'<span class="{VALUE_CLASS}" data-var="counts.share">5%</span>' in out


# -- Quarto's custom float kinds, and references across the project's documents -------------------------

SUPPLEMENTARY = {"custom": [{"kind": "float", "key": "stbl", "reference-prefix": "Table S",
                             "space-before-numbering": False, "caption-location": "top"},
                            {"kind": "float", "key": "sfig", "reference-prefix": "Figure S"}]}
CUSTOM = ("::: {#stbl-a}\n| A |\n|---|\n| 1 |\n\nFirst.\n:::\n\n::: {#sfig-b}\n![](x.png)\n\nPicture.\n:::\n\n"
          "::: {#stbl-c}\n| C |\n|---|\n| 2 |\n\nSecond.\n:::\n\nSee @stbl-c, @stbl-a and @sfig-b.\n")


def test_custom_float_kinds_are_numbered_like_quarto(tmp_path):
    page, problems = run(CUSTOM, tmp_path, crossref=SUPPLEMENTARY)
    text = text_of(page)
    assert "Table S1: First." in text and "Table S2: Second." in text and "Figure S 1: Picture." in text
    assert "See Table S2, Table S1 and Figure S 1." in text and problems == []
    typst, _ = run(CUSTOM, tmp_path, to="typst", crossref=SUPPLEMENTARY)
    # Typst puts a space between supplement and number: "Table S" is split into "Table" and number "S1"
    assert 'kind: "quarto-float-stbl", supplement: "Table", numbering: (..) => "S1", outlined: true)<stbl-a>' in typst
    assert '#link(<stbl-c>)[Table S2]' in typst
    assert 'kind: "quarto-float-sfig", supplement: "Figure S", numbering: (..) => "1", outlined: true)<sfig-b>' in typst


def test_references_to_another_documents_floats(tmp_path):
    links = {"stbl-x": {"href": "supplement.html#stbl-x", "text": "Table S3", "number": "3"},
             "prov-a": {"href": "supplement.html#prov-a", "text": "", "number": ""}}
    source = "See @stbl-x, [-@stbl-x] and @Stbl-x; also @tbl-missing.\n"
    page, problems = run(source, tmp_path, links=links)
    assert '<a href="supplement.html#stbl-x" class="quarto-xref">Table S3</a>' in page
    assert "See Table S3, 3 and Table S3; also" in text_of(page)
    assert [p.subject for p in problems] == ["@tbl-missing"]
    typst, _ = run(source, tmp_path, to="typst", links=links)
    assert "See Table S3, 3 and Table S3" in typst and "supplement.html" not in typst


def test_links_reach_the_filters_in_a_file_of_their_own(tmp_path):
    """A metadata file holds the links' file (its path in hex digits), not the links, which pandoc would read
    as markdown (~0.15 s in each pass of the paper); the file's text is what the filters read, literally
    (an id's "--" stays two hyphens), but a float's text as metadata markdown, as its own document shows it."""
    links = {"stbl-x": {"href": "supplement.html#stbl-x", "text": "Tab.--S3", "number": "3"},
             "prov-a--b": {"href": "supplement.html#prov-a--b", "text": "", "number": ""}}
    path = write_metadata(tmp_path / "meta.yml", {FILTER_METADATA: filter_settings("", {}, links)})
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))[FILTER_METADATA]
    assert LINKS not in settings and "stbl-x" not in path.read_text(encoding="utf-8")
    assert Path(bytes.fromhex(settings[LINKS_FILE]).decode()).read_text(encoding="utf-8").count("supplement.html") == 2
    source = f"See @stbl-x; {value_span('7', 'a--b')}.\n"
    page, problems = run(source, tmp_path, links=links)
    assert problems == [] and "See Tab.\u2013S3; 7." in text_of(page)
    assert 'href="supplement.html#prov-a--b"' in page and 'href="supplement.html#stbl-x"' in page
    assert write_metadata(tmp_path / "none.yml", {FILTER_METADATA: filter_settings("", {}, {})}).with_name(
        "none.yml.links.json").exists() is False  # no links, no file


def test_a_bracket_mixing_references_to_another_document_with_local_ones_and_citations(tmp_path):
    links = {"stbl-x": {"href": "supplement.html#stbl-x", "text": "Table S3", "number": "3"}}
    refs = [{"id": "smith", "type": "book", "title": "T", "author": [{"family": "Smith"}], "issued": {"date-parts": [[2020]]}}]
    source = "![A](a.png){#fig-a}\n\nSee [@stbl-x; @fig-a] and [@stbl-x; @smith].\n"
    page, problems = run(source, tmp_path, links=links, references=refs)
    assert problems == []
    assert "See Table S3, Figure 1 and Table S3 (Smith 2020)." in text_of(page)


def test_values_link_to_entries_of_another_document(tmp_path):
    links = {value_anchor("counts.total"): {"href": "supplement.html#" + value_anchor("counts.total"),
                                            "text": "", "number": ""}}
    source = f"Counted {value_span('1,234', 'counts.total')} and {value_span('5%', 'counts.share')}.\n"
    page, _ = run(source, tmp_path, links=links)
    page = " ".join(page.split())
    assert re.search(rf'<a href="supplement.html#{value_anchor("counts.total")}"[^>]*class="{VALUE_CLASS}"', page)
    assert f'<span class="{VALUE_CLASS}" data-var="counts.share">5%</span>' in page


def check_pass(markdown: str, tmp_path: Path, **meta) -> list:
    """`report check`'s pandoc pass for the HTML (engines/builtin.check_args, filter settings marked CHECK_PASS):
    its problems."""
    metadata = {k.replace("_", "-"): v for k, v in meta.items()}
    metadata[FILTER_METADATA] = filter_settings("", words(metadata.get("lang")), metadata.pop("links", None))
    metadata[FILTER_METADATA][CHECK_PASS] = "html"
    body, meta_file, log = tmp_path / "check.md", tmp_path / "check-meta.yml", tmp_path / "check-log.json"
    body.write_text(markdown, encoding="utf-8")
    meta_file.write_text(yaml.safe_dump(metadata), encoding="utf-8")
    subprocess.run([pandoc_path(), *check_args(body, meta_file, log)], capture_output=True, text=True, check=True)
    return log_problems(log)


# every kind of problem crossref.lua reports, among references, links and labels that resolve, in
# floats, subfloats, theorems, notes, lists, emphasis and citation prefixes
EVERY_PROBLEM = """# Intro {#sec-intro}

![One](x.png){#fig-a}

![Two](y.png){#fig-a}

::: {#fig-panel layout-ncol=2}
![Left](l.png){#fig-left}

![Right](r.png){#fig-right}

Panel, after @fig-gone-in-caption.
:::

$$ x = 1 $$ {#eq-one}

::: {#thm-a}
A theorem citing [@ghost] and @eq-one, [elsewhere](#thm-gone).
:::

See @fig-a, @Fig-a, [-@fig-left], @fig-nowhere, @sec-intro, @eq-none, @thm-a and
[see [there](#nowhere) @tbl-none; @known; @ghost2].

- [intro](#sec-intro), [span](#here), [missing](#gone), [ref](#ref-known), [refs](#refs), *[deep](#deeper-gone)*
- a note^[citing @ghost3 and @fig-in-note, [gone](#note-gone)]

A [span]{#here} and `code`{#code-id} [to code](#code-id); @stbl-x, [@stbl-x; @fig-panel] and @stbl-gone.
"""


def test_the_check_pass_reports_exactly_what_a_render_reports(tmp_path):
    """crossref.lua in `report check`'s pass skips what only shapes the output (and notes the document's
    ids only when a link needs them): the problems, and their order, are a render's."""
    references = [{"id": "known", "type": "book", "title": "T", "author": [{"family": "A"}], "issued": {"date-parts": [[2000]]}}]
    links = {"stbl-x": {"href": "supplement.html#stbl-x", "text": "Table S3", "number": "3"},
             "prov-a": {"href": "supplement.html#prov-a", "text": "", "number": ""}}
    _, rendered = run(EVERY_PROBLEM, tmp_path, references=references, links=links)
    assert {p.rule for p in rendered} == {"xref.duplicate", "xref.unresolved", "citation.unknown", "link.anchor"}
    checked = check_pass(EVERY_PROBLEM, tmp_path, references=references, links=links)
    assert [(p.rule, p.subject) for p in checked] == [(p.rule, p.subject) for p in rendered]
    # a document whose links all resolve: the ids are needed, and noted, for the last one only
    clean = "# Intro {#sec-intro}\n\nA [span]{#here}; see [intro](#sec-intro) and [span](#here).\n"
    assert check_pass(clean, tmp_path) == [] and check_pass(clean + "\n[x](#gone)\n", tmp_path)


def test_report_checks_pass_runs_every_filter_that_reports_problems():
    """`report check` runs the filters only up to the last one that reports problems (CHECK_FILTERS): a
    filter after it that started reporting (a `problem(` call or `pandoc.log.warn`) would go unchecked."""
    from reportkit.engines.builtin import CHECK_FILTERS

    reporting = [name for name in FILTERS
                 if re.search(r"\bproblem\(|pandoc\.log\.warn", package_file("filters", name).read_text(encoding="utf-8"))]
    assert reporting and set(reporting) <= set(CHECK_FILTERS)
    assert CHECK_FILTERS == FILTERS[:len(CHECK_FILTERS)]  # in the render's order


@pytest.mark.parametrize("folder", ["report", "_drafts_/paper", "a--b", "it's \"here\""])
def test_a_documents_image_is_named_from_the_root_whatever_its_folders_name(tmp_path, folder):
    """Typst resolves an image's path against the project root: the filters prefix the document's folder, as
    written (pandoc reads the settings as markdown, which would make emphasis of underscores and a dash of "--")."""
    typst, problems = run("![A caption](figures/x.png){#fig-a}\n", tmp_path, "typst", doc_dir=folder)
    assert f'image("/{folder}/figures/x.png"'.replace('"here"', '\\"here\\"') in typst, typst
    assert problems == []
