"""Shared fixtures: a fresh copy of the fixture project, and a way to run `report`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportkit.cli import main as report_main

TESTS = Path(__file__).parent
FIXTURE = TESTS / "fixture_project"
REPO = TESTS.parent


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


@pytest.fixture(scope="session")
def rendered_paper(tmp_path_factory) -> Path:
    """The repository's paper from its tracked files only (as on a fresh clone), rendered once."""
    target = tmp_path_factory.mktemp("paper") / "repo"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    result = run_report("render", "--engine", "builtin", project=target)
    assert result.exit_code == 0, result.output
    return target
