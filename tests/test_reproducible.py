"""Determinism and `report verify`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, TESTS, run_report
from reportkit.fingerprint import sha256_file
from reportkit.reproducible import clean_copy
from test_graph import rehash


def git_project(source: Path, target: Path, tracked_only: bool = False) -> Path:
    """A copy of ``source`` committed in a new git repository (on 2026-01-01, the PDFs' timestamp);
    ``tracked_only``: copy only the files git tracks in ``source`` (a fresh clone, without outputs)."""
    if tracked_only:
        clean_copy(source, target)
    else:
        generated = ["_output", ".reportkit", "gen"] + (["_variables.yml"] if (source / "tools").is_dir() else [])
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*generated))
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org", GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "fixture"]):
        subprocess.run(["git", *args], cwd=target, check=True, env=env)
    return target


@pytest.mark.slow  # several clean renders
def test_verify_compares_a_clean_render_with_the_manifest(tmp_path):
    project = git_project(TESTS / "graph_project", tmp_path / "graph")
    result = run_report("verify", project=project)
    assert result.exit_code == 2 and "record one with `report verify --update`" in result.output
    result = run_report("verify", "--update", project=project)
    assert result.exit_code == 0, result.output
    manifest = json.loads((project / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source_date_epoch"] == 1767225600  # the last commit's time
    assert {"gen/alpha.txt", "_output/paper.pdf", "_output/paper.html", "_variables.yml"} <= set(manifest["outputs"])
    assert manifest["variables"] == {"alpha.total": "6", "beta.total": "30"}
    assert manifest["tools"]["pandoc"] == "3.9"
    assert not (project / "_output").exists()  # the manifest comes from a clean copy, not the working tree

    result = run_report("verify", project=project)
    assert result.exit_code == 0, result.output
    assert "verified: all" in result.output and "2 quoted values" in result.output

    csv = project / "data" / "a.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("3", "8"), encoding="utf-8")
    rehash(csv)
    result = run_report("verify", project=project)
    assert result.exit_code == 7
    assert "gen/alpha.txt: differs" in result.output
    assert "value alpha.total: '6' in the manifest, '11' now" in result.output
    assert "gen/beta.txt" not in result.output  # only what changed is listed


@pytest.mark.slow  # several clean renders
def test_verify_reports_a_failing_step_with_its_own_exit_code_and_untracked_files(tmp_path):
    project = git_project(TESTS / "graph_project", tmp_path / "graph")
    assert run_report("verify", "--update", project=project).exit_code == 0
    (project / "tools" / "helper.py").write_text("FACTOR = 1\n", encoding="utf-8")  # never git-added
    alpha = project / "tools" / "alpha.py"
    alpha.write_text("from .helper import FACTOR\n" + alpha.read_text(encoding="utf-8"), encoding="utf-8")
    result = run_report("verify", project=project)
    assert result.exit_code == 6, result.output
    assert "ModuleNotFoundError" in result.output
    hint = next(line for line in result.output.splitlines() if "untracked files are not copied" in line)
    assert "tools/helper.py" in hint


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


def fake_system_font(home: Path, family: str) -> Path:
    """A font installed for the user (``~/.fonts``) under ``family``: DejaVu Serif's glyphs renamed."""
    import matplotlib
    from fontTools.ttLib import TTFont

    font = TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf")
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = family.replace(" ", "")
    target = home / ".fonts" / f"{family.replace(' ', '')}.ttf"
    target.parent.mkdir(parents=True, exist_ok=True)
    font.save(target)
    return target


def test_figures_never_use_a_font_installed_on_the_system(tmp_path):
    home = tmp_path / "home"
    fake_system_font(home, "Fake Sans")
    env = dict(os.environ, HOME=str(home), MPLCONFIGDIR=str(tmp_path / "mpl"))
    probe = "from matplotlib import font_manager as fm; print(fm.findfont('Fake Sans'))"
    seen = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert seen.stdout.strip().endswith("FakeSans.ttf")  # matplotlib alone would use the system's font
    pinned = subprocess.run([sys.executable, "-c", "import analysis.style; " + probe], env=env, cwd=REPO,
                            capture_output=True, text=True, check=True)
    assert "mpl-data" in pinned.stdout and "FakeSans" not in pinned.stdout


def perturbed(condition: str, tmp_path: Path) -> dict[str, str]:
    """Environment changes that must not change a single output byte."""
    if condition == "font":
        fake_system_font(tmp_path / "home", "DejaVu Sans")  # a system font of the very family the figures use
        return {"HOME": str(tmp_path / "home"), "MPLCONFIGDIR": str(tmp_path / "mpl")}
    return {"timezone": {"TZ": "Pacific/Kiritimati"}, "locale": {"LC_ALL": "C", "LANG": "C"},
            "hash seed": {"PYTHONHASHSEED": "4242"}}[condition]


@pytest.mark.slow
@pytest.mark.parametrize("condition", ["timezone", "locale", "hash seed", "font"])
def test_the_paper_reproduces_its_manifest_whatever_the_machine(condition, tmp_path):
    """A clean render of the repository's tracked files gives every hash and value of manifest.json, also
    with another time zone, locale, hash seed, or a conflicting font installed on the system."""
    from reportkit.project import Project
    from reportkit.verify import verify

    result = verify(Project.load(REPO), env=perturbed(condition, tmp_path), progress=None)
    assert result.made.outputs and result.made.outputs == result.recorded.outputs


@pytest.mark.slow  # five renders of the small project
def test_archive_round_trip(tmp_path):
    """The zip holds sources, outputs, manifest and README; unpacked in an empty folder (no git), it
    renders and verifies against its manifest."""
    import zipfile

    project = git_project(TESTS / "graph_project", tmp_path / "graph")
    assert run_report("verify", "--update", project=project).exit_code == 0
    result = run_report("archive", project=project)
    assert result.exit_code == 0, result.output
    bundle = project / "_output" / "paper-archive.zip"
    names = zipfile.ZipFile(bundle).namelist()
    assert {"paper.qmd", "data/a.csv", "tools/alpha.py", "manifest.json", "ARCHIVE-README.md",
            "_output/paper.pdf", "_output/paper.html", "gen/alpha.txt"} <= set(names)
    assert names == sorted(names)
    first = bundle.read_bytes()
    assert run_report("archive", project=project).exit_code == 0
    assert bundle.read_bytes() == first  # the same sources give the same zip

    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(bundle).extractall(unpacked)
    result = run_report("verify", project=unpacked)
    assert result.exit_code == 0, result.output
    assert run_report("render", "-q", project=unpacked).exit_code == 0
    manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
    for name in ("_output/paper.pdf", "_output/paper.html", "gen/alpha.txt"):
        assert sha256_file(unpacked / name) == manifest["outputs"][name], name


@pytest.mark.slow  # several clean renders
def test_archive_refuses_sources_that_do_not_reproduce_the_manifest(tmp_path):
    project = git_project(TESTS / "graph_project", tmp_path / "graph")
    assert run_report("verify", "--update", project=project).exit_code == 0
    (project / "paper.qmd").write_text((project / "paper.qmd").read_text(encoding="utf-8") + "\nMore.\n",
                                       encoding="utf-8")
    result = run_report("archive", project=project)
    assert result.exit_code == 7 and "_output/paper.html: differs" in result.output
    assert not (project / "_output" / "paper-archive.zip").exists()


@pytest.mark.slow
def test_the_papers_archive_rebuilds_in_a_new_environment_from_the_lock(tmp_path):
    """The repository's archive, unpacked in an empty folder: a new virtual environment installed from
    requirements.lock alone (the package registry is the only network used), then `report render` there
    writes every output with the manifest's hash."""
    import zipfile

    copy = git_project(REPO, tmp_path / "repo", tracked_only=True)
    result = run_report("archive", "--output", str(tmp_path / "paper.zip"), project=copy)
    assert result.exit_code == 0, result.output
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(tmp_path / "paper.zip").extractall(unpacked)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "-r", "requirements.lock"], cwd=unpacked, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    done = subprocess.run([*pip, "--no-deps", "-e", "."], cwd=unpacked, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    done = subprocess.run([str(venv / "bin" / "report"), "render", "-q"], cwd=unpacked, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    manifest = json.loads((unpacked / "manifest.json").read_text(encoding="utf-8"))
    different = [name for name, digest in manifest["outputs"].items() if sha256_file(unpacked / name) != digest]
    assert different == []


def test_citation_file_names_the_original_article():
    import yaml

    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["authors"] and citation["title"]
    assert citation["preferred-citation"]["doi"] == "10.3389/fpos.2025.1583799"
    assert "10.3389/fpos.2025.1583799" in (REPO / "README.md").read_text(encoding="utf-8")


def test_the_supplement_lists_the_versions_the_manifest_records():
    """The reproducibility section is written from the same readings as `report verify --update`:
    with the locked environment installed, it names exactly the manifest's tool and library versions."""
    from analysis.environment import environment_markdown, tools
    from reportkit.manifest import locked_libraries

    manifest = json.loads((REPO / "manifest.json").read_text(encoding="utf-8"))
    assert tools() == manifest["tools"] and locked_libraries(REPO) == manifest["libraries"]
    text = environment_markdown(tools(), locked_libraries(REPO))
    for name, version in [*manifest["tools"].items(), *manifest["libraries"].items()]:
        assert f"| {name} | {version} |" in text
