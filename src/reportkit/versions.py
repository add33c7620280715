"""Versions of installed Python distributions and of executables, for cache keys and the manifest."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .errors import EngineError


def versions(names: list[str]) -> str:
    """``name=version`` for each distribution (``absent`` when not installed), comma-separated."""
    from importlib import metadata  # here, not at the top: ~0.05 s that `report check` spends while pandoc runs

    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=absent")
    return ",".join(found)


def distribution_version(name: str) -> str | None:
    """The installed version of a distribution, or None."""
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def executable_version(executable: str, cache: dict) -> str:
    """First line of ``EXECUTABLE --version``, remembered in ``cache`` (persisted with the build state)
    per resolved path, size and modification time: a new executable is asked again."""
    path = Path(executable).resolve()
    stat = path.stat()
    key = f"{path}|{stat.st_size}|{stat.st_mtime_ns}"
    known = cache.setdefault("tool-versions", {})
    if key not in known:
        done = subprocess.run([executable, "--version"], capture_output=True, text=True)
        if done.returncode != 0:
            raise EngineError(f"`{executable} --version` failed ({done.returncode}): {done.stderr.strip()}")
        for stale in [k for k in known if k.startswith(f"{path}|")]:
            del known[stale]
        known[key] = (done.stdout.strip().splitlines() or [""])[0]
    return known[key]
