#!/usr/bin/env bash
# Installs Facilibot into .venv (if needed) and runs the embedded demo: a
# throwaway Synapse on 127.0.0.1, the bot, and a scripted conversation.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[demo]'
exec .venv/bin/facilibot demo
