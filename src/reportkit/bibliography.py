"""The citation keys of a document's bibliography, read once per process by pandoc itself.

crossref.lua reports a citation whose key no bibliography entry has. Asking pandoc inside the filter
(``pandoc.utils.references``) parses every bibliography file again in every pandoc pass (about 0.2 s for
this paper's, twice per document per render); here each file is converted once by the same pandoc
(``--from biblatex|bibtex|csljson --to csljson``, the readers pandoc's citeproc picks by extension) and
remembered by its content, in this process and in ``store`` (a JSON file in the project's state folder,
so that `report check` and the next render need not run pandoc for it either). A file of another kind (YAML, RIS, ...) or one pandoc cannot read gives
``None``: the filter then asks pandoc itself, as before, and reports what it finds.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from pathlib import Path

from .state import read_json, write_json

READERS = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson"}  # as pandoc's citeproc reads them
_known: dict[str, list[str] | None] = {}  # sha256 of a file's bytes -> its keys
_lock = threading.Lock()


def csl_json(reader: str, data: bytes, pandoc: str) -> list[dict] | None:
    """A bibliography file's bytes (in pandoc's format ``reader``) as CSL JSON entries, converted by pandoc;
    None when pandoc cannot read it."""
    done = subprocess.run([pandoc, "--from", reader, "--to", "csljson"], input=data, capture_output=True)
    if done.returncode != 0:
        return None
    try:
        entries = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        return None
    return entries if isinstance(entries, list) else None


def file_keys(path: Path, pandoc: str, store: Path | None = None) -> list[str] | None:
    """The ids of the entries of one bibliography file, or None when it cannot be read here."""
    reader = READERS.get(path.suffix.lower())
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if reader is None:
        return None
    digest = hashlib.sha256(reader.encode() + b"\0" + data).hexdigest()
    with _lock:
        if digest not in _known and store is not None:
            _known.update(read_json(store))
        if digest in _known:
            return _known[digest]
    entries = csl_json(reader, data, pandoc)
    try:
        keys = None if entries is None else [str(entry["id"]) for entry in entries]
    except (KeyError, TypeError):
        keys = None
    with _lock:
        _known[digest] = keys
        if store is not None and keys is not None:
            write_json(store, {**read_json(store), digest: keys})
    return keys


def citation_keys(meta: dict, pandoc: str, store: Path | None = None) -> list[str] | None:
    """Every key a document may cite: its ``bibliography`` files' entries and its ``references``; None
    when one of the files cannot be read here (the filter then asks pandoc)."""
    files = meta.get("bibliography") or []
    keys: list[str] = []
    for name in [files] if isinstance(files, str) else files:
        found = file_keys(Path(str(name)), pandoc, store)
        if found is None:
            return None
        keys += found
    inline = meta.get("references") or []
    keys += [str(entry["id"]) for entry in inline if isinstance(entry, dict) and "id" in entry]
    return sorted(set(keys))
