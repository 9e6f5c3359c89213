#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite (unit and integration
# tests against the real binary over real sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
