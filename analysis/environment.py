"""The environment the outputs were made with, for the supplement's reproducibility section: the tools and
every locked library, read the way ``report verify --update`` records them in ``manifest.json``."""

from __future__ import annotations

import platform

from reportkit.engines.builtin import BuiltinEngine
from reportkit.manifest import LOCK_NAME, locked_libraries

from .registry import GENERATED, ROOT, step

ENVIRONMENT = f"{GENERATED}/appendices/environment.md"
COLUMNS = 3  # library/version pairs per table row


def tools() -> dict[str, str]:
    """Python and the render tools, as the manifest names them."""
    return {"python": platform.python_version(), **BuiltinEngine().tools({})}


def environment_markdown(tools: dict[str, str], libraries: dict[str, str]) -> str:
    """The section's text: a sentence, the tools, and the locked libraries in a compact table."""
    lines = ["The outputs were made by a clean, offline render with the tools and Python libraries below "
             "(`requirements.lock` pins each library with its sha256 hashes). `manifest.json` in the repository "
             "records the same versions together with the sha256 of every output and every quoted value; "
             "`report verify` renders the tracked files again and names anything that differs.", "",
             "The tools of the render:", "", "| Tool | Version |", "|:--|:--|"]
    lines += [f"| {name} | {version} |" for name, version in tools.items()]
    lines += ["", f"The {len(libraries)} Python libraries of `requirements.lock`, as installed:", ""]
    pairs = list(libraries.items())
    rows = (len(pairs) + COLUMNS - 1) // COLUMNS
    lines += ["| " + " | ".join(["Library | Version"] * COLUMNS) + " |", "|" + ":--|:--|" * COLUMNS]
    for row in range(rows):
        cells = [pairs[row + rows * col] if row + rows * col < len(pairs) else ("", "") for col in range(COLUMNS)]
        lines.append("| " + " | ".join(f"{name} | {version}" for name, version in cells) + " |")
    lines.append("")
    return "\n".join(lines)


@step("environment", inputs=[LOCK_NAME], outputs=[ENVIRONMENT], values=False)
def run_environment() -> None:
    path = ROOT / ENVIRONMENT
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(environment_markdown(tools(), locked_libraries(ROOT)), encoding="utf-8")
