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
