#!/usr/bin/env bash
# Runs every test: the Swift unit and integration tests, the participant app's JavaScript unit tests (Node's
# built-in runner), then the real-browser end-to-end tests, after installing the system libraries and the test tools.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
scripts/install-test-tools.sh
swift build --build-tests
swift test --skip-build --disable-swift-testing
node --test Tests/js/
.venv/bin/python -m pytest -q Tests/e2e
