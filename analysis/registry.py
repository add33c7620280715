"""The step registry: every piece of analysis is a declared step with its inputs and outputs.

A step is a function decorated with :func:`step`. It declares the data files it reads (``inputs``)
and the files it writes (``outputs``), both as paths relative to the repository root, so a build
graph can decide what to rerun without importing pandas or running anything::

    python -m analysis --list          # JSON: [{"name", "module", "function", "inputs", "outputs", "after"}]

``inputs`` are data files (plus ``data/datapackage.json``, read for provenance); the code a step depends on is
its ``module`` (``analysis/<module>.py``) and the shared modules (registry, data, style, outputs).

Steps that collect quoted values write them as a fragment (``report/generated/values/<step>.json``);
the ``variables`` step (declared last, ``after`` every other step) merges the fragments into
``_variables.yml``, ``report/generated/provenance.json`` and the appendices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
# Everything the analysis writes for the report lives under this folder (relative to ROOT).
GENERATED = "report/generated"
VALUES_DIR = f"{GENERATED}/values"
# Read by every step that records values: provenance names each resource and its sources from it.
DATAPACKAGE = "data/datapackage.json"


@dataclass(frozen=True)
class Step:
    """One declared unit of work."""

    name: str
    function: Callable[[], None]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    after: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        """``analysis/module.py::function``: where a reviewer finds the code."""
        return code_ref(self.function)

    def as_dict(self) -> dict:
        return {"name": self.name, "module": self.function.__module__, "function": self.qualified,
                "inputs": list(self.inputs), "outputs": list(self.outputs), "after": list(self.after)}


STEPS: dict[str, Step] = {}


def code_ref(function: Callable) -> str:
    """A function as ``analysis/module.py::name`` (the path a reviewer opens)."""
    module = function.__module__.replace(".", "/") + ".py"
    return f"{module}::{function.__qualname__}"


def values_fragment(name: str) -> str:
    """Where step ``name`` writes its quoted values and gaps (merged by the variables step)."""
    return f"{VALUES_DIR}/{name}.json"


def step(name: str, *, inputs: list[str], outputs: list[str], after: list[str] | None = None,
         values: bool = True) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register ``function`` as step ``name``.

    ``values=True`` adds the step's value fragment to its outputs (see :func:`values_fragment`).
    """

    def register(function: Callable[[], None]) -> Callable[[], None]:
        if name in STEPS:
            raise ValueError(f"step {name!r} declared twice")
        outs = list(outputs) + ([values_fragment(name)] if values else [])
        ins = list(inputs) + ([DATAPACKAGE] if values and DATAPACKAGE not in inputs else [])
        STEPS[name] = Step(name, function, tuple(ins), tuple(outs), tuple(after or ()))
        return function

    return register


def ordered() -> list[Step]:
    """Steps in an order that respects ``after`` (declaration order otherwise)."""
    sorter = TopologicalSorter({s.name: s.after for s in STEPS.values()})
    try:
        return [STEPS[name] for name in sorter.static_order()]
    except CycleError as error:
        raise ValueError(f"circular step dependency: {' -> '.join(reversed(error.args[1]))}") from error


def listing() -> str:
    """The registry as JSON (for ``--list``)."""
    return json.dumps([s.as_dict() for s in ordered()], indent=2)
