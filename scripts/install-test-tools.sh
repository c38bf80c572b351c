#!/usr/bin/env bash
# Installs what only the tests and benchmarks need (idempotent): Chromium for the browser tests, Node for the
# app's unit tests, and the Python test/benchmark venv (.venv). scripts/test.sh runs it after scripts/install.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(chromium python3-venv)
# Node runs the participant app's unit tests; any Node 20+ will do, Debian's nodejs where none is present.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
scripts/apt-install.sh "${packages[@]}"
scripts/setup-python.sh
