#!/usr/bin/env bash
# Refresh requirements.lock: exact versions and sha256 hashes of every Python dependency of the project
# (pyproject.toml, test extras included), for Python 3.11 on Linux, as `pip install -r requirements.lock`
# installs them. Run after changing dependencies in pyproject.toml; commit the result; then
# `report verify --update` if the new versions change any output. Needs pip-tools (pip install pip-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
exec pip-compile --quiet --generate-hashes --extra test --strip-extras --allow-unsafe \
  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
