"""yamlcache.load answers as PyYAML does, remembering results by the text (and loader, PyYAML version)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reportkit import yamlcache
from reportkit.project import Project
from reportkit.state import STATE_DIR

TEXTS = [
    "a: 1\nb: [x, 2.5, true, null]\nc: {d: e}\n",
    "count: 43,000\nshare: 0.89%\nyear: '2009'\nno: yes\non: off\n",  # YAML 1.1: yes/no/on/off are booleans
    "when: 2024-01-02\n",  # a date: not JSON
    "1: one\n2: two\n",  # integer keys
    "base: &b {x: 1}\nother: *b\n",  # one mapping in two places
    "x: .nan\ny: .inf\n",
    "- 1\n- two\n",
    "just text",
    "",
    "big: 123456789012345678901234567890\nneg: -0.0\nexp: 1.5e+300\n",
    "s: \"\\u00e9\\t\\U0001F600\"\n",
]


@pytest.fixture
def fresh(tmp_path):
    """An empty memory and a store of our own."""
    saved = dict(yamlcache._known), set(yamlcache._read), yamlcache._store
    yamlcache._known.clear()
    yamlcache._read.clear()
    (tmp_path / STATE_DIR).mkdir()
    yamlcache.use_store(tmp_path / STATE_DIR)
    yield tmp_path / STATE_DIR / yamlcache.STORE_NAME
    yamlcache._known.clear()
    yamlcache._known.update(saved[0])
    yamlcache._read.clear()
    yamlcache._read.update(saved[1])
    yamlcache.use_store(saved[2])


def same(a, b) -> bool:
    """Equal, with the same types all the way down (json would turn 1.0 into 1.0, True into true ...)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:
        return b != b
    return a == b


@pytest.mark.parametrize("libyaml", [True, False])
def test_answers_as_pyyaml_on_a_miss_and_on_a_hit(fresh, libyaml):
    for text in TEXTS:
        expected = yaml.load(text, Loader=yaml.CSafeLoader) if libyaml else yaml.safe_load(text)
        first = yamlcache.load(text, libyaml=libyaml)
        second = yamlcache.load(text, libyaml=libyaml)
        assert same(first, expected) and same(second, expected), text
    assert len(yamlcache._stored(fresh)) == 6  # not the boolean or integer keys, the date, the shared mapping, the nan


def test_an_alias_keeps_one_object_in_two_places(fresh):
    for _ in range(2):
        value = yamlcache.load("base: &b {x: 1}\nother: *b\n")
        assert value["base"] is value["other"]


def test_a_hit_is_a_fresh_copy(fresh):
    yamlcache.load("a: {b: [1]}\n")
    yamlcache.load("a: {b: [1]}\n")["a"]["b"].append(2)
    assert yamlcache.load("a: {b: [1]}\n") == {"a": {"b": [1]}}


def test_errors_are_pyyaml_s_every_time(fresh):
    for _ in range(2):
        with pytest.raises(yaml.YAMLError) as caught:
            yamlcache.load("a: [1\nb: 2\n")
        assert caught.value.problem_mark.line == 1
    assert yamlcache.yaml_error() is yaml.YAMLError


def test_a_new_process_reads_the_store_without_importing_pyyaml(fresh):
    yamlcache.load("a: 1\nb: [x, y]\n")
    code = ("import sys; from pathlib import Path; from reportkit import yamlcache; "
            f"yamlcache.use_store(Path({str(fresh.parent)!r})); "
            "print(yamlcache.load('a: 1\\nb: [x, y]\\n'), 'yaml' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "{'a': 1, 'b': ['x', 'y']} False"


def test_another_pyyaml_version_parses_again(fresh, monkeypatch):
    yamlcache.load("a: 1\n")
    parsed = []
    real = yamlcache._parse
    monkeypatch.setattr(yamlcache, "_parse", lambda text, libyaml: parsed.append(text) or real(text, libyaml))
    yamlcache.load("a: 1\n")
    assert parsed == []
    import reportkit.versions

    monkeypatch.setattr(reportkit.versions, "distribution_version", lambda name: "0.0-other")
    assert yamlcache.load("a: 1\n") == {"a": 1}
    assert parsed == ["a: 1\n"]


def test_the_store_keeps_the_newest_entries(fresh, monkeypatch):
    monkeypatch.setattr(yamlcache, "STORE_ENTRIES", 3)
    for n in range(5):
        yamlcache.load(f"n: {n}\n")
    assert [json.loads(v) for v in yamlcache._stored(fresh).values()] == [{"n": 2}, {"n": 3}, {"n": 4}]


def test_a_store_is_written_only_into_a_state_folder_a_render_made(tmp_path, fresh):
    yamlcache.use_store(tmp_path / "gone" / STATE_DIR)
    assert yamlcache.load("a: 1\n") == {"a": 1}
    assert not (tmp_path / "gone").exists()
    (tmp_path / "fresh").mkdir()
    yamlcache.use_store(tmp_path / "fresh" / STATE_DIR)
    assert yamlcache.load("a: 2\n") == {"a": 2}
    assert list((tmp_path / "fresh").iterdir()) == []


def test_an_edit_of_the_variables_is_read_even_with_the_same_size_and_mtime(tmp_path, fresh):
    """The cache is keyed by the text itself: a file rewritten within the same mtime tick, or given its
    old mtime back, is parsed again."""
    (tmp_path / "_quarto.yml").write_text("project:\n  render: [a.qmd]\n")  # (the fixture made .reportkit/)
    (tmp_path / "a.qmd").write_text("# A\n")
    variables = tmp_path / "_variables.yml"
    variables.write_text("n: 1\n")
    stat = variables.stat()
    assert Project.load(tmp_path).variables == {"n": 1}
    variables.write_text("n: 2\n")
    os.utime(variables, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert Project.load(tmp_path).variables == {"n": 2}
    assert (tmp_path / STATE_DIR / yamlcache.STORE_NAME).is_file()  # the project's own store


def test_the_project_s_store_is_where_project_load_puts_it(tmp_path, fresh):
    (tmp_path / "_quarto.yml").write_text("title: T\n")
    (tmp_path / "a.qmd").write_text("# A\n")
    Project.load(tmp_path)
    stored = yamlcache._stored(tmp_path / STATE_DIR / yamlcache.STORE_NAME)
    assert {"title": "T"} in [json.loads(v) for v in stored.values()]
    assert isinstance(yaml.safe_load("d: 2024-01-02\n")["d"], datetime.date)
