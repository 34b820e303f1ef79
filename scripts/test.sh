#!/usr/bin/env bash
# Installs Facilibot with its test extra into .venv (if needed) and runs the
# whole suite: lint, the import contract, unit tests and integration tests against a real Synapse.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest "$@"
