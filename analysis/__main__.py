"""``python -m analysis`` runs every step; ``--list`` prints the steps with inputs and outputs as JSON;
``--step NAME`` runs one step (its ``after`` steps must have run before); ``--worker`` serves
reportkit's build graph (one JSON request per line on stdin, see reportkit.steps.WorkerPool).

When reportkit has already brought the steps up to date and then calls Quarto, Quarto's
pre-render runs this module again with ``reportkit.protocol.STEPS_DONE_ENV`` set: it then does nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

from reportkit.protocol import STEPS_DONE_ENV, WORKER_MARK

from .pipeline import load_steps
from .registry import STEPS, listing, ordered


def run_step(name: str, announce: bool = True) -> float:
    """Run one step; ``announce`` prints its time (the builder's workers report it themselves)."""
    started = time.perf_counter()
    STEPS[name].function()
    seconds = time.perf_counter() - started
    if announce:
        print(f"analysis: {name} ({seconds:.2f} s)", file=sys.stderr)
    return seconds


def where(error: BaseException) -> dict | None:
    """The project file and line an error comes from: a syntax error's own place, else the innermost
    frame in a file under the current folder (the project)."""
    if isinstance(error, SyntaxError) and error.filename:
        return {"file": os.path.relpath(error.filename), "line": error.lineno}
    root = os.getcwd() + os.sep
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(root)]
    return {"file": os.path.relpath(frames[-1].filename), "line": frames[-1].lineno} if frames else None


def serve() -> int:
    """Answer reportkit's requests until stdin closes. The steps are imported on the first request, so a
    module that fails to import is reported like a failing step (with its file and line)."""
    for line in sys.stdin:
        request = json.loads(line)
        try:
            load_steps()
            if request.get("list"):
                reply = {"ok": True, "steps": json.loads(listing())}
            else:
                reply = {"ok": True, "seconds": run_step(request["run"], announce=False)}
        except Exception as error:  # the builder reports the traceback with the step's name
            reply = {"ok": False, "error": traceback.format_exc(), "where": where(error)}
        print(WORKER_MARK + json.dumps(reply), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the steps as JSON and exit")
    parser.add_argument("--step", action="append", default=[], help="run only this step (repeatable)")
    parser.add_argument("--worker", action="store_true", help="serve reportkit's worker protocol on stdin/stdout")
    args = parser.parse_args(argv)
    if os.environ.get(STEPS_DONE_ENV) and not (args.list or args.step or args.worker):
        return 0
    if args.worker:
        return serve()
    load_steps()
    if args.list:
        print(listing())
        return 0
    unknown = set(args.step) - {s.name for s in ordered()}
    if unknown:
        print(f"unknown step(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for s in ordered():
        if not args.step or s.name in args.step:
            run_step(s.name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
