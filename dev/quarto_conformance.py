"""Run the team's Quarto conformance suite through real Quarto, scored with the suite's own checks.

The suite's runner (``run.sh``) renders every case with the built-in engine; this renders every case
with Quarto itself (`quarto render --to html`, then `--to typst`, Quarto's defaults, in a copy of the
case) and scores Quarto's outputs with the same functions, read from ``run.sh`` at run time (its text
extraction, normalisation and ``evaluate``; nothing of the suite is copied here). Where a check fails,
Quarto's own visible text contradicts the case's ``expect.yml``: the line shows the check and the
nearest text in Quarto's output.

Usage: QUARTO_PATH=/path/to/quarto python dev/quarto_conformance.py [SUITE] [--cases A B] [--keep DIR]
(SUITE defaults to ../shared/quarto-conformance beside the checkout.)
"""

from __future__ import annotations

import argparse
import ast
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
RENDER_TIMEOUT = 600


def suite_scoring(suite: Path, work: Path) -> dict:
    """The scoring functions of ``suite/run.sh`` (everything its Python defines before its main loop)."""
    script = (suite / "run.sh").read_text(encoding="utf-8")
    program = script.split("<<'PYEOF'\n", 1)[1].split("\nPYEOF", 1)[0]
    definitions = program.split("# ---------------------------------------------------------------- main loop")[0]
    namespace: dict = {"__name__": "quarto_conformance_scoring"}
    argv, environ = sys.argv, dict(os.environ)
    try:
        sys.argv = ["run.sh", str(suite), str(REPO), sys.executable]
        os.environ.update(KEEP=str(work / "scoring"), RESCORE="")
        exec(compile(definitions, str(suite / "run.sh"), "exec"), namespace)
    finally:
        sys.argv = argv
        os.environ.clear()
        os.environ.update(environ)
    return namespace


def main_stem(case: Path) -> str:
    """The case's main document: the first of ``project: render:``, else its only .qmd."""
    config = case / "_quarto.yml"
    if config.is_file():
        render = (yaml.safe_load(config.read_text(encoding="utf-8")).get("project") or {}).get("render") or []
        if render:
            return Path(render[0]).stem
    return next(case.glob("*.qmd")).stem


def find_output(copy: Path, stem: str, ext: str, before: set[Path]) -> Path | None:
    """The ``stem.ext`` that the render wrote (not an input of the case), shallowest first."""
    found = [p for p in copy.rglob(f"{stem}.{ext}") if p not in before and "_files" not in p.parent.name]
    return min(found, key=lambda p: len(p.parts)) if found else None


def render(quarto: str, copy: Path, stem: str, fmt: str, log: Path) -> int:
    target = [] if (copy / "_quarto.yml").is_file() else [f"{stem}.qmd"]
    from reportkit.engines.quarto import environment

    # as the Quarto engine runs it: cells with this interpreter (the project's libraries, nbclient)
    env = dict(environment(copy), SOURCE_DATE_EPOCH="1700000000")
    with open(log, "w", encoding="utf-8") as out:
        try:
            return subprocess.run([quarto, "render", *target, "--to", fmt], cwd=copy, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=RENDER_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            return 124


def nearest(check: str, text: str, norm) -> str:
    """The stretch of ``text`` most like ``check`` (for a failing check), with some context."""
    needle = norm(check[3:] if check.startswith("re:") else check)
    match = difflib.SequenceMatcher(None, text, needle, autojunk=False).find_longest_match(0, len(text), 0, len(needle))
    start = max(0, match.a - match.b - 40)
    return text[start:start + len(needle) + 80]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", default=str(REPO.parent / "shared" / "quarto-conformance"))
    parser.add_argument("--cases", nargs="*", default=[])
    parser.add_argument("--keep", help="keep the rendered copies and logs here")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from reportkit.engines.executables import find_quarto

    quarto = find_quarto()
    if quarto is None:
        raise SystemExit("no Quarto: set QUARTO_PATH or put quarto on PATH")
    suite = Path(args.suite).resolve()
    work = Path(args.keep).resolve() if args.keep else Path(tempfile.mkdtemp(prefix="quarto-conformance-quarto."))
    work.mkdir(parents=True, exist_ok=True)
    scoring = suite_scoring(suite, work)
    cases = sorted(p.parent.name for p in suite.glob("*/expect.yml"))
    cases = [c for c in cases if not args.cases or c in args.cases]
    contradicted = 0
    print(f"{'case':<30} {'html':<5} {'pdf':<5} {'checks':<8} quarto exit (html, typst)")
    for name in cases:
        expect = yaml.safe_load((suite / name / "expect.yml").read_text(encoding="utf-8")) or {}
        copy = work / name
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(suite / name, copy, symlinks=True)
        (copy / "expect.yml").unlink()
        stem = main_stem(copy)
        before = set(copy.rglob("*"))
        codes = [render(quarto, copy, stem, fmt, work / f"{name}.{fmt}.log") for fmt in ("html", "typst")]
        html, pdf = find_output(copy, stem, "html", before), find_output(copy, stem, "pdf", before)
        fails, passed, total, html_text, pdf_raw = scoring["evaluate"](expect, str(html) if html else None,
                                                                       str(pdf) if pdf else None)
        print(f"{name:<30} {'y' if html else 'n':<5} {'y' if pdf else 'n':<5} {f'{passed}/{total}':<8} {codes}")
        contradicted += bool(fails)
        for fail in fails:
            where, _, shown_check = fail.partition(" lacks ") if " lacks " in fail else fail.partition(" has ")
            check = ast.literal_eval(shown_check) if shown_check else ""
            text = html_text if where.startswith("html") else scoring["norm"](pdf_raw[1]) if pdf_raw else ""
            shown = f"  Quarto: ...{nearest(check, text, scoring['norm'])}..." if check and text else ""
            print(f"    - {fail}{shown}")
    print(f"cases where Quarto's own output fails a check of expect.yml: {contradicted}/{len(cases)}; "
          f"copies and logs in {work}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
