#!/usr/bin/env bash
# One-time (and idempotent) setup: system packages, the virtualenv and pinned dependencies.
#   scripts/setup.sh            what `make run` needs
#   scripts/setup.sh --browser  plus Chromium, playwright-core, rasa-webchat and axe-core for the browser tests,
#                               and nginx for the load-balancer test
set -euo pipefail
cd "$(dirname "$0")/.."

elapsed() { printf '%dm%02ds' $((SECONDS / 60)) $((SECONDS % 60)); }

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  echo "setup: Debian packages installed ($(elapsed) so far)"
}

apt_install redis-server
if [ "${1:-}" = "--browser" ]; then
  apt_install chromium nginx
fi

stamp=.venv/.installed-$(sha256sum requirements.lock | cut -c1-16)
if [ ! -f "$stamp" ]; then
  python310=$(scripts/find-python310.sh)
  [ -x .venv/bin/python ] || "$python310" -m venv .venv
  # pip's cache stays in ~/.cache/pip (outside the work tree): torch is several GB.
  .venv/bin/pip install -q --upgrade pip
  # pip's own progress: each package as it is collected and downloaded (with its size and,
  # on a terminal, a progress bar), then the list of what was installed.
  echo "setup: installing $(grep -c '==' requirements.lock) pinned Python packages into .venv" \
    "(several GB on a fresh machine: Rasa, TensorFlow, torch; minutes, not seconds)"
  .venv/bin/pip install --progress-bar on -r requirements.lock
  echo "setup: Python packages installed ($(elapsed) so far)"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "${1:-}" = "--browser" ] && [ -f tests/browser/package.json ] \
   && { [ ! -d tests/browser/node_modules/playwright-core ] \
        || [ ! -d tests/browser/node_modules/rasa-webchat ] \
        || [ ! -d tests/browser/node_modules/axe-core ]; }; then
  echo "setup: installing the browser tests' node packages (npm ci: playwright-core, rasa-webchat, axe-core)"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
  echo "setup: node packages installed ($(elapsed) so far)"
fi
