"""reportkit: a content-agnostic builder for Quarto-style papers.

It reads a project's ``_quarto.yml`` and renders its main document to PDF and HTML,
either with Quarto (when installed) or with a built-in engine on pandoc + Typst.
"""

__version__ = "0.1.0"
