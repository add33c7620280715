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
FORMAT = "entries-2"  # what the store holds per file: [[key, names], ...] (file_entries)
_known: dict[str, list | None] = {}  # digest of a file's bytes (and FORMAT) -> its entries' keys and names
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


def entry_names(entry: dict) -> list[str]:
    """The names citeproc may tell an entry apart by (its authors' and editors' family or literal names,
    lower-cased), or its title when it has none."""
    names = []
    for role in ("author", "editor"):
        for person in entry.get(role) or []:
            name = isinstance(person, dict) and (person.get("family") or person.get("literal"))
            if name:
                names.append(str(name).lower())
    return names or [str(entry.get("title", "")).lower()]


def file_entries(path: Path, pandoc: str, store: Path | None = None) -> list[tuple[str, list[str]]] | None:
    """The (id, names) of the entries of one bibliography file, or None when it cannot be read here."""
    reader = READERS.get(path.suffix.lower())
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if reader is None:
        return None
    digest = hashlib.sha256(f"{FORMAT}\0{reader}\0".encode() + data).hexdigest()
    with _lock:
        if digest not in _known and store is not None:
            _known.update(read_json(store))
        if digest in _known:
            found = _known[digest]
            return None if found is None else [(key, names) for key, names in found]
    entries = csl_json(reader, data, pandoc)
    try:
        found = None if entries is None else [[str(entry["id"]), entry_names(entry)] for entry in entries]
    except (KeyError, TypeError, AttributeError):
        found = None
    with _lock:
        _known[digest] = found
        if store is not None and found is not None:
            write_json(store, {**read_json(store), digest: found})
    return None if found is None else [(key, names) for key, names in found]


def file_keys(path: Path, pandoc: str, store: Path | None = None) -> list[str] | None:
    """The ids of the entries of one bibliography file, or None when it cannot be read here."""
    entries = file_entries(path, pandoc, store)
    return None if entries is None else [key for key, _ in entries]


def citation_names(meta: dict, pandoc: str, store: Path | None = None) -> dict[str, list[str]] | None:
    """Each key of ``meta``'s bibliography files and ``references`` with its names (:func:`entry_names`);
    None when a file cannot be read here."""
    files = meta.get("bibliography") or []
    names: dict[str, list[str]] = {}
    for name in [files] if isinstance(files, str) else files:
        found = file_entries(Path(str(name)), pandoc, store)
        if found is None:
            return None
        names.update(found)
    for entry in meta.get("references") or []:
        if isinstance(entry, dict) and "id" in entry:
            names[str(entry["id"])] = entry_names(entry)
    return names


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
