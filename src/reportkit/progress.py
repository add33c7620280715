"""One line per build step, in the order steps finish, with the time each took.

On a terminal (and unless quiet) a live status line at the bottom names what is running and for how
long; it is redrawn in place and cleared before every printed line. Elsewhere (a log, CI) only the
plain lines are printed.
"""

from __future__ import annotations

import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import click


class Progress:
    """Prints steps to stderr (unless quiet); paths written go to stdout via ``result``.

    ``quiet`` hides progress only: warnings and errors are always printed.
    """

    def __init__(self, quiet: bool = False, live: bool | None = None, results: bool = True):
        self.quiet = quiet
        self.results = results  # False: not even the files written (a render run for another command)
        self.started = time.perf_counter()
        self.live = (not quiet and sys.stderr.isatty()) if live is None else live
        self._lock = threading.RLock()
        self._running: dict[str, float] = {}  # what is running -> when it started
        self._shown = False
        self._ticker: threading.Thread | None = None

    # -- plain lines -----------------------------------------------------------------------
    def _print(self, text: str, err: bool = True) -> None:
        with self._lock:
            self._clear()
            click.echo(text, err=err)
            self._draw()

    def info(self, message: str) -> None:
        if not self.quiet:
            self._print(message)

    def warn(self, message: str) -> None:
        self._print(click.style("warning: ", fg="yellow", bold=True) + message)

    def error(self, message: str) -> None:
        self._print(click.style("error: ", fg="red", bold=True) + message)

    def result(self, message: str) -> None:
        if self.results:
            self._print(message, err=False)

    def stream(self, line: str) -> None:
        """A line of a subprocess's own output (indented)."""
        if not self.quiet:
            self._print("    | " + line.rstrip("\n"))

    def done(self, label: str, seconds: float, note: str = "") -> None:
        """A step that finished: ``label ... 0.12s (note)``."""
        self.info(f"  {label} ... {seconds:.2f}s" + (f" ({note})" if note else ""))

    @contextmanager
    def step(self, label: str) -> Iterator[Callable[[str], None]]:
        """Time a step; print ``label ... 0.12s`` when it ends (``failed`` if it raised).
        The step may call the yielded function to add a note: ``label ... 0.12s (note)``."""
        start = time.perf_counter()
        notes: list[str] = []
        self.begin(label)
        try:
            yield notes.append
        except BaseException:
            self.end(label)
            self.info(f"  {label} ... failed after {time.perf_counter() - start:.2f}s")
            raise
        self.end(label)
        self.done(label, time.perf_counter() - start, "; ".join(notes))

    # -- the live status line --------------------------------------------------------------
    def begin(self, label: str) -> None:
        """``label`` is now running (shown in the live line)."""
        with self._lock:
            self._running[label] = time.perf_counter()
            self._start_ticker()
            self._redraw()

    def end(self, label: str) -> None:
        with self._lock:
            self._running.pop(label, None)
            self._redraw()

    def _status(self) -> str:
        now = time.perf_counter()
        parts = [f"{label} {now - since:.0f}s" for label, since in self._running.items()]
        return f"[{now - self.started:.0f}s] running: " + ", ".join(parts)

    def _clear(self) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            self._shown = False

    def _draw(self) -> None:
        if self.live and self._running:
            width = 100
            sys.stderr.write(click.style(self._status()[:width], dim=True))
            sys.stderr.flush()
            self._shown = True

    def _redraw(self) -> None:
        if self.live:
            self._clear()
            self._draw()

    def _start_ticker(self) -> None:
        if not self.live or self._ticker is not None:
            return

        def tick() -> None:
            while True:
                time.sleep(0.25)
                with self._lock:
                    self._redraw()

        self._ticker = threading.Thread(target=tick, daemon=True)
        self._ticker.start()
