"""versions.distribution_version answers as importlib.metadata.version does, mostly without importing it."""

from __future__ import annotations

import os
import sys
import zipfile
from importlib import metadata

import pytest

from reportkit import versions
from reportkit.versions import _UNSURE, _fast_version, distribution_version


def importlib_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def dist_info(folder, dirname: str, text: str, filename: str = "METADATA") -> None:
    info = folder / dirname
    info.mkdir()
    (info / filename).write_text(text, encoding="utf-8")


def touch(folder, tick: int) -> None:
    """A distinct mtime, as an install that came later has (importlib.metadata re-lists on it too)."""
    os.utime(folder, ns=(tick * 10**9, tick * 10**9))


def test_every_installed_distribution_as_importlib_metadata_finds_it():
    names = {d.metadata["Name"] for d in metadata.distributions()}
    assert len(names) > 20
    unsure = []
    for name in sorted(names) + ["PyYAML", "py-yaml", "PYYAML", "typing.extensions", "no-such-distribution-xyz"]:
        assert distribution_version(name) == importlib_version(name), name
        if _fast_version(name) is _UNSURE:
            unsure.append(name)
    assert not unsure  # this environment's search is the plain one: no import of importlib.metadata


@pytest.fixture
def path_of(tmp_path, monkeypatch):
    """sys.path is only the given folders (what both lookups search)."""

    def use(*folders):
        monkeypatch.setattr(sys, "path", [str(f) for f in folders])

    return use


def test_a_folder_of_distributions(tmp_path, path_of):
    site = tmp_path / "site"
    site.mkdir()
    dist_info(site, "Foo.Bar-1.2.dist-info", "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.2\n\nbody\nVersion: 9\n")
    dist_info(site, "old_thing-0.3.egg-info", "Metadata-Version: 1.0\nName: old-thing\nVersion: 0.3b1\n",
              filename="PKG-INFO")
    dist_info(site, "crlf-2.0.dist-info", "Name: crlf\r\nVersion: 2.0\r\n\r\n")
    dist_info(site, "folded-1.0.dist-info", "Name: folded\nVersion: 1.0\n  .post1\n")
    dist_info(site, "noversion-1.0.dist-info", "Name: noversion\n\nVersion: 1.0\n")
    later = tmp_path / "later"
    later.mkdir()
    dist_info(later, "foo_bar-7.0.dist-info", "Name: foo_bar\nVersion: 7.0\n")
    path_of(tmp_path / "absent", site, later)
    for name in ("foo-bar", "FOO_BAR", "foo.bar", "old-thing", "old_thing", "crlf", "folded", "missing"):
        assert distribution_version(name) == importlib_version(name), name
    assert distribution_version("foo-bar") == "1.2"  # the first folder's
    assert _fast_version("old-thing") == "0.3b1" and _fast_version("crlf") == "2.0"
    assert _fast_version("missing") is None
    assert _fast_version("folded") is _UNSURE  # importlib.metadata answers those
    assert _fast_version("noversion") is _UNSURE


def test_two_candidates_in_one_folder_are_left_to_importlib_metadata(tmp_path, path_of):
    dist_info(tmp_path, "twice-1.0.dist-info", "Name: twice\nVersion: 1.0\n")
    dist_info(tmp_path, "Twice-2.0.dist-info", "Name: twice\nVersion: 2.0\n")
    path_of(tmp_path)
    assert _fast_version("twice") is _UNSURE
    assert distribution_version("twice") == importlib_version("twice")


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path, path_of):
    archive = tmp_path / "lib.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("zipped-3.0.dist-info/METADATA", "Name: zipped\nVersion: 3.0\n")
    path_of(archive)
    assert _fast_version("zipped") is _UNSURE
    assert distribution_version("zipped") == "3.0" == importlib_version("zipped")


def test_an_install_during_the_process_is_seen(tmp_path, path_of):
    """The folder's listing is remembered while its mtime stays: a later install or upgrade (a long-lived
    preview's renders) is found, as importlib.metadata finds it."""
    site = tmp_path / "site"
    site.mkdir()
    path_of(site)
    touch(site, 1_000_000)
    assert distribution_version("newlib") is None
    dist_info(site, "newlib-1.0.dist-info", "Name: newlib\nVersion: 1.0\n")
    touch(site, 1_000_001)
    assert distribution_version("newlib") == "1.0" == importlib_version("newlib")
    (site / "newlib-1.0.dist-info" / "METADATA").unlink()
    (site / "newlib-1.0.dist-info").rmdir()
    dist_info(site, "newlib-2.0.dist-info", "Name: newlib\nVersion: 2.0\n")
    touch(site, 1_000_002)
    assert distribution_version("newlib") == "2.0" == importlib_version("newlib")


def test_another_finder_of_distributions_is_left_to_importlib_metadata(monkeypatch):
    class Finder:
        def find_spec(self, *args, **kwargs):
            return None

        def find_distributions(self, context=None):
            return iter(())

    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    assert _fast_version("pyyaml") is _UNSURE
    assert distribution_version("pyyaml") == importlib_version("pyyaml")


def test_versions_string():
    assert versions.versions(["pyyaml", "no-such-distribution-xyz"]) == \
        f"pyyaml={importlib_version('pyyaml')},no-such-distribution-xyz=absent"
