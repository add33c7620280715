"""What the built-in engine's last render of each document was made from and made (``RenderMemory``, in
``.reportkit/render/<stem>/``): what incremental.py splices an edited chapter into. Light to import: `report
render` reads it before it imports the engines (prestart.py)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..state import STATE_DIR, write_json

SPLICED = ("html", "pdf")  # the formats a render must ask for (no more, no fewer) to be spliced
FOLDER = "render"  # under STATE_DIR: one folder per document
FILES = {"body": "body.md", "outline": "outline.json", "page": "page.html", "typst": "source.typ",
         "parts": "parts.json"}
STATE = "state.json"
PARTS = "parts"  # the folder of the parts' files (markdown, metadata, outputs), in the document's folder
WARM_UP = "warm-up.json"  # the part server's warm-up request for the next splice (RenderMemory.warm_up)


@dataclass
class Remembered:
    """The last render of a document, as :meth:`RenderMemory.load` found it intact."""

    body: str
    outline: Path
    page: str
    typst: str
    parts: dict  # fmt -> {"sha": digest of the part's markdown, "output": PartOutput's fields}: the last spliced part


class RenderMemory:
    """What the built-in engine's last render of the document ``stem`` was made from and made."""

    def __init__(self, root: Path, stem: str):
        self.folder = root / STATE_DIR / FOLDER / stem

    def load(self, context: str) -> Remembered | None:
        """The last render, when it was made in ``context`` and every file is as it was written; else None."""
        try:
            state = json.loads((self.folder / STATE).read_text(encoding="utf-8"))
            if state.get("context") != context:
                return None
            contents = {}
            for name, file in FILES.items():
                data = (self.folder / file).read_bytes()
                if hashlib.sha256(data).hexdigest() != state["files"][name]:
                    return None
                contents[name] = data.decode("utf-8")
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return Remembered(contents["body"], self.folder / FILES["outline"], contents["page"], contents["typst"],
                          json.loads(contents["parts"]))

    def save(self, context: str, body: str, outline: Path, page: Path, typst: Path, parts: dict | None = None,
             included: list[str] = (), warm_up: list[str] | None = None) -> None:
        """Remember a render made in ``context``: ``state.json`` is removed first and written last, with the
        digests and the document's ``included`` files (absolute paths: :meth:`likely_changed`). ``warm_up``:
        the part server's request that warms it up for the next splice (:meth:`warm_up`), if any."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STATE).unlink(missing_ok=True)
        contents = {"body": body.encode("utf-8"), "outline": outline.read_bytes(), "page": page.read_bytes(),
                    "typst": typst.read_bytes(), "parts": json.dumps(parts or {}, sort_keys=True).encode("utf-8")}
        for name, data in contents.items():
            target = self.folder / FILES[name]
            if not (target.is_file() and target.read_bytes() == data):  # the outline is often its own source
                target.write_bytes(data)
        if warm_up:
            write_json(self.folder / WARM_UP, warm_up)
        else:
            (self.folder / WARM_UP).unlink(missing_ok=True)
        write_json(self.folder / STATE, {"context": context, "included": list(included),
                                         "files": {n: hashlib.sha256(d).hexdigest() for n, d in contents.items()}})

    def likely_changed(self) -> bool:
        """Whether one of the document's included files was written after its last render (a splice is
        then likely): a hint from the files' times, read before the render knows what changed."""
        state_file = self.folder / STATE
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
            since = state_file.stat().st_mtime_ns
            return any(os.stat(path).st_mtime_ns > since for path in state.get("included") or [])
        except (OSError, ValueError, AttributeError, TypeError):
            return False

    def warm_up(self) -> list[str] | None:
        """The part server's request that warms it up for a splice into the last render (the last spliced
        Typst part's, on an empty input: partserver.warm_up_request), if there is one; a hint, like
        :meth:`likely_changed` (no digest: a warm-up that fails is only a warm-up)."""
        try:
            request = json.loads((self.folder / WARM_UP).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return request if isinstance(request, list) and all(isinstance(a, str) for a in request) else None

    def forget(self) -> None:
        """No splice next time (the render had problems, or was not of :data:`SPLICED`)."""
        (self.folder / STATE).unlink(missing_ok=True)
