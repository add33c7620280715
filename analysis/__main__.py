"""``python -m analysis`` runs every step; ``--list`` prints the steps with inputs and outputs as JSON;
``--step NAME`` runs one step (its ``after`` steps must have run before)."""

from __future__ import annotations

import argparse
import sys
import time

from .pipeline import load_steps
from .registry import listing, ordered


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__)
    parser.add_argument("--list", action="store_true", help="print the steps as JSON and exit")
    parser.add_argument("--step", action="append", default=[], help="run only this step (repeatable)")
    args = parser.parse_args(argv)
    load_steps()
    if args.list:
        print(listing())
        return 0
    steps = [s for s in ordered() if not args.step or s.name in args.step]
    unknown = set(args.step) - {s.name for s in ordered()}
    if unknown:
        print(f"unknown step(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    for s in steps:
        t0 = time.perf_counter()
        s.function()
        print(f"analysis: {s.name} ({time.perf_counter() - t0:.2f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
