"""The project's analysis: every module's ``@step`` functions are its build steps (reportkit.stepkit)."""
