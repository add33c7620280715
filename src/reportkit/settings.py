"""reportkit's own settings: the ``reportkit:`` key of ``_quarto.yml`` (Quarto ignores it).

Everything that is one paper's taste rather than the builder's is a setting here, with the
defaults this repository's paper uses::

    reportkit:
      data-package: data/datapackage.json   # validated before anything else runs
      data-rebuild: python data/scripts/make_tidy.py   # said when a checksum is wrong
      required-provenance: [title, description, publisher, sources, vintage, table_or_page,
                            licenses, retrieved, caveats]
      generated-folder: generated            # includes from folders of this name are analysis output
      provenance: report/generated/provenance.json  # per quoted value, its inputs (report diff says why a
                                             # value changed): {"variables": [{"name", "function", "inputs": [{"path"}]}]}
      prose-numbers:                         # what `report check` accepts as a typed number
        months: [January, ...]
        reference-words: [section, table, ...]
        legal-suffix: '-[IVXLC]+\\b'
        scale-words: [million, billion, thousand]
        small: 10
        years: [1700, 2100]
      steps: ...                             # the project's analysis steps (see steps.py)
      cell-timeout: 600                      # seconds a code cell may run (execute/step.py)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .datapackage import REQUIRED_PROVENANCE
from .errors import ConfigError, Location
from .numbers import NumberRules
from .project import Project

DEFAULT_PACKAGE = "data/datapackage.json"
DEFAULT_CELL_TIMEOUT = 600.0


@dataclass(frozen=True)
class Settings:
    """The ``reportkit:`` settings of one project, checked and with defaults filled in."""

    data_package: Path | None
    required_provenance: tuple[str, ...]
    number_rules: NumberRules
    data_rebuild: str | None = None  # the command that rebuilds the package (named in checksum errors)
    provenance: str | None = None    # the analysis's record of what each quoted value is computed from
    cell_timeout: float = DEFAULT_CELL_TIMEOUT


def settings(project: Project) -> Settings:
    """Read and check the project's ``reportkit:`` settings (ConfigError with the file's line)."""
    options = project.config.get("reportkit") or {}
    where = Location(project.config_path, project.line_of_key("reportkit"))
    if not isinstance(options, dict):
        raise ConfigError("reportkit must be a mapping", where, "config.shape")
    named = options.get("data-package")
    package = project.root / (named or DEFAULT_PACKAGE)
    if named and not package.is_file():
        raise ConfigError(f"reportkit.data-package names {named}, which does not exist", where, "config.file")
    required = options.get("required-provenance", REQUIRED_PROVENANCE)
    if not isinstance(required, list | tuple) or not all(isinstance(k, str) for k in required):
        raise ConfigError("reportkit.required-provenance must be a list of key names", where, "config.shape")
    numbers = options.get("prose-numbers") or {}
    folder = options.get("generated-folder", "generated")
    try:
        rules = NumberRules.from_settings(numbers, str(folder))
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"reportkit.prose-numbers: {exc}", where, "config.shape") from exc
    rebuild = options.get("data-rebuild")
    if rebuild is not None and not isinstance(rebuild, str):
        raise ConfigError("reportkit.data-rebuild must be a command (text)", where, "config.shape")
    provenance = options.get("provenance")
    if provenance is not None and not isinstance(provenance, str):
        raise ConfigError("reportkit.provenance must be a file name", where, "config.shape")
    timeout = options.get("cell-timeout", DEFAULT_CELL_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError("reportkit.cell-timeout must be a number of seconds", where, "config.shape")
    return Settings(package if package.is_file() else None, tuple(required), rules, rebuild, provenance,
                    cell_timeout=float(timeout))
