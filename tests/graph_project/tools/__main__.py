"""python -m tools [--list] [--step NAME ...]"""

import argparse
import importlib
import json
import os

STEPS = [
    {"name": "alpha", "module": "tools.alpha", "inputs": ["data/a.csv"], "outputs": ["gen/alpha.txt"], "after": []},
    {"name": "beta", "module": "tools.beta", "inputs": ["data/b.csv"], "outputs": ["gen/beta.txt"], "after": []},
    {"name": "variables", "module": "tools.variables", "inputs": ["gen/alpha.txt", "gen/beta.txt"],
     "outputs": ["_variables.yml"], "after": ["alpha", "beta"]},
]

parser = argparse.ArgumentParser()
parser.add_argument("--list", action="store_true")
parser.add_argument("--step", action="append", default=[])
args = parser.parse_args()
if args.list:
    print(json.dumps(STEPS))
else:
    os.makedirs("gen", exist_ok=True)
    with open("gen/runs.log", "a", encoding="utf-8") as log:
        for step in STEPS:
            if not args.step or step["name"] in args.step:
                importlib.import_module(step["module"]).run()
                log.write(f"{step['name']} {os.getpid()}\n")
