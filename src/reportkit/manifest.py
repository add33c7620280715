"""The manifest: the outputs a reviewed version of the paper must reproduce, byte for byte.

``manifest.json`` (committed beside ``_quarto.yml``) records, for one engine and PDF timestamp, the
sha256 of every output of the build graph (figures, tables, variables, PDF, HTML), every quoted value,
and the versions of the tools and libraries that made them. ``report verify`` renders a clean copy of
the tracked files and compares it with this record; ``report verify --update`` writes it anew.
"""

from __future__ import annotations

import json
import platform
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import ConfigError, Location
from .fingerprint import sha256_file
from .project import VARIABLES_NAME, load_yaml
from .versions import distribution_version

MANIFEST_NAME = "manifest.json"
LOCK_NAME = "requirements.lock"
LOCKED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", re.M)


def flatten(mapping: dict, prefix: str = "") -> dict[str, str]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": "1"}``: the quoted values of a variables file."""
    flat = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def locked_libraries(root: Path) -> dict[str, str]:
    """Installed version of every distribution the project's lock file pins ("absent" if not installed)."""
    lock = root / LOCK_NAME
    names = LOCKED.findall(lock.read_text(encoding="utf-8")) if lock.is_file() else []
    return {name.lower(): distribution_version(name) or "absent" for name in sorted(names, key=str.lower)}


@dataclass
class Manifest:
    """What one clean render produced, and with what."""

    engine: str
    formats: list[str]
    source_date_epoch: int | None
    tools: dict[str, str] = field(default_factory=dict)
    libraries: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)     # project-relative path -> sha256
    variables: dict[str, str] = field(default_factory=dict)   # quoted value name -> text

    @classmethod
    def of_tree(cls, tree: Path, outputs: list[str], engine: str, formats: list[str], epoch: int | None,
                tools: dict[str, str], libraries: dict[str, str]) -> Manifest:
        """The record of a rendered tree: the digest of each of ``outputs`` that exists there."""
        digests = {name: sha256_file(tree / name) for name in sorted(outputs) if (tree / name).is_file()}
        variables_file = tree / VARIABLES_NAME
        variables = flatten(load_yaml(variables_file) or {}) if variables_file.is_file() else {}
        return cls(engine, list(formats), epoch, dict(tools), dict(libraries), digests, variables)

    @classmethod
    def load(cls, root: Path) -> Manifest | None:
        path = root / MANIFEST_NAME
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"not a manifest: {exc}", Location(MANIFEST_NAME), "config.manifest") from exc

    def save(self, root: Path) -> Path:
        path = root / MANIFEST_NAME
        data = {"about": "Outputs `report render` must reproduce byte for byte, and what made them. "
                         "Checked by `report verify`; rewritten by `report verify --update`.",
                "platform": f"{platform.system()} {platform.machine()}", **asdict(self)}
        path.write_text(json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
        return path

    def differences(self, actual: Manifest) -> list[str]:
        """Every way ``actual`` (a clean render) differs from this record, most useful first: each
        differing output, each quoted value that changed, then tool and library versions that differ
        (the likely cause)."""
        found = []
        for name in sorted(self.outputs.keys() | actual.outputs.keys()):
            recorded, made = self.outputs.get(name), actual.outputs.get(name)
            if recorded is None:
                found.append(f"{name}: not in the manifest (a new output)")
            elif made is None:
                found.append(f"{name}: in the manifest, but the clean render did not write it")
            elif recorded != made:
                found.append(f"{name}: differs (manifest {recorded[:12]}, clean render {made[:12]})")
        for name in sorted(self.variables.keys() | actual.variables.keys()):
            recorded, made = self.variables.get(name), actual.variables.get(name)
            if recorded != made:
                found.append(f"value {name}: {recorded!r} in the manifest, {made!r} now")
        if found:
            for kind, old, new in (("tool", self.tools, actual.tools), ("library", self.libraries, actual.libraries)):
                for name in sorted(old.keys() | new.keys()):
                    if old.get(name) != new.get(name):
                        found.append(f"{kind} {name}: {old.get(name)} in the manifest, {new.get(name)} here")
        return found
