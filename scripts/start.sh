#!/usr/bin/env bash
# One command from a fresh clone to a running study: install the system libraries (not the test tools, see
# scripts/test.sh), build in release, build the default study (faces16to128: HR, LR, SR3 / Regression / bicubic
# outputs, trial design), start the server.
set -euo pipefail
cd "$(dirname "$0")/.."
STUDY="${1:-faces16to128}"
scripts/install.sh
swift build -c release --product studygen
swift build -c release --product studyserver
.build/release/studygen build "$STUDY"
exec .build/release/studyserver serve --study "$STUDY" "${@:2}"
