"""Benchmark of incremental builds (issue targets in brackets), on a clean copy of the repository.

Measured in one run on this machine, as ratios:
  cold   `report render` from nothing  vs  raw analysis + raw pandoc + Typst   [<= 1.5x]
  no-op  `report render` when nothing changed                                [<= 0.3 s and <= 0.1x cold]
  edit   one chapter edited: `report render`  vs  raw pandoc + Typst         [<= 1.15x]
  data   one data file changed: which steps rerun                            [only its dependents]
  memory peak resident memory of the whole `report render` process tree     [<= 500 MB]

"raw" means the same tools run directly as a user would without the builder: `python -m
analysis` (every step), then pandoc to HTML, pandoc to Typst and a Typst compile, each a
process of its own, on the same expanded document.

Usage: python bench/bench_build.py [--runs N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPORT = [sys.executable, "-m", "reportkit.cli"]


def run(args: list[str], cwd: Path, env: dict | None = None) -> float:
    return run_output(args, cwd, env)[0]


def run_output(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str]:
    """The seconds ``args`` took, and what it printed (stdout and stderr)."""
    start = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout + done.stderr


def session_stats(session: int) -> dict[int, list[str]]:
    """The /proc stat fields (after the name) of every process in a session (one started with
    start_new_session), by process id."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) == session:  # session id (fields after the name: state ppid pgrp session)
                found[int(stat.parent.name)] = fields
        except (OSError, IndexError, ValueError):
            continue
    return found


def session_rss(session: int) -> int:
    """Summed RSS (bytes) of every process in a session."""
    return sum(int(fields[21]) for fields in session_stats(session).values()) * os.sysconf("SC_PAGE_SIZE")


def peak_memory(args: list[str], cwd: Path) -> tuple[float, int]:
    """Wall time and peak summed RSS (bytes) of a process and all its descendants."""
    start = time.perf_counter()
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, session_rss(process.pid))
        time.sleep(0.02)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed")
    return time.perf_counter() - start, peak


def clean_copy(target: Path) -> Path:
    """The last commit's files (as a fresh clone has them), without outputs or caches."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def reset(project: Path) -> None:
    for name in ("_output", ".reportkit", "report/generated"):
        shutil.rmtree(project / name, ignore_errors=True)
    (project / "_variables.yml").unlink(missing_ok=True)


def bench_env(tmp: Path, bytecode: bool = True) -> dict:
    """The environment the benchmarks run commands in: SOURCE_DATE_EPOCH fixed and, with ``bytecode``, Python
    as installed for a user, with its bytecode caches (in ``tmp``, outside the checkout, whose editable install
    has none); without, PYTHONDONTWRITEBYTECODE=1, as this team's sandbox sets it: every `report` command then
    compiles reportkit's modules again (~0.25-0.35 s before its first pandoc starts)."""
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def raw_document(project: Path, work: Path, env: dict | None = None) -> float:
    """pandoc -> HTML, pandoc -> Typst, Typst compile: three processes, as a user would run them."""
    from reportkit.engines.builtin import pandoc_path
    from reportkit.project import Project
    from reportkit.source import Document

    loaded = Project.load(project)
    main = loaded.main_inputs[0]
    body = work / "raw.md"
    body.write_text(Document.read(loaded, main).expanded.body, encoding="utf-8")
    meta = loaded.document_metadata()
    common = [pandoc_path(), str(body), "--resource-path", f"{main.parent}:{project}", "--citeproc",
              "--bibliography", str(project / meta["bibliography"]), "--csl", str(project / meta["csl"]),
              "--metadata", "title=Benchmark"]
    typ = main.parent / "bench-raw.typ"
    total = run(common + ["--to", "html5", "--standalone", "--embed-resources", "--mathml", "-o", str(work / "raw.html")],
                project, env)
    total += run(common + ["--to", "typst", "--standalone", "-o", str(typ)], main.parent, env)
    total += run([sys.executable, "-c", f"import typst; typst.compile({str(typ)!r}, output={str(work / 'raw.pdf')!r}, "
                  f"root={str(project)!r}, ignore_system_fonts=True)"], project, env)
    typ.unlink()
    return total


def rehash(project: Path, resource_path: str) -> None:
    package = project / "data" / "datapackage.json"
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["path"] == resource_path:
            data = (project / "data" / resource_path).read_bytes()
            resource["bytes"], resource["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    package.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
    with tempfile.TemporaryDirectory() as tmp:
        project = clean_copy(Path(tmp) / "repo")
        work = Path(tmp) / "work"
        work.mkdir()

        colds, raws = [], []
        for _ in range(args.runs):
            reset(project)
            colds.append(run([*REPORT, "render", "-q", "--engine", "builtin"], project, env))
            reset(project)
            raw = run([sys.executable, "-m", "analysis"], project, env)
            raws.append(raw + raw_document(project, work))
        cold, raw = statistics.median(colds), statistics.median(raws)
        print(f"cold:   report render {cold:.2f}s vs raw analysis + pandoc + Typst {raw:.2f}s -> {cold / raw:.2f}x  [<= 1.5x]")

        reset(project)
        run([*REPORT, "render", "-q", "--engine", "builtin"], project, env)
        noops = [run([*REPORT, "render", "-q", "--engine", "builtin"], project, env) for _ in range(max(5, args.runs))]
        noop = statistics.median(noops)
        print(f"no-op:  report render {noop:.3f}s -> {noop / cold:.3f}x cold  [<= 0.3 s, <= 0.1x]")

        chapter = sorted((project / "report" / "chapters").glob("*.qmd"))[0]
        edits, raw_docs = [], []
        for i in range(args.runs):
            chapter.write_text(chapter.read_text(encoding="utf-8") + f"\n\nEdited for the benchmark ({'x' * (i + 1)}).\n",
                               encoding="utf-8")
            edits.append(run([*REPORT, "render", "-q", "--engine", "builtin"], project, env))
            raw_docs.append(raw_document(project, work))
        edit, raw_doc = statistics.median(edits), statistics.median(raw_docs)
        print(f"edit:   one chapter edited {edit:.2f}s vs raw pandoc + Typst {raw_doc:.2f}s -> {edit / raw_doc:.2f}x  [<= 1.15x]")

        listing = json.loads(subprocess.run([sys.executable, "-m", "analysis", "--list"], cwd=project,
                                            capture_output=True, text=True, check=True).stdout)
        target = min((s for s in listing if any(i.startswith("data/") and i.endswith(".csv") for i in s["inputs"])),
                     key=lambda s: len(s["outputs"]))
        csv = next(i for i in target["inputs"] if i.startswith("data/") and i.endswith(".csv"))
        users = sorted(s["name"] for s in listing if csv in s["inputs"])
        path = project / csv
        path.write_text(path.read_text(encoding="utf-8") + "", encoding="utf-8")
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n", "\r\n", 1) if "\r\n" not in text else text.replace("\r\n", "\n", 1), encoding="utf-8")
        rehash(project, csv.removeprefix("data/"))
        done = subprocess.run([*REPORT, "render", "--explain", "--engine", "builtin"], cwd=project,
                              capture_output=True, text=True, env=env)
        names = {"data", *(s["name"] for s in listing), "render report/paper.qmd"}
        reran = [(n, why) for n, why in re.findall(r"^  ([\w .\-/]+): (.*)$", done.stderr, re.M)
                 if n in names and why != "up to date"]
        print(f"data:   {csv} changed (read by {', '.join(users)}): reran "
              + "; ".join(f"{name} ({why})" for name, why in reran))

        reset(project)
        wall, peak = peak_memory([*REPORT, "render", "-q", "--engine", "builtin"], project)
        print(f"memory: cold render peak {peak / 2**20:.0f} MB (process tree) in {wall:.2f}s  [<= 500 MB]")


if __name__ == "__main__":
    main()
