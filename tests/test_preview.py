"""`report preview`: serves the page, re-renders on save, pushes each build to the page (server-sent
events), reports a broken save without replacing the last good page, stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request

import pypdf

from reportkit.preview import EventStream


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


def start_preview(project, *options: str) -> tuple[subprocess.Popen, str]:
    """A `report preview` of ``project`` on a free port, and its address once it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reportkit.cli", "preview", "--port", "0", "--engine", "builtin", *options,
         "--project", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def url():
        line = process.stdout.readline()
        assert line, "preview exited"
        match = re.search(r"Serving (http://127\.0\.0\.1:\d+/)paper\.html ", line)
        return match.group(1) if match else None

    return process, wait_for(url)


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def pdf_text(path) -> str:
    return "".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_preview_pushes_the_page_then_the_pdf_and_keeps_the_last_good_page(fixture_project):
    process, base = start_preview(fixture_project, "--no-quick")  # quick pages: tests/test_quick.py
    try:
        page = fetch(base)  # the address alone opens the paper, not a folder listing
        assert page == fetch(base + "paper.html")
        assert "Fixture Paper" in page and "/__reportkit/events" in page  # the listening script is added
        assert "<script" not in (fixture_project / "_output" / "paper.html").read_text(encoding="utf-8")
        events = EventStream(base)
        first = events.next()
        assert first["ok"] and first["version"] == 1 and first["checks"] == "ok"

        chapter = fixture_project / "chapters" / "_method.qmd"
        good = chapter.read_text(encoding="utf-8")
        started = time.perf_counter()
        chapter.write_text(good + "\nA sentence added while previewing.\n", encoding="utf-8")
        pushed = events.next()  # pushed by the server, not polled: the page first ...
        assert pushed == {"version": 2, "ok": True, "message": "", "checks": "pending", "checks_message": "",
                          "pdf": "", "quick": False}
        assert time.perf_counter() - started < 10  # not after the stream's 15 s keep-alive
        assert "A sentence added while previewing." in fetch(base + "paper.html")
        followed = events.next()  # ... then the PDF and the checks across formats, for the same page
        assert followed == {**pushed, "checks": "ok"}
        assert "A sentence added while previewing." in pdf_text(fixture_project / "_output" / "paper.pdf")

        lines = good.count("\n") + 2
        chapter.write_text(good + "\nSee @fig-nowhere.\n", encoding="utf-8")
        broken = events.next()
        assert broken["ok"] is False and broken["version"] == 2
        assert f"chapters/_method.qmd:{lines}" in broken["message"] and "@fig-nowhere" in broken["message"]
        assert "A sentence added while previewing." in fetch(base + "paper.html")  # the last good page stays
        assert "A sentence added while previewing." in pdf_text(fixture_project / "_output" / "paper.pdf")

        # a save the HTML takes but the PDF refuses: the page updates, the failure is pushed after it
        chapter.write_text(good + "\nFine in HTML.\n\n```{=typst}\n#nowhere-defined()\n```\n", encoding="utf-8")
        page_build, checks = events.next(), events.next()
        assert page_build["ok"] and page_build["version"] == 3 and page_build["checks"] == "pending"
        assert "Fine in HTML." in fetch(base + "paper.html")
        assert checks["version"] == 3 and checks["checks"] == "failed"
        assert f"chapters/_method.qmd:{lines + 3}" in checks["checks_message"]
        assert "A sentence added while previewing." in pdf_text(fixture_project / "_output" / "paper.pdf")
    finally:
        code = stop(process)
    assert code == 0
    output = process.stdout.read()
    assert "the PDF or the checks after it failed" in output  # reported in the terminal too


def test_preview_of_the_html_alone_pushes_no_checks(fixture_project):
    process, base = start_preview(fixture_project, "--to", "html")
    try:
        events = EventStream(base)
        assert events.next() == {"version": 1, "ok": True, "message": "", "checks": "", "checks_message": "",
                                 "pdf": "", "quick": False}
        chapter = fixture_project / "chapters" / "_method.qmd"
        chapter.write_text(chapter.read_text(encoding="utf-8") + "\nHTML only.\n", encoding="utf-8")
        pushed = events.next()
        assert pushed["version"] == 2 and pushed["quick"] and pushed["pdf"] == ""  # a quick page, no quick PDF
        assert "HTML only." in fetch(base + "paper.html")
        assert events.next()["quick"] is False  # the full render's page replaced it
        assert not (fixture_project / "_output" / "paper.pdf").exists()
    finally:
        assert stop(process) == 0


def test_a_save_is_built_once_it_has_settled(tmp_path):
    """A file truncated, then written, changes twice: the preview waits until it stops changing."""
    import threading

    from reportkit.preview import Preview
    from reportkit.progress import Progress

    path = tmp_path / "chapter.qmd"
    path.write_text("old\n", encoding="utf-8")
    preview = Preview(tmp_path, lambda: None, lambda: [path], Progress(quiet=True), interval=0.05)
    path.write_text("", encoding="utf-8")  # the save has begun: the poll sees an empty file ...
    first = preview._snapshot([path])
    writer = threading.Timer(0.03, lambda: path.write_text("new text\n", encoding="utf-8"))
    writer.start()  # ... and the rest is written a moment later
    settled = preview._settled([path], first)
    writer.join()
    assert settled == preview._snapshot([path]) != first
