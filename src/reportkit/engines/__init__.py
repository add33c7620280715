"""Render engines: Quarto through subprocess (quarto.py), or the built-in pandoc + Typst engine (builtin.py).
This package's own module stays light (the engines are imported when one is selected): `report render`
starts its part server before it imports them (prestart.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EngineError
from .executables import find_quarto

if TYPE_CHECKING:
    from .base import Engine
    from .partserver import PartServer

ENGINE_CHOICES = ("auto", "quarto", "builtin")


def builtin_chosen(name: str) -> bool:
    """Whether ``name`` (an ENGINE_CHOICES) selects the built-in engine: ``auto`` does where no Quarto is found."""
    return name == "builtin" or (name == "auto" and not find_quarto())


def select_engine(name: str = "auto", splice: bool = True, parts: PartServer | None = None) -> Engine:
    """``auto``: Quarto when an executable is found (PATH or QUARTO_PATH), else built-in (``splice``: whether
    it may render a document with one edited chapter by splicing, engines/incremental.py; ``parts``: a part
    server started for it already, prestart.py, which another engine stops)."""
    if name not in ENGINE_CHOICES:
        raise EngineError(f"unknown engine {name!r}; choose one of {', '.join(ENGINE_CHOICES)}")
    if builtin_chosen(name):
        from .builtin import BuiltinEngine

        return BuiltinEngine(splice=splice, parts=parts)
    if parts is not None:
        parts.close()
    quarto = find_quarto()
    if not quarto:
        raise EngineError("--engine quarto: no quarto executable on PATH and QUARTO_PATH is not set")
    from .quarto import QuartoEngine

    return QuartoEngine(quarto)
