#!/usr/bin/env bash
# Installs what is missing, builds in release mode (numeric tests are 10-50x slower in debug)
# and runs every test. Extra arguments go to `swift test` (e.g. --filter AvatarFlowTests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
