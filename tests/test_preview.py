"""`report preview`: serves the page, re-renders on save, pushes each build to the page (server-sent
events), reports a broken save without replacing the last good page, stops cleanly on Ctrl-C."""

from __future__ import annotations

import json
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


class Events:
    """The preview's event stream, read one build at a time."""

    def __init__(self, url: str):
        self.response = urllib.request.urlopen(url + "__reportkit/events", timeout=60)

    def next(self) -> dict:
        data = None
        for raw in self.response:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                data = json.loads(line[6:])
            elif line == "" and data is not None:
                return data
        raise AssertionError("event stream ended")


def test_preview_pushes_each_build_and_keeps_the_last_good_page(fixture_project):
    process = subprocess.Popen(
        [sys.executable, "-m", "reportkit.cli", "preview", "--port", "0", "--engine", "builtin",
         "--project", str(fixture_project)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        def url():
            match = re.search(r"Serving (http://127\.0\.0\.1:\d+/)paper\.html ", process.stdout.readline())
            return match.group(1) if match else None

        base = wait_for(url)
        page = fetch(base)  # the address alone opens the paper, not a folder listing
        assert page == fetch(base + "paper.html")
        assert "Fixture Paper" in page and "/__reportkit/events" in page  # the listening script is added
        assert "<script" not in (fixture_project / "_output" / "paper.html").read_text(encoding="utf-8")
        events = Events(base)
        first = events.next()
        assert first["ok"] and first["version"] == 1

        chapter = fixture_project / "chapters" / "_method.qmd"
        good = chapter.read_text(encoding="utf-8")
        started = time.perf_counter()
        chapter.write_text(good + "\nA sentence added while previewing.\n", encoding="utf-8")
        pushed = events.next()  # pushed by the server, not polled
        assert pushed == {"version": 2, "ok": True, "message": ""}
        assert time.perf_counter() - started < 10  # not after the stream's 15 s keep-alive
        assert "A sentence added while previewing." in fetch(base + "paper.html")

        lines = good.count("\n") + 2
        chapter.write_text(good + "\nSee @fig-nowhere.\n", encoding="utf-8")
        broken = events.next()
        assert broken["ok"] is False and broken["version"] == 2
        assert f"chapters/_method.qmd:{lines}" in broken["message"] and "@fig-nowhere" in broken["message"]
        assert "A sentence added while previewing." in fetch(base + "paper.html")  # the last good page stays
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert code == 0
