#!/usr/bin/env bash
# `make test`: lint, type-check, then the fast tier (tests/unit) and the process-level
# tier against real servers it starts itself. `--fast`: the fast tier only.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false
mkdir -p test-output
.venv/bin/ruff check bot actions handoff tests bench devstack
.venv/bin/ruff format --check bot actions handoff tests bench devstack
.venv/bin/mypy
if [ "${1:-}" = "--fast" ]; then
  shift
  exec .venv/bin/python -m pytest tests/unit "$@"
fi
.venv/bin/python -m pytest tests/unit "$@"
# The process-level tier needs the trained model: train it here (when the bot changed), where
# its stages and elapsed time show, rather than silently inside pytest's captured fixture.
.venv/bin/python -m bot.training --no-report >/dev/null
.venv/bin/python -m pytest --ignore=tests/unit "$@"
