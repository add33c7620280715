"""Every name that two sides of the build must spell the same way, defined once.

The sides are reportkit's Python, its Lua filters and a project's own analysis:

- **Quoted values.** ``{{< var name >}}`` becomes ``[value]{.reportkit-value data-var="name"}``
  (``shortcodes.py``). The HTML links the value to the element with id ``value_anchor(name)``
  (``filters/vars.lua``); a project that publishes provenance entries writes those ids
  (the analysis imports ``value_anchor``). The parity and number checks read the same class.
- **Filter problems.** A Lua filter reports a problem with ``pandoc.log.warn`` and a JSON object
  ``{"rule": ..., "subject": ..., "message": ...}`` as the message; the built-in engine runs pandoc
  with ``--log`` and reads them back as :class:`reportkit.errors.Problem` values.
- **Filter settings.** Python hands these names to the filters in the document metadata under
  ``FILTER_METADATA`` (see :func:`filter_settings`), so the Lua code spells none of them; the same
  settings carry the ids of the project's other documents (``links``, see ``xref.py``; in a metadata
  file, a JSON file of their own that ``LINKS_FILE`` names, see :func:`with_links_file`) and, for a
  preview's quick page (``quick.py``), the outline files (``OUTLINE_WRITE``, ``OUTLINE_READ``).
- **Project steps.** A worker process answers each request with one line starting ``WORKER_MARK``
  (``steps.WorkerPool``); a project's pre-render command sees ``STEPS_DONE_ENV=1`` when reportkit
  has already run its declared steps (the Quarto engine sets it).
"""

from __future__ import annotations

from pathlib import Path

VALUE_CLASS = "reportkit-value"
VALUE_NAME_ATTRIBUTE = "data-var"
ANCHOR_PREFIX = "prov-"

FILTER_METADATA = "reportkit-filters"
OUTLINE_WRITE = "outline-write"  # filter settings (hex_path): where crossref.lua writes what it numbered (JSON) ...
OUTLINE_READ = "outline-read"    # ... and where it reads a whole document's outline to number one part
# In FILTER_METADATA, for `report check`'s pass, which writes nothing: the format the pass stands for, as
# pandoc names its writer ("html", "typst"; conditions.lua shows that format's content), and a sign that the
# filters need only report (crossref.lua then skips what only shapes the output).
CHECK_PASS = "check"
LINKS = "links"  # in FILTER_METADATA: the ids the project's other documents define (xref.links) ...
LINKS_FILE = "links-file"  # ... or the JSON file that holds them, its path hex-encoded (with_links_file)
PROBLEM_KEYS = ("rule", "subject", "message")

WORKER_MARK = "REPORTKIT-WORKER "
STEPS_DONE_ENV = "REPORTKIT_STEPS_DONE"


def value_anchor(name: str) -> str:
    """The id of a quoted value's provenance entry: ``prov-`` and the name with dots as hyphens."""
    return ANCHOR_PREFIX + name.replace(".", "-")


def value_span(text: str, name: str) -> str:
    """The markdown span that carries a substituted value and its variable's name."""
    return f'[{text}]{{.{VALUE_CLASS} {VALUE_NAME_ATTRIBUTE}="{name}"}}'


def filter_settings(doc_dir: str, words: dict[str, str], links: dict | None = None,
                    citation_keys: list[str] | None = None) -> dict:
    """What the Lua filters read from ``FILTER_METADATA``: names of this protocol, the main
    document's folder relative to the project root (Typst resolves images against the root; as :func:`hex_path`
    writes a path, which markdown cannot change),
    the words Quarto prints in the document's language (``language.words``: "Figure", "Note", ...),
    the ids that the project's other documents define (``xref.links``: id -> href, text, number),
    and, when known, every citation key the bibliography holds (``bibliography.citation_keys``;
    absent: crossref.lua asks pandoc)."""
    settings = {
        "value-class": VALUE_CLASS,
        "value-attribute": VALUE_NAME_ATTRIBUTE,
        "anchor-prefix": ANCHOR_PREFIX,
        "doc-dir": hex_path(doc_dir),
        "words": words,
        LINKS: links or {},
    }
    if citation_keys is not None:
        settings["citation-keys"] = citation_keys
    return settings


def with_links_file(settings: dict, path: str) -> dict:
    """``settings`` (:func:`filter_settings`) with ``LINKS`` replaced by ``LINKS_FILE``: ``path``, the JSON file
    the caller wrote the links to, as hex digits of its UTF-8 bytes. pandoc reads every string of a metadata
    file as markdown: the paper's ~29 KB of links cost ~0.15 s in every pandoc pass, where a filter decodes
    the file in milliseconds (``pandoc.json.decode``); and markdown would turn a path's ``--`` or ``'`` into
    typography, which hex digits escape."""
    out = {key: value for key, value in settings.items() if key != LINKS}
    out[LINKS_FILE] = hex_path(path)
    return out


def hex_path(path: str | Path) -> str:
    """A file's path as a filter setting: hex digits of its UTF-8 bytes (filters/lib/links-file.lua's path_of
    decodes them). pandoc reads a metadata file's strings as markdown, which would turn a path's ``--`` or ``'`` into
    typography and underscores into emphasis (``/_output/.staging-ab_c/`` lost both of them)."""
    return str(path).encode("utf-8").hex()
