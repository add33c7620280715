"""The project side of the steps protocol (reportkit.stepkit) as a worker, and the builder's pool of
workers (steps.WorkerPool): workers load the steps before the first request, all start at once, and
end without Python's teardown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import TESTS

from reportkit.progress import Progress
from reportkit.project import Project
from reportkit.protocol import WORKER_MARK
from reportkit.steps import WorkerPool

# a worker whose steps are loaded by LOAD (below), run in a temporary folder
WORKER = """
import atexit, sys
from reportkit.stepkit import main, step

def load():
    open("loaded", "a").write("x")
    atexit.register(lambda: open("teardown", "w").close())  # runs only if Python's teardown does
    sys.stderr.write("a log line without its end")  # stays in stderr's buffer until flushed
    if "{fail}" == "yes":
        raise ValueError("the steps module is broken")

    @step("only", inputs=[], outputs=["out.txt"])
    def only():
        open("out.txt", "w").write("done")

sys.exit(main("project", ["--worker"], load=load))
"""


def start_worker(folder: Path, fail: bool = False) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stderr buffered, as usual
    return subprocess.Popen([sys.executable, "-c", WORKER.replace("{fail}", "yes" if fail else "no")], cwd=folder,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def ask(worker: subprocess.Popen, request: dict) -> dict:
    worker.stdin.write(json.dumps(request) + "\n")
    worker.stdin.flush()
    for line in worker.stdout:
        if line.startswith(WORKER_MARK):
            return json.loads(line[len(WORKER_MARK):])
    raise AssertionError("the worker ended without answering")


def wait_for(path: Path, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    return path.exists()


def test_a_worker_loads_its_steps_before_the_first_request_and_ends_without_teardown(tmp_path):
    worker = start_worker(tmp_path)
    try:
        assert wait_for(tmp_path / "loaded")  # no request sent yet
        assert ask(worker, {"list": True})["steps"][0]["name"] == "only"
        assert ask(worker, {"run": "only"})["ok"] and (tmp_path / "out.txt").read_text() == "done"
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
    assert (tmp_path / "loaded").read_text() == "x"  # loaded once for both requests
    assert not (tmp_path / "teardown").exists()  # ended at once: no atexit handlers, no module cleanup
    assert worker.stderr.read().endswith("a log line without its end")  # but what it printed is out


def test_steps_that_fail_to_load_fail_every_request_with_the_same_error(tmp_path):
    worker = start_worker(tmp_path, fail=True)
    try:
        replies = [ask(worker, {"list": True}), ask(worker, {"run": "only"})]
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
    assert not replies[0]["ok"] and "ValueError: the steps module is broken" in replies[0]["error"], replies[0]
    assert replies[1] == replies[0]
    assert (tmp_path / "loaded").read_text() == "x"  # not loaded again (it would declare the steps twice)


def test_the_pool_starts_every_worker_with_the_listing(tmp_path):
    import shutil

    project = tmp_path / "graph"
    shutil.copytree(TESTS / "graph_project", project)
    pool = WorkerPool(Project.load(project), [sys.executable, "-m", "tools", "--worker"], Progress(quiet=True), 2)
    try:
        steps = json.loads(pool.listing([]))
        assert [s["name"] for s in steps] == ["alpha", "beta", "variables"]
        # the second worker imports meanwhile, instead of when the steps wait for it
        assert len(pool.processes) == 2 and all(p.poll() is None for p in pool.processes)
    finally:
        pool.close()
    assert all(p.poll() is not None for p in pool.processes)


def test_a_worker_that_exited_before_its_request_is_reported_with_what_it_printed(tmp_path):
    """Writing the request to a worker that is gone already (an import error as it started) breaks the pipe:
    reported as the worker's exit (after what it printed), not as a broken pipe (click turned that into a silent
    exit 1)."""
    from reportkit.steps import StepError

    command = [sys.executable, "-c", "import sys; sys.exit(1)"]
    pool = WorkerPool(Project.load(TESTS / "graph_project"), command, Progress(quiet=True), 1)
    try:
        pool._start(1)
        worker = pool.processes[0]
        worker.wait(timeout=30)
        with pytest.raises(StepError, match="exited"):
            pool._ask(worker, {"list": True})
    finally:
        pool.close()
