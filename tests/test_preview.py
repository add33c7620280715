"""`report preview`: serves the page, re-renders on save, reloads, stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_preview_rerenders_on_save_and_stops_on_ctrl_c(fixture_project):
    process = subprocess.Popen(
        [sys.executable, "-m", "reportkit.cli", "preview", "--port", "0", "--engine", "builtin",
         "--project", str(fixture_project)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []

        def url():
            line = process.stdout.readline()
            lines.append(line)
            match = re.search(r"Serving (http://127\.0\.0\.1:\d+/)paper\.html ", line)
            return match.group(1) if match else None

        base = wait_for(url)
        page = fetch(base)  # the address alone opens the paper, not a folder listing
        assert page == fetch(base + "paper.html")
        assert "Fixture Paper" in page and "/__reportkit/version" in page  # reload script injected
        assert "<script" not in (fixture_project / "_output" / "paper.html").read_text(encoding="utf-8")
        first = fetch(base + "__reportkit/version")
        chapter = fixture_project / "chapters" / "_method.qmd"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nA sentence added while previewing.\n",
                           encoding="utf-8")
        wait_for(lambda: fetch(base + "__reportkit/version") != first)
        assert "A sentence added while previewing." in fetch(base + "paper.html")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
