#!/usr/bin/env bash
# Installs everything the project needs on Debian with Swift 6 already present (idempotent):
# the system libraries, Chromium for the browser tests, and the Python test/benchmark venv (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(libsqlite3-dev libpng-dev libopenblas-dev pkg-config chromium python3-venv)
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}"
fi
scripts/setup-python.sh
