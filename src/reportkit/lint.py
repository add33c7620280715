"""``report check``: problems found in the sources without rendering.

The data package (checksums, schemas, provenance), then each main document: what its expansion
found (includes, variables, metadata shortcodes) and numbers typed into its prose.
"""

from __future__ import annotations

from .datapackage import require_valid
from .errors import Problem
from .numbers import NumberRules, scan_abstract, scan_body
from .project import Project
from .settings import settings
from .source import Document


def typed_numbers(document: Document, rules: NumberRules) -> list[Problem]:
    """Numbers typed into a document's abstract and prose (rule ``prose.number``)."""
    expanded = document.expanded
    abstract = scan_abstract(expanded.front_matter_text, document.shown, expanded.front_matter_line, rules)
    return abstract + scan_body(document.lines(), rules)


def project_typed_numbers(project: Project) -> list[Problem]:
    """Typed-number problems of every main document of a project."""
    rules = settings(project).number_rules
    return [p for main in project.main_inputs for p in typed_numbers(Document.read(project, main), rules)]


def source_problems(project: Project) -> list[Problem]:
    """Every source problem of the project; an invalid data package raises DataError first."""
    options = settings(project)
    if options.data_package is not None:
        require_valid(options.data_package, options.required_provenance, options.data_rebuild)
    problems: list[Problem] = []
    for main in project.main_inputs:
        document = Document.read(project, main)
        problems += document.problems + typed_numbers(document, options.number_rules)
    return problems
