"""One preview per project (previewlock.py): a second `report preview` of a project is refused, naming the
first; the lock goes with the process that held it, however it ended."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reportkit.previewlock import PreviewRunning, hold

HOLDER = ("import sys; from pathlib import Path; from reportkit.previewlock import hold, note; "
          "lock = hold(Path(sys.argv[1])); note(lock, 'http://127.0.0.1:4999/paper.html'); print('held', flush=True); "
          "sys.stdin.read()")


def test_a_second_preview_of_a_project_is_refused_while_the_first_runs(fixture_project):
    first = subprocess.Popen([sys.executable, "-c", HOLDER, str(fixture_project)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline() == "held\n"
        with pytest.raises(PreviewRunning) as refused:
            hold(fixture_project)
        assert f"process {first.pid}, serving http://127.0.0.1:4999/paper.html" in str(refused.value)
        # (a process of its own: were it not refused, it would serve until the timeout stops it)
        second = subprocess.run([sys.executable, "-m", "reportkit.cli", "preview", "--port", "0", "--project",
                                 str(fixture_project)], capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert "another report preview of this project is running" in second.stderr
        assert f"process {first.pid}" in second.stderr
        assert not (fixture_project / "_output").exists()  # refused before building anything
    finally:
        first.kill()
        first.wait()
    lock = hold(fixture_project)  # the first one ended (killed): the lock went with it
    try:
        assert lock is not None
    finally:
        lock.close()
