"""``report preview``: re-render on save and serve the HTML on localhost with live reload.

Watching is by polling file modification times of every input of the build graph (sources,
data, analysis code, settings), so nothing extra needs installing. The page is served as
rendered, except that a small script asking ``/__reportkit/version`` is added on the way
out; the file on disk stays script-free.
"""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path
from typing import Callable

from .errors import ReportError
from .progress import Progress

RELOAD_SCRIPT = b"""<script>
(function () {
  var key = 'reportkit-scroll:' + location.pathname, seen = null;
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {  // back where the reader was before the reload (whatever the browser restores)
    sessionStorage.removeItem(key);
    window.addEventListener('load', function () { window.scrollTo(0, parseFloat(saved)); });
  }
  setInterval(function () {
    fetch('/__reportkit/version', {cache: 'no-store'}).then(function (r) { return r.text(); }).then(function (v) {
      if (seen !== null && v !== seen) { sessionStorage.setItem(key, String(window.scrollY)); location.reload(); }
      seen = v;
    }).catch(function () {});
  }, 700);
})();
</script>
"""


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; injects the reload script into HTML; answers the version."""

    version: Callable[[], int]
    home: str  # the page "/" shows (the main document's HTML)

    def log_message(self, *args) -> None:  # keep the terminal for build messages
        pass

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/__reportkit/version"):
            self._send(str(self.version()).encode(), "text/plain")
            return
        if self.path in ("/", "/index.html") and not (Path(self.directory) / "index.html").is_file():
            self.send_response(302)
            self.send_header("Location", "/" + self.home)
            self.end_headers()
            return
        path = Path(self.translate_path(self.path))
        if path.suffix == ".html" and path.is_file():
            self._send(path.read_bytes().replace(b"</body>", RELOAD_SCRIPT + b"</body>", 1), "text/html; charset=utf-8")
            return
        super().do_GET()


class Preview:
    """Render, serve, watch; ``rebuild`` is called with no arguments and may raise ReportError."""

    def __init__(self, output_dir: Path, rebuild: Callable[[], None], watched: Callable[[], list[Path]],
                 progress: Progress, port: int = 0, interval: float = 0.4, home: str = ""):
        self.output_dir, self.rebuild, self.watched, self.home = output_dir, rebuild, watched, home
        self.progress, self.port, self.interval = progress, port, interval
        self.version = 0
        self._stop = threading.Event()

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

    def _build(self) -> None:
        try:
            self.rebuild()
            self.version += 1
        except ReportError as error:
            self.progress.error(f"{error}\n(the page keeps showing the last good render; fix and save to retry)")

    def serve(self, on_ready: Callable[[str], None] | None = None) -> None:
        """Block until ``stop()`` or Ctrl-C; then shut the server down cleanly."""
        self._build()
        handler = functools.partial(type("Handler", (_Handler,), {"version": lambda _self: self.version,
                                                                  "home": self.home}),
                                    directory=str(self.output_dir))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        self.progress.result(f"Serving {url}{self.home} (Ctrl-C to stop); watching for changes ...")
        if on_ready:
            on_ready(url)
        files = self._watch_list()
        stamps = self._snapshot(files)
        try:
            while not self._stop.is_set():
                time.sleep(self.interval)
                current = self._snapshot(files)
                if current != stamps:
                    changed = sorted(str(p) for p in current if current.get(p) != stamps.get(p))
                    self.progress.info(f"changed: {', '.join(changed[:3])}{' ...' if len(changed) > 3 else ''}")
                    self._build()
                    files = self._watch_list()  # a chapter may include new files now
                    stamps = self._snapshot(files)
        except KeyboardInterrupt:
            self.progress.info("stopping preview")
        finally:
            server.shutdown()
            server.server_close()

    def stop(self) -> None:
        self._stop.set()
