"""What the last successful build of each step saw and wrote (``.reportkit/state.json``).

The file is replaced atomically, and only after a step's outputs are in place, so an
interrupted build leaves either the old record or the new one, never a torn file. A step
whose outputs were overwritten but not recorded is simply rebuilt next time.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

STATE_DIR = ".reportkit"
VERSION = 1


class BuildState:
    def __init__(self, root: Path):
        self.path = root / STATE_DIR / "state.json"
        self.data = self._load()

    def _load(self) -> dict:
        data = read_json(self.path)
        if data.get("version") != VERSION:  # absent, unreadable or of another version: start afresh
            return {"version": VERSION, "steps": {}, "files": {}, "cache": {}}
        return data

    @property
    def files(self) -> dict:
        """Fingerprint cache (see fingerprint.Fingerprints)."""
        return self.data.setdefault("files", {})

    @property
    def cache(self) -> dict:
        """Other cached results (e.g. the project's step listing)."""
        return self.data.setdefault("cache", {})

    def record(self, name: str) -> dict | None:
        return self.data["steps"].get(name)

    def remember(self, name: str, key: str, inputs: dict, outputs: dict) -> None:
        self.data["steps"][name] = {"key": key, "inputs": inputs, "outputs": outputs}

    def save(self) -> None:
        write_json(self.path, self.data)


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; empty when the file is absent or unreadable (a cache)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict) -> None:
    """Replace ``path`` with ``data`` atomically (a reader sees the old file or the new one, never a torn one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.stem + "-", suffix=".json", dir=path.parent)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=1, sort_keys=True)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
