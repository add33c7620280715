"""The Quarto engine: its command line, its log parsing, and the subprocess plumbing
(with a stand-in `quarto` script); a real Quarto render only where Quarto is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_report
from reportkit.engines import select_engine
from reportkit.engines.builtin import BuiltinEngine
from reportkit.engines.quarto import QuartoEngine
from reportkit.engines.base import RenderRequest
from reportkit.engines.executables import find_quarto
from reportkit.engines.quarto import parse_log
from reportkit.progress import Progress
from reportkit.project import Project
from reportkit.protocol import STEPS_DONE_ENV, VALUE_CLASS
from reportkit.source import Document

# Quarto 1.11.0's own output (colour codes included), captured from real renders of documents with
# an unknown variable and meta key, an unresolved reference, an unknown shortcode, a missing citation,
# a CDN script and an image it could not fetch offline, and its notice about a missing helper; only
# the keys were changed to the fixture's and the filter paths shortened.
QUARTO_OUTPUT = (
    "\x1b[1mpandoc \x1b[22m\n  to: html\n  output-file: paper.html\n  \n"
    "\x1b[33mWARNING (/q/filters/./quarto-pre/shortcodes-handlers.lua:302) Unknown var counts.nope specified in"
    " a var shortcode.\n"
    "\x1b[39m\x1b[33mWARNING (/q/filters/./quarto-pre/shortcodes-handlers.lua:255) Unknown meta key nomet"
    " specified in a metadata Shortcode.\n"
    "\x1b[39m\x1b[33mWARNING (/q/filters/./crossref/refs.lua:128) Unable to resolve crossref @fig-bars\n"
    "\x1b[39m\x1b[33mWARNING (/q/filters/./customnodes/shortcodes.lua:461) Shortcode 'nosuch' not found\n"
    "\x1b[39m[WARNING] Citeproc: citation ghost2020 not found\n"
    "[WARNING] Could not fetch resource https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6:"
    " HttpExceptionRequest Request {\n    host                 = \"cdnjs.cloudflare.com\"\n  }\n"
    "[WARNING] Could not fetch resource figures/gone.png\n"
    "\x1b[33mWARN: typst-gather analyze failed; staging all packages as fallback: typst-gather binary not found.\n"
    "Run ./configure.sh to build and install it.\x1b[39m\n"
    "Output created: paper.html\n\n"
)


def first_line_with(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def request_for(project_dir: Path, tmp_path: Path) -> RenderRequest:
    project = Project.load(project_dir)
    main = project.main_inputs[0]
    return RenderRequest(Document.read(project, main), ("pdf", "html"), tmp_path / "staging")


def test_command_is_an_argument_list(fixture_project, tmp_path):
    engine = QuartoEngine("/opt/quarto/bin/quarto")
    request = request_for(fixture_project, tmp_path)
    out = tmp_path / "out"
    assert engine.command(request, "pdf", out) == [
        "/opt/quarto/bin/quarto", "render", "paper.qmd", "--to", "typst", "--output-dir", str(out)]
    assert engine.command(request, "html", out)[4] == "html"


def test_command_hands_quarto_the_other_documents_floats(fixture_project, tmp_path):
    """With links (ids of the project's other documents), Quarto gets filters/elsewhere.lua as a
    pre-quarto filter and the links through a metadata file in staging (the links in a JSON file beside it,
    which the filter settings name: engines/base.write_metadata)."""
    import yaml

    from reportkit.protocol import FILTER_METADATA, LINKS_FILE

    engine = QuartoEngine("/opt/quarto/bin/quarto")
    plain = request_for(fixture_project, tmp_path)
    assert "--metadata-file" not in engine.command(plain, "html", tmp_path / "out")
    links = {"stbl-x": {"href": "supplement.html#stbl-x", "text": "Table S3", "number": "3"}}
    request = RenderRequest(plain.document, plain.formats, plain.staging, links)
    request.staging.mkdir(parents=True)
    args = engine.command(request, "pdf", tmp_path / "out")
    meta = yaml.safe_load(Path(args[args.index("--metadata-file") + 1]).read_text(encoding="utf-8"))
    assert meta["filters"] == [{"path": str(engine.inputs()[0]), "at": "pre-quarto"}]
    assert Path(meta["filters"][0]["path"]).name == "elsewhere.lua"
    assert json.loads(Path(bytes.fromhex(meta[FILTER_METADATA][LINKS_FILE]).decode()).read_text(encoding="utf-8")) == links


def test_parse_log_reads_quartos_real_messages(fixture_project, tmp_path):
    request = request_for(fixture_project, tmp_path)
    problems = parse_log(request, QUARTO_OUTPUT)
    assert [(p.rule, p.subject) for p in problems] == [
        ("var.unknown", "var:counts.nope"), ("meta.unknown", "meta:nomet"), ("xref.unresolved", "@fig-bars"),
        ("shortcode.unknown", "{{< nosuch"), ("citation.unknown", "@ghost2020"),
        ("image.missing", "https://cdnjs.cloudflare.com/polyfill/v3/polyfill.min.js?features=es6"),
        ("image.missing", "figures/gone.png")]  # and nothing about typst-gather (the installation)
    xref = problems[2]
    assert "unresolved cross-reference @fig-bars" in xref.message
    assert str(xref.location) == f"paper.qmd:{first_line_with(fixture_project / 'paper.qmd', '@fig-bars')}"
    assert "ghost2020" in problems[4].message


def test_parse_log_keeps_any_other_warning(fixture_project, tmp_path):
    request = request_for(fixture_project, tmp_path)
    other = "\x1b[33mWARNING (/q/filters/main.lua:1) Something new Quarto wants to say\n\x1b[39m" \
            "WARN: another notice\n[WARNING] and a pandoc one\nOutput created: paper.html\n"
    assert [p.message for p in parse_log(request, other)] == [
        "Quarto: Something new Quarto wants to say", "Quarto: another notice", "Quarto: and a pandoc one"]
    assert {p.rule for p in parse_log(request, other)} == {"quarto.warning"}


def test_engine_selection(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("QUARTO_PATH", raising=False)
    assert find_quarto() is None
    assert isinstance(select_engine("auto"), BuiltinEngine)
    with pytest.raises(Exception, match="no quarto executable"):
        select_engine("quarto")
    fake = tmp_path / "quarto"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert isinstance(select_engine("auto"), QuartoEngine)
    monkeypatch.setenv("QUARTO_PATH", str(tmp_path / "missing"))
    assert isinstance(select_engine("auto"), BuiltinEngine)


FAKE_QUARTO = textwrap.dedent('''\
    #!{python}
    """Stand-in for quarto: copies pre-rendered outputs and prints what QUARTO_FAKE_LOG holds."""
    import os, re, sys
    args = sys.argv[1:]
    if args == ["--version"]:
        print(os.environ.get("QUARTO_FAKE_VERSION", "1.11.0"))
        sys.exit(0)
    assert args[0] == "render", args
    fmt = args[args.index("--to") + 1]
    out = args[args.index("--output-dir") + 1]
    os.makedirs(out, exist_ok=True)
    print("pandoc", flush=True)
    print("steps-done=" + os.environ.get("{steps_done}", "unset") + " epoch=" + os.environ.get("SOURCE_DATE_EPOCH", "unset"))
    sys.stderr.write(os.environ.get("QUARTO_FAKE_LOG", ""))
    ext = {{"typst": "pdf", "html": "html"}}[fmt]
    with open(os.path.join(os.environ["QUARTO_FAKE_OUTPUTS"], "paper." + ext), "rb") as source:
        data = source.read()
    if ext == "html":  # as Quarto writes {{{{< var >}}}} values: plain text, no class (parity then reads the text)
        data = re.sub(rb'<(a|span) [^>]*class="{value_class}"[^>]*>(.*?)</\\1>', rb"\\2", data)
        data = data.replace(b'content="reportkit', b'content="quarto-1.11.0')
    with open(os.path.join(out, "paper." + ext), "wb") as target:
        target.write(data)
    print("Output created: paper." + ext)
''')


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch, rendered_fixture):
    script = tmp_path / "bin" / "quarto"
    script.parent.mkdir()
    script.write_text(FAKE_QUARTO.format(python=sys.executable, steps_done=STEPS_DONE_ENV, value_class=VALUE_CLASS))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("QUARTO_PATH", str(script))
    monkeypatch.setenv("QUARTO_FAKE_OUTPUTS", str(rendered_fixture / "_output"))
    return script


def test_quarto_engine_end_to_end_with_stand_in(fixture_project, fake_quarto, monkeypatch):
    result = run_report("render", project=fixture_project)
    assert result.exit_code == 0, result.output
    assert "with the quarto engine" in result.output
    assert "| Output created: paper.pdf" in result.output  # Quarto's progress is streamed
    assert "| steps-done=1" in result.output  # the project's pre-render may skip what reportkit ran
    assert (fixture_project / "_output" / "paper.pdf").is_file()

    before = (fixture_project / "_output" / "paper.html").read_bytes()
    monkeypatch.setenv("QUARTO_FAKE_LOG", QUARTO_OUTPUT)
    paper = fixture_project / "paper.qmd"
    paper.write_text(paper.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    result = run_report("render", project=fixture_project)
    assert result.exit_code == 3
    line = first_line_with(fixture_project / "paper.qmd", "@fig-bars")
    assert f"paper.qmd:{line}" in result.output and "unresolved cross-reference @fig-bars" in result.output
    assert (fixture_project / "_output" / "paper.html").read_bytes() == before


PROBE = """\
import os, sys
with open("prerender.txt", "w", encoding="utf-8") as out:
    out.write(os.environ.get("{env}", "unset") + "\\n" + sys.executable + "\\n")
"""
PROBED = """\
---
title: Probed
---

Math $$ x = 1 $$ {{#eq-one}} and @eq-one.

A missing figure @fig-nope and citation @ghost2020.
Values {{{{< var known >}}}}, {{{{< var nope.x >}}}} and {{{{< meta nomet >}}}}.
{{{{< nosuch thing >}}}}
"""


@pytest.mark.quarto
@pytest.mark.slow
def test_real_quarto_problems_handshake_interpreter_and_math(tmp_path):
    """One real `quarto render --to html` of a project whose pre-render records what it sees: Quarto's
    warnings become located problems, the pre-render sees the steps done and runs this interpreter,
    and math is MathML (nothing fetched from a CDN)."""
    project = tmp_path / "probe"
    project.mkdir()
    (project / "_quarto.yml").write_text("project:\n  type: default\n  render: [doc.qmd]\n"
                                         "  pre-render: python probe.py\nbibliography: refs.bib\n", encoding="utf-8")
    (project / "_variables.yml").write_text("known: 42\n", encoding="utf-8")
    (project / "refs.bib").write_text("@book{knuth1984, author={Knuth, Donald E.}, title={The TeXbook}, "
                                      "year={1984}, publisher={Addison-Wesley}}\n", encoding="utf-8")
    (project / "probe.py").write_text(PROBE.format(env=STEPS_DONE_ENV), encoding="utf-8")
    (project / "doc.qmd").write_text(PROBED.format(), encoding="utf-8")
    request = request_for(project, tmp_path)
    request = RenderRequest(request.document, ("html",), request.staging)
    result = QuartoEngine(find_quarto()).render(request, Progress(quiet=True))
    problems = {(p.rule, p.subject): str(p.location) for p in result.problems}
    assert problems == {
        ("xref.unresolved", "@fig-nope"): "doc.qmd:7", ("citation.unknown", "@ghost2020"): "doc.qmd:7",
        ("var.unknown", "var:nope.x"): "doc.qmd:8", ("meta.unknown", "meta:nomet"): "doc.qmd:8",
        ("shortcode.unknown", "{{< nosuch"): "doc.qmd:9"}
    steps_done, interpreter = (project / "prerender.txt").read_text(encoding="utf-8").splitlines()
    assert steps_done == "1"
    assert os.path.samefile(interpreter, sys.executable)
    html = result.outputs["html"].read_text(encoding="utf-8")
    assert "<math" in html and "42" in html
    assert not re.search(r"<script[^>]*src=\"https?://", html), "math or a polyfill loads from the network"


@pytest.mark.quarto
@pytest.mark.slow
def test_real_quarto_version_keys_the_render(quarto_fixture):
    project, _ = quarto_fixture
    version = QuartoEngine(find_quarto()).tools({})["quarto"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)  # also from a build that prints it in colour
    assert f"quarto|quarto={version}|" in (project / ".reportkit" / "state.json").read_text(encoding="utf-8")
    result = run_report("render", "--explain", "--allow-warnings", project=project)
    assert "render paper.qmd: up to date" in result.output, result.output


def test_quarto_version_is_part_of_the_render_key(fixture_project, fake_quarto, monkeypatch):
    assert run_report("render", "-q", project=fixture_project).exit_code == 0
    result = run_report("render", "--explain", project=fixture_project)
    assert "render paper.qmd: up to date" in result.output
    monkeypatch.setenv("QUARTO_FAKE_VERSION", "1.12.0")
    fake_quarto.touch()  # a new Quarto is a new executable file
    result = run_report("render", "--explain", project=fixture_project)
    assert "render paper.qmd: settings or tool versions changed" in result.output


def test_engines_name_their_own_inputs(fake_quarto):
    builtin, quarto = BuiltinEngine(), QuartoEngine(str(fake_quarto))
    assert {p.name for p in builtin.inputs()} >= {"crossref.lua", "vars.lua", "callouts.lua"}
    # Quarto does not read the built-in engine's filters, only the one it is given for references to other documents
    assert [p.name for p in quarto.inputs()] == ["elsewhere.lua", "links-file.lua"]  # and the helper it loads
    assert quarto.tools({}) == {"quarto": "1.11.0"} and quarto.fingerprint({}) == "quarto|quarto=1.11.0"
    assert builtin.tools({})["pandoc"] == "3.9" and builtin.fingerprint({}).startswith("builtin|pandoc=3.9|")


def test_quarto_version_is_read_from_either_way_of_printing_it():
    from reportkit.engines.quarto import version_of

    assert version_of("1.11.0\n") == "1.11.0"
    assert version_of("\x1b[1mquarto\x1b[22m \x1b[94m1.11.0\n\x1b[39m") == "1.11.0"  # a build from source
    assert version_of("99.9.9-dev\n") == "99.9.9-dev"
