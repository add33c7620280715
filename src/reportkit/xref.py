"""Cross-document links: what each main document of a project defines, so that another one can refer to it.

A project may render several main documents (an article and its supplementary material). Quarto resolves
cross-references across documents only in books; reportkit lets every main document of a project

- refer to a figure, table or custom float of another with the usual ``@tbl-x`` (the text is that float's
  number in the other document, ``Table S3``; in HTML it links to it), and
- link a quoted value to its provenance entry when another document holds that entry.

This module reads the other documents' sources (already expanded: no render needed) and lists, for one
document, every id the others define and it does not: ``{id: {"href", "text", "number"}}``, with ``text``
empty for ids that are not numbered floats. The Lua filters receive the list in the filter settings
(``protocol.filter_settings``). Floats are numbered as ``filters/crossref.lua`` numbers them: per kind, in
document order, with the kind's prefix and Quarto's ``space-before-numbering``.
"""

from __future__ import annotations

import re

from .metadata import float_kinds
from .source import Document

ID = re.compile(r"\{[^}\n]*?#([A-Za-z][\w:.-]*)")
NBSP = "\u00a0"


def defined(document: Document) -> dict[str, dict]:
    """Every id the document defines, in order; a numbered float's entry has its text and number."""
    kinds = float_kinds(document.metadata.get("crossref"))
    counters = dict.fromkeys(kinds, 0)
    found: dict[str, dict] = {}
    for match in ID.finditer(document.expanded.body):
        label = match.group(1)
        if label in found:
            continue
        kind = label.split("-", 1)[0].lower() if "-" in label else ""
        entry = {"href": f"{document.stem}.html#{label}", "text": "", "number": ""}
        if kind in kinds:
            counters[kind] += 1
            prefix, _, space = kinds[kind]
            number = str(counters[kind])
            entry.update(number=number, text=prefix + (NBSP if space else "") + number)
        found[label] = entry
    return found


def links(document: Document, others: list[Document]) -> dict[str, dict]:
    """The ids of ``others`` that ``document`` does not define itself (the first document wins a clash)."""
    own = defined(document)
    out: dict[str, dict] = {}
    for other in others:
        for label, entry in defined(other).items():
            if label not in own:
                out.setdefault(label, entry)
    return out
