"""The built-in Typst template lays links to labels out as plain text until the document has been laid
out once (templates/typst/template.typ): the PDF is byte for byte the one Typst writes without that
rule, and a link to a label that does not exist is still Typst's error at the author's line."""

from __future__ import annotations

import re

from conftest import run_report
from test_strictness import append_line
from test_warm_typst import cold_pdf, render_pdf

from reportkit.engines.builtin import BuiltinEngine

PLACEHOLDER = re.compile(r"^#show link: it => .*<reportkit-laid-out>.*\n", re.M)


def test_label_links_give_the_pdf_typst_writes_without_the_first_pass_text(fixture_project, tmp_path):
    pdf, typ = render_pdf(BuiltinEngine(), fixture_project, fixture_project / "_output" / "stage")
    source = typ.read_text(encoding="utf-8")
    assert len(re.findall(r"#link\(<(fig|tbl|sec|ref)-", source)) >= 4  # figure, table, section, citation
    assert len(PLACEHOLDER.findall(source)) == 1
    plain = typ.with_name("plain.typ")
    plain.write_text(PLACEHOLDER.sub("", source), encoding="utf-8")
    assert cold_pdf(typ, fixture_project, 1767225600) == cold_pdf(plain, fixture_project, 1767225600)


def test_a_raw_typst_link_to_a_missing_label_is_refused_at_its_line(fixture_project):
    line = append_line(fixture_project / "paper.qmd", "```{=typst}\n#link(<nowhere>)[there]\n```") + 1
    result = run_report("render", "--engine", "builtin", project=fixture_project)
    assert result.exit_code == 3, result.output
    assert f"paper.qmd:{line}" in result.output and "raw Typst `#link(<nowhere>)[there]`" in result.output
