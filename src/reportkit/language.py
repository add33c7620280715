"""The words Quarto prints in a document's language (``lang``): cross-reference titles, callout
titles, the table of contents' and the abstract's headings. From Quarto's own language files
(``data/quarto_language.yml``, with its provenance)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from .project import SAFE_LOADER

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


@lru_cache(maxsize=1)
def _languages() -> dict:
    text = resources.files("reportkit").joinpath("data", "quarto_language.yml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=SAFE_LOADER)  # libyaml's: ~0.2 s less per process


def words(lang: str | None) -> dict[str, str]:
    """Our words for ``lang`` (``fr-CA`` falls back to ``fr``, then to English), as Quarto picks them."""
    languages = _languages()
    table = dict(languages["en"])
    if lang:
        lang = str(lang)
        for code in (lang.split("-")[0], lang, lang.replace("_", "-")):
            table.update(languages.get(code, {}))
    return {ours: table[key] for ours, key in KEYS.items() if key in table}
