"""Content digests of files, reusing earlier digests while size and mtime are unchanged."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Callable

# A file modified this recently may change again within the same mtime tick: hash it anyway.
RECENT_SECONDS = 2.0


def sha256_file(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


class Fingerprints:
    """Digests of files under ``root`` by project-relative name (absolute names are allowed too).

    ``cache`` maps a name to ``[size, mtime_ns, digest]`` and is persisted with the build state,
    so an unchanged tree costs one ``stat`` per file.
    """

    def __init__(self, root: Path, cache: dict | None = None):
        self.root = root
        self._root = str(root)
        self.cache: dict[str, list] = cache if cache is not None else {}
        self.views: dict[str, tuple[str, Callable[[bytes], bytes]]] = {}
        self.values: dict[str, str] = {}

    def add_view(self, name: str, real: str, transform: Callable[[bytes], bytes]) -> None:
        """Make ``name`` an input whose digest is that of ``transform(content of real)``:
        a step can depend on part of a file (e.g. a data package without its checksums)."""
        self.views[name] = (real, transform)

    def add_value(self, name: str, text: str) -> None:
        """Make ``name`` an input that is no file: its digest is that of ``text`` (e.g. one code
        cell of a document, so a step reruns when that cell changes and not when the prose does)."""
        self.values[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, name: str) -> Path:
        if name in self.views:
            name = self.views[name][0]
        return Path(name) if Path(name).is_absolute() else self.root / name

    def _file(self, name: str) -> str:
        """``str(self.path(name))``, without pathlib's objects where ``name`` is already in pathlib's normal
        form (no empty or ``.`` part, no trailing slash): a render looks up some 300 names."""
        real = self.views[name][0] if name in self.views else name
        if not real or real == "." or "//" in real or "/./" in real or real.endswith(("/", "/.")) \
                or real.startswith("./"):
            return str(self.path(name))
        return real if real.startswith("/") else os.path.join(self._root, real)

    def digest(self, name: str) -> str | None:
        """sha256 of the file, or None when it does not exist."""
        if name in self.values:
            return self.values[name]
        path = self._file(name)
        try:
            stat = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            self.cache.pop(name, None)
            return None
        key = [stat.st_size, stat.st_mtime_ns]
        known = self.cache.get(name)
        recent = time.time() - stat.st_mtime_ns / 1e9 < RECENT_SECONDS
        if known and known[:2] == key and not recent:
            return known[2]
        if name in self.views:
            value = hashlib.sha256(self.views[name][1](Path(path).read_bytes())).hexdigest()
        else:
            value = sha256_file(Path(path))
        self.cache[name] = [*key, value]
        return value

    def digests(self, names) -> dict[str, str | None]:
        return {name: self.digest(name) for name in names}
