"""requirements.lock pins every dependency of pyproject.toml (test extras included), with hashes."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\s*\n\s*--hash=sha256:[0-9a-f]{64})*)", re.M)


def pins() -> dict[str, tuple[str, int]]:
    """Locked distribution -> (version, number of hashes)."""
    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(m.group(1)): (m.group(2), m.group(3).count("--hash=")) for m in PIN.finditer(text)}


def declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_declared_dependency_is_locked_within_its_range():
    locked = pins()
    problems = []
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        if name not in locked:
            problems.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            problems.append(f"{requirement} but requirements.lock pins {locked[name][0]}")
    assert problems == [], "refresh the lock: bash dev/refresh-lock.sh\n" + "\n".join(problems)


def test_every_pin_has_hashes():
    locked = pins()
    assert len(locked) > 20
    assert [name for name, (_, hashes) in locked.items() if hashes == 0] == []


def test_lock_is_made_for_the_test_extras_with_hashes():
    header = (REPO / "requirements.lock").read_text(encoding="utf-8").split("\n", 2)[1]
    assert "--extra test" in header and "--generate-hashes" in header and "pyproject.toml" in header
    assert "file://" not in (REPO / "requirements.lock").read_text(encoding="utf-8")  # no machine's own index
