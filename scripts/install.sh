#!/usr/bin/env bash
# Installs what building and running the project needs on Debian with Swift 6 already present (idempotent):
# the system libraries SQLite, libpng, OpenBLAS and pkg-config. The test tools (Chromium, Node, the Python
# venv) are scripts/install-test-tools.sh, which scripts/test.sh runs; scripts/start.sh does not need them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/apt-install.sh libsqlite3-dev libpng-dev libopenblas-dev pkg-config
