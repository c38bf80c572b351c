#!/usr/bin/env bash
# Installs everything the project needs on Debian with Swift 6 already present (idempotent):
# the system libraries, Chromium for the browser tests, Node for the app's unit tests, and the Python test/benchmark venv (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(libsqlite3-dev libpng-dev libopenblas-dev pkg-config chromium python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node runs the participant app's unit tests; any Node 20+ will do, Debian's nodejs where none is present.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi
scripts/setup-python.sh
