"""Exceptions that carry where a problem is (file, line, include chain)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Location:
    """A place in a source file; ``chain`` lists the files that included it, outermost first."""

    file: Path | str
    line: int | None = None
    chain: tuple[Location, ...] = ()

    def point(self) -> str:
        """``file:line`` without the include chain."""
        return str(self.file) if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        text = self.point()
        if self.chain:
            via = " <- ".join(loc.point() for loc in reversed(self.chain))
            text += f" (included from {via})"
        return text


# How every refusal ends: ``file:line: <construct> is not supported by the built-in engine; render with
# --engine quarto``. A problem whose rule starts with ``UNSUPPORTED`` stops a render even with
# --allow-warnings: the built-in engine cannot render that construct as Quarto does.
UNSUPPORTED = "unsupported"
UNSUPPORTED_TAIL = "is not supported by the built-in engine; render with --engine quarto"


@dataclass
class Problem:
    """One finding of a strictness rule: an error in strict mode, a warning otherwise.

    ``subject`` is what the problem is about, as the source spells it (``@fig-x`` for a
    cross-reference, ``@key`` for a citation, ``var:name`` for a variable, an image path):
    it is how a problem without a location is located, and how an output marker is matched
    to the source problem that explains it. Never parsed out of ``message``.
    """

    rule: str
    message: str
    location: Location | None = None
    subject: str | None = None

    @property
    def refusal(self) -> bool:
        """True for a construct the built-in engine refuses (fatal even with --allow-warnings)."""
        return self.rule.startswith(UNSUPPORTED)

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}" + (f" [{self.rule}]" if self.rule != "error" else "")


class ReportError(Exception):
    """A failure the user can act on; printed without a traceback, exit code ``exit_code``."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None, rule: str = "error"):
        self.problem = Problem(rule, message, location)
        super().__init__(str(self.problem))


class ConfigError(ReportError):
    """Malformed ``_quarto.yml``, ``_variables.yml`` or front matter."""

    exit_code = 2


class ProblemsError(ReportError):
    """Several problems found together; every one is listed in the message."""

    kind = "problem"

    def __init__(self, problems: list[Problem], hint: str = ""):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        Exception.__init__(self, f"{len(problems)} {self.kind}(s):\n{lines}" + (f"\n{hint}" if hint else ""))
        self.problem = problems[0]


class StrictnessError(ProblemsError):
    """One or more strictness rules failed; carries every problem found."""

    exit_code = 3


class EngineError(ReportError):
    """pandoc, Typst or Quarto failed."""

    exit_code = 4


class DataError(ProblemsError):
    """The data package failed validation (checksums, schemas, provenance); carries every problem."""

    exit_code = 5
    kind = "data problem"
