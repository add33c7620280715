"""The paper's analysis: reads data/, writes figures, tables and _variables.yml."""
