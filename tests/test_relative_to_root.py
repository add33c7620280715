"""project.relative_to_root gives what Path.resolve().relative_to() gave."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reportkit.project import relative_to_root


def by_pathlib(path, root: Path) -> str | None:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return None


def test_as_pathlib_resolves(tmp_path, monkeypatch):
    root = tmp_path / "project"
    (root / "report" / "chapters").mkdir(parents=True)
    (root / "report" / "chapters" / "a.qmd").write_text("a")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "b.qmd").write_text("b")
    (root / "link-out").symlink_to(outside)
    (root / "link-in").symlink_to(root / "report")
    (root / "loop1").symlink_to(root / "loop2")
    (root / "loop2").symlink_to(root / "loop1")
    monkeypatch.chdir(root / "report")
    paths = [root, root / "report/chapters/a.qmd", root / "report/../report/chapters/a.qmd", root / "missing/x.qmd",
             root / "link-out/b.qmd", root / "link-in/chapters/a.qmd", outside / "b.qmd", tmp_path, Path("/"),
             "chapters/a.qmd", "../report/chapters", ".", "..", str(root) + "/report//chapters/./a.qmd",
             root / "report" / "chapters" / "a.qmd" / "x"]
    for path in paths:
        assert relative_to_root(path, root) == by_pathlib(path, root), path
    for path in (root / "loop1", root / "loop1/x"):
        with pytest.raises(RuntimeError) as ours:
            relative_to_root(path, root)
        with pytest.raises(RuntimeError) as theirs:
            Path(path).resolve()
        assert str(ours.value) == str(theirs.value)
    assert relative_to_root("/etc", Path("/")) == by_pathlib("/etc", Path("/")) == "etc"
    assert relative_to_root(root, Path("relative")) is None and by_pathlib(root, Path("relative")) is None
    assert os.sep == "/"
