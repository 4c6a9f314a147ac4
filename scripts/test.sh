#!/usr/bin/env bash
# `make test`: lint, type-check, then the whole suite against real servers it starts itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
mkdir -p test-output
.venv/bin/ruff check bot actions handoff tests bench devstack
.venv/bin/ruff format --check bot actions handoff tests bench devstack
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
