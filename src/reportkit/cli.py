"""The ``report`` command line."""

from __future__ import annotations

import functools
import gc
import shutil
import signal
import sys
from pathlib import Path
from typing import Callable, NoReturn

import click

from . import __version__
from .engines import ENGINE_CHOICES
from .errors import ConfigError, ReportError, StrictnessError
from .progress import Progress
from .project import ALL_FORMATS, FORMATS, Project, output_name

FORMAT_CHOICES = ("all", *FORMATS)  # what report verify records (manifest.json)


class Formats(click.ParamType):
    """``--to``: a format, a comma-separated list of them (``html,docx``), or ``all`` (pdf and html,
    the default formats; Word and JATS only when named)."""

    name = "FORMATS"

    def convert(self, value, param, ctx) -> str:
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        unknown = [n for n in names if n not in ("all", *ALL_FORMATS)]
        if unknown or not names:
            self.fail(f"{', '.join(unknown) or 'nothing'}: choose from all, {', '.join(ALL_FORMATS)} "
                      "(several separated by commas)", param, ctx)
        return ",".join(names)


def formats_of(to: str) -> tuple[str, ...]:
    """The formats ``--to`` names, in the order given (``all``: pdf and html)."""
    names = [n for part in to.split(",") for n in (FORMATS if part == "all" else (part,))]
    return tuple(dict.fromkeys(names))


def engine_option(default: str = "auto"):
    return click.option("--engine", type=click.Choice(ENGINE_CHOICES), default=default, show_default=True,
                        help="auto uses Quarto when a quarto executable is on PATH or named by QUARTO_PATH, "
                             "otherwise the built-in pandoc + Typst engine.")


def to_option(default: str, help: str):
    return click.option("--to", "to", type=Formats(), default=default, show_default=True, help=help)


def jobs_option(help: str = "Processes for independent project steps (the analysis)."):
    return click.option("--jobs", "-j", type=click.IntRange(1, 64), default=2, show_default=True, help=help)


explain_option = click.option("--explain", is_flag=True, help="Say for every step why it runs (which input "
                              "changed, which output is missing) or that it is up to date.")


def _fail(error: ReportError) -> NoReturn:
    click.echo(click.style("error: ", fg="red", bold=True) + str(error), err=True)
    if isinstance(error, StrictnessError) and all(p.refusal for p in error.problems):
        click.echo("The built-in engine cannot render these as Quarto does. "
                   "The previous outputs were left unchanged.", err=True)
    elif isinstance(error, StrictnessError):
        click.echo("Fix these, or re-run with --allow-warnings to render anyway. "
                   "The previous outputs were left unchanged.", err=True)
    sys.exit(error.exit_code)


def project_command(function: Callable) -> Callable:
    """A subcommand that works on a project: adds ``--project``, loads the project (passed as
    ``project``), and turns any ReportError into its message and exit code."""

    @click.option("--project", "-p", "project_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=Path("."), show_default=True,
                  help="Project folder (or any folder inside it); the one holding _quarto.yml is used.")
    @functools.wraps(function)
    def wrapper(*args, project_dir: Path, **kwargs):
        files = tuple(kwargs.pop("files", ()) or ())
        start = Path(files[0]).parent if files and project_dir == Path(".") else project_dir
        try:
            return function(*args, project=Project.load(start, files), **kwargs)
        except ReportError as error:
            _fail(error)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="report")
def main() -> None:
    """Build a Quarto-style paper to PDF and HTML.

    \b
    Examples, from the project folder:
      report render              # both formats, strict checks
      report render --to html    # only the reviewers' HTML page
      report check               # validate data and sources without rendering
      report build               # run the analysis (only what is stale) without rendering
      report clean               # remove generated outputs
      report preview             # serve the HTML, re-render on save
      report status              # what a render would run, and why
      report verify              # re-render a clean copy offline and compare with manifest.json
      report archive             # one zip with sources, data, lock file, outputs and manifest
      report new my-paper        # start a new project that renders out of the box
      report diff HEAD~1         # what changed for a reader since the previous commit
    """
    # a polite stop (kill's default signal, a process manager, a benchmark) as Ctrl-C: the steps' workers and
    # pandoc processes are stopped with the command, and nothing half-written is published
    signal.signal(signal.SIGTERM, signal.default_int_handler)


@main.command()
@to_option("all", "Output format(s): pdf (via Typst), html (one standalone page), docx (Word), jats (JATS XML, "
                  "Article Authoring), all (pdf and html), or several separated by commas (pdf,html,docx,jats).")
@engine_option()
@click.option("--allow-warnings", is_flag=True,
              help="Report unresolved references, unknown variables, missing citations and includes "
                   "as warnings instead of failing.")
@click.option("--quiet", "-q", is_flag=True, help="Print only warnings, errors and the files written.")
@click.option("--whole", is_flag=True,
              help="Render each stale document whole. By default the built-in engine renders a document in which "
                   "only one included file (a chapter) changed since its last render by rendering that file alone "
                   "and splicing it into the last HTML and Typst source, when that gives what a whole render gives.")
@explain_option
@jobs_option()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@project_command
def render(to: str, engine: str, allow_warnings: bool, quiet: bool, whole: bool, explain: bool, jobs: int,
           project: Project) -> None:
    """Render the paper to PDF and HTML (or Word, JATS) in the output folder (default _output/).

    Only what is stale runs: the data check when data/ changed, the project's
    analysis steps whose inputs or code changed (in parallel), and the document
    when anything it reads changed. Outputs are rendered into a staging folder,
    checked (PDF complete, no ?@ or ?var: markers, every link target and image
    present, every format shows the HTML's numbered captions, quoted values and
    cited works) and only then moved into place: a failed render never replaces
    the last good files. Word (paper.docx) and JATS (paper.xml) are rendered only
    when --to names them; their check renders the HTML too (not published unless asked).

    \b
    Exit codes: 0 success, 1 other error, 2 configuration error,
    3 strictness problems, 4 engine (pandoc/Typst/Quarto) failure,
    5 data validation failure, 6 an analysis step (or pre-render
    command) failed, 130 interrupted (Ctrl-C or SIGTERM).

    \b
    FILES: render only these documents (default: the project's project.render, or every .qmd
    document; a folder without _quarto.yml is a folder of lone documents, as for quarto render).

    \b
    Examples:
      report render
      report render notes.qmd    # one document, with or without a _quarto.yml
      report render --to pdf --engine builtin
      report render --to docx    # Word, for co-authors and journals (paper.docx)
      report render --to pdf,html,docx,jats
      report render --allow-warnings --quiet
      report render --explain    # why each step ran or was skipped
      report render --whole      # no splicing of one edited chapter
    """
    from .engines import builtin_chosen
    from .engines.prestart import start_parts

    formats = formats_of(to)
    parts = start_parts(project, formats, builtin_chosen(engine), whole)  # before the engines are imported
    from .render import render as run_render

    try:
        run_render(project, formats, engine, strict=not allow_warnings, progress=Progress(quiet),
                   explain=explain, jobs=jobs, whole=whole, parts=parts)
        gc.freeze()  # done: the interpreter's exit need not search everything the render made for cycles (~0.04 s)
    except KeyboardInterrupt:
        click.echo("interrupted: previous outputs left unchanged", err=True)
        sys.exit(130)


@main.command()
@click.option("--parity", is_flag=True,
              help="Instead, compare the rendered HTML with the PDF (and the Word and JATS files, where rendered) "
                   "in the output folder: same numbered captions, quoted values and cited works.")
@project_command
def check(parity: bool, project: Project) -> None:
    """Check without rendering: the data package (checksums, schemas, provenance), then
    the sources (shortcodes, variables, includes).

    \b
    Examples:
      report check
      report check --parity      # after report render
    """
    from .lint import source_problems

    problems = _parity_problems(project) if parity else source_problems(project)
    if problems:
        raise StrictnessError(problems)
    Progress().result("the outputs agree with the HTML" if parity else f"data and sources OK: {len(project.main_inputs)} document(s)")


def _parity_problems(project: Project) -> list:
    from . import parity
    from .pipeline import expected
    from .source import Document

    problems = []
    for main_input in project.main_inputs:
        html, pdf, *others = (project.output_dir / output_name(project.stem(main_input), fmt)
                              for fmt in ("html", "pdf", "docx", "jats"))
        missing = [p for p in (html, pdf) if not p.is_file()]
        if missing:
            raise ReportError(f"{project.relative(missing[0])} does not exist: run `report render` first")
        for other in [pdf, *(p for p in others if p.is_file())]:
            report = parity.compare(html, other, expected(Document.read(project, main_input), parity.marks_values(html)))
            Progress().info(f"{project.relative(html)} / {other.name}: {report.summary()}")
            problems += report.problems
    return problems


@main.command()
@explain_option
@jobs_option()
@project_command
def build(explain: bool, jobs: int, project: Project) -> None:
    """Bring the data check and the project's analysis steps up to date, without rendering.

    Writes the figures, tables and _variables.yml the chapters embed; only stale steps run.

    \b
    Example:
      report build --explain
    """
    from .engines.builtin import BuiltinEngine
    from .plan import build_graph

    progress = Progress()
    graph = build_graph(project, FORMATS, BuiltinEngine(), True, progress, jobs=jobs, documents=False)
    try:
        outcomes = graph.run(progress, explain)
    finally:
        graph.close()
    ran = [o.step for o in outcomes if o.ran]
    progress.result(f"built: {', '.join(ran)}" if ran else "everything up to date")


@main.command()
@to_option("all", "The formats a render would produce.")
@engine_option()
@project_command
def status(to: str, engine: str, project: Project) -> None:
    """Say what `report render` would run now, and why, without running anything.

    \b
    Example:
      report status
    """
    from .engines import select_engine
    from .plan import build_graph

    graph = build_graph(project, formats_of(to), select_engine(engine), True, Progress(), pre_render=True)
    graph.close()  # status runs nothing; close a worker the step listing may have started
    for outcome in graph.status():
        state = "stale" if outcome.ran else "up to date"
        click.echo(f"{outcome.step}: {state}" + (f" ({'; '.join(outcome.reasons)})" if outcome.reasons else ""))


@main.command()
@click.option("--to", "to", type=click.Choice(FORMAT_CHOICES), default=None,
              help="The formats to render and compare [default: the manifest's].")
@click.option("--engine", type=click.Choice(ENGINE_CHOICES), default=None,
              help="The engine to render with [default: the manifest's, else builtin].")
@click.option("--update", is_flag=True, help="Record manifest.json from a clean render instead of comparing.")
@click.option("--keep", is_flag=True, help="Keep the clean copy (its folder is printed) for inspection.")
@project_command
def verify(to: str | None, engine: str | None, update: bool, keep: bool, project: Project) -> None:
    """Re-render a clean copy of the tracked files, offline, and compare it with manifest.json.

    Copies what git tracks to a temporary folder and renders it there with the network
    unreachable, with the engine, formats and PDF timestamp the manifest records. Every
    output (figures, tables, variables, PDF, HTML) must have the manifest's sha256; each
    difference is listed, each changed quoted value by name, and tool or library versions
    that differ from the manifest's. --update records the manifest from a clean render
    (PDF timestamp: SOURCE_DATE_EPOCH, else the last commit's time).

    \b
    Exit codes: 0 reproduced (or recorded), 2 no or bad manifest, 7 a difference,
    else the clean render's own code (e.g. 6: an analysis step failed).

    \b
    Examples:
      report verify
      report verify --update     # after a deliberate change of the outputs; commit manifest.json
    """
    from .verify import verify as run_verify

    progress = Progress()
    result = run_verify(project, engine, to, update=update, keep=keep, progress=progress)
    if result.copy is not None:
        progress.info(f"clean copy kept in {result.copy}")
    made = result.made
    tools = ", ".join(f"{k} {v}" for k, v in made.tools.items())
    if update:
        progress.result(f"recorded {len(made.outputs)} outputs and {len(made.variables)} quoted values in "
                        f"manifest.json ({made.engine} engine: {tools})")
    else:
        progress.result(f"verified: all {len(made.outputs)} outputs and {len(made.variables)} quoted values of "
                        f"manifest.json reproduced by a clean, offline render ({made.engine} engine: {tools})")


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the zip [default: the output folder, <document>-archive.zip].")
@project_command
def archive(output: Path | None, project: Project) -> None:
    """Write one zip that rebuilds the paper: sources, data, lock file, outputs, manifest.

    First renders a clean copy of the tracked files offline and checks it against
    manifest.json (as `report verify` does): only outputs that reproduce the manifest are
    archived. The zip also holds CITATION.cff and a README saying how to rebuild and check.

    \b
    Example:
      report archive             # then deposit _output/paper-archive.zip
    """
    from .archive import write_archive

    progress = Progress()
    path = write_archive(project, output, progress)
    progress.result(f"wrote {project.relative(path)} ({path.stat().st_size / 1e6:.1f} MB)")


@main.command()
@to_option("all", "Formats to re-render on each change (with all, the page is pushed as soon as the HTML is "
                  "ready; the PDF and the checks across formats follow).")
@engine_option()
@click.option("--port", type=click.IntRange(0, 65535), default=4848, show_default=True,
              help="Port on 127.0.0.1 (0 picks a free one).")
@click.option("--allow-warnings", is_flag=True, help="Show pages with unresolved references as warnings.")
@click.option("--quick/--no-quick", default=True, show_default=True,
              help="After a save that changed one included file, show a quick page (that file re-rendered and "
                   "spliced into the last page; built-in engine) while the full render runs.")
@project_command
def preview(to: str, engine: str, port: int, allow_warnings: bool, quick: bool, project: Project) -> None:
    """Render, serve the HTML on localhost, and re-render whatever changed on each save.

    Watches every input of the build (chapters and what they include, data, analysis
    code, settings, bibliography, templates); the open page reloads itself after each
    successful render of the HTML, then the PDF and the checks across formats follow (their
    outcome shows in the page and here). A failed render is reported and the last good page
    stays. Ctrl-C stops.

    After a save that changed one included file (a chapter), the built-in engine first renders
    that file alone and splices it into the last page and PDF (a quick page), when that is the
    page a full render makes: the same numbers, headings and cited works. The full render follows
    and replaces it; a difference is reported.

    \b
    Example:
      report preview             # then open the address it prints (http://127.0.0.1:4848/)
    """
    from .engines import select_engine
    from .engines.builtin import BuiltinEngine
    from .engines.warm import WarmTypst
    from .plan import build_graph
    from .preview import Preview
    from .previewlock import hold, note
    from .quick import QuickPages
    from .render import render as run_render

    formats = formats_of(to)
    progress = Progress()
    chosen = select_engine(engine)
    root = project.root
    lock = hold(root)  # one preview per project: a second one is refused
    if isinstance(chosen, BuiltinEngine):
        chosen.warm = WarmTypst(root)  # one Typst compiler per document, warm for the whole preview

    def render_formats(which: tuple[str, ...]) -> None:
        run_render(Project.load(root), which, engine, strict=not allow_warnings, progress=progress, engine=chosen)

    first = ("html",) if "html" in formats else formats  # the page first; the rest after it is pushed
    follow = functools.partial(render_formats, formats) if first != formats else None

    def watched() -> list[Path]:
        fresh = Project.load(root)
        graph = build_graph(fresh, formats, chosen, not allow_warnings, Progress(quiet=True))
        graph.close()
        made = {o for s in graph.steps.values() for o in s.outputs}  # written by the build itself: not watched
        inputs = {i for s in graph.steps.values() for i in s.all_inputs()} - made - set(graph.fingerprints.values)
        return sorted({fresh.config_path, *(graph.fingerprints.path(i) for i in inputs)})

    home = f"{project.stem(project.main_inputs[0])}.html"
    pages = QuickPages(root, chosen, formats) if quick and isinstance(chosen, BuiltinEngine) else None
    try:
        Preview(project.output_dir, functools.partial(render_formats, first), watched, progress, port=port, home=home,
                follow=follow, quick=pages, full=functools.partial(render_formats, formats)).serve(
            on_ready=lambda url: note(lock, url + home))
    finally:
        chosen.close()


@main.command()
@click.argument("revision")
@click.argument("revision2", required=False)
@click.option("--check", is_flag=True, help="Exit 1 when any quoted value changed (for CI: the numbers moved).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the page [default: the output folder, diff-REVISION.html].")
@project_command
def diff(revision: str, revision2: str | None, check: bool, output: Path | None, project: Project) -> None:
    """What changed in the paper between REVISION and REVISION2 (default: the working tree).

    Renders both through the build graph (an older revision in the build cache, with
    today's code; your files are never touched) and reports what a reader sees: every
    quoted value that changed, the sentences that quote it and the changed files it
    depends on; figures (side by side), tables (cell by cell), references added or
    removed, and the prose of each section word by word. Also writes a reviewers' page.

    \b
    Exit codes: 0 it ran (whatever it found), 1 --check and a value changed,
    or an error (such as a name that is not a revision of this repository).

    \b
    Examples:
      report diff HEAD~3                 # since three commits ago
      report diff v1-submitted v2        # between two tags
      report diff main --check           # in CI: fail when the numbers moved
    """
    from .diff import compare
    from .diff.page import page, summary_lines

    progress = Progress()
    result = compare(project, revision, revision2, progress)
    for line in summary_lines(result):
        click.echo(line)
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in revision)
    target = output or project.output_dir / f"diff-{name}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page(result, str(project.config.get("title", project.root.name))), encoding="utf-8")
    progress.result(f"wrote {project.relative(target)}")
    if check and result.changes.values:
        sys.exit(1)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def new(directory: Path) -> None:
    """Create a new project in DIRECTORY: a small paper that renders and checks out of the box.

    It has _quarto.yml, a main document and a chapter, a bibliography, a data package with one
    sourced CSV file, an analysis step that writes a figure, a table and the values the text
    quotes, and a test of the analysis. DIRECTORY must not exist or be empty.

    \b
    Example:
      report new my-paper && cd my-paper && report render
    """
    from .newproject import create

    try:
        created = create(directory)
    except ReportError as error:
        _fail(error)
    click.echo(f"created {len(created)} files in {directory}/; next: cd {directory} && report render")


@main.command()
@click.option("--dry-run", "-n", is_flag=True, help="List what would be removed without removing it.")
@project_command
def clean(dry_run: bool, project: Project) -> None:
    """Remove what renders wrote: the output folder (_output/) and the build cache (.reportkit/).

    Keeps everything else: sources, data, what the project's own steps generated (figures,
    tables, _variables.yml: the next render reruns what is stale), manifest.json and the lock
    file. Refuses when the output folder is the project itself or holds a source.

    \b
    Example:
      report clean --dry-run
    """
    output = project.output_dir.resolve()
    if output == project.root or project.root not in output.parents or any(output in m.parents for m in project.main_inputs):
        raise ConfigError(f"refusing to clean output-dir {output}: it is not a folder of its own inside the project",
                          rule="config.output-dir")
    targets = [output, project.root / ".reportkit"]
    for target in targets:
        if target.exists():
            click.echo(("would remove " if dry_run else "removed ") + project.relative(target))
            if not dry_run:
                shutil.rmtree(target)


if __name__ == "__main__":
    main()
