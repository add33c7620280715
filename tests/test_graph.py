"""The build graph: each kind of input change reruns exactly its dependents, with reasons."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TESTS, run_report

from reportkit.errors import DataError
from reportkit.progress import Progress

GRAPH = TESTS / "graph_project"
ALL = {"data", "alpha", "beta", "variables", "render paper.qmd"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "graph"
    shutil.copytree(GRAPH, target, ignore=shutil.ignore_patterns("_output", ".reportkit", "gen", "_variables.yml"))
    result = run_report("render", "-q", project=target)
    assert result.exit_code == 0, result.output
    return target


def explain(project: Path) -> dict[str, str]:
    """Render with --explain; step name -> its reason line ('up to date' or why it ran)."""
    result = run_report("render", "--explain", project=project)
    assert result.exit_code == 0, result.output
    lines = re.findall(r"^  ((?:data|alpha|beta|variables|render paper\.qmd)): (.*)$", result.output, re.M)
    return dict(lines)


def ran(reasons: dict[str, str]) -> set[str]:
    return {name for name, why in reasons.items() if why != "up to date"}


def page_text(project: Path) -> str:
    return re.sub(r"<[^>]+>", "", (project / "_output" / "paper.html").read_text(encoding="utf-8"))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    if path.parent.name == "data" and path.suffix == ".csv":
        rehash(path)


def rehash(csv: Path) -> None:
    """Record a data file's new size and checksum in its data package, as the data scripts would."""
    package = csv.parent / "datapackage.json"
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["path"] == csv.name:
            data = csv.read_bytes()
            resource["bytes"], resource["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    package.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def runs(project: Path) -> list[tuple[str, str]]:
    """(step, process id) for every step run so far, in order."""
    return [tuple(line.split()) for line in (project / "gen" / "runs.log").read_text().splitlines()]


def test_cold_then_noop(tmp_path, monkeypatch):
    # the independent steps wait for each other to start (tools/__main__.py: rendezvous), so that which
    # worker runs which step does not depend on how fast the first one finishes
    (tmp_path / "rendezvous").mkdir()
    monkeypatch.setenv("GRAPH_RENDEZVOUS", str(tmp_path / "rendezvous"))
    project = tmp_path / "graph"
    shutil.copytree(GRAPH, project, ignore=shutil.ignore_patterns("_output", ".reportkit", "gen", "_variables.yml"))
    assert run_report("render", "-q", project=project).exit_code == 0
    monkeypatch.delenv("GRAPH_RENDEZVOUS")
    first = runs(project)
    assert sorted(name for name, _ in first[:2]) == ["alpha", "beta"] and first[2][0] == "variables"
    # the independent steps ran at once in the two workers, which then also ran the last step
    assert first[0][1] != first[1][1] and first[2][1] in {first[0][1], first[1][1]}
    reasons = explain(project)
    assert reasons == dict.fromkeys(ALL, "up to date")
    assert runs(project) == first


def test_without_workers_each_step_is_a_process(project):
    edit(project / "_quarto.yml", "    worker: python -m tools --worker\n", "")
    edit(project / "data" / "a.csv", "3", "5")
    edit(project / "data" / "b.csv", "20", "22")
    before = len(runs(project))
    assert ran(explain(project)) == ALL
    later = runs(project)[before:]
    assert sorted(name for name, _ in later) == ["alpha", "beta", "variables"]
    assert len({pid for _, pid in later}) == 3


def test_a_failing_step_stops_the_build_and_keeps_outputs(project):
    before = (project / "_output" / "paper.html").read_bytes()
    edit(project / "tools" / "beta.py", "    lines = open(", "    raise RuntimeError('beta broke')\n    lines = open(")
    result = run_report("render", project=project)
    assert result.exit_code == 6
    assert "step beta failed" in result.output and "RuntimeError: beta broke" in result.output
    assert (project / "_output" / "paper.html").read_bytes() == before


def test_data_change_reruns_its_chain(project):
    edit(project / "data" / "a.csv", "3", "4")
    reasons = explain(project)
    assert ran(reasons) == {"data", "alpha", "variables", "render paper.qmd"}
    assert reasons["data"] == "data/datapackage.json changed; data/a.csv changed"
    assert reasons["alpha"] == "data/a.csv changed"
    assert reasons["variables"] == "gen/alpha.txt changed"
    assert reasons["render paper.qmd"] == "_variables.yml changed"
    assert "Alpha totals 7" in page_text(project)


def test_unchanged_output_stops_the_chain(project):
    edit(project / "data" / "a.csv", "1\n2\n3\n", "3\n2\n1\n")  # same sum
    assert ran(explain(project)) == {"data", "alpha"}


def test_invalid_data_stops_before_the_analysis(project):
    before = {p.name: p.read_bytes() for p in (project / "_output").iterdir() if p.is_file()}
    runs_before = runs(project)
    edit(project / "data" / "b.csv", "20", "-20")
    result = run_report("render", project=project)
    assert result.exit_code == 5
    assert re.search(r"data/b\.csv:3: column 'value': -20 violates minimum 0", result.output), result.output
    assert runs(project) == runs_before, "analysis ran on invalid data"
    assert {p.name: p.read_bytes() for p in (project / "_output").iterdir() if p.is_file()} == before
    check = run_report("check", project=project)
    assert check.exit_code == 5 and "data/b.csv:3" in check.output


def test_code_change_reruns_the_steps_that_import_it(project):
    edit(project / "tools" / "shared.py", "Helpers used", "Helpers (edited) used")
    reasons = explain(project)
    assert ran(reasons) == {"alpha"} and reasons["alpha"] == "tools/shared.py changed"
    edit(project / "tools" / "beta.py", "import time", "import time  # edited")
    assert ran(explain(project)) == {"beta"}


def test_document_inputs_rerun_only_the_render(project):
    for path, old, new in [
        ("paper.qmd", "Alpha totals", "Alpha sums"),
        ("chapters/_more.qmd", "See @sec-results.", "See @sec-results again."),
        ("references.bib", "A Dataset", "A Data Set"),
        ("_quarto.yml", "Graph Fixture", "Graph Fixture II"),
    ]:
        edit(project / path, old, new)
        reasons = explain(project)
        assert ran(reasons) == {"render paper.qmd"}, path
        assert reasons["render paper.qmd"] == f"{path} changed"


def test_missing_or_edited_outputs_are_rebuilt(project):
    (project / "gen" / "beta.txt").unlink()
    reasons = explain(project)
    assert reasons["beta"] == "output gen/beta.txt is missing" and ran(reasons) == {"beta"}
    (project / "_output" / "paper.html").write_text("tampered", encoding="utf-8")
    reasons = explain(project)
    assert reasons["render paper.qmd"] == "output _output/paper.html changed since the last build"
    assert "Alpha totals" in page_text(project)


def test_status_reports_without_running(project):
    edit(project / "data" / "b.csv", "20", "21")
    result = run_report("status", project=project)
    assert "beta: stale (data/b.csv changed)" in result.output
    assert "variables: stale (may run after beta)" in result.output
    assert "alpha: up to date" in result.output
    assert (project / "gen" / "beta.txt").read_text() == "30"  # nothing ran


def test_kill_during_render_keeps_outputs_and_recovers(project, tmp_path):
    before = {p.name: p.read_bytes() for p in (project / "_output").iterdir() if p.is_file()}
    edit(project / "data" / "b.csv", "20", "25")
    marker = tmp_path / "beta-started"
    env = dict(os.environ, GRAPH_SLOW_MARKER=str(marker))
    process = subprocess.Popen([sys.executable, "-m", "reportkit.cli", "render", "--project", str(project)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 30
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the slow step never started"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    after = {p.name: p.read_bytes() for p in (project / "_output").iterdir() if p.is_file()}
    assert after == before, "a killed render changed the published outputs"
    json.loads((project / ".reportkit" / "state.json").read_text())  # still a whole file
    reasons = explain(project)
    assert reasons["beta"] == "data/b.csv changed"
    assert "beta totals 35" in page_text(project)


def test_package_checksums_do_not_rerun_readers_of_other_files(project):
    """alpha reads the data package (for citations): a checksum of b.csv changing in it is not
    alpha's business, but a changed citation is."""
    edit(project / "data" / "b.csv", "20", "23")
    reasons = explain(project)
    assert "alpha" not in ran(reasons) and {"data", "beta"} <= ran(reasons)
    edit(project / "data" / "datapackage.json", "Test series a", "Test series A")
    reasons = explain(project)
    assert reasons["alpha"] == "data/datapackage.json#without-checksums changed"
    assert "beta" not in ran(reasons)


def test_build_runs_the_steps_without_rendering(project):
    edit(project / "data" / "a.csv", "3", "8")
    html = (project / "_output" / "paper.html").read_bytes()
    result = run_report("build", "--explain", project=project)
    assert result.exit_code == 0 and "built: data, alpha, variables" in result.output
    assert (project / "gen" / "alpha.txt").read_text() == "11"
    assert (project / "_output" / "paper.html").read_bytes() == html
    assert run_report("build", project=project).output.strip().endswith("everything up to date")


def test_a_file_no_longer_read_is_a_reason(project):
    edit(project / "paper.qmd", "{{< include chapters/_more.qmd >}}", "")
    reasons = explain(project)
    assert "chapters/_more.qmd is no longer an input" in reasons["render paper.qmd"]


def test_status_after_an_html_only_render_names_what_changed(project):
    """A preview renders HTML only; the full render's record still says what the PDF was made from."""
    edit(project / "chapters" / "_more.qmd", "See @sec-results.", "See @sec-results once more.")
    assert run_report("render", "--to", "html", "-q", project=project).exit_code == 0
    output = run_report("status", project=project).output
    assert "render paper.qmd: stale (chapters/_more.qmd changed" in output
    assert "settings or tool versions changed" not in output
    output = run_report("status", "--to", "html", project=project).output
    assert "render paper.qmd (html): up to date" in output


def test_a_stale_data_check_starts_while_the_steps_are_listed(project, monkeypatch):
    # report render builds its graph with run=True: a data check that must run anyway starts at once, in a
    # thread, while the project's steps are listed (their workers import meanwhile); other graphs start nothing
    import threading

    from reportkit import plan
    from reportkit.engines.builtin import BuiltinEngine
    from reportkit.project import Project

    started, checking = [], threading.Event()
    real_started, real_check = plan.started, plan.require_valid
    monkeypatch.setattr(plan, "started", lambda step: started.append(step.name) or real_started(step))
    monkeypatch.setattr(plan, "require_valid", lambda *a, **k: checking.set() or real_check(*a, **k))

    def graph(run: bool):
        built = plan.build_graph(Project.load(project), ("html",), BuiltinEngine(), True, Progress(quiet=True), run=run)
        built.close()
        return built

    graph(run=True)
    assert started == []  # the data are up to date
    edit(project / "data" / "a.csv", "3", "4")
    graph(run=False)
    assert started == [] and not checking.is_set()
    built = graph(run=True)
    assert started == ["data"] and checking.wait(60)  # running before the graph runs
    data = built.steps["data"]
    assert data.submit(data).result() is None  # the graph is handed the running check
    edit(project / "data" / "b.csv", "20", "-20")
    data = graph(run=True).steps["data"]
    with pytest.raises(DataError):
        data.submit(data).result()  # its failure too


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_a_preview_at_once_during_a_step(project, tmp_path, monkeypatch, stop):
    # SIGINT to the preview alone (not to its process group, as a terminal's Ctrl-C would), or SIGTERM (kill's
    # default): the step's worker is stopped, not waited for. The step sleeps 8 s before writing its output, less than the 10 s a
    # finishing build gives its workers: had the preview waited, the output would have been written.
    from test_preview import start_preview

    marker = tmp_path / "beta-started"
    monkeypatch.setenv("GRAPH_SLOW_MARKER", str(marker))
    monkeypatch.setenv("GRAPH_SLOW_SECONDS", "8")
    process, _ = start_preview(project)
    try:
        edit(project / "data" / "b.csv", "20", "25")
        deadline = time.monotonic() + 60
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(marker.read_text())  # the step runs (in this worker process)
        process.send_signal(stop)
        process.wait(timeout=60)
    finally:
        process.kill()
    assert (project / "gen" / "beta.txt").read_text() == "30"  # the step never finished
    assert not Path(f"/proc/{worker}").exists()  # stopped and reaped before the preview ended
