"""reportkit's own settings under `reportkit:` in _quarto.yml: one paper's taste is not built in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import TESTS, run_report
from reportkit.lint import project_typed_numbers
from reportkit.project import Project
from reportkit.settings import settings


def with_settings(project: Path, text: str) -> None:
    config = project / "_quarto.yml"
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text + "\n", encoding="utf-8")


def test_required_provenance_is_the_projects_choice(tmp_path):
    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    assert "provenance" not in run_report("check", project=project).output
    with_settings(project, "  required-provenance: [title, doi]\n")
    result = run_report("check", project=project)
    assert result.exit_code == 5
    assert "resource 'a': provenance field 'doi' is missing" in result.output
    assert "vintage" not in result.output  # no longer required
    result = run_report("render", project=project)  # the build graph's data step reads the same setting
    assert result.exit_code == 5 and "provenance field 'doi' is missing" in result.output


def test_number_rules_are_settings(fixture_project):
    append(fixture_project / "chapters" / "_method.qmd", "We counted 42 items, see paragraph 117 and Abs. 133.")
    assert [p.subject for p in project_typed_numbers(Project.load(fixture_project))] == ["42", "133"]
    with_settings(fixture_project, "reportkit:\n  prose-numbers:\n    small: 50\n    reference-words: [abs]\n")
    assert [p.subject for p in project_typed_numbers(Project.load(fixture_project))] == ["117"]


def test_generated_folder_is_a_setting(fixture_project):
    (fixture_project / "out").mkdir()
    (fixture_project / "out" / "table.md").write_text("Counted 98,765 rows.\n", encoding="utf-8")
    append(fixture_project / "paper.qmd", "{{< include out/table.md >}}")
    assert [p.subject for p in project_typed_numbers(Project.load(fixture_project))] == ["98,765"]
    with_settings(fixture_project, "reportkit:\n  generated-folder: out\n")
    assert project_typed_numbers(Project.load(fixture_project)) == []


@pytest.mark.parametrize("text, message", [
    ("reportkit: [steps]\n", "reportkit must be a mapping"),
    ("reportkit:\n  required-provenance: title\n", "required-provenance must be a list"),
    ("reportkit:\n  prose-numbers:\n    years: [1700]\n", "reportkit.prose-numbers"),
    ("reportkit:\n  data-package: nowhere/datapackage.json\n", "names nowhere/datapackage.json, which does not exist"),
])
def test_bad_settings_are_configuration_errors(fixture_project, text, message):
    with_settings(fixture_project, text)
    line = (fixture_project / "_quarto.yml").read_text(encoding="utf-8").splitlines().index(text.splitlines()[0]) + 1
    result = run_report("check", project=fixture_project)
    assert result.exit_code == 2 and message in result.output and f"_quarto.yml:{line}" in result.output


def test_defaults_without_settings(fixture_project):
    options = settings(Project.load(fixture_project))
    assert options.data_package is None and "vintage" in options.required_provenance
    assert options.number_rules.generated_folder == "generated" and options.number_rules.small == 10


def test_a_wrong_checksum_says_how_to_rebuild_the_package(tmp_path):
    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    with_settings(project, "  data-rebuild: python tools/rehash.py\n")
    csv = project / "data" / "a.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("3", "4"), encoding="utf-8")
    result = run_report("render", project=project)
    assert result.exit_code == 5 and "data/a.csv: resource 'a': sha256 is" in result.output
    assert "rebuild the package's checksums: python tools/rehash.py" in result.output
