"""Document metadata: merging project, document and format settings; Quarto-style authors."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ConfigError, Location


def deep_merge(base: dict, override: dict) -> dict:
    """A copy of ``base`` with ``override`` merged in; mappings merge, other values replace."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _name_literal(name: Any) -> str:
    if isinstance(name, dict):
        if "literal" in name:
            return str(name["literal"])
        return " ".join(str(name[k]) for k in ("given", "family") if name.get(k))
    return str(name)


def normalize_authors(meta: dict, where: Location) -> dict:
    """Add Quarto's ``by-author`` and ``by-affiliation`` lists to ``meta``.

    Accepts ``author`` as a string, a list of strings, or a list of mappings with
    ``name``, ``affiliations`` (ids into the top-level ``affiliations`` list or inline
    mappings/strings), ``email``, ``orcid`` and ``corresponding``.
    """
    authors = _as_list(meta.get("author"))
    declared = {}
    for entry in _as_list(meta.get("affiliations")):
        if isinstance(entry, dict) and entry.get("id"):
            declared[str(entry["id"])] = entry
    affiliations: list[dict] = []

    def number_of(affiliation: dict) -> int:
        for index, known in enumerate(affiliations):
            if known.get("name") == affiliation.get("name"):
                return index + 1
        affiliations.append({**affiliation, "number": len(affiliations) + 1})
        return len(affiliations)

    by_author = []
    for author in authors:
        if isinstance(author, str):
            author = {"name": author}
        if not isinstance(author, dict) or "name" not in author:
            raise ConfigError("each author needs a name", where, "config.author")
        entry = {"name": {"literal": _name_literal(author["name"])}}
        for key in ("email", "orcid", "url"):
            if author.get(key):
                entry[key] = str(author[key])
        if author.get("corresponding"):
            entry["corresponding"] = True
        own = []
        for item in _as_list(author.get("affiliations") or author.get("affiliation")):
            if isinstance(item, dict) and "ref" in item:
                ref = str(item["ref"])
                if ref not in declared:
                    raise ConfigError(f"author {entry['name']['literal']} refers to unknown affiliation '{ref}'", where, "config.author")
                item = declared[ref]
            elif isinstance(item, str):
                item = declared.get(item, {"name": item})
            affiliation = {k: str(v) for k, v in item.items() if k in ("name", "department", "city", "region", "country", "url")}
            affiliation["number"] = number_of(affiliation)
            own.append(affiliation)
        entry["affiliations"] = own
        by_author.append(entry)
    result = dict(meta)
    if by_author:
        result["by-author"] = by_author
        result["by-affiliation"] = affiliations
    return result
