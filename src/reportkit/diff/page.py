"""The diff as text for the terminal, and as one self-contained HTML page for reviewers."""

from __future__ import annotations

import base64
import html
from pathlib import Path

from . import Diff

MEDIA = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; } td, th { border: 1px solid #ddd;
padding: .25rem .5rem; vertical-align: top; text-align: left; } th { background: #f5f5f5; }
del { background: #fde2e1; color: #8a1c16; } ins { background: #dcf5e3; color: #14532d; text-decoration: none; }
.pair { display: flex; gap: 1rem; } .pair figure { flex: 1; margin: 0; border: 1px solid #ddd; padding: .5rem; }
.pair img { width: 100%; } figcaption { font-size: .85rem; color: #555; } .quiet { color: #666; }
.note { background: #fff7e0; border-left: 4px solid #e6a700; padding: .5rem 1rem; }
details summary { cursor: pointer; color: #555; } .sentence { font-size: .9rem; color: #333; }
"""


def e(text) -> str:
    return html.escape("" if text is None else str(text))


def summary_lines(diff: Diff) -> list[str]:
    """The terminal report."""
    c = diff.changes
    lines = [f"report diff: {diff.old.label} -> {diff.new.label}"]
    for side in (diff.old, diff.new):
        if side.error:
            lines.append(f"  note: {side.error.splitlines()[0]} (comparing its sources and recorded values)")
    lines.append(f"quoted values changed: {len(c.values)}")
    for v in c.values:
        because = f"  [{', '.join(v.causes[:4])}{' ...' if len(v.causes) > 4 else ''}]" if v.causes else ""
        lines.append(f"  {v.name}: {v.old if v.old is not None else '(new)'} -> "
                     f"{v.new if v.new is not None else '(removed)'}{because}")
    lines.append(f"figures changed: {len(c.figures)}" + "".join(f"\n  {name}" for name, _, _ in c.figures))
    lines.append(f"tables changed: {len(c.tables)}" + "".join(
        f"\n  {t.name}: {len(t.cells)} cell(s){'; ' + t.note if t.note else ''}" for t in c.tables))
    lines.append(f"references: {len(c.references_added)} added, {len(c.references_removed)} removed")
    lines += [f"  + {r[:90]}" for r in c.references_added] + [f"  - {r[:90]}" for r in c.references_removed]
    lines.append(f"sections with changed words: {len(c.sections)} ({c.unchanged_sections} unchanged)")
    for section in c.sections:
        edits = [f"{'+' if kind == 'insert' else '-'}{text[:40]!r}" for kind, text in section.words if kind != "same"]
        lines.append(f"  {section.title}: {', '.join(edits[:4])}{' ...' if len(edits) > 4 else ''}")
    return lines


def image(path: Path | None, label: str) -> str:
    if path is None:
        return f"<figure><figcaption>{e(label)}: (none)</figcaption></figure>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{e(label)}" src="data:{MEDIA.get(path.suffix.lower(), "application/octet-stream")};'
            f'base64,{data}"><figcaption>{e(label)}</figcaption></figure>')


def words_html(words: list[tuple[str, str]], context: int = 12) -> str:
    """Changed words marked; long unchanged runs shortened to their ends."""
    parts = []
    for kind, text in words:
        if kind == "insert":
            parts.append(f"<ins>{e(text)}</ins>")
        elif kind == "delete":
            parts.append(f"<del>{e(text)}</del>")
        else:
            tokens = text.split()
            if len(tokens) > 2 * context:
                text = " ".join(tokens[:context]) + " … " + " ".join(tokens[-context:])
            parts.append(e(text))
    return " ".join(parts)


def page(diff: Diff, title: str) -> str:
    c = diff.changes
    body = [f"<h1>What changed in {e(title)}</h1>",
            f"<p>From <b>{e(diff.old.label)}</b> to <b>{e(diff.new.label)}</b>: {len(c.values)} quoted value(s), "
            f"{len(c.figures)} figure(s), {len(c.tables)} table(s), {len(c.references_added)} reference(s) added and "
            f"{len(c.references_removed)} removed, {len(c.sections)} section(s) with changed words.</p>"]
    for side in (diff.old, diff.new):
        if side.error:
            body.append(f'<p class="note">{e(side.error)}<br>Compared instead: its sources and the values its '
                        "manifest recorded.</p>")
    body.append("<h2>Quoted values</h2>")
    if c.values:
        body.append("<table><tr><th>Value</th><th>Before</th><th>After</th><th>Quoted in</th><th>Because these "
                    "files changed</th></tr>")
        for v in c.values:
            quoted = "".join(f'<div class="sentence">{e(s)}</div>' for s in v.sentences) or '<span class="quiet">–</span>'
            body.append(f"<tr><td><code>{e(v.name)}</code></td><td><del>{e(v.old)}</del></td><td><ins>{e(v.new)}</ins>"
                        f"</td><td>{quoted}</td><td>{'<br>'.join(f'<code>{e(f)}</code>' for f in v.causes)}</td></tr>")
        body.append("</table>")
    else:
        body.append('<p class="quiet">No quoted value changed.</p>')
    body.append("<h2>Figures</h2>")
    for name, old, new in c.figures:
        body.append(f"<h3><code>{e(name)}</code></h3><div class=\"pair\">{image(old, 'before')}{image(new, 'after')}</div>")
    if not c.figures:
        body.append('<p class="quiet">No figure changed.</p>')
    body.append("<h2>Tables</h2>")
    for table in c.tables:
        body.append(f"<h3><code>{e(table.name)}</code>{' — ' + e(table.note) if table.note else ''}</h3>"
                    "<table><tr><th>Row</th><th>Column</th><th>Before</th><th>After</th></tr>")
        body += [f"<tr><td>{row}</td><td>{e(col)}</td><td><del>{e(a)}</del></td><td><ins>{e(b)}</ins></td></tr>"
                 for row, col, a, b in table.cells]
        body.append("</table>")
    if not c.tables:
        body.append('<p class="quiet">No table changed.</p>')
    body.append("<h2>References</h2>")
    body += [f"<p><ins>+ {e(r)}</ins></p>" for r in c.references_added]
    body += [f"<p><del>− {e(r)}</del></p>" for r in c.references_removed]
    if not (c.references_added or c.references_removed):
        body.append('<p class="quiet">No reference added or removed.</p>')
    body.append("<h2>Text</h2>")
    for section in c.sections:
        body.append(f"<h3>{e(section.title)}</h3><p>{words_html(section.words)}</p>")
    body.append(f'<details><summary>{c.unchanged_sections} section(s) unchanged</summary></details>')
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>Diff: {e(title)}</title><style>{STYLE}</style>"
            "</head><body>\n" + "\n".join(body) + "\n</body></html>\n")
