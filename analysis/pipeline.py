"""Importing every module of the package registers its steps (``@step`` in registry.py): a new module
with a decorated function is a new step, nothing else to edit. The variables step is declared last."""

from __future__ import annotations

import importlib
import pkgutil

import analysis

_loaded = False


def load_steps() -> None:
    """Import every module of the ``analysis`` package (alphabetically), then declare the variables step
    after all the others."""
    global _loaded
    if _loaded:
        return
    for module in sorted(m.name for m in pkgutil.iter_modules(analysis.__path__) if not m.name.startswith("_")):
        importlib.import_module(f"analysis.{module}")
    from . import appendices
    appendices.declare()
    _loaded = True
