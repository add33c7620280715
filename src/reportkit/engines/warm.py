"""Warm Typst compilers for a long-lived process (``report preview``).

Typst compiles incrementally within one process, but only when the document keeps its path: a
``.typ`` file in a fresh staging folder is a new file to Typst, and each save then costs a cold
compile (measured on this paper: ~0.6-0.8 s against ~0.14 s at a stable path). So a preview gives
the built-in engine a :class:`WarmTypst`: one ``typst.Compiler`` per output document for the
life of the preview, compiling each document's ``.typ`` from a stable folder under ``.reportkit/``.
The PDF is the same, byte for byte, as a cold compile of the same ``.typ`` (tests/test_warm_typst.py).
``report render`` runs once per process and keeps compiling cold (nothing to keep warm).

Typst remembers what each compile computed in one cache for the whole process, and the typst wheel
drops from it, after every compile, only what the last ``CACHE_AGE`` compiles did not use: ~15 MB a
compile of this paper, so a preview grew by ~140 MB over its first ten saves. After each compile,
:class:`WarmTypst` therefore compiles an empty document a few times (~1 ms each), which ages that
cache: what the latest compile of each document used stays (the next one is still incremental), the
rest goes (measured: 233 MB after 14 compiles without, 103 MB with).
"""

from __future__ import annotations

from pathlib import Path

from ..state import STATE_DIR

CACHE_AGE = 10  # the typst wheel (0.15) calls comemo::evict(10) after every compile
MOST_SPARE = 3  # spare compiles at most (spare_compiles)
AGER = "empty.typ"  # the empty document compiled to age the cache, in the folder of the documents


class WarmTypst:
    """One ``typst.Compiler`` per document of the project at ``root``, kept between compiles."""

    def __init__(self, root: Path):
        self.root = root
        self._compilers: dict[Path, object] = {}
        self._ager = None

    def folder(self, stem: str) -> Path:
        """Where the document ``stem``'s ``.typ`` is written on every render (inside the Typst root)."""
        path = self.root / STATE_DIR / "typst" / stem
        path.mkdir(parents=True, exist_ok=True)
        return path

    def compile(self, typ: Path, target: Path, timestamp: int | None) -> None:
        """Compile ``typ`` (one of :meth:`folder`'s files) to the PDF ``target``; Typst's errors propagate.
        Then age Typst's cache (see the module's docstring)."""
        import typst

        compiler = self._compilers.get(typ)
        if compiler is None:
            compiler = self._compilers[typ] = typst.Compiler(str(typ), root=str(self.root), ignore_system_fonts=True)
        try:
            target.write_bytes(compiler.compile(timestamp=timestamp))
        finally:
            self.age()

    def spare_compiles(self) -> int:
        """How many empty compiles follow each compile. With ``n`` documents compiled in turn, each
        compile ages the cache by one plus this; what a document's latest compile used must stay until
        its next compile (age at most ``CACHE_AGE``), with a step to spare. At most MOST_SPARE: a preview
        compiles a document twice a save (its quick PDF, then the full render's), and with one document
        and 8 spare compiles the quick PDF's compile found the cache emptied (measured: 0.84-0.89 s
        instead of 0.13-0.19 s)."""
        return max(0, min(MOST_SPARE, CACHE_AGE // max(1, len(self._compilers)) - 2))

    def age(self) -> None:
        """Compile the empty document ``spare_compiles()`` times: each compile ages Typst's cache by one."""
        import typst

        if self._ager is None:
            empty = self.root / STATE_DIR / "typst" / AGER
            empty.parent.mkdir(parents=True, exist_ok=True)
            empty.write_text("", encoding="utf-8")
            self._ager = typst.Compiler(str(empty), root=str(self.root), ignore_system_fonts=True)
        for _ in range(self.spare_compiles()):
            self._ager.compile()
