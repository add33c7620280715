"""The project side of reportkit's steps protocol: declare steps where they are defined, and a command line
that reportkit's build graph drives (``reportkit: steps:`` in ``_quarto.yml``).

A project's analysis is a Python package; each step is a function decorated with :func:`step`, declaring
the files it reads and writes (paths relative to the project root)::

    # analysis/figures.py
    from reportkit.stepkit import step

    @step("population-figure", inputs=["data/population.csv"], outputs=["generated/population.svg"])
    def population_figure() -> None:
        ...

    # analysis/__main__.py
    from reportkit.stepkit import main
    raise SystemExit(main("analysis"))

``python -m analysis --list`` prints the steps as JSON; ``--step NAME`` runs one; ``--worker`` serves the
build graph's requests (see ``reportkit.steps.WorkerPool`` and ``protocol.WORKER_MARK``); with no option it
runs every step in order. Every module of the package is imported first, so a new module with a decorated
function is a new step: nothing else to edit.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Callable, NoReturn

from .protocol import STEPS_DONE_ENV, WORKER_MARK


@dataclass(frozen=True)
class Step:
    """One declared unit of work."""

    name: str
    function: Callable[[], None]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    after: tuple[str, ...] = field(default=())

    @property
    def qualified(self) -> str:
        """``package/module.py::function``: where a reviewer finds the code."""
        return code_ref(self.function)

    def as_dict(self) -> dict:
        return {"name": self.name, "module": self.function.__module__, "function": self.qualified,
                "inputs": list(self.inputs), "outputs": list(self.outputs), "after": list(self.after)}


def code_ref(function: Callable) -> str:
    """A function as ``package/module.py::name`` (the path a reviewer opens)."""
    return f"{function.__module__.replace('.', '/')}.py::{function.__qualname__}"


STEPS: dict[str, Step] = {}


def step(name: str, *, inputs: list[str], outputs: list[str],
         after: list[str] | None = None) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register the decorated function as step ``name``."""

    def register(function: Callable[[], None]) -> Callable[[], None]:
        if name in STEPS:
            raise ValueError(f"step {name!r} declared twice")
        STEPS[name] = Step(name, function, tuple(inputs), tuple(outputs), tuple(after or ()))
        return function

    return register


def ordered() -> list[Step]:
    """Steps in an order that respects ``after`` (declaration order otherwise)."""
    sorter = TopologicalSorter({s.name: s.after for s in STEPS.values()})
    try:
        return [STEPS[name] for name in sorter.static_order()]
    except CycleError as error:
        raise ValueError(f"circular step dependency: {' -> '.join(reversed(error.args[1]))}") from error


def listing() -> str:
    """The steps as JSON (``--list``)."""
    return json.dumps([s.as_dict() for s in ordered()], indent=2)


def import_package(package: str) -> None:
    """Import every module of ``package`` (alphabetically; names starting with ``_`` excepted)."""
    module = importlib.import_module(package)
    for name in sorted(m.name for m in pkgutil.iter_modules(module.__path__) if not m.name.startswith("_")):
        importlib.import_module(f"{package}.{name}")


def run_step(name: str, announce: bool = True) -> float:
    """Run one step; ``announce`` prints its time (the builder's workers report it themselves)."""
    started = time.perf_counter()
    STEPS[name].function()
    seconds = time.perf_counter() - started
    if announce:
        print(f"{name} ({seconds:.2f} s)", file=sys.stderr)
    return seconds


def where(error: BaseException) -> dict | None:
    """The project file and line an error comes from: a syntax error's own place, else the innermost
    frame in a file under the current folder (the project)."""
    if isinstance(error, SyntaxError) and error.filename:
        return {"file": os.path.relpath(error.filename), "line": error.lineno}
    root = os.getcwd() + os.sep
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(root)]
    return {"file": os.path.relpath(frames[-1].filename), "line": frames[-1].lineno} if frames else None


def serve(load: Callable[[], None]) -> int:
    """Answer the build graph's requests until stdin closes. The steps are loaded at once, before the
    first request (the project's libraries import while the builder still lists the steps or checks the
    data); a module that fails to import is reported to every request like a failing step, with its file
    and line."""
    failure = None
    try:
        load()
    except Exception as error:
        failure = {"ok": False, "error": traceback.format_exc(), "where": where(error)}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if failure:
                reply = failure
            elif request.get("list"):
                reply = {"ok": True, "steps": json.loads(listing())}
            else:
                reply = {"ok": True, "seconds": run_step(request["run"], announce=False)}
        except Exception as error:  # the builder reports the traceback with the step's name
            reply = {"ok": False, "error": traceback.format_exc(), "where": where(error)}
        print(WORKER_MARK + json.dumps(reply), flush=True)
    return 0


def end_now(code: int) -> NoReturn:
    """End a worker whose stdin closed without Python's teardown, which took ~0.5 s with pandas and
    matplotlib loaded while the build waited for it before the render. Each step has answered by then:
    what it wrote is closed and recorded."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def main(package: str, argv: list[str] | None = None, load: Callable[[], None] | None = None) -> int:
    """The command line of a project's steps: ``python -m PACKAGE [--list | --step NAME ... | --worker]``.
    ``load`` imports the steps (default: every module of ``package``)."""
    load = load or (lambda: import_package(package))
    parser = argparse.ArgumentParser(prog=f"python -m {package}", description="Run the project's steps.")
    parser.add_argument("--list", action="store_true", help="print the steps as JSON and exit")
    parser.add_argument("--step", action="append", default=[], help="run only this step (repeatable)")
    parser.add_argument("--worker", action="store_true", help="serve reportkit's worker protocol on stdin/stdout")
    args = parser.parse_args(argv)
    if os.environ.get(STEPS_DONE_ENV) and not (args.list or args.step or args.worker):
        return 0  # Quarto's pre-render, after reportkit already ran the steps
    if args.worker:
        end_now(serve(load))
    load()
    if args.list:
        print(listing())
        return 0
    unknown = set(args.step) - set(STEPS)
    if unknown:
        print(f"unknown step(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for declared in ordered():
        if not args.step or declared.name in args.step:
            run_step(declared.name)
    return 0
