"""bibliography.citation_keys: the keys crossref.lua checks citations against, read once by pandoc."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reportkit.bibliography import citation_keys
from reportkit.engines.builtin import MARKDOWN, pandoc_path

BIB = """@book{doe2020, author = {Doe, Jane}, title = {A Book}, year = {2020}}
@comment{not an entry}
@string{jnl = "A Journal"}
@article{roe-2021:x, author = {Roe, R.}, title = {An Article}, journal = jnl, year = {2021}}
"""
REPO = Path(__file__).resolve().parent.parent


def keys_pandoc_finds(meta_file: Path) -> list[str]:
    """What pandoc.utils.references returns inside a filter (the filter's fallback), for comparison: with
    ``nocite: "@*"``, as it returns only the entries a document cites."""
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_text(json.dumps({**meta, "nocite": "@*"}), encoding="utf-8")
    lua = meta_file.parent / "refs.lua"
    lua.write_text("function Pandoc(doc) local ids = {} for _, r in ipairs(pandoc.utils.references(doc)) do "
                   "ids[#ids + 1] = r.id end io.stdout:write(pandoc.json.encode(ids)) return doc end\n", encoding="utf-8")
    done = subprocess.run([pandoc_path(), "--from", MARKDOWN, "--to", "plain", "--metadata-file", str(meta_file),
                           "--lua-filter", str(lua), "-o", "/dev/null"], input="", capture_output=True, text=True, check=True)
    return sorted(json.loads(done.stdout))


def test_keys_are_those_pandoc_finds(tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    meta = {"bibliography": [str(bib)], "references": [{"id": "inline2019", "type": "book", "title": "Inline"}]}
    meta_file = tmp_path / "meta.json"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    keys = citation_keys(meta, pandoc_path())
    assert keys == ["doe2020", "inline2019", "roe-2021:x"]
    assert keys == keys_pandoc_finds(meta_file)


def test_the_papers_bibliography_gives_the_keys_pandoc_finds(tmp_path):
    meta = {"bibliography": [str(REPO / "report" / "references.bib")]}
    meta_file = tmp_path / "meta.json"
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    keys = citation_keys(meta, pandoc_path())
    assert len(keys) > 20 and keys == keys_pandoc_finds(meta_file)


def test_a_file_read_otherwise_leaves_it_to_the_filter(tmp_path):
    yaml_bib = tmp_path / "refs.yaml"
    yaml_bib.write_text("references:\n- id: a\n  type: book\n", encoding="utf-8")
    assert citation_keys({"bibliography": str(yaml_bib)}, pandoc_path()) is None
    assert citation_keys({"bibliography": str(tmp_path / "absent.bib")}, pandoc_path()) is None
    assert citation_keys({}, pandoc_path()) == []


def test_an_unknown_key_is_still_reported_by_a_render(fixture_project):
    from conftest import run_report

    chapter = next((fixture_project / "chapters").glob("*.qmd"))
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\nAs [@nobody1999] said.\n", encoding="utf-8")
    result = run_report("render", "--to", "html", project=fixture_project)
    assert result.exit_code == 3 and "citation key @nobody1999 is not in the bibliography" in result.output


def test_keys_are_remembered_in_the_store_across_processes(tmp_path, monkeypatch):
    from reportkit import bibliography

    bib, store = tmp_path / "refs.bib", tmp_path / "state" / "keys.json"
    bib.write_text(BIB.replace("doe2020", "store2024"), encoding="utf-8")
    assert citation_keys({"bibliography": str(bib)}, pandoc_path(), store) == ["roe-2021:x", "store2024"]
    assert store.is_file()
    monkeypatch.setattr(bibliography, "_known", {})  # a new process: only the store remembers
    monkeypatch.setattr(bibliography.subprocess, "run", lambda *a, **k: (_ for _ in ()).throw(AssertionError("ran pandoc")))
    assert citation_keys({"bibliography": str(bib)}, pandoc_path(), store) == ["roe-2021:x", "store2024"]
    bib.write_text(BIB, encoding="utf-8")  # changed content: read again (pandoc would run)
    with pytest.raises(AssertionError, match="ran pandoc"):
        citation_keys({"bibliography": str(bib)}, pandoc_path(), store)
