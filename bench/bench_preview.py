"""Benchmark of issue 15 (save -> see it) on this paper, on a clean copy of the repository.

Measured in one run on this machine, each as min / median over runs, with its target in brackets:
  html     save one chapter -> updated HTML served by `report preview`   [<= 0.5 s and <= 0.3x raw]
  pdf      save one chapter -> updated PDF (and its checks) pushed        [<= 1.0 s]
  edit     `report render` after a one-chapter edit  vs  raw             [<= 0.8x]
  cold     `report render` from nothing  vs  raw analysis + raw          [<= 1.5x]
  memory   peak resident memory (RSS; also PSS) of the preview's process tree over the saves, and
           each save's peak over the first and the last saves            [<= 600 MB, not growing]

"raw" is pandoc to HTML, pandoc to Typst and a Typst compile of the main document, each a process of
its own, as a user would run them by hand (bench_build.raw_document); "raw analysis" is
`python -m analysis`. A save's time runs from the write of the chapter to the pushed event (for the
page: until the page is fetched with the new sentence in it); the preview notices saves by polling
every 0.05 s, which is included. The saves are 0.3 s apart after each PDF event.

Commands run as a user's installed Python runs them, with bytecode caches (kept in the benchmark's temporary
folder, outside the checkout; bench_build.bench_env): this team's sandbox sets PYTHONDONTWRITEBYTECODE=1,
under which every `report` command compiles reportkit's modules again (~0.25-0.35 s); `--no-bytecode`
measures that way.

Last measured for `report render` (2026-11-30, `--render-only`, machine otherwise idle; this VM's speed drifts:
raw took a median 1.61 s in one run and 2.60 s in another, so each ratio is taken pair by pair). At 187a250 (the
HTML checked while the PDF compiles; the part server started first thing and warmed up), three runs: after a
chapter edit median 1.68 s / 1.87 s / 1.76 s vs raw median 2.43 s / 2.56 s / 2.49 s, ratio median 0.70x / 0.74x /
0.74x (min 0.61x-0.65x) [<= 0.8x: met], every edit spliced; the first edit after a whole render (the chapter's
part as it was is rendered too, and there is no warm-up yet) 0.75x-0.81x; cold median 1.31x-1.40x [<= 1.5x].
Before these two changes (6a65c6b-ac45fb7) the medians of seven runs were 0.78x-0.85x (0.81x in an A/B run beside
187a250's 0.75x, the same raw); before the splice (8b66655): 1.21x.

Where a spliced edit render's time goes (engines/incremental.py, prestart.py; measured at 187a250 with
timestamps, raw ~2.3-2.5 s then, ~1.6-1.8 s in all): Python's start, `report`'s imports (click; the engines are
not imported yet) and the project ~0.17 s; then the part server starts (prestart.py) and warms up on an empty
input with the last splice's Typst part's metadata, filters and citeproc (~0.4 s: pandoc's start, the metadata
file, the filters' first load, citeproc's tables), while Python imports the engines, checks the graph and asks
for the chapter's parts (~0.3 s); the Typst part ~0.15 s; the Typst compile of the spliced source ~0.75 s, in a
thread, beside the HTML part (~0.2 s) and the HTML's checks (output check and the parity check's reading of it,
~0.1 s; RenderResult.pending); then pdfinfo and pdftotext over the PDF (two halves at once) and the comparisons
~0.18 s; the interpreter's exit ~0.03 s (gc.freeze: ~0.07 s before). The chapter's parts as they were are the
last splice's parts (remembered); after a whole render they are rendered too (+~0.3 s). Tried and not kept: two
part servers, one per format (the same wall time, 11-16 % more processor time); the servers warmed up with the
last parts before the steps (no faster than starting the real parts then: a warm-up pays only when it starts
well before them, as prestart.py's does, and on an empty input); citeproc told to suppress the part's
bibliography (not the page's text); the garbage collector off for the whole render (no less processor time).

Where a whole render's time goes (before the splice, measured 2026-11-30, processor time of each part alone):
Python up to the first pandoc ~0.4 s (~0.65 s without bytecode caches); then, in parallel on the two cores,
pandoc's HTML pass ~1.7-2.1 s and its Typst pass ~1.2-1.5 s followed by the Typst compile ~0.7 s; then the output
checks ~0.05 s and the parity check ~0.25 s. Of each pandoc pass the filters take ~0.8 s (Typst) / ~1.1 s (HTML):
crossref.lua ~0.35-0.4 s, vars.lua ~0.2 s in HTML, the others < 0.1 s each, the rest marshalling the document into
each filter; citeproc ~0.15-0.4 s; reading the markdown ~0.2 s. Tried and not kept: all filters in one Lua state,
dropping filters with nothing to do, GHC heap options, CSL JSON for the bibliography, a cache of each included
file's AST (it parses a split document differently: reference links, notes and automatic ids across files).

Last measured for `report preview` (2026-11-30 08:50 UTC at a7bf0cb, machine idle; `--preview-only --saves 50`):
save -> HTML served min 0.22 s, median 0.37 s (0.16x raw); save -> PDF pushed min 0.47 s, median 0.71 s; all 50
quick pages; peak RSS 534 MB (PSS 428 MB), first 10 saves 499 MB, last 10 511 MB (ac45fb7: 0.38 s, 0.75 s,
543 MB). A quick page is the chapter's
part rendered by the preview's long-lived `pandoc lua` process (engines/partserver.py, ~0.1-0.15 s) and ~0.15 s of
Python (reading the documents, the metadata, the splice); its PDF follows after the part's Typst and a warm
compile (~0.15 s each).

Usage: python bench/bench_preview.py [--runs N] [--saves N] [--render-only | --preview-only] [--no-bytecode]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from reportkit.preview import EventStream

from bench_build import REPORT, bench_env, clean_copy, raw_document, reset, run, run_output, session_rss, session_stats

CHAPTER = "report/chapters/conclusions.qmd"
SPLICED = "spliced into the last render"  # what `report render` says when it spliced the chapter (incremental.py)


def edit(project: Path, marker: str) -> None:
    path = project / CHAPTER
    path.write_text(path.read_text(encoding="utf-8") + f"\nAn added sentence, {marker}.\n", encoding="utf-8")


def spread(values: list[float], unit: str = "s") -> str:
    return f"min {min(values):.2f} {unit}, median {statistics.median(values):.2f} {unit} of {len(values)}"


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def session_pss(session: int) -> int:
    """Summed proportional set size (bytes) of a session's processes: pages they share (pandoc's
    binary) counted once, unlike RSS."""
    total = 0
    for pid in session_stats(session):
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
        total += int(match.group(1)) * 1024 if match else 0
    return total


class Memory(threading.Thread):
    """Samples the memory (RSS and PSS) of a process session every 50 ms; ``mark()`` starts a new save."""

    def __init__(self, session: int):
        super().__init__(daemon=True)
        self.session, self.peaks, self.pss_peak, self.stopped = session, [0], 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peaks[-1] = max(self.peaks[-1], session_rss(self.session))
            self.pss_peak = max(self.pss_peak, session_pss(self.session))
            time.sleep(0.05)

    def mark(self) -> None:
        self.peaks.append(0)


def preview_saves(project: Path, saves: int, env: dict) -> tuple[list[float], list[float], list[float], int, Memory]:
    """Seconds from each save to its page being served, to its PDF being pushed (a quick PDF, else the
    full render's) and to its checks' outcome; how many pages were quick pages; memory per save."""
    process = subprocess.Popen([*REPORT, "preview", "--port", "0", "--engine", "builtin"], cwd=project, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    memory = Memory(process.pid)
    memory.start()
    try:
        url = None
        while url is None:
            line = process.stdout.readline()
            if not line:
                raise SystemExit("report preview exited before serving")
            match = re.search(r"Serving (http://127\.0\.0\.1:\d+/)(\S+)", line)
            url, page = (match.group(1), match.group(2)) if match else (None, None)
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # keep the pipe drained
        events = EventStream(url, timeout=120)
        first = events.next()
        if not first["ok"] or first["checks"] != "ok":
            raise SystemExit(f"the first preview build failed: {first}")
        html, pdf, checks, quick = [], [], [], 0
        for save in range(saves):
            memory.mark()
            marker = f"save {save} of the preview benchmark"
            started = time.perf_counter()
            edit(project, marker)
            pushed = events.next()
            served = urllib.request.urlopen(url + page, timeout=30).read().decode("utf-8")
            html.append(time.perf_counter() - started)
            if not pushed["ok"] or marker not in served:
                raise SystemExit(f"save {save}: the page was not updated: {pushed}")
            quick += bool(pushed.get("quick"))
            followed = pushed
            while followed["checks"] == "pending":
                followed = events.next()
                if followed.get("pdf") == "ok" and len(pdf) < len(html):
                    pdf.append(time.perf_counter() - started)  # the quick PDF
            checks.append(time.perf_counter() - started)
            if len(pdf) < len(html):
                pdf.append(checks[-1])  # the full render's PDF, pushed with its checks
            if followed["checks"] != "ok":
                raise SystemExit(f"save {save}: the PDF or its checks failed: {followed}")
            time.sleep(0.3)  # a writer's pause: let the memory sampler see the idle preview too
        return html, pdf, checks, quick, memory
    finally:
        memory.stopped.set()
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each render figure")
    parser.add_argument("--saves", type=int, default=50, help="saves during the preview")
    parser.add_argument("--preview-only", action="store_true", help="only the preview's figures (html, pdf, memory)")
    parser.add_argument("--render-only", action="store_true", help="only report render's figures (edit, cold)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="without Python's bytecode caches (PYTHONDONTWRITEBYTECODE=1, as this sandbox sets it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp), bytecode=not args.no_bytecode)
        project = clean_copy(Path(tmp) / "repo")
        work = Path(tmp) / "work"
        work.mkdir()
        if not args.no_bytecode and not args.preview_only:  # untimed: writes the bytecode caches, as a user's earlier runs (or pip) did
            run([*REPORT, "render", "-q", "--engine", "builtin"], project, env)

        colds, raw_colds = [], []
        for _ in range(0 if args.preview_only else args.runs):  # interleaved, so that drift affects both alike
            reset(project)
            colds.append(run([*REPORT, "render", "-q", "--engine", "builtin"], project, env))
            reset(project)
            raw_colds.append(run([sys.executable, "-m", "analysis"], project, env) + raw_document(project, work, env))

        run([*REPORT, "render", "-q", "--engine", "builtin"], project, env)
        edits, raws, spliced = [], [], 0
        for round_ in range(args.runs):
            edit(project, f"render edit {round_}")
            if not args.preview_only:
                seconds, output = run_output([*REPORT, "render", "--engine", "builtin"], project, env)
                edits.append(seconds)
                spliced += SPLICED in output
            raws.append(raw_document(project, work, env))
        raw = statistics.median(raws)

        if not args.render_only:
            html, pdf, checks, quick, memory = preview_saves(project, args.saves, env)

    cold_ratio = [c / r for c, r in zip(colds, raw_colds)]
    edit_ratio = [e / r for e, r in zip(edits, raws)]
    print(f"raw pandoc (HTML) + pandoc (Typst) + Typst by hand: {spread(raws)}")
    if not args.render_only:
        page, made = statistics.median(html), statistics.median(pdf)
        print(f"save -> HTML served: {spread(html)}; median / raw = {page / raw:.2f}x  "
              f"[<= 0.5 s: {verdict(page <= 0.5)}; <= 0.3x: {verdict(page / raw <= 0.3)}]")
        print(f"save -> PDF pushed:  {spread(pdf)}  [<= 1.0 s: {verdict(made <= 1.0)}]")
        print(f"  ({quick} of {len(html)} pages were quick pages; save -> full render and its checks: {spread(checks)})")
    if not args.preview_only:
        print(f"report render after a one-chapter edit: {spread(edits)}; ratio to raw "
              f"{spread(edit_ratio, 'x')}  [<= 0.8x: {verdict(statistics.median(edit_ratio) <= 0.8)}]")
        print(f"  ({spliced} of {len(edits)} renders spliced the chapter into the last render; the first edit after "
              f"a whole render, which renders the chapter as it was too: {edits[0]:.2f} s, {edit_ratio[0]:.2f}x)")
        print(f"cold report render: {spread(colds)} vs raw analysis + pandoc + Typst "
              f"{spread(raw_colds)}; ratio {spread(cold_ratio, 'x')}  "
              f"[<= 1.5x: {verdict(statistics.median(cold_ratio) <= 1.5)}]")
    if args.render_only:
        return
    saves = memory.peaks[1:]
    fifth = max(1, len(saves) // 5)
    early, late = (statistics.median(part) / 2**20 for part in (saves[:fifth], saves[-fifth:]))
    peak = max(memory.peaks) / 2**20
    print(f"preview memory over {len(saves)} saves (process tree): peak RSS {peak:.0f} MB  [<= 600 MB: "
          f"{verdict(peak <= 600)}], peak PSS {memory.pss_peak / 2**20:.0f} MB (shared pages once); "
          f"median of each save's peak: first {fifth} saves {early:.0f} MB, last {fifth} {late:.0f} MB  "
          f"[not growing (within 10%): {verdict(late <= early * 1.1)}]")


if __name__ == "__main__":
    main()
