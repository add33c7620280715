"""Versions of installed Python distributions and of executables, for cache keys and the manifest."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.machinery import PathFinder
from pathlib import Path

from .errors import EngineError

_UNSURE = object()  # the fast lookup's answer where only importlib.metadata can tell
_HEADER = re.compile(r"([\041-\071\073-\176]+):(.*)")  # a header line, as the email parser reads one
_listings: dict[str, tuple[int, dict]] = {}  # sys.path folder -> (its mtime, _infos of it)


def versions(names: list[str]) -> str:
    """``name=version`` for each distribution (``absent`` when not installed), comma-separated."""
    return ",".join(f"{name}={distribution_version(name) or 'absent'}" for name in names)


def distribution_version(name: str) -> str | None:
    """The installed version of a distribution, or None: ``importlib.metadata.version``'s answer, found
    without importing importlib.metadata where its search is the plain one (``_fast_version``): that
    import and its first search cost ~0.03-0.05 s of every ``report render`` before its first pandoc."""
    found = _fast_version(name)
    if found is not _UNSURE:
        return found
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _fast_version(name: str):
    """What ``importlib.metadata.version(name)`` answers (None: not installed), searched as its path finder
    searches: the first folder of ``sys.path`` that holds a ``NAME-*.dist-info`` or ``NAME-*.egg-info`` of
    the normalized name, and the ``Version`` header of its METADATA (or PKG-INFO). ``_UNSURE`` wherever the
    search is not that plain one (another finder of distributions, a zip or an egg on the path, two
    candidates in one folder, no METADATA, an unusual header): the caller asks importlib.metadata then."""
    if not name or any(getattr(finder, "find_distributions", None) is not None and finder is not PathFinder
                       for finder in sys.meta_path):
        return _UNSURE
    normalized = _normalize(name)
    for root in sys.path:
        if not isinstance(root, str) or os.path.basename(root).lower().endswith(".egg"):
            return _UNSURE
        infos = _infos(root)
        if infos is _UNSURE:
            return _UNSURE
        matches = infos.get(normalized, [])
        if len(matches) > 1:
            return _UNSURE
        if matches:
            return _header_version(os.path.join(root, matches[0]))
    return None


def _normalize(name: str) -> str:
    """importlib.metadata's normalized name (PEP 503, dashes as underscores)."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _infos(root: str):
    """The ``.dist-info``/``.egg-info`` names in a ``sys.path`` folder by normalized distribution name
    (remembered while the folder's mtime stays), {} for an entry that does not exist, ``_UNSURE`` for one
    that is no folder (a zip)."""
    folder = root or "."
    try:
        mtime = os.stat(folder).st_mtime_ns
    except OSError:
        return {} if not os.path.lexists(folder) else _UNSURE
    known = _listings.get(folder)
    if known is None or known[0] != mtime:
        try:
            children = os.listdir(folder)
        except OSError:
            return _UNSURE
        infos: dict[str, list[str]] = {}
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                infos.setdefault(_normalize(low.rpartition(".")[0].partition("-")[0]), []).append(child)
        known = _listings[folder] = (mtime, infos)
    return known[1]


def _header_version(info: str):
    """The ``Version`` header of a distribution's METADATA (PKG-INFO for an egg-info), as the email parser
    reads it; ``_UNSURE`` where the file is not a plain list of headers up to that one."""
    for filename in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(info, filename), encoding="utf-8") as handle:
                text = handle.read()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            continue
        except (OSError, UnicodeDecodeError):
            return _UNSURE
        if not text:
            continue
        lines = re.split(r"\r\n|\r|\n", text)
        for number, line in enumerate(lines):
            header = _HEADER.fullmatch(line)
            if header is None:
                return _UNSURE  # the end of the headers (or a continuation, a defect) before a Version
            if header.group(1).lower() == "version":
                if number + 1 < len(lines) and lines[number + 1][:1] in (" ", "\t"):
                    return _UNSURE  # folded over lines
                return header.group(2).lstrip(" \t")
        return _UNSURE
    return _UNSURE


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
