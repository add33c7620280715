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

from pathlib import Path
from typing import Callable

from reportkit import stepkit
from reportkit.stepkit import STEPS, Step, code_ref, listing, ordered  # noqa: F401  (the registry itself)

ROOT = Path(__file__).resolve().parent.parent
# Everything the analysis writes for the report lives under this folder (relative to ROOT).
GENERATED = "report/generated"
VALUES_DIR = f"{GENERATED}/values"
# Read by every step that records values: provenance names each resource and its sources from it.
DATAPACKAGE = "data/datapackage.json"


def values_fragment(name: str) -> str:
    """Where step ``name`` writes its quoted values and gaps (merged by the variables step)."""
    return f"{VALUES_DIR}/{name}.json"


def step(name: str, *, inputs: list[str], outputs: list[str], after: list[str] | None = None,
         values: bool = True) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register ``function`` as step ``name`` (``reportkit.stepkit.step``).

    ``values=True`` adds the step's value fragment to its outputs (see :func:`values_fragment`) and the
    data package (read for provenance) to its inputs.
    """
    outs = list(outputs) + ([values_fragment(name)] if values else [])
    ins = list(inputs) + ([DATAPACKAGE] if values and DATAPACKAGE not in inputs else [])
    return stepkit.step(name, inputs=ins, outputs=outs, after=after)
