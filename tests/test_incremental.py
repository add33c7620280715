"""`report render` after a one-chapter edit (engines/incremental.py): the edited chapter is rendered alone and
spliced into the last render, and the outputs are byte for byte those of a whole render; an edit that a
part alone cannot render as the whole document would is rendered whole, and says why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from reportkit.engines.memory import FILES, STATE, RenderMemory

from conftest import FIXTURE, run_report

SPLICED = "only, spliced into the last render"
WHOLE = "the document is rendered whole"
CHAPTER = Path("chapters") / "_method.qmd"
OUTPUTS = ("paper.html", "paper.pdf")


@pytest.fixture
def projects(tmp_path, monkeypatch):
    """Two copies of the fixture project: one rendered with splices, one always rendered whole."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the fixture is no git repository: PDFs dated alike
    copies = []
    for name in ("spliced", "whole"):
        target = tmp_path / name
        shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
        copies.append(target)
    render(copies[0])
    return copies


def render(project: Path, *options: str) -> str:
    result = run_report("render", "--engine", "builtin", *options, project=project)
    assert result.exit_code == 0, result.output
    return result.output


def edit(project: Path, old: str, new: str, chapter: Path = CHAPTER) -> None:
    path = project / chapter
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_same_outputs(spliced: Path, whole: Path) -> None:
    for name in OUTPUTS:
        assert (spliced / "_output" / name).read_bytes() == (whole / "_output" / name).read_bytes(), name


def test_edits_of_one_chapter_are_spliced_into_the_last_render_as_a_whole_render_makes_them(projects):
    spliced, whole = projects
    edits = [("Everything above", "Everything shown above"),  # prose, in a callout
             (": Items in the fixture", ": Items counted in the fixture"),  # a table's caption
             ("equals @eq-sum:", "equals @eq-sum (see @sec-intro and @fig-bars):")]  # references elsewhere
    for old, new in edits:
        for project in projects:
            edit(project, old, new)
        output = render(spliced)
        assert f"chapters/_method.qmd {SPLICED}" in output
        assert SPLICED not in render(whole, "--whole")
        assert_same_outputs(spliced, whole)
    assert "Items counted in the fixture" in (spliced / "_output" / "paper.html").read_text(encoding="utf-8")


def test_a_memory_whose_files_changed_or_that_was_made_otherwise_is_not_used(tmp_path):
    memory = RenderMemory(tmp_path, "paper")
    sources = {name: tmp_path / f"in-{name}" for name in ("outline", "page", "typst")}
    for name, path in sources.items():
        path.write_text(f"{name} text", encoding="utf-8")
    memory.save("context-1", "body", sources["outline"], sources["page"], sources["typst"])
    last = memory.load("context-1")
    assert last is not None and last.body == "body" and last.page == "page text" and last.typst == "typst text"
    assert memory.load("context-2") is None  # another tool, setting or input
    page = memory.folder / FILES["page"]
    page.write_text("page text, edited", encoding="utf-8")
    assert memory.load("context-1") is None  # not what the render wrote
    page.write_text("page text", encoding="utf-8")
    assert memory.load("context-1") is not None
    memory.forget()
    assert not (memory.folder / STATE).exists() and memory.load("context-1") is None


@pytest.mark.slow
@pytest.mark.parametrize("old, new, why", [
    ("# Method {#sec-method}", "# Method {#sec-method}\n\n## A new section\n\nText.", "headings, labels"),
    ("equals @eq-sum:", "equals @eq-sum [@knuth1984]:", "cited works"),
    ("Everything above", "Everything above[^a]\n\n[^a]: A note.", "reference links or notes"),
])
def test_an_edit_that_a_part_alone_renders_otherwise_is_rendered_whole(projects, old, new, why):
    spliced, whole = projects
    for project in projects:
        edit(project, old, new)
    output = render(spliced)
    assert SPLICED not in output and WHOLE in output and why in output
    render(whole, "--whole")
    assert_same_outputs(spliced, whole)


@pytest.mark.slow
def test_a_render_with_problems_or_another_input_changed_is_not_spliced_into(projects):
    spliced, _ = projects
    edit(spliced, "Everything above", "Everything above (@sec-nowhere)")
    output = render(spliced, "--allow-warnings")
    assert "sec-nowhere" in output and SPLICED not in output
    assert not (spliced / ".reportkit" / "render" / "paper" / STATE).exists()  # nothing to splice into next
    edit(spliced, "Everything above (@sec-nowhere)", "Everything above")
    assert SPLICED not in render(spliced)  # whole, and remembered again
    bib = spliced / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace("{Addison-Wesley}", "{Addison-Wesley Professional}"),
                   encoding="utf-8")
    edit(spliced, "Everything above", "Everything shown above")
    output = render(spliced)
    assert SPLICED not in output and WHOLE not in output  # the bibliography changed: not the last render's context
    assert "Addison-Wesley Professional" in " ".join((spliced / "_output" / "paper.html").read_text(encoding="utf-8").split())
    edit(spliced, "Everything shown above", "Everything written above")
    assert SPLICED in render(spliced)
    state = json.loads((spliced / ".reportkit" / "render" / "paper" / STATE).read_text(encoding="utf-8"))
    assert set(state["files"]) == set(FILES)


@pytest.mark.slow
def test_a_reference_link_defined_in_another_file_is_rendered_whole(projects):
    """pandoc resolves a reference link with its definition anywhere in the document; a part alone would
    show "[the guide][guide]" as text."""
    spliced, whole = projects
    for project in projects:
        edit(project, "{{< include chapters/_method.qmd >}}",
             "{{< include chapters/_method.qmd >}}\n\n[guide]: https://example.org/guide", Path("paper.qmd"))
    render(spliced)
    for project in projects:
        edit(project, "Everything above", "Everything in [the guide][guide] above")
    output = render(spliced)
    assert SPLICED not in output and "reference links or notes" in output
    render(whole, "--whole")
    assert_same_outputs(spliced, whole)
    html = (spliced / "_output" / "paper.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/guide"' in html


@pytest.mark.slow
def test_a_second_chapter_edited_after_a_splice_of_the_first_is_spliced_as_itself(projects):
    spliced, whole = projects
    for project in projects:
        (project / "chapters" / "_more.qmd").write_text("# More {#sec-more}\n\nMore text, by hand.\n", encoding="utf-8")
        edit(project, "{{< include chapters/_method.qmd >}}",
             "{{< include chapters/_method.qmd >}}\n\n{{< include chapters/_more.qmd >}}", Path("paper.qmd"))
    render(spliced)
    for chapter, old, new in ((CHAPTER, "Everything above", "Everything shown above"),
                              (Path("chapters") / "_more.qmd", "More text", "More words")):
        for project in projects:
            edit(project, old, new, chapter)
        assert f"{chapter.as_posix()} {SPLICED}" in render(spliced)
        render(whole, "--whole")
        assert_same_outputs(spliced, whole)


@pytest.mark.slow
def test_raw_typst_that_fails_in_a_spliced_chapter_is_refused_at_its_line_and_the_outputs_stay(projects):
    spliced, _ = projects
    before = {name: (spliced / "_output" / name).read_bytes() for name in OUTPUTS}
    edit(spliced, "Everything above", "Everything above\n\n```{=typst}\n#not-defined-anywhere()\n```\n")
    result = run_report("render", "--engine", "builtin", project=spliced)
    assert result.exit_code == 3, result.output
    assert SPLICED in result.output  # Typst's error came from the spliced source's compile
    assert "chapters/_method.qmd:" in result.output and "not-defined-anywhere" in result.output
    assert {name: (spliced / "_output" / name).read_bytes() for name in OUTPUTS} == before


def test_a_chapter_citing_a_work_with_a_year_suffix_and_closing_no_section_of_its_own_is_spliced(projects):
    """What a part alone would render otherwise is given to it: the whole document's cited works (a second
    Knuth 1984 makes this one "1984a"), and the sections the next file's heading keeps open."""
    spliced, whole = projects
    for project in projects:
        bib = project / "references.bib"
        bib.write_text(bib.read_text(encoding="utf-8") + "\n@book{knuth1984b,\n  author = {Knuth, Donald E.},\n"
                       "  title = {The METAFONTbook},\n  publisher = {Addison-Wesley},\n  year = {1984},\n}\n",
                       encoding="utf-8")
        edit(project, "{{< include chapters/_method.qmd >}}",
             "{{< include chapters/_method.qmd >}}\n\n## After the method {#sec-after}\n\nAs @knuth1984b shows.", Path("paper.qmd"))
        edit(project, "Everything above", "Everything above [@knuth1984]")
    render(spliced)
    for project in projects:
        edit(project, "Everything above", "Everything shown above")
    assert SPLICED in render(spliced)
    render(whole, "--whole")
    assert_same_outputs(spliced, whole)
    assert "1984a" in (spliced / "_output" / "paper.html").read_text(encoding="utf-8")


def test_parts_started_before_the_steps_are_used_only_for_the_text_the_render_reads(projects):
    """`report render` starts the parts of a likely splice before its steps run (Engine.prepare); when the
    document it then reads is not the one they were started from, they are started again."""
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.progress import Progress
    from reportkit.project import Project
    from reportkit.render import render as run_render

    spliced, _ = projects
    edit(spliced, "Everything above", "Everything guessed above")
    engine = BuiltinEngine()
    engine.prepare(Project.load(spliced))
    assert set(engine._early) == {"paper"}  # started from the text as it was then
    edit(spliced, "Everything guessed above", "Everything read above")  # (as a step rewriting an include would)
    try:
        run_render(Project.load(spliced), ("html", "pdf"), progress=Progress(quiet=True), engine=engine)
    finally:
        engine.close()
    page = (spliced / "_output" / "paper.html").read_text(encoding="utf-8")
    assert "Everything read above" in page and "guessed" not in page


def test_a_likely_splice_starts_the_part_server_first_warmed_up_with_the_last_splices_typst_part(projects, monkeypatch):
    """engines/prestart.py: after a splice, the memory holds a warm-up request (the Typst part's arguments on an
    empty input); the next render that will likely splice starts the part server with it before anything else,
    and renders its parts there. Only then: not for other formats, another engine, --whole, or no edit."""
    from reportkit.engines.partserver import PartServer
    from reportkit.engines.prestart import start_parts
    from reportkit.project import Project

    spliced, _ = projects
    memory = RenderMemory(spliced, "paper")
    assert memory.warm_up() is None  # a whole render leaves none
    edit(spliced, "Everything above", "Everything warmed above")
    assert start_parts(Project.load(spliced), ("pdf", "html"), True, False) is None  # nothing to warm up with yet
    assert SPLICED in render(spliced)
    request = memory.warm_up()
    assert request and Path(request[0]).read_text(encoding="utf-8") == "" and "--metadata-file" in request
    assert "typst" in request and str(spliced / "_output") not in " ".join(request)
    assert start_parts(Project.load(spliced), ("pdf", "html"), True, False) is None  # no edit since
    edit(spliced, "Everything warmed above", "Everything warmed twice above")
    for formats, builtin, whole in ((("pdf",), True, False), (("html", "pdf"), False, False), (("html", "pdf"), True, True)):
        assert start_parts(Project.load(spliced), formats, builtin, whole) is None
    seen = []
    warm_up, start = PartServer.warm_up, PartServer.start
    monkeypatch.setattr(PartServer, "warm_up", lambda self, args: seen.append(("warm-up", self)) or warm_up(self, args))
    monkeypatch.setattr(PartServer, "start", lambda self, args: seen.append(("part", self)) or start(self, args))
    assert SPLICED in render(spliced)
    assert sorted(kind for kind, _ in seen) == ["part", "part", "warm-up"]  # the Typst and HTML parts as they are
    assert len({id(server) for _, server in seen}) == 1
    assert "Everything warmed twice above" in (spliced / "_output" / "paper.html").read_text(encoding="utf-8")
