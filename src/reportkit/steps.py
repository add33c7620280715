"""The project's own build steps (its analysis), as declared by the project.

``_quarto.yml`` names two commands under ``reportkit: steps:``::

    reportkit:
      steps:
        list: python -m analysis --list    # prints JSON: [{name, module, inputs, outputs, after}]
        run: python -m analysis            # + --step NAME for each step to run
        sources: [analysis]                # folders whose *.py files define the steps
        versions: [pandas, matplotlib]     # libraries whose version is part of every step's key

Every step's inputs are its declared data files plus the Python source files its module
imports from the project (found by reading the imports, recursively), and the runner's.
The listing is cached until a source file changes, so an unchanged project starts no Python.
"""

from __future__ import annotations

import ast
import hashlib
import json
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from .errors import ConfigError, Location, ReportError
from .fingerprint import Fingerprints
from .graph import Step
from .progress import Progress
from .project import Project
from .state import BuildState


class StepError(ReportError):
    """A project step failed; the render stops before anything is written."""

    exit_code = 6


def _command(text: str) -> list[str]:
    args = shlex.split(text)
    if args and args[0] in ("python", "python3"):
        args[0] = sys.executable
    return args


def settings(project: Project) -> dict | None:
    """The ``reportkit: steps:`` mapping, or None when the project declares no steps."""
    options = (project.config.get("reportkit") or {}).get("steps")
    if options is None:
        return None
    if not isinstance(options, dict) or not options.get("list") or not options.get("run"):
        raise ConfigError("reportkit.steps needs `list` and `run` commands", Location(project.config_path), "config.steps")
    return options


# -- python source closure -------------------------------------------------------------------
def module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def python_closure(root: Path, module: str) -> list[str]:
    """Project-relative source files of ``module`` and every project module it imports."""
    top = module.split(".")[0]
    seen: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        path = module_file(root, name)
        if path is None:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for parent in _parents(package):
            pending.append(parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                pending += [a.name for a in node.names if a.name.split(".")[0] == top]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.split(".")[0] == top:
                    pending.append(base)
                    pending += [f"{base}.{a.name}" for a in node.names]
    return sorted(str(p.relative_to(root)) for p in seen.values())


def _parents(package: str) -> list[str]:
    parts = package.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1) if parts[0]]


# -- discovery --------------------------------------------------------------------------------
def _listing(project: Project, options: dict, fingerprints: Fingerprints, state: BuildState) -> list[dict]:
    sources = sorted(str(p.relative_to(project.root)) for folder in options.get("sources") or []
                     for p in (project.root / folder).rglob("*.py"))
    key = hashlib.sha256(json.dumps([options["list"], fingerprints.digests(sources)], sort_keys=True).encode()).hexdigest()
    cached = state.cache.get("steps")
    if cached and cached.get("key") == key:
        return cached["steps"]
    done = subprocess.run(_command(options["list"]), cwd=project.root, capture_output=True, text=True)
    if done.returncode != 0:
        raise StepError(f"`{options['list']}` failed with exit code {done.returncode}:\n{done.stderr.strip()}")
    try:
        steps = json.loads(done.stdout)
    except json.JSONDecodeError as exc:
        raise StepError(f"`{options['list']}` did not print JSON ({exc})") from exc
    for entry in steps:
        missing = {"name", "inputs", "outputs"} - set(entry)
        if missing:
            raise StepError(f"step listing entry {entry.get('name', '?')} lacks {', '.join(sorted(missing))}")
    state.cache["steps"] = {"key": key, "steps": steps}
    return steps


def versions(names: list[str]) -> str:
    found = []
    for name in names:
        try:
            found.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name}=absent")
    return ",".join(found)


def project_steps(project: Project, fingerprints: Fingerprints, state: BuildState, progress: Progress,
                  jobs: int = 2, after: list[str] | None = None) -> list[Step]:
    """The project's declared steps as graph steps (empty when none are declared)."""
    options = settings(project)
    if options is None:
        return []
    listing = _listing(project, options, fingerprints, state)
    run = _command(options["run"])
    runner = run[run.index("-m") + 1] if "-m" in run else None
    runner_sources = python_closure(project.root, runner) if runner else []
    key = f"{options['run']}|{versions(options.get('versions') or [])}"
    action = BatchRunner(project, run, progress, jobs)
    steps = []
    for entry in listing:
        code = python_closure(project.root, entry["module"]) if entry.get("module") else []
        steps.append(Step(
            name=entry["name"], inputs=list(dict.fromkeys([*entry["inputs"], *code, *runner_sources])),
            outputs=list(entry["outputs"]), action=action, key=key,
            after=[*(entry.get("after") or []), *(after or [])], group="project-steps",
        ))
    return steps


class BatchRunner:
    """Runs a batch of ready steps as up to ``jobs`` processes in parallel, each with several --step."""

    def __init__(self, project: Project, run: list[str], progress: Progress, jobs: int):
        self.project, self.run, self.progress, self.jobs = project, run, progress, max(1, jobs)

    def __call__(self, steps: list[Step]) -> None:
        groups = [steps[i::self.jobs] for i in range(min(self.jobs, len(steps)))]
        names = ", ".join(s.name for s in steps)
        with self.progress.step(f"steps: {names}" + (f" ({len(groups)} processes)" if len(groups) > 1 else "")):
            with ThreadPoolExecutor(len(groups)) as pool:
                results = list(pool.map(self._run_group, groups))
        failures = [text for text in results if text]
        if failures:
            raise StepError("\n".join(failures))

    def _run_group(self, group: list[Step]) -> str:
        args = [*self.run, *[a for s in group for a in ("--step", s.name)]]
        done = subprocess.run(args, cwd=self.project.root, capture_output=True, text=True, encoding="utf-8")
        for line in (done.stdout + done.stderr).splitlines():
            self.progress.stream(line)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.splitlines()[-15:])
            return f"step(s) {', '.join(s.name for s in group)} failed (exit code {done.returncode}):\n{tail}"
        return ""
