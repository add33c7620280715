"""Importing the topic modules registers their steps; the variables step is declared last."""

from __future__ import annotations

import importlib

TOPICS = ["diaspora", "migration", "kandas", "policy"]  # topic modules, in the order their steps run
_loaded = False


def load_steps() -> None:
    global _loaded
    if _loaded:
        return
    for name in TOPICS:
        importlib.import_module(f"analysis.{name}")
    from . import appendices
    appendices.declare()
    _loaded = True
