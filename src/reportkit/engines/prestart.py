"""`report render`'s first step when it will likely splice an edited chapter into a document's last render
(incremental.py): the part server is started at once, before the engines are imported and the build graph
is checked, and warmed up with the last splice's Typst part on an empty input (partserver.warm_up_request),
so that pandoc's start, the metadata file's parsing, the filters' loading and citeproc's tables (~0.3 s of a
cold part's ~0.45 s, measured on this paper) are behind it when the render asks for its first part.

A guess, read from the files' times (memory.RenderMemory.likely_changed): when the render renders whole after
all, or no document is rendered, the server is stopped with the engine, having cost processor time only.
"""

from __future__ import annotations

from .executables import pandoc_path
from .memory import SPLICED, RenderMemory
from .partserver import PartServer


def start_parts(project, formats: tuple[str, ...], builtin: bool, whole: bool) -> PartServer | None:
    """The part server, started and warming up (in a thread: Python goes on meanwhile), when a render of
    ``formats`` by the built-in engine (``builtin``), not ``whole``, will likely splice into one of the
    ``project``'s documents whose last splice left a warm-up request; else None."""
    if whole or not builtin or sorted(formats) != sorted(SPLICED):
        return None
    for main in project.main_inputs:
        memory = RenderMemory(project.root, project.stem(main))
        request = memory.warm_up() if memory.likely_changed() else None
        if request:
            server = PartServer(pandoc_path(), project.root)
            server.warm_up_soon(request)
            return server
    return None
