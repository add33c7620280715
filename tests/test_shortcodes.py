"""Shortcode expansion: includes, var, meta, escapes, and the source map."""

from __future__ import annotations

from pathlib import Path

from reportkit.protocol import value_span
from reportkit.shortcodes import Expander, escape_markdown


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def expand(root: Path, main: Path, variables=None, meta=None):
    return Expander(root, variables or {}, meta or {}).expand(main)


def test_nested_includes_relative_to_main_and_root(tmp_path):
    main = write(tmp_path / "doc" / "main.qmd", "---\ntitle: T\n---\nTop\n\n{{< include parts/_a.qmd >}}\n\nEnd\n")
    write(tmp_path / "doc" / "parts" / "_a.qmd", "A1\n\n{{< include /shared/_b.qmd >}}\n")
    write(tmp_path / "shared" / "_b.qmd", "B1 {{< var x >}}\n")
    result = expand(tmp_path, main, {"x": "42"})
    assert not result.problems
    lines = result.body.splitlines()
    b_text = 'B1 ' + value_span('42', 'x')
    assert lines.index("Top") < lines.index("A1") < lines.index(b_text) < lines.index("End")
    b_line = lines.index(b_text) + 1
    location = result.source_map.at(b_line)
    assert str(location) == "shared/_b.qmd:1 (included from doc/parts/_a.qmd:3 <- doc/main.qmd:6)"
    assert str(result.source_map.at(lines.index("Top") + 1)) == "doc/main.qmd:4"


def test_circular_include_names_the_cycle(tmp_path):
    main = write(tmp_path / "m.qmd", "{{< include _a.qmd >}}\n")
    write(tmp_path / "_a.qmd", "x\n{{< include _b.qmd >}}\n")
    write(tmp_path / "_b.qmd", "{{< include _a.qmd >}}\n")
    problems = expand(tmp_path, main).problems
    assert [p.rule for p in problems] == ["include.circular"]
    assert "m.qmd -> _a.qmd -> _b.qmd -> _a.qmd" in problems[0].message
    assert str(problems[0].location).startswith("_b.qmd:1")


def test_var_values_are_escaped_and_nested_keys_work(tmp_path):
    main = write(tmp_path / "m.qmd", "{{< var a.b >}} and {{< var tag >}}\n")
    body = expand(tmp_path, main, {"a": {"b": "1,234"}, "tag": "<b>*x*</b>"}).body
    assert body.startswith(value_span('1,234', 'a.b') + ' and [' + escape_markdown("<b>*x*</b>") + "]")
    assert "\\<b\\>\\*x\\*" in body


def test_var_in_code_link_target_or_metadata_is_plain(tmp_path):
    main = write(tmp_path / "m.qmd", "---\nabstract: N={{< var n >}}\n---\n"
                 "`{{< var n >}}` [link]({{< var n >}})\n\n```\n{{< var n >}}\n```\n")
    result = expand(tmp_path, main, {"n": "7"})
    assert result.body.splitlines()[:4] == ["`7` [link](7)", "", "```", "7"]
    assert result.front_matter == {"abstract": "N=7"}


def test_non_scalar_var_and_unknown_shortcode_are_problems(tmp_path):
    main = write(tmp_path / "m.qmd", "{{< var a >}}\n{{< fancy-ext x >}}\n")
    problems = expand(tmp_path, main, {"a": {"b": 1}}).problems
    assert [(p.rule, p.location.line) for p in problems] == [("var.not-scalar", 1), ("unsupported.shortcode", 2)]


def test_escaped_shortcode_stays_literal(tmp_path):
    main = write(tmp_path / "m.qmd", "Write {{{< var x >}}} to quote a variable.\n")
    result = expand(tmp_path, main)
    assert "Write {{< var x >}} to quote" in result.body and not result.problems


def test_meta_reads_front_matter_over_project(tmp_path):
    main = write(tmp_path / "m.qmd", "---\ntitle: Doc title\n---\n{{< meta title >}} / {{< meta org.name >}}\n")
    result = expand(tmp_path, main, meta={"title": "Project", "org": {"name": "ENU"}})
    assert "Doc title / ENU" in result.body


def test_include_must_stand_alone(tmp_path):
    main = write(tmp_path / "m.qmd", "text {{< include _a.qmd >}}\n")
    assert [p.rule for p in expand(tmp_path, main).problems] == ["include.inline"]
