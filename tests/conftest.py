"""Shared fixtures: a fresh copy of the fixture project, and a way to run `report`.

Also a guard: no test may write into the checkout. Every file under the repository (outside
.git, .venv and Python's caches) is listed with its size and modification time before the
session and compared after it; a difference fails the run and names the files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportkit.cli import main as report_main
from reportkit.engines.executables import find_quarto

TESTS = Path(__file__).parent
FIXTURE = TESTS / "fixture_project"
REPO = TESTS.parent
NOT_WATCHED = {".git", ".venv", "__pycache__", ".pytest_cache"}
QUARTO = find_quarto()
NO_QUARTO = ("Quarto is not installed here (no quarto on PATH, QUARTO_PATH unset): "
             "README 'Run the tests' says how to run the Quarto-engine tests")
HIDDEN_QUARTO = "/nonexistent/quarto-hidden-by-tests-conftest"


def pytest_report_header(config):
    """Say at the top of every run whether the Quarto-engine tests will run."""
    if QUARTO:
        return f"quarto: {QUARTO} (the tests marked quarto run)"
    return f"quarto: not found, the tests marked quarto are skipped ({NO_QUARTO})"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``quarto`` run the real Quarto CLI: skipped, with the reason, where there is none."""
    if QUARTO is None:
        for item in items:
            if item.get_closest_marker("quarto"):
                item.add_marker(pytest.mark.skip(reason=NO_QUARTO))


@pytest.fixture(autouse=True)
def engine_auto_is_builtin(request, monkeypatch):
    """Every test not marked ``quarto`` renders with the built-in engine, also under ``--engine auto``
    and in subprocesses: a QUARTO_PATH that names no file hides any Quarto (see engines.find_quarto)."""
    if request.node.get_closest_marker("quarto") is None:
        monkeypatch.setenv("QUARTO_PATH", HIDDEN_QUARTO)


def checkout_files(root: Path = REPO) -> dict[str, tuple[int, int]]:
    """Every file of the checkout (outside NOT_WATCHED folders): path -> (size, mtime_ns)."""
    found = {}
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [d for d in subfolders if d not in NOT_WATCHED]
        for name in files:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            found[os.path.relpath(path, root)] = (stat.st_size, stat.st_mtime_ns)
    return found


def pytest_sessionstart(session):
    session.config.stash[CHECKOUT_KEY] = checkout_files()


def pytest_sessionfinish(session, exitstatus):
    before = session.config.stash.get(CHECKOUT_KEY, None)
    if before is None:
        return
    after = checkout_files()
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    if changed:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "tests wrote into the checkout: " + ", ".join(changed[:20]) + (" ..." if len(changed) > 20 else "")
        if reporter:
            reporter.write_line(text, red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


CHECKOUT_KEY = pytest.StashKey[dict]()


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    """A writable copy of tests/fixture_project without any earlier outputs."""
    target = tmp_path / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    return target


def run_report(*args: str, project: Path):
    """Run `report ARGS --project PROJECT` in-process; returns click's Result."""
    runner = CliRunner()
    return runner.invoke(report_main, [*args, "--project", str(project)], catch_exceptions=False)


@pytest.fixture(scope="session")
def rendered_fixture(tmp_path_factory) -> Path:
    """The fixture project rendered once (both formats, built-in engine) for read-only tests."""
    target = tmp_path_factory.mktemp("rendered") / "project"
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("_output", ".reportkit"))
    result = run_report("render", "--engine", "builtin", project=target)
    assert result.exit_code == 0, result.output
    return target


def tracked_copy(target: Path) -> Path:
    """Copy the repository's tracked files (what a fresh clone has) to ``target``; tests that run
    the analysis or render the paper work there, never in the checkout."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.fixture(scope="session")
def rendered_paper(tmp_path_factory) -> Path:
    """The repository's paper from its tracked files only (as on a fresh clone), rendered once."""
    target = tracked_copy(tmp_path_factory.mktemp("paper") / "repo")
    result = run_report("render", "--engine", "builtin", project=target)
    assert result.exit_code == 0, result.output
    return target


def rendered_with_quarto(source: Path, target: Path, *args: str):
    """Copy a rendered or source project to ``target`` (its analysis outputs and build state kept, its
    outputs dropped) and render it with Quarto; returns (project, click Result)."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("_output", ".quarto"))
    return target, run_report("render", "--engine", "quarto", *args, project=target)


@pytest.fixture(scope="session")
def quarto_fixture(tmp_path_factory):
    """The fixture project rendered once by Quarto (both formats). Lenient: Quarto reads the fixture's
    markup-looking variable as markdown (see test_engines.py), which strict mode reports."""
    if QUARTO is None:
        pytest.skip(NO_QUARTO)
    return rendered_with_quarto(FIXTURE, tmp_path_factory.mktemp("quarto-fixture") / "project", "--allow-warnings")


@pytest.fixture(scope="session")
def quarto_paper(tmp_path_factory, rendered_paper):
    """The paper rendered by Quarto, from a copy of the built-in engine's project (the analysis is not run
    again: only the render step, whose key holds the engine, is stale)."""
    if QUARTO is None:
        pytest.skip(NO_QUARTO)
    return rendered_with_quarto(rendered_paper, tmp_path_factory.mktemp("quarto-paper") / "repo")
