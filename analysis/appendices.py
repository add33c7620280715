"""The last step: merge every step's values into ``_variables.yml`` and ``provenance.json``, and write the
generated appendices (data sources, data gaps, provenance of quoted values)."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import unquote

import yaml
from reportkit.protocol import value_anchor

from .data import datapackage, path_of
from .registry import DATAPACKAGE, GENERATED, ROOT, STEPS, step, values_fragment

VARIABLES = "_variables.yml"
PROVENANCE = f"{GENERATED}/provenance.json"
APPENDICES = f"{GENERATED}/appendices"
APPENDIX_NAMES = ("data-sources", "data-gaps", "floats", "provenance")
NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


# -- pure functions --------------------------------------------------------------------------

def nest(flat: dict[str, str]) -> dict:
    """``{"a.b.c": v}`` → ``{"a": {"b": {"c": v}}}``; a name that is both a value and a group is an error."""
    out: dict = {}
    for name in sorted(flat):
        node = out
        *groups, leaf = name.split(".")
        for g in groups:
            node = node.setdefault(g, {})
            if not isinstance(node, dict):
                raise ValueError(f"{name}: '{g}' is already a value")
        if leaf in node:
            raise ValueError(f"{name}: written twice or also a group")
        node[leaf] = flat[name]
    return out


def merge_fragments(fragments: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """All values (sorted by name, names checked and unique), all gaps and all figure/table records of the
    steps' fragments."""
    values, gaps, floats, seen = [], [], [], {}
    for frag in fragments:
        for v in frag["values"]:
            if not NAME.match(v["name"]):
                raise ValueError(f"variable name {v['name']!r} is not lowercase dotted groups")
            if v["name"] in seen:
                raise ValueError(f"{v['name']} written by steps {seen[v['name']]} and {frag['step']}")
            seen[v["name"]] = frag["step"]
            values.append({**v, "step": frag["step"]})
        gaps += [{**g, "step": frag["step"]} for g in frag["gaps"]]
        floats += [{**f, "step": frag["step"]} for f in frag.get("floats", [])]
    return sorted(values, key=lambda v: v["name"]), gaps, sorted(floats, key=lambda f: f["label"])


def _md(text) -> str:
    """Plain text as markdown: special characters escaped outside `code` spans."""
    parts = str(text).split("`")
    for i in range(0, len(parts), 2):
        parts[i] = (parts[i].replace("*", "\\*").replace("_", "\\_").replace("<", "\\<")
                    .replace("[", "\\[").replace("]", "\\]"))
    return "`".join(parts)


def _url(u: str) -> str:
    """A link as a reader sees it: percent-escapes decoded in the text, the address kept as it is."""
    if not u.startswith("http"):
        return f"`{u}`"
    shown = unquote(u)
    return f"<{u}>" if shown == u else f"[{_md(shown)}]({u.replace(')', '%29')})"


def _cell(text) -> str:
    """Text for a pipe-table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


MAX_PAGES = 4


def ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1–3, 7"``."""
    out, nums = [], sorted(set(numbers))
    start = prev = None
    for n in nums + [None]:
        if start is not None and (n is None or n != prev + 1):
            out.append(str(start) if start == prev else f"{start}–{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(out)


def rows_text(rows: list[dict]) -> str:
    """Rows used, with their checksum (one row) or a checksum of their checksums (several rows)."""
    if len(rows) == 1:
        return f"row {rows[0]['row']} (checksum {rows[0]['sha256'][:12]})"
    combined = hashlib.sha256("".join(r["sha256"] for r in rows).encode()).hexdigest()
    return f"rows {ranges([r['row'] for r in rows])} (checksum {combined[:12]})"


def provenance_markdown(values: list[dict]) -> str:
    """One entry per quoted value with its anchor, value, function, input rows and their checksums, pages."""
    lines = ["Every number quoted in the article, with the code that computed it and the data rows it used. "
             "Rows are numbered from 1 after the header. A checksum is the first 12 hexadecimal digits of a "
             "SHA-256 digest (the full digests are in `report/generated/provenance.json`); for several rows it is "
             "the digest of their row digests concatenated in row order. A value that the data cannot give is "
             "listed with the reason under Data gaps.", ""]
    group = None
    for v in values:
        top = v["name"].split(".")[0]
        if top != group:
            group = top
            lines += [f"## {group.capitalize()} {{.unnumbered}}", ""]
        lines += [f"[]{{#{value_anchor(v['name'])}}}**`{v['name']}`** = {_md(v['text'])}", ""]
        lines.append(f"- Computed by `{v['function']}`" + (f"; {_md(v['note'])}" if v.get("note") else "") + ".")
        for inp in v["inputs"]:
            lines.append(f"- `{inp['path']}` (file checksum {inp['sha256'][:12]}), {rows_text(inp['rows'])}.")
            cites = sorted({c for r in inp["rows"] for c in r["cites"]})
            if 0 < len(cites) <= MAX_PAGES:
                lines.append("  " + ("Page" if len(cites) == 1 else "Pages") + ": " + ", ".join(_url(c) for c in cites) + ".")
            elif cites:
                lines.append(f"  The rows cite {len(cites)} pages (listed in `report/generated/provenance.json`).")
        if v["missing"]:
            lines.append(f"- Not available: {_md(v['reason'])}.")
        elif not v["inputs"]:
            lines.append("- No input rows.")
        lines.append("")
    return "\n".join(lines)


def gaps_markdown(gaps: list[dict], package: dict) -> str:
    """The data gaps: gaps declared by the analysis, quoted values the data cannot give, caveats of data/."""
    lines = ["What the analysis could not compute from the data, and why. Nothing here was estimated or filled in.",
             ""]
    values = [g for g in gaps if g["what"].startswith("value ")]
    declared = [g for g in gaps if not g["what"].startswith("value ")]
    if declared:
        lines += ["## Gaps in figures and tables {.unnumbered}", "", "| Topic | What is missing | Why |",
                  "|:----------|:--------------------|:------------------------------|"]
        lines += [f"| {_cell(_md(g['topic']))} | {_cell(_md(g['what']))} | {_cell(_md(g['reason']))} |" for g in declared]
        lines.append("")
    if values:
        lines += ["## Quoted values the data cannot give {.unnumbered}", "",
                  "The article shows these values as \"not published\", \"not determinable\", \"undetermined\" "
                  "or \"not computable\"; here is why each is missing.", ""]
        lines += [f"- [`{g['topic']}`](#{value_anchor(g['topic'])}): {_md(g['reason'])}." for g in values]
        lines.append("")
    pkg_gaps = [(res.get("path", ""), g) for res in package.get("resources", [])
                for g in ([res["caveats"]] if isinstance(res.get("caveats"), str) else res.get("caveats") or [])]
    if pkg_gaps:
        lines += ["## Caveats recorded with the data {.unnumbered}", ""]
        lines += [f"- `data/{path}`: {_md(' '.join(str(g).split()))}" for path, g in pkg_gaps]
        lines.append("")
    if len(lines) == 2:
        lines.append("No gaps.")
    return "\n".join(lines)


def floats_markdown(floats: list[dict]) -> str:
    """Which data files and which function made each figure and table."""
    if not floats:
        return "No figures or tables are generated.\n"
    lines = ["Each figure and table of the article and of this supplement is made by one function of the "
             "analysis from the data files listed; its label is the one used in the sources.", "",
             "| Figure or table | Data | Code |", "|:--------------|:--------------------|:--------------------|"]
    lines += [f"| `{f['label']}` | {', '.join(f'`{d}`' for d in f['data'])} | `{f['function']}` |" for f in floats]
    return "\n".join(lines) + "\n"


def sources_markdown(package: dict) -> str:
    """The data sources as ``data/datapackage.json`` describes them."""
    resources = package.get("resources", [])
    if not resources:
        return "`data/datapackage.json` is not available yet; no data sources are described.\n"
    lines = [f"The analysis reads only `data/`, described by `{DATAPACKAGE}` (a Frictionless Data Package"
             + (f", *{_md(package['title'])}*" if package.get("title") else "") + "). For each file: its publisher, "
             "vintage and source, and the first 12 hexadecimal digits of its SHA-256 checksum.", ""]
    for res in resources:
        title = res.get("title") or res.get("name")
        lines += [f"## {_md(title)} {{.unnumbered}}", ""]
        size = f"{res['bytes']:,} bytes" if res.get("bytes") else ""
        digest = f"checksum {res['hash'].removeprefix('sha256:')[:12]}" if res.get("hash") else ""
        lines.append(f"- File: `data/{res.get('path')}`" + (f" ({'; '.join(x for x in (size, digest) if x)})"
                                                           if size or digest else "") + ".")
        if res.get("description"):
            lines.append(f"- {_md(' '.join(str(res['description']).split()))}")
        for key, label in (("publisher", "Publisher"), ("vintage", "Vintage")):
            if res.get(key):
                lines.append(f"- {label}: {_md(' '.join(str(res[key]).split()))}.".replace("..", "."))
        for src in res.get("sources", []):
            link = src.get("path") or src.get("url") or ""
            lines.append(f"- Source: {_md(src.get('title', ''))}" + (f", {_url(link)}" if link else "") + ".")
        lic = [l.get("title") or l.get("name") for l in res.get("licenses", package.get("licenses", []))]
        if lic:
            lines.append(f"- Licence: {_md(', '.join(str(x) for x in lic))}.")
        lines.append("")
    return "\n".join(lines)


# -- the step --------------------------------------------------------------------------------

def _value_steps() -> list[str]:
    return [name for name, s in STEPS.items() if values_fragment(name) in s.outputs]


def declare() -> None:
    """Register the variables step after every other step (called once all modules are imported)."""
    others = _value_steps()
    outputs = [VARIABLES, PROVENANCE] + [f"{APPENDICES}/{n}.md" for n in APPENDIX_NAMES]
    step("variables", inputs=[DATAPACKAGE, *(values_fragment(n) for n in others)], outputs=outputs,
         after=others, values=False)(run_variables)


def run_variables() -> None:
    fragments = [json.loads((ROOT / values_fragment(n)).read_text(encoding="utf-8"))
                 for n in _value_steps() if n != "variables"]
    values, gaps, floats = merge_fragments(fragments)
    flat = {v["name"]: v["text"] for v in values}
    (ROOT / VARIABLES).write_text("# Written by `python -m analysis` (analysis/appendices.py); do not edit.\n"
                                  + yaml.safe_dump(nest(flat), sort_keys=True, allow_unicode=True, width=1000),
                                  encoding="utf-8")
    (ROOT / PROVENANCE).write_text(json.dumps({"variables": values, "gaps": gaps}, indent=1, ensure_ascii=False)
                                   + "\n", encoding="utf-8")
    out = ROOT / APPENDICES
    out.mkdir(parents=True, exist_ok=True)
    package = datapackage() if path_of(DATAPACKAGE).exists() else {}
    (out / "data-sources.md").write_text(sources_markdown(package), encoding="utf-8")
    (out / "data-gaps.md").write_text(gaps_markdown(gaps, package), encoding="utf-8")
    (out / "floats.md").write_text(floats_markdown(floats), encoding="utf-8")
    (out / "provenance.md").write_text(provenance_markdown(values), encoding="utf-8")
