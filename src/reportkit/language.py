"""The words Quarto prints in a document's language (``lang``): cross-reference titles, callout
titles, the table of contents' and the abstract's headings. From Quarto's own language files
(``data/quarto_language.yml``, with its provenance)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from . import yamlcache

# our name for each word -> Quarto's language key
KEYS = {
    **{kind: f"crossref-{kind}-title" for kind in ("fig", "tbl", "lst", "thm", "lem", "cor", "prp", "cnj",
                                                   "def", "exm", "exr")},
    "sec": "crossref-sec-prefix", "eq": "crossref-eq-prefix",
    "nte": "callout-note-title", "tip": "callout-tip-title", "wrn": "callout-warning-title",
    "imp": "callout-important-title", "cau": "callout-caution-title",
    "note": "callout-note-title", "warning": "callout-warning-title", "important": "callout-important-title",
    "caution": "callout-caution-title",
    "sol": "environment-solution-title", "rem": "environment-remark-title",
    "solution": "environment-solution-title", "remark": "environment-remark-title",
    "proof": "environment-proof-title",
    "toc-title": "toc-title-document", "abstract-title": "section-title-abstract",
    "references-title": "section-title-references",
}


_ABSENT = object()
TOP_LEVEL = re.compile(r"^[^ \t#\r\n].*", re.M)  # a line that is no comment, no blank and not indented
LANGUAGE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_-]*):(?:[ \t].*)?")


@lru_cache(maxsize=1)
def _text() -> str:
    return resources.files("reportkit").joinpath("data", "quarto_language.yml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _languages() -> dict:
    return yamlcache.load(_text())  # libyaml's: ~0.2 s less per process


@lru_cache(maxsize=1)
def _blocks() -> dict[str, str] | None:
    """The file's text of each language (from its ``code:`` line, at a line's start, up to the next such
    line), or None where the file is not laid out as that plain mapping (then it is parsed whole)."""
    text = _text()
    starts = list(TOP_LEVEL.finditer(text))
    blocks: dict[str, str] = {}
    for number, start in enumerate(starts):
        key = LANGUAGE_KEY.fullmatch(start.group(0))
        if key is None or key.group(1) in blocks:
            return None
        end = starts[number + 1].start() if number + 1 < len(starts) else len(text)
        blocks[key.group(1)] = text[start.start():end]
    return blocks


@lru_cache(maxsize=None)
def _language(code: str):
    """``_languages().get(code, _ABSENT)``, parsing only that language's block of the file where it can:
    the whole file (29 KB) takes ~10 ms, a block ~0.3 ms, and a render needs two or three of them."""
    blocks = _blocks()
    if blocks is not None:
        if code not in blocks:
            return _ABSENT
        try:
            parsed = yamlcache.load(blocks[code])
        except yamlcache.yaml_error():
            parsed = None
        if isinstance(parsed, dict) and list(parsed) == [code]:
            return parsed[code]
    return _languages().get(code, _ABSENT)


def words(lang: str | None) -> dict[str, str]:
    """Our words for ``lang`` (``fr-CA`` falls back to ``fr``, then to English), as Quarto picks them."""
    english = _language("en")
    table = dict(_languages()["en"] if english is _ABSENT else english)
    if lang:
        lang = str(lang)
        for code in (lang.split("-")[0], lang, lang.replace("_", "-")):
            found = _language(code)
            table.update({} if found is _ABSENT else found)
    return {ours: table[key] for ours, key in KEYS.items() if key in table}
