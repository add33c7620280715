#!/usr/bin/env bash
# Refresh requirements.lock: exact versions and sha256 hashes of every Python dependency of the project
# (pyproject.toml, test extras included), for Python 3.11, as `pip install -r requirements.lock` installs
# them. Run after changing dependencies in pyproject.toml (a test fails until you do); commit the result;
# then `report verify --update` if the new versions change any output.
# Uses uv's `uv pip compile` (a couple of seconds; `pip install uv` if it is missing).
set -euo pipefail
cd "$(dirname "$0")/.."
exec uv pip compile --quiet --generate-hashes --extra test --python-version 3.11 \
  --output-file requirements.lock pyproject.toml
