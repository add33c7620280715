"""YAML parsed once per text: every ``report render`` parses the same ``_quarto.yml``, ``_variables.yml``, front
matter, cell options and language words, and imports PyYAML to do it (together ~0.03 s of a no-op render, as
much before the first pandoc of a render after an edit).

:func:`load` answers what PyYAML answers for ``text``. A result JSON keeps exactly (mappings with string keys,
lists, strings, integers, finite floats, booleans, null, nothing shared) is remembered by the sha256 of the
loader, PyYAML's version and the text, in memory and in the project's state folder (``.reportkit/yaml.json``,
the store :func:`use_store` names, once a render made that folder), and handed out again as a fresh copy
(parsed from its JSON). Any other result (dates, non-string keys, anchors shared by two places) and every
error are PyYAML's each time. PyYAML is imported only for a text not remembered.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from pathlib import Path
from typing import Any

STORE_NAME = "yaml.json"
STORE_ENTRIES = 256  # the newest entries kept in a store (a miss adds one)

_known: dict[str, str] = {}  # digest -> the result's JSON
_read: set[Path] = set()  # stores already read into _known
_store: Path | None = None  # where new results are remembered (use_store)
_lock = threading.Lock()


def use_store(folder: Path | None) -> None:
    """Remember results in ``folder / STORE_NAME`` (a project's state folder) from now on; None: in memory only."""
    global _store
    _store = folder


def yaml_error() -> type[Exception]:
    """PyYAML's ``YAMLError``, for an ``except`` clause (imports PyYAML, which then has parsed something)."""
    import yaml

    return yaml.YAMLError


def load(text: str, libyaml: bool = True) -> Any:
    """``yaml.load(text, Loader=CSafeLoader)`` (``SafeLoader`` where PyYAML has no libyaml); ``libyaml=False``:
    ``yaml.safe_load(text)``."""
    from .versions import distribution_version

    kind = "libyaml-safe" if libyaml else "safe"
    key = f"{kind}\0{distribution_version('pyyaml')}\0{text}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    with _lock:
        store = _store / STORE_NAME if _store is not None else None
        if digest not in _known and store is not None and store not in _read:
            _read.add(store)
            _known.update(_stored(store))
        found = _known.get(digest)
    if found is not None:
        return json.loads(found)
    value = _parse(text, libyaml)
    if _plain(value, set()):
        encoded = json.dumps(value)
        with _lock:
            _known[digest] = encoded
            if store is not None:
                _remember(store, digest, encoded)
    return value


def _parse(text: str, libyaml: bool) -> Any:
    import yaml

    if libyaml:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return yaml.safe_load(text)


def _plain(value: Any, seen: set[int]) -> bool:
    """True when JSON gives ``value`` back exactly: its types, and no container in two places."""
    if value is None or type(value) in (str, bool, int):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) in (dict, list):
        if id(value) in seen:
            return False
        seen.add(id(value))
        if type(value) is dict:
            return all(type(k) is str and _plain(v, seen) for k, v in value.items())
        return all(_plain(v, seen) for v in value)
    return False


def _stored(store: Path) -> dict[str, str]:
    """The store's entries, oldest first (the file: ``{"entries": [[digest, json], ...]}``)."""
    try:
        data = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return {}
    return {e[0]: e[1] for e in entries
            if isinstance(e, list) and len(e) == 2 and isinstance(e[0], str) and isinstance(e[1], str)}


def _remember(store: Path, digest: str, encoded: str) -> None:
    """Add one entry to the store (the newest ``STORE_ENTRIES`` stay), in a state folder that exists (a
    render made it): a command that wrote nothing (``report clean --dry-run``, ``report status`` in a fresh
    clone) still writes nothing. A store that cannot be written (read-only) stays as it is."""
    if not store.parent.is_dir():
        return
    from .state import write_json

    entries = _stored(store)
    entries.pop(digest, None)
    entries[digest] = encoded
    try:
        write_json(store, {"entries": [list(e) for e in list(entries.items())[-STORE_ENTRIES:]]})
    except OSError:
        pass
