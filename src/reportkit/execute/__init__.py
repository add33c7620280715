"""Executable code cells: ``cells`` parses them (and their ``#|`` options), ``kernel`` runs code in
one Jupyter kernel, ``markdown`` writes executed cells as Quarto's Jupyter engine does, and ``step``
makes a document's execution a build-graph step (keyed by its cells) whose record feeds the render.
"""
