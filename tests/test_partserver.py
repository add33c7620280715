"""The part server (engines/partserver.py, partserver.lua): one long-lived ``pandoc lua`` process that
renders a preview's parts as the pandoc executable renders them, byte for byte, or declines so that
the executable runs instead."""

from __future__ import annotations

import base64
import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from reportkit.engines.builtin import MARKDOWN, pandoc_path
from reportkit.engines.partserver import PartServer, embed_resources

FIXTURE = Path(__file__).parent / "fixture_project"

PART = """# A heading {#sec-a}

Text with "quotes", No. 5 and c. 2012 held together, a citation [@knuth1984, p. 3] and @knuth1984.
A footnote.^[The note.] Some `code`{.python} and $x^2 + \\alpha$.

## Sub heading

| A column header of some length here | Another header, a longer one | Three |
|:---|---:|---|
| a | b | c |

```python
def f(x):
    return x < 2
```

![A figure with "quoted" & caption](figures/bars.svg){#fig-a width=70%}

![](dot.png){alt=""}

Text ![inline](dot.png "A title") more.

<!-- a comment
over two lines -->

- a list item with a [link](https://example.org/?a=1&b=2 "A title's <b>")
- [a span]{title="x'y <z>" data-empty=""}

Term
: Definition
"""

# reports what pandoc tells a filter: its format and output file, and a problem as our filters do
FILTER = """
function Pandoc(doc)
  pandoc.log.warn(FORMAT .. " -> " .. pandoc.path.filename(PANDOC_STATE.output_file or "?"))
  return doc
end
"""


def png(width: int = 2, height: int = 2) -> bytes:
    """A tiny black PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\x00" * width * 3 for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
def part(tmp_path: Path) -> Path:
    """A folder with a part (PART), its images, bibliography, metadata file and a filter."""
    (tmp_path / "doc" / "figures").mkdir(parents=True)
    shutil.copyfile(FIXTURE / "figures" / "bars.svg", tmp_path / "doc" / "figures" / "bars.svg")
    (tmp_path / "dot.png").write_bytes(png())  # found through the second resource folder
    shutil.copyfile(FIXTURE / "references.bib", tmp_path / "references.bib")
    (tmp_path / "part.md").write_text(PART, encoding="utf-8")
    (tmp_path / "report.lua").write_text(FILTER, encoding="utf-8")
    meta = {"bibliography": str(tmp_path / "references.bib"), "lang": "en", "link-citations": True,
            "title-note": "A *markdown* string", "number-sections": True}
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return tmp_path


def part_args(folder: Path, fmt: str, out: Path, body: str = "part.md") -> list[str]:
    """The arguments the built-in engine gives pandoc for a part (engines/builtin.py ``_args``)."""
    args = [str(folder / body), "--from", MARKDOWN, "--metadata-file", str(folder / "meta.json"),
            "--log", str(out.with_suffix(".log.json")), "--lua-filter", str(folder / "report.lua"), "--citeproc",
            "--resource-path", f"{folder / 'doc'}:{folder}", "--output", str(out)]
    if fmt == "pdf":
        return args + ["--to", "typst"]
    return args + ["--to", "html5", "--embed-resources", "--mathml", "--section-divs", "--number-sections"]


def warnings(log: Path) -> list[tuple]:
    return [(e["type"], e["source"], e["line"], e["message"]) for e in json.loads(log.read_text(encoding="utf-8"))
            if e["type"] == "ScriptingWarning"]


@pytest.fixture
def server(part: Path):
    started = PartServer(pandoc_path(), part)
    yield started
    started.close()


def by_both(part: Path, server: PartServer, args: list[str]) -> tuple[tuple[str, list], tuple[str, list]]:
    """The output and the filters' warnings of ``args`` run by the pandoc executable, then by the server
    (the same paths: a template may show them)."""
    out = Path(args[args.index("--output") + 1])
    subprocess.run([pandoc_path(), *args], cwd=part, check=True, capture_output=True)
    expected = out.read_text(encoding="utf-8"), warnings(out.with_suffix(".log.json"))
    out.unlink()
    assert server.start(args)()
    return expected, (out.read_text(encoding="utf-8"), warnings(out.with_suffix(".log.json")))


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_part_is_rendered_as_the_pandoc_executable_renders_it(part, server, fmt):
    expected, served = by_both(part, server, part_args(part, fmt, part / f"out.{'typ' if fmt == 'pdf' else 'html'}"))
    assert served == expected
    text = expected[0]
    assert "No.\u00a05" in text or "No.~5" in text  # pandoc's abbreviations were applied
    if fmt == "html":
        assert 'role="img"' in text and "data:image/svg+xml;base64," in text  # images were embedded
        assert '<col style="width: 36%" />' in text  # a table line longer than pandoc's 72 columns


def test_a_whole_document_is_written_with_its_template_as_pandoc_writes_it(part, server):
    """A preview's Typst pass of the whole document: --standalone with a template (and its partial),
    the variables the executable sets, the metadata, no newline added."""
    (part / "templates").mkdir()
    (part / "templates" / "main.typ").write_text("// $outputfile$ from $sourcefile$ in $curdir$ by pandoc $pandoc-version$\n"
                                                 "${ title.typ() }\n$body$", encoding="utf-8")
    (part / "templates" / "title.typ").write_text("= $title-note$ ($lang$)", encoding="utf-8")
    args = [*part_args(part, "pdf", part / "whole.typ"), "--standalone", "--template", str(part / "templates" / "main.typ")]
    expected, served = by_both(part, server, args)
    assert served == expected
    assert expected[0].startswith(f"// {part / 'whole.typ'} from {part / 'part.md'} in {part} by pandoc 3")
    assert not server.start([*args[:-3], "--standalone"])()  # pandoc's own template: left to the executable


def test_parts_that_follow_one_another_reuse_the_server(part, server):
    for n in range(3):
        assert server.start(part_args(part, "html", part / f"{n}.html"))()
    assert (part / "0.html").read_text(encoding="utf-8") == (part / "2.html").read_text(encoding="utf-8")
    assert server._process is not None and server._process.poll() is None


def test_an_argument_the_server_does_not_know_is_left_to_pandoc(part, server):
    args = part_args(part, "pdf", part / "wrapped.typ")
    assert not server.start([*args, "--wrap=none"])()
    assert server.start(args)()  # and the server goes on


def test_a_server_that_died_declines_and_the_next_part_starts_a_new_one(part, server):
    args = part_args(part, "pdf", part / "out.typ")
    assert server.start(args)()
    waiting = server.start(args)
    server._process.kill()
    assert waiting() is False
    assert server.start(args)()


def test_raw_html_in_a_part_is_left_to_pandoc_for_the_html_only(part, server):
    # pandoc re-renders raw tags its own way (here: title="it&#39;s"), which a served part would not match
    (part / "raw.md").write_text('Some <i title="it\'s">raw</i> HTML.\n', encoding="utf-8")
    assert not server.start(part_args(part, "html", part / "raw.html", "raw.md"))()
    assert server.start(part_args(part, "pdf", part / "raw.typ", "raw.md"))()


# -- what --embed-resources does to a part's HTML ------------------------------------------------------
def test_an_image_is_embedded_with_pandocs_role_and_label(tmp_path):
    (tmp_path / "a.png").write_bytes(png())
    data = base64.b64encode(png()).decode("ascii")
    html = '<p><img src="a.png"\nstyle="width:50.0%" alt="A &amp; B" /></p>\n'
    assert embed_resources(html, [tmp_path]) == (f'<p><img role="img" aria-label="A &amp; B" src="data:image/png;base64,'
                                                 f'{data}" style="width:50.0%" alt="A &amp; B" /></p>\n')
    assert embed_resources('<img src="a.png" alt="" />', [tmp_path]) == \
        f'<img role="img" aria-label src="data:image/png;base64,{data}" alt />'


def test_tags_are_put_on_one_line_and_comments_left_alone():
    html = '<p><a href="#x"\nclass="quarto-xref" data-e="">x</a> text\nwraps</p>\n<!-- a\ncomment -->\n'
    assert embed_resources(html, []) == '<p><a href="#x" class="quarto-xref" data-e>x</a> text\nwraps</p>\n<!-- a\ncomment -->\n'


@pytest.mark.parametrize("html", ['<img src="missing.png" />', '<img src="https://example.org/a.png" />',
                                  '<img src="a.tiff" />', '<script src="x.js"></script>', '<p style="background: url(x.png)">',
                                  '<img role="img" src="a.png" />', "<p class=unquoted>"])
def test_what_the_embedding_cannot_do_as_pandoc_does_is_declined(tmp_path, html):
    (tmp_path / "a.png").write_bytes(png())
    (tmp_path / "a.tiff").write_bytes(b"II*\x00")
    assert embed_resources(html, [tmp_path]) is None


SERVER_START = PartServer.start  # as the module defines it (tests replace it)


def recording(served: list[bool]):
    """PartServer.start, noting in ``served`` whether each pass was the server's (True) or left to pandoc."""
    def start_noted(self, args):
        wait = SERVER_START(self, args)
        return lambda: served.append(wait()) or served[-1]
    return start_noted


# -- through the engine: a chapter of the fixture, as a preview's quick page renders it --------------------
@pytest.mark.slow
def test_a_chapter_is_served_with_reportkits_filters_as_pandoc_renders_it(fixture_project, monkeypatch):
    """The fixture's chapter (a figure, a table, an equation, a callout, citations and references),
    rendered alone by a warm engine as a quick page does: through the server, and by the pandoc
    executable when the server declines; the same text, problems and outline."""
    import reportkit.engines.partserver as partserver
    from reportkit import xref
    from reportkit.engines.base import RenderRequest
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.engines.warm import WarmTypst
    from reportkit.progress import Progress
    from reportkit.project import Project
    from reportkit.render import render
    from reportkit.source import Document

    engine = BuiltinEngine(WarmTypst(fixture_project))
    project = Project.load(fixture_project)
    render(project, ("html", "pdf"), progress=Progress(quiet=True), engine=engine)
    document = Document.read(project, project.main_inputs[0])
    chapter = (fixture_project / "chapters" / "_method.qmd").read_text(encoding="utf-8")
    cited = tuple(json.loads(engine.outline(document.stem).read_text(encoding="utf-8"))["cited"])
    served = []

    def rendered(fmt: str, how: str):
        request = RenderRequest(document, ("html",), fixture_project / "scratch" / how, xref.links(document, []))
        return engine.start_part(request, fmt, chapter, fmt, cited)()

    try:
        for fmt in ("html", "pdf"):
            monkeypatch.setattr(partserver.PartServer, "start", recording(served))
            by_server = rendered(fmt, "server")
            monkeypatch.setattr(partserver.PartServer, "start", lambda self, args: lambda: False)
            by_pandoc = rendered(fmt, "pandoc")
            assert by_server.text == by_pandoc.text and "Figure" in by_server.text
            assert (by_server.problems, by_server.labels, by_server.cited, by_server.ids) == \
                (by_pandoc.problems, by_pandoc.labels, by_pandoc.cited, by_pandoc.ids)
        assert served == [True, True]  # both formats were the server's
    finally:
        engine.close()


@pytest.mark.slow
def test_a_previews_typst_pass_of_the_whole_document_is_the_servers_and_the_same(fixture_project, monkeypatch):
    """A warm engine (a preview's) writes the whole document's Typst through the server: the same source
    as when pandoc itself writes it."""
    import reportkit.engines.partserver as partserver
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.engines.warm import WarmTypst
    from reportkit.progress import Progress
    from reportkit.project import Project
    from reportkit.render import render

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    sources, served = {}, []

    for how, starting in (("server", recording(served)), ("pandoc", lambda self, args: lambda: False)):
        monkeypatch.setattr(partserver.PartServer, "start", starting)
        engine = BuiltinEngine(WarmTypst(fixture_project))
        try:
            render(Project.load(fixture_project), ("pdf",), progress=Progress(quiet=True), engine=engine)
            sources[how] = (engine.warm.folder("paper") / "paper.typ").read_text(encoding="utf-8")  # a warm engine's
        finally:
            engine.close()
        (fixture_project / "_output" / "paper.pdf").unlink()  # the next render renders again
    assert served == [True]
    assert sources["server"] == sources["pandoc"] and "#figure(" in sources["server"]


def test_a_grown_server_is_replaced_by_one_warmed_up_with_the_last_part(part, server, monkeypatch):
    import reportkit.engines.partserver as partserver

    args = part_args(part, "pdf", part / "out.typ")
    assert server.start(args)()
    first = server._process.pid
    server.renew_if_grown()  # it has not grown
    assert server._process.pid == first
    monkeypatch.setattr(partserver, "RENEW_ABOVE", 0)
    server.renew_if_grown()
    assert server._process.pid != first and server._warmups  # warming up with the last part
    (part / "out.typ").unlink()
    assert server.start(args)() and (part / "out.typ").is_file()  # the next answer is its own
    assert not server._answers and not server._warmups


def test_each_request_starts_with_an_empty_media_bag(part, server):
    """A filter that stores what it fetched (the media bag) sees nothing of an earlier request's, as in a new
    pandoc process."""
    (part / "bag.lua").write_text('function Pandoc(doc)\n  local n = #pandoc.mediabag.list()\n'
                                  '  pandoc.mediabag.insert("seen.txt", "text/plain", "x")\n'
                                  '  pandoc.log.warn("items " .. n)\nend\n', encoding="utf-8")
    args = part_args(part, "pdf", part / "bag.typ")
    args[args.index(str(part / "report.lua"))] = str(part / "bag.lua")
    for _ in range(2):
        assert server.start(args)()
        assert [w[-1] for w in warnings(part / "bag.log.json")] == ["items 0"]


def test_a_warm_up_renders_an_empty_input_to_files_of_its_own_and_the_next_part_is_its_own(part, server):
    """warm_up_request: the part's metadata, filters, citeproc and writer on an empty input; the warmed-up
    server then renders the part itself as the pandoc executable does."""
    from reportkit.engines.partserver import warm_up_request

    args = part_args(part, "pdf", part / "out.typ")
    request = warm_up_request(args, part / "warm")
    assert request[1:] == [str(part / "warm" / "warm-up.out") if a == str(part / "out.typ") else
                           str(part / "warm" / "warm-up.log.json") if a == str(part / "out.log.json") else a
                           for a in args[1:]]
    assert request[0] == str(part / "warm" / "warm-up.md") and (part / "warm" / "warm-up.md").read_text() == ""
    server.warm_up(request)
    assert server._process is not None and server._warmups == {1}
    expected, served = by_both(part, server, args)
    assert served == expected and "Knuth" in served[0]
    assert (part / "warm" / "warm-up.out").is_file() and not server._warmups  # the warm-up was answered, unread
    with pytest.raises(ValueError):
        warm_up_request(["--from", "markdown", "part.md"], part / "warm")


def test_a_server_closed_while_its_warm_up_starts_stays_closed(part, server, monkeypatch):
    """warm_up_soon's thread may not have started the server yet when the render ends and closes it (nothing
    was stale): close() waits for it, so that no server is left running after close."""
    import time

    warm_up = PartServer.warm_up  # the thread is late: close() comes before it starts anything
    monkeypatch.setattr(PartServer, "warm_up", lambda self, args: time.sleep(0.3) or warm_up(self, args))
    server.warm_up_soon(warm_up_request_for(part))
    server.close()
    time.sleep(0.6)  # (a thread not waited for would start its server meanwhile)
    assert server._process is None and server._warming is None


def warm_up_request_for(part: Path) -> list[str]:
    from reportkit.engines.partserver import warm_up_request

    return warm_up_request(part_args(part, "pdf", part / "out.typ"), part / "warm")
