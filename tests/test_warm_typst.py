"""A preview's warm Typst compilers (engines/warm.py) write the same PDF bytes as a cold compile,
after edits to the document and to a figure it shows, and compile at a stable path; they age Typst's
cache; a render interrupted while it makes the PDF stops the other formats' pandoc at once; a preview's
quick parts run at most two pandoc processes at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from reportkit.engines.base import RenderRequest
from reportkit.engines.builtin import BuiltinEngine
from reportkit.engines.warm import WarmTypst
from reportkit.progress import Progress
from reportkit.project import Project
from reportkit.source import Document


def cold_pdf(typ: Path, root: Path, timestamp: int) -> bytes:
    """The PDF of ``typ`` compiled by a fresh process (no state shared with the warm compiler)."""
    code = ("import sys, typst; sys.stdout.buffer.write(typst.compile(sys.argv[1], root=sys.argv[2], "
            "ignore_system_fonts=True, timestamp=int(sys.argv[3])))")
    return subprocess.run([sys.executable, "-c", code, str(typ), str(root), str(timestamp)],
                          capture_output=True, check=True).stdout


def render_pdf(engine: BuiltinEngine, project: Path, staging: Path) -> tuple[Path, Path]:
    """The engine's PDF of the fixture paper and the .typ it was compiled from."""
    loaded = Project.load(project)
    staging.mkdir(parents=True)
    result = engine.render(RenderRequest(Document.read(loaded, loaded.main_inputs[0]), ("pdf",), staging),
                           Progress(quiet=True))
    return result.outputs["pdf"], result.sources["pdf"]


def test_warm_compiles_are_byte_identical_to_cold_ones(fixture_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    engine = BuiltinEngine(WarmTypst(fixture_project))
    chapter = fixture_project / "chapters" / "_method.qmd"
    figure = fixture_project / "figures" / "bars.svg"
    typs = []
    for round_, edit in enumerate(["", "chapter", "figure"]):
        if edit == "chapter":
            chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA sentence added warm.\n", encoding="utf-8")
        if edit == "figure":  # a file the .typ reads, not the .typ itself
            figure.write_text(figure.read_text(encoding="utf-8").replace("</svg>", '<circle cx="5" cy="5" r="4"/></svg>'),
                              encoding="utf-8")
        pdf, typ = render_pdf(engine, fixture_project, fixture_project / "_output" / f"stage{round_}")
        typs.append(typ)
        assert pdf.read_bytes() == cold_pdf(typ, fixture_project, 1767225600), edit
    assert len(set(typs)) == 1 and typs[0].is_relative_to(fixture_project / ".reportkit")  # a stable path
    import pypdf

    text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
    assert "A sentence added warm." in text


def test_the_cold_engine_compiles_in_its_staging_folder(fixture_project):
    _, typ = render_pdf(BuiltinEngine(), fixture_project, fixture_project / "_output" / "stage")
    assert typ.is_relative_to(fixture_project / "_output" / "stage")
    assert not (fixture_project / ".reportkit" / "typst").exists()


class Counting:
    """Wraps the empty document's compiler and counts its compiles."""

    def __init__(self, compiler):
        self.compiler, self.count = compiler, 0

    def compile(self, *args, **kwargs):
        self.count += 1
        return self.compiler.compile(*args, **kwargs)


def test_each_compile_ages_typsts_cache_by_compiling_the_empty_document(tmp_path):
    # the typst wheel keeps what a compile computed until CACHE_AGE later compiles did not use it;
    # the empty compiles age it so that only what each document's latest compile used stays
    import typst

    from reportkit.engines.warm import CACHE_AGE, MOST_SPARE

    warm = WarmTypst(tmp_path)
    first, second = warm.folder("first") / "first.typ", warm.folder("second") / "second.typ"
    first.write_text("= One\nText.\n", encoding="utf-8")
    second.write_text("= Two\nMore text.\n", encoding="utf-8")
    warm.compile(first, tmp_path / "first.pdf", 0)
    ager = warm._ager = Counting(warm._ager)
    warm.compile(first, tmp_path / "first.pdf", 0)
    # one document: at most MOST_SPARE (a preview compiles it twice a save: its quick PDF, then the full render)
    assert ager.count == MOST_SPARE == 3
    assert (1 + MOST_SPARE) * 2 < CACHE_AGE  # what the quick PDF's compile used stays until the next one
    warm.compile(second, tmp_path / "second.pdf", 0)
    assert ager.count == 2 * MOST_SPARE  # two documents take turns: each compile ages the cache as much
    assert (1 + CACHE_AGE // 2 - 2) * 2 < CACHE_AGE  # both documents' latest compiles stay
    second.write_text("#undefined-function()\n", encoding="utf-8")
    try:
        warm.compile(second, tmp_path / "second.pdf", 0)
    except typst.TypstError:
        pass
    else:
        raise AssertionError("the broken document compiled")
    assert ager.count == 3 * MOST_SPARE  # a failed compile ages it too
    assert (tmp_path / "first.pdf").read_bytes().startswith(b"%PDF")


def test_ctrl_c_during_the_pdf_stops_the_other_formats_pandoc_at_once(fixture_project, monkeypatch):
    # the HTML's pandoc runs in the background while the PDF is made; interrupted, the render kills it
    # rather than wait for it (here it would take a minute), and the interruption is what propagates
    import pytest

    started = []

    def start(self, request, args, cwd=None, env=None):
        started.append(subprocess.Popen(["sleep", "60"]))  # stands for the HTML's pandoc
        return started[-1]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(BuiltinEngine, "_start_pandoc", start)
    monkeypatch.setattr(BuiltinEngine, "_run_pandoc", interrupted)  # Ctrl-C during pandoc -> Typst
    loaded = Project.load(fixture_project)
    staging = fixture_project / "_output" / "stage"
    staging.mkdir(parents=True)
    with pytest.raises(KeyboardInterrupt):
        BuiltinEngine().render(RenderRequest(Document.read(loaded, loaded.main_inputs[0]), ("html", "pdf"), staging),
                               Progress(quiet=True))
    assert len(started) == 1 and started[0].returncode is not None and started[0].returncode < 0  # killed


def test_at_most_two_parts_pandoc_processes_run_at_once(monkeypatch):
    # a preview's first quick page may start four part renders (before and after, HTML and Typst) when the
    # part server declines them: the third waits for the first to end, and what each printed is still
    # there for its own wait
    from reportkit.engines.builtin import PARTS_AT_ONCE

    def start(self, request, args, cwd=None, env=None):
        return subprocess.Popen(["sh", "-c", f"echo part {args[0]}; sleep 2"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    monkeypatch.setattr(BuiltinEngine, "_start_pandoc", start)
    engine, started = BuiltinEngine(), []
    for number in range(4):
        started.append(engine._start_pandoc_part(None, [str(number)]))  # when the part server declines
        assert sum(p.poll() is None for p in started) <= PARTS_AT_ONCE == 2
    assert [p.communicate()[0] for p in started] == [f"part {n}\n" for n in range(4)]
