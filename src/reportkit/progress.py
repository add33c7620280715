"""One line per build step, with the time it took."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

import click


class Progress:
    """Prints steps to stderr (unless quiet); paths written go to stdout via ``result``."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.started = time.perf_counter()

    def info(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)

    def warn(self, message: str) -> None:
        click.echo(click.style("warning: ", fg="yellow", bold=True) + message, err=True)

    def error(self, message: str) -> None:
        click.echo(click.style("error: ", fg="red", bold=True) + message, err=True)

    def result(self, message: str) -> None:
        click.echo(message)

    @contextmanager
    def step(self, label: str) -> Iterator[Callable[[str], None]]:
        """Time a step; print ``label ... 0.12s`` when it ends (``failed`` if it raised).
        The step may call the yielded function to add a note: ``label ... 0.12s (note)``."""
        start = time.perf_counter()
        notes: list[str] = []
        try:
            yield notes.append
        except BaseException:
            self.info(f"  {label} ... failed after {time.perf_counter() - start:.2f}s")
            raise
        suffix = f" ({'; '.join(notes)})" if notes else ""
        self.info(f"  {label} ... {time.perf_counter() - start:.2f}s{suffix}")

    def stream(self, line: str) -> None:
        """A line of a subprocess's own progress (indented)."""
        if not self.quiet:
            sys.stderr.write("    | " + line.rstrip("\n") + "\n")
            sys.stderr.flush()
