"""Render engines: Quarto through subprocess, or the built-in pandoc + Typst engine."""

from __future__ import annotations

from ..errors import EngineError
from .base import Engine
from .builtin import BuiltinEngine
from .quarto import QuartoEngine, find_quarto

ENGINE_CHOICES = ("auto", "quarto", "builtin")


def select_engine(name: str = "auto", splice: bool = True) -> Engine:
    """``auto``: Quarto when an executable is found (PATH or QUARTO_PATH), else built-in (``splice``: whether
    it may render a document with one edited chapter by splicing, engines/incremental.py)."""
    if name == "builtin":
        return BuiltinEngine(splice=splice)
    quarto = find_quarto()
    if name == "quarto":
        if not quarto:
            raise EngineError("--engine quarto: no quarto executable on PATH and QUARTO_PATH is not set")
        return QuartoEngine(quarto)
    if name == "auto":
        return QuartoEngine(quarto) if quarto else BuiltinEngine(splice=splice)
    raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_CHOICES)}")
