"""Executed cells as markdown (execute/markdown.py), then through the built-in engine's filters:
recorded outputs in, the visible text of HTML and Typst out. No kernel is started here."""

from __future__ import annotations

import base64
from pathlib import Path

from test_filters import run, text_of

from reportkit.errors import Location
from reportkit.execute.cells import parse_cells
from reportkit.execute.markdown import Context, discardable, executed_lines, inline_value

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10"/></svg>'
TABLE = ('<div>\n<style scoped>\n.dataframe th { text-align: right; }\n</style>\n<table border="1" class="dataframe">\n'
         '<thead><tr><th></th><th>country</th><th>count</th></tr></thead>\n<tbody><tr><th>0</th><td>Alpha</td>'
         '<td>17</td></tr><tr><th>1</th><td>Beta</td><td>23</td></tr></tbody></table>\n</div>')


def image(svg: str = SVG) -> dict:
    return {"output_type": "display_data", "data": {"image/svg+xml": svg, "text/plain": "<Figure size 640x480>"},
            "metadata": {}}


def result(**data) -> dict:
    return {"output_type": "execute_result", "data": {k.replace("_", "/"): v for k, v in data.items()}, "metadata": {}}


def stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text}


def markdown(source: str, outputs: list[list[dict]], tmp_path: Path, formats=("html", "pdf"), metadata=None,
             inline: list[dict] | None = None) -> tuple[str, Context]:
    lines = [(line, Location("doc.qmd", n)) for n, line in enumerate(source.split("\n"), start=1)]
    cells = parse_cells(lines, metadata or {}, Location("doc.qmd", 1))
    assert not cells.problems, cells.problems
    context = Context(formats, tmp_path / "figures", tmp_path)
    record = {"cells": [{"outputs": o} for o in outputs], "inline": inline or []}
    return "\n".join(text for text, _ in executed_lines(lines, cells, record, context)), context


def both(text: str, tmp_path: Path) -> tuple[str, str]:
    page, problems = run(text, tmp_path)
    typst, _ = run(text, tmp_path, to="typst")
    assert problems == []
    return text_of(page), typst


def test_table_cell_is_a_numbered_table_in_both_formats(tmp_path):
    text, _ = markdown("```{python}\n#| label: tbl-counts\n#| tbl-cap: Counts by country.\ndf\n```\n\nSee @tbl-counts.",
                       [[result(text_html=TABLE, text_plain="   country  count")]], tmp_path)
    page, typst = both(text, tmp_path)
    assert "Table 1: Counts by country." in page and "Alpha 17" in page and "See Table 1." in page
    assert "text-align" not in page  # pandas' <style> is not shown
    assert "[Alpha]" in typst and "[23]" in typst and "Counts by" in typst


def test_single_figure_carries_label_caption_and_alt(tmp_path):
    text, _ = markdown("```{python}\n#| label: fig-one\n#| fig-cap: One line.\n#| fig-alt: Alt words.\nplot()\n```\n"
                       "\nSee @fig-one.", [[image(), result(text_plain="[<matplotlib.lines.Line2D at 0x7f>]")]],
                       tmp_path)
    assert "![One line.](figures/cell-1-output-1.svg){#fig-one fig-alt=\"Alt words.\"}" in text
    assert "Line2D" not in text  # the plotting call's echoed value is dropped, as Quarto does
    assert (tmp_path / "figures" / "cell-1-output-1.svg").read_text() == SVG
    page, _ = run(text, tmp_path)
    assert 'alt="Alt words."' in page
    assert "Figure 1: One line." in text_of(page) and "See Figure 1." in text_of(page)


def test_png_images_are_decoded_into_files(tmp_path):
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    shown = {"output_type": "display_data", "metadata": {},
             "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<IPython.core.display.Image object>"}}
    text, context = markdown("```{python}\nImage('dot.png')\n```\n", [[shown]], tmp_path)
    assert "![](figures/cell-1-output-1.png)" in text and context.refusals == []
    assert (tmp_path / "figures" / "cell-1-output-1.png").read_bytes() == png


def test_subfigures_are_a_layout_div_with_one_panel_each(tmp_path):
    source = ("```{python}\n#| label: fig-panels\n#| fig-cap: Two panels.\n#| fig-subcap: [Left, Right]\n"
              "#| layout-ncol: 2\nplot()\n```\n")
    text, context = markdown(source, [[image(), image()]], tmp_path)
    assert '::: {#fig-panels layout-ncol="2"}' in text
    assert "![Left](figures/cell-1-output-1.svg){#fig-panels-1}" in text
    assert "![Right](figures/cell-1-output-2.svg){#fig-panels-2}" in text
    assert text.index("Right") < text.index("Two panels.") and context.problems == []
    page, typst = both(text + "\nSee @fig-panels.\n", tmp_path)
    assert "(a) Left" in page and "(b) Right" in page and "Figure 1: Two panels." in page
    assert "See Figure 1." in page and "Figure 2" not in page
    assert typst.count('kind: "quarto-subfloat-fig"') == 2 and "<fig-panels-2>" in typst


def test_subtables_from_dataframes(tmp_path):
    source = ("```{python}\n#| label: tbl-pair\n#| tbl-cap: Two tables.\n#| tbl-subcap: [First, Second]\n"
              "#| layout-ncol: 2\ndisplay(a); display(b)\n```\n")
    frame = {"output_type": "display_data", "data": {"text/html": TABLE, "text/plain": "frame"}, "metadata": {}}
    text, context = markdown(source, [[frame, frame]], tmp_path)
    page, typst = both(text, tmp_path)
    assert "Table 1: Two tables." in page and "(a) First" in page and "(b) Second" in page
    assert page.count("Alpha 17") == 2 and typst.count("[Alpha]") == 2 and context.problems == []


def test_figure_cells_that_do_not_match_their_options_are_problems(tmp_path):
    _, context = markdown("```{python}\n#| label: fig-a\n#| fig-cap: A\nprint(1)\n```\n", [[stream("1\n")]], tmp_path)
    assert "shows no figure" in context.problems[0].message and context.problems[0].location.line == 1
    _, context = markdown("```{python}\n#| label: fig-a\n#| fig-cap: A\nplot()\n```\n", [[image(), image()]], tmp_path)
    assert "draws 2 figures" in context.problems[0].message
    _, context = markdown("```{python}\n#| label: fig-a\n#| fig-subcap: [x]\nplot()\n```\n", [[image(), image()]],
                          tmp_path)
    assert "gives 1 caption(s)" in context.problems[0].message
    _, context = markdown("```{python}\n#| label: tbl-a\nprint(1)\n```\n", [[stream("1\n")]], tmp_path)
    assert "shows no table" in context.problems[0].message


def test_html_only_output_is_refused_for_the_pdf_and_kept_for_html(tmp_path):
    html = result(text_html="<b>bold</b>", text_plain="<IPython.core.display.HTML object>")
    source = "```{python}\nHTML('<b>bold</b>')\n```\n"
    _, context = markdown(source, [[html]], tmp_path)
    assert context.refusals[0].rule.startswith("unsupported") and context.refusals[0].location.line == 1
    text, context = markdown(source, [[html]], tmp_path, formats=("html",))
    assert context.refusals == [] and "<b>bold</b>" in run(text, tmp_path)[0]


def test_scripts_and_widgets_are_refused(tmp_path):
    script = result(text_html="<div id='p'></div><script>draw()</script>", text_plain="Figure({'data': []})")
    _, context = markdown("```{python}\nfig\n```\n", [[script]], tmp_path)
    assert [p.rule for p in context.refusals] == ["unsupported.html-output"]
    widget = {"output_type": "display_data", "metadata": {},
              "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "IntSlider(value=0)"}}
    _, context = markdown("```{python}\nslider\n```\n", [[widget]], tmp_path, formats=("html",))
    assert [p.rule for p in context.refusals] == ["unsupported.cell-output"]


def test_each_format_gets_its_own_rendition(tmp_path):
    rich = result(text_html="<i>rich form</i>", text_plain="plain form")
    text, _ = markdown("```{python}\nx\n```\n", [[rich]], tmp_path)
    page, typst = both(text, tmp_path)
    assert "rich form" in page and "plain form" not in page
    assert "plain form" in typst and "rich form" not in typst


def test_echo_include_output_and_asis(tmp_path):
    source = ("```{python}\n#| echo: false\nprint('a')\n```\n\n```{python}\n#| include: false\nprint('b')\n```\n\n"
              "```{python}\n#| output: false\nprint('c')\n```\n\n```{python}\n#| output: asis\n#| echo: false\n"
              "print('**d**')\n```\n")
    text, _ = markdown(source, [[stream("shown a\n")], [stream("hidden b\n")], [stream("hidden c\n")],
                                [stream("**asis d**\n")]], tmp_path)
    page = text_of(run(text, tmp_path)[0])
    assert "shown a" in page and "print('a')" not in page
    assert "print('b')" not in page and "hidden b" not in page
    assert "print('c')" in page and "hidden c" not in page
    assert "<strong>asis d</strong>" in run(text, tmp_path)[0]


def test_warnings_errors_and_streams(tmp_path):
    warning = stream("/tmp/ipykernel_4242/123456.py:2: UserWarning: careful\n  warnings.warn('careful')\n", "stderr")
    error = {"output_type": "error", "ename": "ValueError", "evalue": "bad",
             "traceback": ["\x1b[31mValueError\x1b[39m: bad"]}
    source = "```{python}\nwarn()\n```\n\n```{python}\n#| warning: false\nwarn()\n```\n\n```{python}\n#| error: true\nfail()\n```\n"
    text, _ = markdown(source, [[warning], [warning], [error]], tmp_path)
    assert text.count("UserWarning: careful") == 1 and "ipykernel_4242" not in text
    assert "ValueError: bad" in text and "\x1b" not in text
    assert ".cell-output-stderr" in text and ".cell-output-error" in text


def test_code_fold_listing_and_fenced_echo(tmp_path):
    source = ("```{python}\n#| code-fold: true\n#| code-summary: Show it\nfold = 1\n```\n\n"
              "```{python}\n#| lst-label: lst-code\n#| lst-cap: A listing\nlisted = 2\n```\n\n"
              "```{python}\n#| echo: fenced\n#| label: shown\nfenced = 3\n```\n")
    text, _ = markdown(source, [[], [], []], tmp_path)
    assert '{#lst-code .python .cell-code lst-cap="A listing"}' in text
    page, typst = run(text, tmp_path)[0], run(text, tmp_path, to="typst")[0]
    assert '<details class="code-fold">' in page and "<summary>Show it</summary>" in page
    assert "details" not in typst and "fold = 1" in typst
    visible = text_of(page)
    assert "```{python} #| label: shown fenced = 3 ```" in visible and "echo: fenced" not in visible


def test_document_code_fold_applies_to_every_cell(tmp_path):
    text, _ = markdown("```{python}\nx = 1\n```\n", [[]], tmp_path, metadata={})
    assert "code-fold" not in text
    lines = [("```{python}", Location("d", 1)), ("x = 1", Location("d", 2)), ("```", Location("d", 3))]
    cells = parse_cells(lines, {}, Location("d", 1))
    context = Context(("html",), tmp_path, tmp_path, code_fold="show")
    folded = "\n".join(t for t, _ in executed_lines(lines, cells, {"cells": [{"outputs": []}]}, context))
    assert 'code-fold="show"' in folded and "<details class=\"code-fold\" open>" in run(folded, tmp_path)[0]


def test_inline_values_are_substituted_in_order(tmp_path):
    text, _ = markdown("Total `{python} total` of `{python} name`.\n", [], tmp_path,
                       inline=[{"text/plain": "55"}, {"text/plain": "'a_b*'"}])
    assert text.startswith("Total 55 of a\\_b\\*.")
    assert "Total 55 of a_b*." in text_of(run(text, tmp_path)[0])


def test_value_helpers():
    assert inline_value({"text/plain": "'it''s'"}) == "it''s"
    assert inline_value({"text/markdown": "**x**", "text/plain": "x"}) == "**x**"
    assert inline_value({"text/plain": "3.5"}) == "3.5"
    line = {"output_type": "execute_result", "data": {"text/plain": "[<matplotlib.lines.Line2D at 0x1>]"}}
    text = {"output_type": "execute_result", "data": {"text/plain": "'a value'"}}
    assert discardable(line, has_image=True) and discardable(line, has_image=False)
    assert not discardable(text, has_image=False)
