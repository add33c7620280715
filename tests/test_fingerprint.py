"""File digests are cached by size and modification time, except for files changed very recently."""

from __future__ import annotations

import os
import time

from reportkit.fingerprint import RECENT_SECONDS, Fingerprints, sha256_file


def test_a_same_size_edit_within_the_same_mtime_tick_is_seen(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one", encoding="utf-8")
    prints = Fingerprints(tmp_path)
    first = prints.digest("a.txt")
    stamp = path.stat().st_mtime_ns
    path.write_text("two", encoding="utf-8")  # same size; a coarse clock could give the same mtime
    os.utime(path, ns=(stamp, stamp))
    assert prints.digest("a.txt") == sha256_file(path) != first


def test_an_old_unchanged_file_is_not_read_again(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one", encoding="utf-8")
    old = time.time_ns() - int((RECENT_SECONDS + 60) * 1e9)
    os.utime(path, ns=(old, old))
    prints = Fingerprints(tmp_path)
    first = prints.digest("a.txt")
    prints.cache["a.txt"][2] = "cached"  # a cached digest is trusted while size and mtime match
    assert prints.digest("a.txt") == "cached" != first


def test_a_missing_file_has_no_digest(tmp_path):
    assert Fingerprints(tmp_path).digest("absent.txt") is None


def test_names_are_found_where_pathlib_finds_them(tmp_path):
    """digest() stats str(path(name)), built without pathlib for names already in its normal form: the same
    file (or none) for every way of writing a name, views and absolute names included."""
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "x.csv").write_text("x")
    (tmp_path / "top.txt").write_text("t")
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("o")
    prints = Fingerprints(tmp_path)
    prints.add_view("data/raw/x.csv#view", "data/raw/x.csv", lambda data: data.upper())
    names = ["data/raw/x.csv", "data//raw/x.csv", "./data/raw/x.csv", "data/./raw/x.csv", "data/raw/x.csv/",
             "data/raw/../raw/x.csv", "top.txt", "top.txt/", "top.txt/.", "missing.txt", str(tmp_path / "top.txt"),
             str(outside), f"../{outside.name}", "data/raw/x.csv#view"]
    for name in [*names, ".", "data", "/"]:
        assert prints._file(name) == str(prints.path(name)), name
    digests = prints.digests(names)
    assert digests["data//raw/x.csv"] == digests["./data/raw/x.csv"] == digests["data/raw/x.csv"] == sha256_file(
        tmp_path / "data" / "raw" / "x.csv")
    assert digests["data/raw/x.csv/"] == digests["data/raw/x.csv"]  # pathlib drops the slash
    assert digests["top.txt/"] == digests["top.txt/."] == digests["top.txt"] and digests["missing.txt"] is None
    assert digests[f"../{outside.name}"] == digests[str(outside)] == sha256_file(outside)
    assert digests["data/raw/x.csv#view"] != digests["data/raw/x.csv"]
