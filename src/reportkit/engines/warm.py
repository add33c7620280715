"""Warm Typst compilers for a long-lived process (``report preview``).

Typst compiles incrementally within one process, but only when the document keeps its path: a
``.typ`` file in a fresh staging folder is a new file to Typst, and each save then costs a cold
compile (measured on this paper: ~0.6-0.8 s against ~0.14 s at a stable path). So a preview gives
the built-in engine a :class:`WarmTypst`: one ``typst.Compiler`` per output document for the
life of the preview, compiling each document's ``.typ`` from a stable folder under ``.reportkit/``.
The PDF is the same, byte for byte, as a cold compile of the same ``.typ`` (tests/test_warm_typst.py).
``report render`` runs once per process and keeps compiling cold (nothing to keep warm).
"""

from __future__ import annotations

from pathlib import Path

from ..state import STATE_DIR


class WarmTypst:
    """One ``typst.Compiler`` per document of the project at ``root``, kept between compiles."""

    def __init__(self, root: Path):
        self.root = root
        self._compilers: dict[Path, object] = {}

    def folder(self, stem: str) -> Path:
        """Where the document ``stem``'s ``.typ`` is written on every render (inside the Typst root)."""
        path = self.root / STATE_DIR / "typst" / stem
        path.mkdir(parents=True, exist_ok=True)
        return path

    def compile(self, typ: Path, target: Path, timestamp: int | None) -> None:
        """Compile ``typ`` (one of :meth:`folder`'s files) to the PDF ``target``; Typst's errors propagate."""
        import typst

        compiler = self._compilers.get(typ)
        if compiler is None:
            compiler = self._compilers[typ] = typst.Compiler(str(typ), root=str(self.root), ignore_system_fonts=True)
        target.write_bytes(compiler.compile(timestamp=timestamp))
