"""Document metadata: merging project, document and format settings; Quarto-style authors; the float
kinds a document's ``crossref`` settings declare."""

from __future__ import annotations

import copy
import datetime
import re
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
        return " ".join(str(name[k]) for k in ("given", "dropping-particle", "non-dropping-particle", "family")
                        if name.get(k))
    return str(name)


AFFILIATION_KEYS = ("name", "department", "address", "city", "region", "state", "country", "postal-code", "url")


def _affiliation(item: Any, declared: dict, author: str, where: Location) -> dict:
    """An author's affiliation in any of Quarto's forms: a string or number (its name, as Quarto shows
    it), ``{ref: id}`` (an id declared in ``affiliations`` or inline on any author, numeric or not),
    or a mapping (which may itself declare an ``id``)."""
    if isinstance(item, dict) and "ref" in item:
        ref = str(item["ref"])
        if ref not in declared:
            raise ConfigError(f"author {author} refers to unknown affiliation '{ref}'", where, "config.author")
        item = declared[ref]
    elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
        item = {"name": str(item)}
    if not isinstance(item, dict):
        raise ConfigError(f"author {author}: an affiliation must be a name, an id or a mapping", where, "config.author")
    if "name" not in item and "organization" in item:
        item = {**item, "name": item["organization"]}
    return {k: str(item[k]) for k in AFFILIATION_KEYS if item.get(k) is not None}


def normalize_authors(meta: dict, where: Location) -> dict:
    """Add Quarto's ``by-author`` and ``by-affiliation`` lists to ``meta``.

    Accepts ``author`` (or its alias ``authors``) as a string, a list of strings, or a list of
    mappings with ``name`` (a string or given/family), ``affiliations``/``affiliation`` (ids into
    the top-level ``affiliations`` list, numeric or not, ``ref:`` mappings, inline mappings, which
    may declare an id for later authors, or plain names), ``email``, ``orcid``, ``url`` and
    ``corresponding``.
    """
    authors = _as_list(meta.get("author") if meta.get("author") is not None else meta.get("authors"))
    declared: dict[str, dict] = {}
    for entry in _as_list(meta.get("affiliations")):
        if isinstance(entry, dict) and entry.get("id") is not None:
            declared[str(entry["id"])] = entry
    for author in authors:  # affiliations declared inline on one author, referred to by another
        for item in _as_list(author.get("affiliations") or author.get("affiliation")) if isinstance(author, dict) else []:
            if isinstance(item, dict) and item.get("id") is not None and "ref" not in item:
                declared.setdefault(str(item["id"]), item)
    affiliations: list[dict] = []

    def number_of(affiliation: dict) -> int:
        for index, known in enumerate(affiliations):
            if {k: v for k, v in known.items() if k != "number"} == affiliation:
                return index + 1
        affiliations.append({**affiliation, "number": len(affiliations) + 1})
        return len(affiliations)

    by_author = []
    for author in authors:
        if isinstance(author, str):
            author = {"name": author}
        if not isinstance(author, dict) or not author.get("name"):
            raise ConfigError("each author needs a name", where, "config.author")
        name = _name_literal(author["name"])
        entry: dict[str, Any] = {"name": {"literal": name}}
        for key in ("email", "orcid", "url"):
            if author.get(key):
                entry[key] = str(author[key])
        attributes = author.get("attributes") if isinstance(author.get("attributes"), dict) else {}
        if author.get("corresponding") or attributes.get("corresponding"):
            entry["corresponding"] = True
        own = []
        for item in _as_list(author.get("affiliations") or author.get("affiliation")):
            affiliation = _affiliation(item, declared, name, where)
            affiliation["number"] = number_of(affiliation)
            own.append(affiliation)
        entry["affiliations"] = own
        by_author.append(entry)
    result = dict(meta)
    if by_author:
        result["by-author"] = by_author
        result["by-affiliation"] = affiliations
    return result


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Quarto's named date formats (dayjs localized formats, English)
NAMED_DATE_FORMATS = {"full": "dddd, MMMM D, YYYY", "long": "MMMM D, YYYY", "medium": "MMM D, YYYY",
                      "short": "M/D/YY", "iso": "YYYY-MM-DD"}
DATE_TOKEN = re.compile(r"\[([^\]]*)\]|YYYY|YY|MMMM|MMM|MM|M|DD|D|dddd|ddd|HH|H|mm|ss")
DATE_INPUTS = ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%d %B %Y",
               "%B %d, %Y", "%Y-%m", "%Y")


def parse_date(value: Any, modified: float | None = None) -> datetime.datetime | None:
    """A front-matter date as Quarto reads it: ``today``, ``now``, ``last-modified`` (``modified``,
    the source's modification time), ISO dates and times, ``MM/DD/YYYY``; None when unreadable."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    text = str(value).strip()
    if text == "today":
        return datetime.datetime.combine(datetime.date.today(), datetime.time())
    if text == "now":
        return datetime.datetime.now()
    if text == "last-modified":
        return datetime.datetime.fromtimestamp(modified) if modified is not None else None
    for pattern in DATE_INPUTS:
        try:
            return datetime.datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def format_date(moment: datetime.datetime, date_format: str | None) -> str:
    """``moment`` in Quarto's ``date-format`` (a name such as ``long`` or dayjs tokens); English names."""
    pattern = NAMED_DATE_FORMATS.get(str(date_format or "long"), str(date_format or "long"))
    values = {"YYYY": f"{moment.year:04d}", "YY": f"{moment.year % 100:02d}", "MMMM": MONTHS[moment.month - 1],
              "MMM": MONTHS[moment.month - 1][:3], "MM": f"{moment.month:02d}", "M": str(moment.month),
              "DD": f"{moment.day:02d}", "D": str(moment.day), "dddd": DAYS[moment.weekday()],
              "ddd": DAYS[moment.weekday()][:3], "HH": f"{moment.hour:02d}", "H": str(moment.hour),
              "mm": f"{moment.minute:02d}", "ss": f"{moment.second:02d}"}
    return DATE_TOKEN.sub(lambda m: m.group(1) if m.group(1) is not None else values[m.group(0)], pattern)


FLOAT_KINDS = {"fig": "Figure", "tbl": "Table"}


def float_kinds(crossref: Any, words: dict | None = None) -> dict[str, tuple[str, str, bool]]:
    """Float kind -> (reference prefix, caption title, space before the number): figures and tables
    (``crossref: fig-prefix``, ``fig-title``, ...; else ``words``, the document language's, else English)
    and Quarto's custom float kinds (``crossref: custom:`` entries of kind float, with ``reference-prefix``,
    ``caption-prefix`` and ``space-before-numbering``)."""
    crossref = crossref if isinstance(crossref, dict) else {}
    words = words or {}
    kinds = {kind: (str(crossref.get(f"{kind}-prefix", words.get(kind, name))),
                    str(crossref.get(f"{kind}-title", words.get(kind, name))), True)
             for kind, name in FLOAT_KINDS.items()}
    for entry in _as_list(crossref.get("custom")):
        if isinstance(entry, dict) and entry.get("key") and str(entry.get("kind", "float")) == "float":
            prefix = str(entry.get("reference-prefix", entry["key"]))
            kinds[str(entry["key"])] = (prefix, str(entry.get("caption-prefix", prefix)),
                                        entry.get("space-before-numbering") is not False)
    return kinds
