"""Quarto as the oracle for the built-in engine.

``tests/oracle/`` holds one small document per construct the built-in engine supports (README "Two
engines"); files whose name starts with ``_`` are partials and shared inputs, everything else ending in
``.qmd`` is a case. Quarto renders the whole folder (one `quarto render` per format, both at once);
the built-in engine renders each case as a project of its own. The visible text of each output is then
compared: the HTML block by block, the PDF word by word (``engine_compare.text_differences``; what Quarto
does its own way, such as callout icons, is listed in ``engine_compare.QUARTOS_CHOICES``).

Adding a construct is adding one ``.qmd`` file to ``tests/oracle/``. A case the built-in engine renders
differently today is listed in ``KNOWN_DIFFERENCES`` with what differs: it is expected to fail, and
strictly so, so fixing the engine shows up as a test to update.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import QUARTO, TESTS, run_report
from engine_compare import html_blocks, pdf_words, text_differences
from reportkit.engines.quarto import MATH_METHOD, OFFLINE_MATH, environment
from reportkit.project import CONFIG_NAME, QUARTO_FORMAT

ORACLE = TESTS / "oracle"
CASES = sorted(p.stem for p in ORACLE.glob("*.qmd") if not p.name.startswith("_"))

# What the built-in engine shows differently from Quarto today (each to be fixed in the engine, or refused).
KNOWN_DIFFERENCES = {
    "sections-deep": "third-level headings are numbered 1.1.1 in the PDF; Quarto's Typst default is "
                     "section-numbering 1.1.a (so 'Section 1.1.a' in its PDF, 1.1.1 in its HTML)",
    "citations-typst": "without `citeproc: true` Quarto's PDF cites with Typst's own bibliography (numbered "
                       "'[1]', a 'Bibliography' heading), the built-in engine always with CSL; and without a "
                       "`#refs` div Quarto's HTML heads the bibliography 'References', the built-in engine's not",
    "var-markdown": "Quarto reads _variables.yml values as markdown (a link, emphasis); the built-in engine "
                    "shows the markdown source as text",
    "crossref-options": "Quarto's PDF ignores fig-labels and title-delim ('Fig. 1: Bars', 'figure 1') where its "
                        "HTML applies them ('Fig. I— Bars'); the built-in engine applies them in both",
    "subfloats": "Quarto's PDF calls a subfigure 'Figure 1b' where its HTML says 'Figure 1 (b)'; the built-in "
                 "engine says 'Figure 1 (b)' in both",
    "kinds": "Quarto's PDF ends a theorem's or lemma's title with a period ('Theorem 1 (Sums).', 'Lemma 1.'); "
             "the built-in engine's does not",
    "footnotes": "Quarto's HTML heads the notes at the end 'Footnotes'; the built-in engine's notes have no heading",
    "front-matter": "Quarto's title block labels its parts ('Authors', 'Affiliation', 'Published', 'Keywords' in "
                    "HTML) and lists each author with an affiliation; the built-in engine numbers affiliations "
                    "('Ada Example1') and writes 'Keywords: ...' and 'Abstract.'",
}


class VisibleTextDiffers(AssertionError):
    """The built-in engine's output reads differently from Quarto's (what a known difference expects;
    any other failure, such as a refused render, is not excused)."""


def with_cases(folder: Path, cases: list[str]) -> Path:
    """Make ``folder``'s _quarto.yml render exactly ``cases``."""
    config = folder / CONFIG_NAME
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["project"]["render"] = [f"{case}.qmd" for case in cases]
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def quarto_oracle(tmp_path_factory) -> dict[str, Path]:
    """Quarto's output folder per format (``html``, ``pdf``), every case rendered. The two formats run
    at once, each in its own copy of the folder (two cores)."""
    if QUARTO is None:
        pytest.skip("Quarto is not installed here")
    runs = {}
    for fmt in ("html", "pdf"):
        folder = with_cases(Path(shutil.copytree(ORACLE, tmp_path_factory.mktemp("oracle") / fmt)), CASES)
        args = [QUARTO, "render", "--to", QUARTO_FORMAT[fmt]]
        if fmt == "html":
            args += ["-M", f"{MATH_METHOD}:{OFFLINE_MATH}"]  # as the Quarto engine renders HTML math
        runs[fmt] = (folder, subprocess.Popen(args, cwd=folder, env=environment(folder), stdout=subprocess.PIPE,
                                              stderr=subprocess.STDOUT, text=True, errors="replace"))
    for fmt, (folder, process) in runs.items():
        log = process.communicate()[0]
        assert process.returncode == 0, f"quarto render --to {QUARTO_FORMAT[fmt]} failed:\n{log[-3000:]}"
    return {fmt: folder / "_output" for fmt, (folder, _) in runs.items()}


@pytest.mark.slow
@pytest.mark.quarto
@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(reason=KNOWN_DIFFERENCES[c], raises=VisibleTextDiffers, strict=True))
    if c in KNOWN_DIFFERENCES else c for c in CASES])
def test_builtin_engine_shows_what_quarto_shows(case, quarto_oracle, tmp_path):
    project = with_cases(Path(shutil.copytree(ORACLE, tmp_path / case)), [case])
    result = run_report("render", "--engine", "builtin", "-q", project=project)
    assert result.exit_code == 0, result.output
    ours = tuple(project / "_output" / f"{case}.{ext}" for ext in ("html", "pdf"))
    theirs = (quarto_oracle["html"] / f"{case}.html", quarto_oracle["pdf"] / f"{case}.pdf")
    assert len(html_blocks(theirs[0])) > 1 and len(pdf_words(theirs[1])) > 3, "Quarto's output is empty"
    differences = text_differences(ours, theirs)
    if differences:
        raise VisibleTextDiffers("\n".join(differences))


def test_known_differences_name_existing_cases():
    assert set(KNOWN_DIFFERENCES) <= set(CASES)
