"""Importing every module of the package registers its steps (``@step``, see registry.py): a new module
with a decorated function is a new step, nothing else to edit. The variables step is declared last."""

from __future__ import annotations

from reportkit.stepkit import import_package

_loaded = False


def load_steps() -> None:
    """Import every module of the ``analysis`` package, then declare the variables step after all the others."""
    global _loaded
    if _loaded:
        return
    import_package("analysis")
    from . import appendices
    appendices.declare()
    _loaded = True
