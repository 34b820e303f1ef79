#!/usr/bin/env bash
# Installs Facilibot with its test extra into .venv (if needed) and runs every
# benchmark in bench/ (bench_*.py), one after the other, in a few minutes.
# One benchmark with its own options: `BENCH=bench_bot bash scripts/bench.sh --rounds 20`.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
if [[ -n "${BENCH:-}" ]]; then
    exec .venv/bin/python "bench/${BENCH}.py" "$@"
fi
for bench in bench/bench_*.py; do
    echo "== ${bench}"
    .venv/bin/python "${bench}"
done
