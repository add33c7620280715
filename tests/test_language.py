"""language.words parses only the languages it needs, with the answers of the whole file's parse."""

from __future__ import annotations

import pytest
import yaml

from reportkit import language
from reportkit.language import KEYS


def words_from_whole(languages: dict, lang) -> dict:
    """words() as it was: from the whole file's parse."""
    table = dict(languages["en"])
    if lang:
        lang = str(lang)
        for code in (lang.split("-")[0], lang, lang.replace("_", "-")):
            table.update(languages.get(code, {}))
    return {ours: table[key] for ours, key in KEYS.items() if key in table}


@pytest.fixture
def fresh():
    def clear():
        for name in ("_text", "_languages", "_blocks", "_language"):
            getattr(getattr(language, name), "cache_clear", lambda: None)()  # _text may be a test's

    clear()
    yield
    clear()


def test_the_shipped_file_is_read_by_blocks_with_the_whole_parse_s_answers(fresh):
    whole = yaml.safe_load(language._text())
    assert language._blocks() is not None and set(language._blocks()) == set(whole)
    for code, words in whole.items():
        assert language._language(code) == words, code
    for lang in [None, "", *whole, "fr-CA", "pt_BR", "de-AT", "xx", "zz-YY"]:
        assert language.words(lang) == words_from_whole(whole, lang), lang
    language._languages.cache_clear()
    language.words("fr-CA")
    assert language._languages.cache_info().currsize == 0  # the whole file was not parsed


@pytest.mark.parametrize("text", [
    'en:\n  toc-title-document: Contents\n"fr":\n  toc-title-document: Table\n',  # a quoted key
    "en:\n  toc-title-document: Contents\nfr:\n  toc-title-document: A\nfr:\n  toc-title-document: B\n",  # twice
    "en: &e\n  toc-title-document: Contents\nfr: *e\n",  # an alias to another block
    "---\nen:\n  toc-title-document: Contents\nfr:\n  toc-title-document: Table\n",  # a document marker
    "en:\n  toc-title-document: Contents\nno:\n  toc-title-document: Innhold\n",  # a key YAML reads as false
])
def test_another_layout_gets_the_whole_parse_s_answers(fresh, monkeypatch, text):
    monkeypatch.setattr(language, "_text", lambda: text)
    whole = yaml.safe_load(text)
    for lang in ["en", "fr", "fr-CA", "no", "de"]:
        assert language.words(lang) == words_from_whole(whole, lang), lang
