"""python -m tools [--list] [--step NAME ...] [--worker]"""

import argparse
import importlib
import json
import os
import sys
import time
import traceback

from reportkit.protocol import WORKER_MARK

STEPS = [
    {"name": "alpha", "module": "tools.alpha", "inputs": ["data/a.csv", "data/datapackage.json"], "outputs": ["gen/alpha.txt"], "after": []},
    {"name": "beta", "module": "tools.beta", "inputs": ["data/b.csv"], "outputs": ["gen/beta.txt"], "after": []},
    {"name": "variables", "module": "tools.variables", "inputs": ["gen/alpha.txt", "gen/beta.txt"],
     "outputs": ["_variables.yml"], "after": ["alpha", "beta"]},
]


def rendezvous(name):
    """With GRAPH_RENDEZVOUS=<folder> (set by a test), alpha and beta each wait up to 10 s for the other to
    start: run at once in two workers, both go on at once; run one after the other, the first waits in vain,
    and the test that looks at which process ran which step sees it (not a matter of timing)."""
    folder = os.environ.get("GRAPH_RENDEZVOUS")
    if not folder or name not in ("alpha", "beta"):
        return
    open(os.path.join(folder, name), "w").close()
    other = os.path.join(folder, "beta" if name == "alpha" else "alpha")
    deadline = time.monotonic() + 10
    while not os.path.exists(other) and time.monotonic() < deadline:
        time.sleep(0.01)


def run(name):
    os.makedirs("gen", exist_ok=True)
    step = next(s for s in STEPS if s["name"] == name)
    rendezvous(name)
    importlib.import_module(step["module"]).run()
    with open("gen/runs.log", "a", encoding="utf-8") as log:
        log.write(f"{name} {os.getpid()}\n")


def worker():
    """reportkit's worker protocol: one JSON request per line on stdin, one marked reply on stdout."""
    for line in sys.stdin:
        request = json.loads(line)
        started = time.perf_counter()
        try:
            reply = {"ok": True, "steps": STEPS} if request.get("list") else (run(request["run"]) or {"ok": True})
        except Exception:
            reply = {"ok": False, "error": traceback.format_exc()}
        reply["seconds"] = time.perf_counter() - started
        print(WORKER_MARK + json.dumps(reply), flush=True)


parser = argparse.ArgumentParser()
parser.add_argument("--list", action="store_true")
parser.add_argument("--worker", action="store_true")
parser.add_argument("--step", action="append", default=[])
args = parser.parse_args()
if args.list:
    print(json.dumps(STEPS))
elif args.worker:
    worker()
else:
    for step in STEPS:
        if not args.step or step["name"] in args.step:
            run(step["name"])
