"""What a Word (.docx) or JATS (.xml) output holds, read with the standard library: its text, the
targets its internal links name, the ids they may point to, the images a JATS file names. Raises
``ValueError`` for a file that is not a readable docx or well-formed XML."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass
class XmlFacts:
    """One output's paragraphs (text as a reader sees it), link targets, ids and image files."""

    text: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    images: list[str] = field(default_factory=list)


def _parse(data: bytes, name: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValueError(f"{name} is not well-formed XML: {exc}") from exc


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for node in paragraph.iter():
        if node.tag == W + "t" and node.text:
            parts.append(node.text)
        elif node.tag in (W + "tab", W + "br"):
            parts.append(" ")
    return "".join(parts)


def docx_facts(path: Path) -> XmlFacts:
    """A Word document's body (and footnotes): paragraphs, hyperlink anchors, bookmarks."""
    try:
        with zipfile.ZipFile(path) as package:
            parts = {name: package.read(name) for name in ("word/document.xml", "word/footnotes.xml")
                     if name in package.namelist()}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValueError(f"{path.name} is not a readable Word document: {exc}") from exc
    if "word/document.xml" not in parts:
        raise ValueError(f"{path.name} has no word/document.xml")
    facts = XmlFacts()
    for name, data in parts.items():
        root = _parse(data, f"{path.name}:{name}")
        facts.text += [_paragraph_text(p) for p in root.iter(W + "p")]
        facts.links += [a for link in root.iter(W + "hyperlink") if (a := link.get(W + "anchor"))]
        facts.ids |= {b.get(W + "name") for b in root.iter(W + "bookmarkStart")}
    return facts


def jats_facts(path: Path) -> XmlFacts:
    """A JATS article: its text by block (paragraphs, titles, captions, references), ``xref`` targets,
    ids, and the images its ``graphic`` elements name."""
    root = _parse(path.read_bytes(), path.name)
    facts = XmlFacts()
    blocks = {"p", "title", "article-title", "subtitle", "mixed-citation", "td", "th", "string-name", "kwd"}
    for node in root.iter():
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in blocks:
            facts.text.append(" ".join("".join(node.itertext()).split()))
        if tag == "xref" and node.get("rid"):
            facts.links.append(node.get("rid"))
        if node.get("id"):
            facts.ids.add(node.get("id"))
        if tag in ("graphic", "inline-graphic") and node.get(XLINK_HREF):
            facts.images.append(node.get(XLINK_HREF))
    return facts
