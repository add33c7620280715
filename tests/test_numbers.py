"""reportkit.numbers: numbers typed into prose are flagged with file:line; exempt forms are not."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run_report
from reportkit import numbers
from reportkit.lint import project_typed_numbers
from reportkit.project import Project
from reportkit.protocol import VALUE_CLASS, value_span
from reportkit.source import Document


def tokens(line: str) -> list[str]:
    return [f.token for f in numbers.scan_line(line)]


@pytest.mark.parametrize("line, expected", [
    ("The community numbered 808,227 in 1989.", ["808,227"]),
    ("Their share fell to 2.4 in the last count.", ["2.4"]),
    ("Uzbekistan's share is 86.1% of the total.", ["86.1%"]),
    ("a share of 15 percent and 12 per cent", ["15 percent", "12 per cent"]),
    ("There were 17 documented activities.", ["17"]),
    ("net +525 and −21,623 persons", ["+525", "−21,623"]),
    ("about 5 million Kazakhs abroad", ["5"]),
    ("a range of 7–8 million", ["7", "8"]),
    ("the 2025/260 split", ["260"]),
    ("narrow no-break 1\u202f159\u202f100 persons", ["1\u202f159\u202f100"]),
    ("![Net migration of 95 countries](fig.svg){#fig-a width=95%}", ["95"]),
])
def test_flagged(line, expected):
    assert tokens(line) == expected


@pytest.mark.parametrize("line", [
    "Between 1991 and 2023 and over 2023–2027, and in the 1990s, the 2025/26 vintage and 2023–27.",
    "Decree No. 961 of 30 November 2022; Law No. 477-IV of 22 July 2011; order № 15.",
    "On 1 Jan 2015, on April 20, on 2022-11-30 and on 29th of November.",
    "See Section 4.2, Table 12, Figure 11, Appendix 13, Article 29 and pp. 180–217.",
    "As shown [@nurbek2025kazakh, p. 12; @safran1991diasporas, pp. 83-99] and @fig-net-migration.",
    "The 20th century, the 2nd largest, the 21st, measure M04 and COVID-19.",
    "three authors, seven directions, 4 countries and 10 areas",
    f"Value [808,227]{{.{VALUE_CLASS} data-var=\"diaspora.uzb.count_1989\"}} persons.",
    "Code `x = 1,234` and math $x^{15}$ stay out.",
    "A [link](https://example.org/page/12345) and <https://a.org/77> and https://b.org/99 and doi:10.3389/fpos.2025.1583799",
])
def test_exempt(line):
    assert tokens(line) == []


def test_block_constructs_skipped(fixture_project: Path):
    chapter = fixture_project / "chapters" / "_method.qmd"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n".join([
        "", "## Heading with 123 items", "", "```", "x = 4567", "```", "", "$$", "y = 8,901", "$$", "",
        "<!--", "a comment with 2,345", "-->", "", "| A | 678 |", "|:--|--:|", "", "::: {#div-99}", ":::", "",
    ]), encoding="utf-8")
    project = Project.load(fixture_project)
    assert project_typed_numbers(project) == []


def test_location_and_include_chain(fixture_project: Path):
    chapter = fixture_project / "chapters" / "_method.qmd"
    text = chapter.read_text(encoding="utf-8").rstrip("\n") + "\n\nWe counted 1,234 items by hand.\n"
    chapter.write_text(text, encoding="utf-8")
    line = text.rstrip("\n").count("\n") + 1
    problems = project_typed_numbers(Project.load(fixture_project))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.rule == "prose.number"
    assert "'1,234'" in problem.message
    assert problem.location.point() == f"chapters/_method.qmd:{line}"
    assert "included from paper.qmd:" in str(problem)


def test_generated_includes_exempt(fixture_project: Path):
    (fixture_project / "generated").mkdir()
    (fixture_project / "generated" / "table.md").write_text("Counted 98,765 rows.\n", encoding="utf-8")
    paper = fixture_project / "paper.qmd"
    paper.write_text(paper.read_text(encoding="utf-8") + "\n{{< include generated/table.md >}}\n", encoding="utf-8")
    project = Project.load(fixture_project)
    assert "98,765" in Document.read(project, project.main_inputs[0]).expanded.body
    assert project_typed_numbers(project) == []


def test_abstract_checked_without_shortcodes(fixture_project: Path):
    paper = fixture_project / "paper.qmd"
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace(
        "---\n", "---\nabstract: |\n  We found {{< var counts.total >}} items\n  and 4,321 more by hand.\n", 1),
        encoding="utf-8")
    problems = project_typed_numbers(Project.load(fixture_project))
    assert [(str(p.location), p.message.split("'")[1]) for p in problems] == [("paper.qmd:4", "4,321")]


def test_report_check_fails_with_file_and_line(fixture_project: Path):
    chapter = fixture_project / "chapters" / "_method.qmd"
    text = chapter.read_text(encoding="utf-8").rstrip("\n") + "\n\nA share of 42.5% typed by hand.\n"
    chapter.write_text(text, encoding="utf-8")
    line = text.rstrip("\n").count("\n") + 1
    result = run_report("check", project=fixture_project)
    assert result.exit_code == 3
    assert f"chapters/_method.qmd:{line}" in result.output
    assert "'42.5%'" in result.output and "[prose.number]" in result.output


def test_fixture_passes(fixture_project: Path):
    assert project_typed_numbers(Project.load(fixture_project)) == []


def test_repository_chapters_pass():
    problems = project_typed_numbers(Project.load(REPO))
    assert problems == [], "\n".join(str(p) for p in problems)


# -- number words, false precision, bibliography entries never cited (issue 13) ------------------------------

@pytest.mark.parametrize("line", [
    "Remittances are a third of the economy.", "The share fell by more than half.", "Two-thirds of them moved.",
    "Dozens of centres opened.", "A ten-year visa was introduced.", "The estimate is several-fold the count.",
])
def test_number_words_are_reported(line):
    found = numbers.scan_line(line)
    assert [f.rule for f in found] == ["prose.number-word"], found


@pytest.mark.parametrize("line", [
    "Third, the breadth of the work varies.", "In the first half of 2024 arrivals grew.", "A half-year report.",
    "The four countries differ.",
])
def test_ordinals_periods_and_small_counts_are_not_number_words(line):
    assert numbers.scan_line(line) == []


def test_false_precision_of_quoted_values():
    span = lambda text: value_span(text, "x.y")
    assert [f.rule for f in numbers.scan_line(f"There were {span('10,712.3')} Tajiks per Kazakh.")] == ["value.precision"]
    assert [f.rule for f in numbers.scan_line(f"about {span('586,653')} people")] == ["value.precision"]
    assert numbers.scan_line(f"about {span('587,000')} people") == []
    assert numbers.scan_line(f"There were {span('10,700')} Tajiks and {span('35.6')} Uzbeks per Kazakh.") == []
    assert numbers.scan_line(f"It counted {span('586,653')} people.") == []  # exact counts may have every digit


def test_bibliography_entries_never_cited_are_reported(fixture_project: Path):
    bib = fixture_project / "references.bib"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@book{neverCited2020,\n  title = {Unused},\n  year = {2020}\n}\n",
                   encoding="utf-8")
    result = run_report("check", project=fixture_project)
    assert result.exit_code != 0 and "@neverCited2020" in result.output and "references.bib:" in result.output
    assert "bibliography.unused" in result.output
