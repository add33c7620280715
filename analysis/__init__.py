"""The paper's analysis: reads data/, writes figures, tables, ``_variables.yml`` and appendices.

Modules: ``registry`` (declared steps), ``data`` (reading data/ with row references), ``style`` (figure
look), ``outputs`` (writing figures, tables, values), one module per topic (``diaspora``, ``migration``,
``kandas``, ``policy``) and ``appendices`` (the final merge step).
"""
