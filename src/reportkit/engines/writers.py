"""pandoc's Word and JATS writers as the built-in engine calls them, shaped like Quarto's ``docx`` and
``jats_articleauthoring`` formats: the writer's options, and the metadata those writers' templates read.

Word: the project's reference document (``reference-doc:``, as in Quarto) gives the styles, page
size and footer; the title block is the title, subtitle, the authors' names, the date and the
abstract, as Quarto's docx shows them. JATS: the Article Authoring tag set, each author's affiliations inside its <contrib>, the abstract as
paragraphs (the tag set allows no bare text there), images extracted into ``<stem>_media/``
beside the XML, which names them relative to itself.
"""

from __future__ import annotations

from pathlib import Path

MEDIA_SUFFIX = "_media"


def media_folder(stem: str) -> str:
    """The folder, beside ``<stem>.xml``, that holds the images a JATS file names."""
    return stem + MEDIA_SUFFIX


def _names(meta: dict) -> list[str]:
    return [a["name"]["literal"] for a in meta.get("by-author") or []]


def docx_metadata(meta: dict) -> dict:
    """Authors by name only (Quarto's docx title block), not pandoc's text of each author's fields."""
    if meta.get("by-author"):
        meta = {**meta, "author": _names(meta)}
    return meta


def _jats_affiliations(author: dict, index: int) -> list[dict]:
    """An author's affiliations as the Article Authoring template writes them: inside the author's
    <contrib> (the tag set has no link from an author to a shared <aff>), each with its own id."""
    return [{"id": f"{index}-{a['number']}", "organization": a["name"],
             **{k: a[k] for k in ("department", "city", "country") if a.get(k)}} for a in author["affiliations"]]


def jats_metadata(meta: dict) -> dict:
    """Authors as the JATS template reads them (name, email, ORCID, affiliations; not yet which is the
    corresponding author), and the abstract as blocks: a text ending with a newline is read as paragraphs."""
    meta = dict(meta)
    if meta.get("by-author"):
        meta["author"] = [{"name": a["name"]["literal"], **{k: a[k] for k in ("email", "orcid") if a.get(k)},
                           "affiliation": _jats_affiliations(a, i)} for i, a in enumerate(meta["by-author"], 1)]
    if isinstance(meta.get("abstract"), str) and not meta["abstract"].endswith("\n"):
        meta["abstract"] += "\n"
    return meta


def docx_args(meta: dict, target: Path) -> list[str]:
    args = ["--to", "docx"]
    if meta.get("reference-doc"):
        args += ["--reference-doc", str(meta["reference-doc"])]
    if meta.get("toc"):
        args += ["--toc", f"--toc-depth={meta.get('toc-depth', 3)}"]
    return args


def jats_args(meta: dict, target: Path) -> list[str]:
    return ["--to", "jats_articleauthoring", "--standalone", f"--extract-media={media_folder(target.stem)}"]


# format -> (pandoc's arguments for it, the metadata its template reads)
WRITER_ARGS = {"docx": docx_args, "jats": jats_args}
WRITER_METADATA = {"docx": docx_metadata, "jats": jats_metadata}
