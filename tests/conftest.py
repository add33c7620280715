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

TESTS = Path(__file__).parent
FIXTURE = TESTS / "fixture_project"
REPO = TESTS.parent
NOT_WATCHED = {".git", ".venv", "__pycache__", ".pytest_cache"}


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
