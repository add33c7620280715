"""The command line itself: help with examples, version, clean."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import run_report
from reportkit import __version__
from reportkit.cli import main


@pytest.mark.parametrize("command", [[], ["render"], ["check"], ["clean"], ["status"], ["verify"], ["preview"], ["build"]])
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "report" in result.output


def test_render_help_lists_options():
    output = CliRunner().invoke(main, ["render", "--help"]).output
    for option in ("--to", "--engine", "--allow-warnings", "--quiet", "docx (Word)", "jats (JATS XML", "auto|quarto|builtin"):
        assert option in output


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_no_project_is_a_clear_error(tmp_path):
    result = run_report("render", project=tmp_path)
    assert result.exit_code == 2 and "no _quarto.yml found" in result.output and "no .qmd document" in result.output


def test_clean_removes_outputs_only(fixture_project):
    assert run_report("render", "--engine", "builtin", "--to", "html", "-q", project=fixture_project).exit_code == 0
    generated = ("_output", ".reportkit")
    sources = sorted(p.relative_to(fixture_project) for p in fixture_project.rglob("*")
                     if not set(generated) & set(p.relative_to(fixture_project).parts))
    dry = run_report("clean", "--dry-run", project=fixture_project)
    assert "would remove _output" in dry.output and (fixture_project / "_output").exists()
    result = run_report("clean", project=fixture_project)
    assert result.exit_code == 0 and not (fixture_project / "_output").exists()
    after = sorted(p.relative_to(fixture_project) for p in fixture_project.rglob("*"))
    assert after == sources


def test_to_html_writes_only_html(fixture_project):
    result = run_report("render", "--engine", "builtin", "--to", "html", project=fixture_project)
    assert result.exit_code == 0
    assert "wrote _output/paper.html" in result.output
    assert not (fixture_project / "_output" / "paper.pdf").exists()


def test_root_relative_paths_in_settings(fixture_project):
    """`/x` in a setting means the project root, wherever the file naming it lives."""
    paper = fixture_project / "paper.qmd"
    paper.write_text(paper.read_text(encoding="utf-8").replace(
        'subtitle: "Built by reportkit"', 'subtitle: "Built by reportkit"\nbibliography: /references.bib'), encoding="utf-8")
    result = run_report("render", "--engine", "builtin", "--to", "html", project=fixture_project)
    assert result.exit_code == 0, result.output
    assert "Knuth, Donald E. 1984." in (fixture_project / "_output" / "paper.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("output_dir", [".", "..", "chapters/.."])
def test_clean_refuses_an_output_folder_that_is_not_its_own(fixture_project, output_dir):
    config = fixture_project / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("output-dir: _output", f"output-dir: {output_dir}"),
                      encoding="utf-8")
    before = sorted(p.relative_to(fixture_project.parent) for p in fixture_project.parent.rglob("*"))
    result = run_report("clean", project=fixture_project)
    assert result.exit_code == 2 and "refusing to clean output-dir" in result.output
    assert sorted(p.relative_to(fixture_project.parent) for p in fixture_project.parent.rglob("*")) == before


def test_a_failing_step_shows_its_traceback_once_also_when_quiet(tmp_path):
    import shutil

    from conftest import TESTS

    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    alpha = project / "tools" / "alpha.py"
    alpha.write_text(alpha.read_text(encoding="utf-8").replace("def run():", "def run():\n    raise RuntimeError('bad alpha')"),
                     encoding="utf-8")
    for command in (["render", "-q"], ["status"]):
        result = run_report(*command, project=project)
        if command[0] == "status":
            assert result.exit_code == 0  # status runs nothing: no failure to show
            continue
        assert result.exit_code == 6
        assert result.output.count("RuntimeError: bad alpha") == 1, result.output
        assert "tools/alpha.py" in result.output


def test_a_failing_stepkit_step_is_named_with_its_file_and_line(tmp_path):
    from click.testing import CliRunner

    project = tmp_path / "new"
    CliRunner().invoke(main, ["new", str(project)], catch_exceptions=False)
    module = project / "analysis" / "population.py"
    text = module.read_text(encoding="utf-8").replace("    rows = series()\n", "    rows = series()\n    1 / 0\n")
    module.write_text(text, encoding="utf-8")
    line = text.splitlines().index("    1 / 0") + 1
    result = run_report("render", "-q", project=project)
    assert result.exit_code == 6 and f"analysis/population.py:{line}: step population failed" in result.output
    assert result.output.count("ZeroDivisionError") == 1


def test_an_import_error_in_the_steps_is_reported_once_with_its_line(tmp_path):
    import shutil

    from conftest import TESTS

    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    main = project / "tools" / "__main__.py"
    main.write_text("import no_such_module_anywhere\n" + main.read_text(encoding="utf-8"), encoding="utf-8")
    for command in ("render", "status"):
        result = run_report(command, project=project)
        assert result.exit_code == 6
        assert result.output.count("No module named 'no_such_module_anywhere'") == 1, result.output


def test_a_worker_that_dies_is_reported_after_what_it_printed_on_its_way_out(tmp_path):
    """Its stdout may end before its stderr has been read: the cause must still come first, once."""
    import shutil

    from conftest import TESTS

    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    (project / "tools" / "__main__.py").write_text(  # exits at once; its stderr ends 0.5 s later (a child's)
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import sys, time; time.sleep(0.5); "
        "sys.stderr.write(\"the cause, printed late\\\\n\")'], stdout=subprocess.DEVNULL)\n"
        "sys.exit(1)\n", encoding="utf-8")
    result = run_report("render", project=project)
    assert result.exit_code == 6
    assert result.output.count("the cause, printed late") == 1, result.output
    assert result.output.index("the cause, printed late") < result.output.index("exited (code 1)")


def test_live_progress_line_on_a_terminal(capsys):
    from reportkit.progress import Progress

    progress = Progress(live=True)
    progress.begin("step alpha")
    progress.info("  step beta ... 0.10s")
    progress.end("step alpha")
    err = capsys.readouterr().err
    assert "running: step alpha" in err and "\r\x1b[K" in err  # drawn, then cleared before each line
    assert err.rstrip().endswith("step beta ... 0.10s") or "\r\x1b[K" in err.rsplit("step beta", 1)[1]
    quiet = Progress(quiet=True)
    assert quiet.live is False


def test_render_to_takes_a_list_of_formats_and_refuses_unknown_ones(fixture_project):
    from reportkit.cli import formats_of

    assert formats_of("all") == ("pdf", "html") and formats_of("html,docx,jats") == ("html", "docx", "jats")
    result = CliRunner().invoke(main, ["render", "--to", "pdf,odt", "--project", str(fixture_project)])
    assert result.exit_code == 2 and "odt: choose from all, pdf, html, docx, jats" in result.output
