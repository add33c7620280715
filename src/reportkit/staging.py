"""Render into a staging folder; move results into place only when they passed their checks."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

STAGING_PREFIX = ".staging-"


class Staging:
    """A fresh folder inside the output folder (same file system, so moves are atomic).

    ``publish`` replaces each final output with ``os.replace``; until then the last good
    outputs are untouched. Leftovers of interrupted renders are removed on the next start.
    """

    def __init__(self, output_dir: Path):
        self.output_dir = output_dir
        output_dir.mkdir(parents=True, exist_ok=True)
        for stale in output_dir.glob(STAGING_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=output_dir))

    def publish(self, files: list[Path], folders: list[Path] = ()) -> list[Path]:
        """Move staged files, then the folders beside them (the previous folder of that name is moved
        aside into staging first), into the output folder; returns the files' final paths."""
        for staged in folders:
            if not staged.is_dir():
                continue
            final = self.output_dir / staged.name
            if final.is_dir():
                os.replace(final, self.path / f".previous-{staged.name}")
            os.replace(staged, final)
        published = []
        for staged in files:
            final = self.output_dir / staged.name
            os.replace(staged, final)
            published.append(final)
        return published

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
