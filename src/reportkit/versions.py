"""Installed versions of Python distributions, for the cache keys of build steps."""

from __future__ import annotations

from importlib import metadata


def versions(names: list[str]) -> str:
    """``name=version`` for each distribution (``absent`` when not installed), comma-separated."""
    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=absent")
    return ",".join(found)
