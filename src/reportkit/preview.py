"""``report preview``: re-render on save and serve the HTML on localhost; the page updates itself.

Watching is by polling file modification times of every input of the build graph (sources, data,
analysis code, settings), so nothing extra needs installing. Each build is pushed to the open pages
as a server-sent event (``/__reportkit/events``): after a good build the page reloads where the reader
was; after a failed one it shows the problems (file:line) in an overlay over the last good page. What
follows the page (the PDF, the checks across formats) is pushed as a second event of the same build,
shown in a badge (and an overlay when it failed). The page is served as rendered, except for the small
script that listens; the file on disk stays script-free.
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from .errors import ReportError
from .progress import Progress

EVENTS = "/__reportkit/events"
SETTLE_TRIES = 20  # intervals a save may take to settle (see Preview._settled)
LISTEN_SCRIPT = b"""<script>
(function () {
  var key = 'reportkit-scroll:' + location.pathname;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {  // back where the reader was before the reload (whatever the browser restores)
    sessionStorage.removeItem(key);
    window.addEventListener('load', function () { window.scrollTo(0, parseFloat(saved)); });
  }
  function overlay(text) {
    var box = document.getElementById('reportkit-overlay');
    if (!box) {
      box = document.createElement('div');
      box.id = 'reportkit-overlay';
      box.setAttribute('role', 'alert');
      box.style.cssText = 'position:fixed;left:1rem;right:1rem;bottom:1rem;max-height:45vh;overflow:auto;' +
        'z-index:2147483647;background:#fff5f5;color:#5c0b0b;border:2px solid #c62828;border-radius:6px;' +
        'padding:.8rem 1rem;font:13px/1.45 ui-monospace,monospace;white-space:pre-wrap;box-shadow:0 4px 16px #0003';
      document.body.appendChild(box);
    }
    box.textContent = text;
  }
  function status(text) {  // the PDF and the checks that follow the page
    var badge = document.getElementById('reportkit-status');
    if (!badge) {
      badge = document.createElement('div');
      badge.id = 'reportkit-status';
      badge.style.cssText = 'position:fixed;right:.6rem;top:.6rem;z-index:2147483646;background:#f4f4f4;' +
        'color:#333;border:1px solid #bbb;border-radius:4px;padding:.15rem .5rem;font:12px ui-sans-serif,sans-serif';
      document.body.appendChild(badge);
    }
    badge.textContent = text;
    badge.style.display = text ? '' : 'none';
  }
  function show(build) {
    status(build.pdf === 'ok' && build.checks === 'pending' ? 'PDF updated; checks: running' :
           {pending: 'PDF and checks: running', ok: 'PDF and checks: passed',
            failed: 'PDF and checks: failed'}[build.checks] || '');
    if (!build.ok) {
      overlay(build.message + '\\n\\n(the page shows the last good render; fix and save to update)');
    } else if (build.checks === 'failed') {
      overlay('The page is up to date, but the PDF or the checks after it failed:\\n\\n' + build.checks_message);
    } else {
      var shown = document.getElementById('reportkit-overlay');
      if (shown) { shown.remove(); }
    }
  }
  var seen = null;
  var source = new EventSource('__EVENTS__');
  source.addEventListener('build', function (event) {
    var build = JSON.parse(event.data);
    if (seen === null) { seen = build.version; show(build); return; }
    if (build.ok && build.version !== seen) {
      sessionStorage.setItem(key, String(window.scrollY));
      location.reload();
    } else {
      show(build);
    }
  });
})();
</script>
""".replace(b"__EVENTS__", EVENTS.encode())


@dataclass
class Build:
    """The outcome of the latest build, as pushed to the pages."""

    version: int = 0      # counts good builds: a page reloads when it changes
    ok: bool = True
    message: str = ""
    checks: str = ""      # what followed the page (the PDF, the checks): "", "pending", "ok" or "failed"
    checks_message: str = ""
    pdf: str = ""         # "ok": a quick PDF is served before the checks end (quick.py)
    quick: bool = False   # the page is a quick page (quick.py), until the full render replaces it

    def event(self) -> bytes:
        data = json.dumps({"version": self.version, "ok": self.ok, "message": self.message, "checks": self.checks,
                           "checks_message": self.checks_message, "pdf": self.pdf, "quick": self.quick})
        return f"event: build\ndata: {data}\n\n".encode("utf-8")


class Builds:
    """The latest build and a condition the event streams wait on."""

    def __init__(self) -> None:
        self.latest = Build()
        self.changed = threading.Condition()
        self.closing = False

    def publish(self, build: Build) -> None:
        with self.changed:
            self.latest = build
            self.changed.notify_all()

    def close(self) -> None:
        with self.changed:
            self.closing = True
            self.changed.notify_all()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; adds the listening script to HTML; streams build events."""

    builds: Builds
    home: str  # the page "/" shows (the main document's HTML)
    served: dict[str, bytes]  # output name -> what to serve instead of the file (a quick page or PDF)

    def log_message(self, *args) -> None:  # keep the terminal for build messages
        pass

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self) -> None:
        """Send the latest build at once, then each new one, until the client or the server goes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        builds = self.builds
        with builds.changed:
            current = builds.latest
        try:
            self.wfile.write(current.event())
            self.wfile.flush()
            while True:
                with builds.changed:
                    builds.changed.wait_for(lambda: builds.latest is not current or builds.closing, timeout=15)
                    if builds.closing:
                        return
                    if builds.latest is current:
                        self.wfile.write(b": keep-alive\n\n")  # lets a closed connection be noticed
                        self.wfile.flush()
                        continue
                    current = builds.latest
                self.wfile.write(current.event())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_GET(self) -> None:
        if self.path.startswith(EVENTS):
            self._stream()
            return
        if self.path in ("/", "/index.html") and not (Path(self.directory) / "index.html").is_file():
            self.send_response(302)
            self.send_header("Location", "/" + self.home)
            self.end_headers()
            return
        path = Path(self.translate_path(self.path))
        root = Path(self.directory).resolve()
        body = self.served.get(path.relative_to(root).as_posix()) if path.is_relative_to(root) else None
        if path.suffix == ".html" and (body is not None or path.is_file()):
            body = path.read_bytes() if body is None else body
            self._send(body.replace(b"</body>", LISTEN_SCRIPT + b"</body>", 1), "text/html; charset=utf-8")
            return
        if body is not None:
            self._send(body, self.guess_type(str(path)))
            return
        super().do_GET()


class Preview:
    """Render, serve, watch. ``rebuild`` makes the page; ``follow`` (optional) then makes what may come
    after the page is pushed (the PDF, the checks across formats). Both take no arguments and may raise
    ReportError. ``quick`` (optional, quick.py's QuickPages): after a save, a quick page (and PDF) served
    from memory while ``full`` renders everything; the full render's page then replaces it."""

    def __init__(self, output_dir: Path, rebuild: Callable[[], None], watched: Callable[[], list[Path]],
                 progress: Progress, port: int = 0, interval: float = 0.05, home: str = "",
                 follow: Callable[[], None] | None = None, quick=None, full: Callable[[], None] | None = None):
        self.output_dir, self.rebuild, self.watched, self.home = output_dir, rebuild, watched, home
        self.progress, self.port, self.interval, self.follow = progress, port, interval, follow
        self.quick, self.full = quick, full
        self.builds = Builds()
        self.served: dict[str, bytes] = {}
        self._stop = threading.Event()

    @property
    def version(self) -> int:
        return self.builds.latest.version

    def _snapshot(self, files: list[Path]) -> dict[Path, int]:
        stamps = {}
        for path in files:
            try:
                stamps[path] = path.stat().st_mtime_ns
            except FileNotFoundError:
                stamps[path] = -1
        return stamps

    def _watch_list(self) -> list[Path]:
        try:
            return self.watched()
        except ReportError as error:
            self.progress.error(str(error))
            return []

    def _quick_build(self, stamps: dict[Path, int], changed: list[Path]) -> bool:
        """A quick page (and PDF) for this save, pushed, then the full render and its checks; False when no
        quick page can be made (nothing was pushed)."""
        started = time.perf_counter()
        try:
            pages = self.quick.page(changed)
        except Exception as error:  # noqa: BLE001 - whatever went wrong, the full render shows the truth
            self.progress.info(f"no quick page ({error}); rendering in full")
            pages = None
        if not pages:
            return False
        self.served.update(pages)
        self.progress.result(f"quick page: {', '.join(pages)} ({time.perf_counter() - started:.2f}s; the full render "
                             "follows)")
        page = Build(self.builds.latest.version + 1, True, "", "pending", quick=True)
        self.builds.publish(page)
        try:
            pdfs = self.quick.pdfs()
        except Exception as error:  # noqa: BLE001 - the full render below says what is wrong
            self.progress.info(f"no quick PDF ({error}); the full render follows")
            pdfs = {}
        if pdfs:
            self.served.update(pdfs)
            self.progress.result(f"quick PDF: {', '.join(pdfs)} ({time.perf_counter() - started:.2f}s)")
            page = replace(page, pdf="ok")
            self.builds.publish(page)
        if self._snapshot(list(stamps)) != stamps:
            self.progress.info("changed during the build: the full render follows the next build")
            return True
        try:
            self.full()
        except ReportError as error:
            self.progress.error(f"the quick page is shown, but the full render failed:\n{error}")
            self.builds.publish(replace(page, checks="failed", checks_message=str(error)))
            return True
        differences = self.quick.differences(self.output_dir)
        self.served.clear()
        if differences:  # the quick path was wrong: say so, and show the full render
            self.progress.error(f"the quick page differed from the full render ({', '.join(differences)}); "
                                "the page now shows the full render")
            page = replace(page, version=page.version + 1)
        self.builds.publish(replace(page, checks="ok", quick=False))
        return True

    def _build(self, stamps: dict[Path, int], changed: list[Path] | None = None) -> None:
        """Make the page and push it; then, unless a watched file changed meanwhile (``stamps``: as
        they were when the build started), make what follows it and push its outcome. ``changed``: the
        files this save changed (a quick page is tried for them first)."""
        if self.quick is not None and changed and self._quick_build(stamps, changed):
            return
        latest = self.builds.latest
        try:
            self.rebuild()
        except ReportError as error:
            self.progress.error(f"{error}\n(the page keeps showing the last good render; fix and save to retry)")
            self.builds.publish(Build(latest.version, False, str(error)))
            return
        self.served.clear()
        page = Build(latest.version + 1, True, "", "pending" if self.follow else "")
        self.builds.publish(page)
        if self.follow is None:
            return
        if self._snapshot(list(stamps)) != stamps:
            self.progress.info("changed during the build: the PDF and the checks follow the next build")
            return
        try:
            self.follow()
        except ReportError as error:
            self.progress.error(f"the page is up to date, but the PDF or the checks after it failed:\n{error}")
            self.builds.publish(replace(page, checks="failed", checks_message=str(error)))
        else:
            self.builds.publish(replace(page, checks="ok"))

    def _settled(self, files: list[Path], current: dict[Path, int]) -> dict[Path, int]:
        """The stamps once a save is complete: the same for one more interval (a file truncated, then
        written, changes twice; building in between would render a half-written chapter), at most ~1 s."""
        for _ in range(SETTLE_TRIES):
            time.sleep(self.interval)
            again = self._snapshot(files)
            if again == current:
                break
            current = again
        return current

    def _rewatch(self, stamps: dict[Path, int]) -> tuple[list[Path], dict[Path, int]]:
        """The files to watch after a build (a chapter may include new files now). Known files keep the
        stamps they had when the build started, so a save made during the build is seen next."""
        files = self._watch_list()
        fresh = self._snapshot([f for f in files if f not in stamps])
        return files, {f: stamps[f] if f in stamps else fresh[f] for f in files}

    def serve(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Block until ``stop()`` or Ctrl-C; then shut the server down cleanly."""
        files = self._watch_list()
        stamps = self._snapshot(files)  # before the first build: a save made meanwhile is not missed
        self._build(stamps)
        files, stamps = self._rewatch(stamps)
        handler = functools.partial(type("Handler", (_Handler,), {"builds": self.builds, "home": self.home,
                                                                  "served": self.served}),
                                    directory=str(self.output_dir))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.progress.result(f"Serving {url}{self.home} (Ctrl-C to stop); watching for changes ...")
        if on_ready:
            on_ready(url)
        try:
            while not self._stop.is_set():
                time.sleep(self.interval)
                current = self._snapshot(files)
                if current != stamps:
                    current = self._settled(files, current)
                    changed = sorted(p for p in current if current.get(p) != stamps.get(p))
                    self.progress.info(f"changed: {', '.join(map(str, changed[:3]))}{' ...' if len(changed) > 3 else ''}")
                    self._build(current, changed)
                    files, stamps = self._rewatch(current)
        except KeyboardInterrupt:
            self.progress.info("stopping preview")
        finally:
            self.builds.close()
            server.shutdown()
            server.server_close()

    def stop(self) -> None:
        self._stop.set()


class EventStream:
    """A client of a preview's build events (``EVENTS``, server-sent events), read one build at a
    time: what tests and benchmarks use to wait for a save's page and PDF."""

    def __init__(self, base_url: str, timeout: float = 60):
        self.response = urllib.request.urlopen(base_url.rstrip("/") + EVENTS, timeout=timeout)

    def next(self) -> dict:
        """The next build's fields (``Build.event``); EOFError when the stream ends."""
        data = None
        for raw in self.response:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("data: "):
                data = json.loads(line[len("data: "):])
            elif line == "" and data is not None:
                return data
        raise EOFError("the preview's event stream ended")
