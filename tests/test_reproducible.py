"""Determinism and `report verify`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TESTS, run_report
from reportkit.fingerprint import sha256_file
from reportkit.reproducible import clean_copy


def git_project(source: Path, target: Path) -> Path:
    generated = ["_output", ".reportkit", "gen"] + (["_variables.yml"] if (source / "tools").is_dir() else [])
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*generated))
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(["git", *args], cwd=target, check=True, env=env)
    return target


def test_verify_passes_then_catches_a_changed_output(tmp_path):
    project = git_project(TESTS / "graph_project", tmp_path / "graph")
    assert run_report("render", "-q", project=project).exit_code == 0
    result = run_report("verify", project=project)
    assert result.exit_code == 0, result.output
    assert "identical to a clean, offline render" in result.output
    (project / "gen" / "alpha.txt").write_text("999", encoding="utf-8")
    result = run_report("verify", project=project)
    assert result.exit_code == 7
    assert "gen/alpha.txt: differs" in result.output
    assert "paper.pdf" not in result.output  # only the changed output is listed


def test_pdf_timestamp_comes_from_the_last_commit(tmp_path):
    from pypdf import PdfReader

    project = git_project(TESTS / "fixture_project", tmp_path / "fixture")
    assert run_report("render", "-q", "--to", "pdf", "--engine", "builtin", project=project).exit_code == 0
    created = PdfReader(str(project / "_output" / "paper.pdf")).metadata.creation_date
    assert created.year == 2026 and created.month == 1 and created.day == 1


@pytest.mark.slow
def test_two_clean_renders_of_the_paper_are_identical(tmp_path):
    """Figures, tables, variables, HTML and (with a fixed timestamp) PDF: byte for byte."""
    copies = []
    for name in ("first", "second"):
        copy = tmp_path / name
        clean_copy(REPO, copy)
        env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
        done = subprocess.run([sys.executable, "-m", "reportkit.cli", "render", "-q", "--engine", "builtin",
                               "--project", str(copy)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        copies.append(copy)
    generated = sorted(p.relative_to(copies[0]) for p in copies[0].rglob("*")
                       if p.is_file() and not {".reportkit", ".git"} & set(p.relative_to(copies[0]).parts)
                       and (p.suffix in (".svg", ".md", ".csv", ".json", ".yml", ".html", ".pdf")))
    assert any(p.suffix == ".svg" for p in generated) and any(p.name == "paper.pdf" for p in generated)
    different = [str(p) for p in generated if sha256_file(copies[0] / p) != sha256_file(copies[1] / p)]
    assert different == []
