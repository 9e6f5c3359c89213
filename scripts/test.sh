#!/usr/bin/env bash
# Builds everything with warnings as errors and runs the whole test suite: unit tests, and
# integration tests against the real binary, a real PostgreSQL with pgvector and a real Redis
# (started here by scripts/services.sh, and stopped again if this script started them).
# Extra arguments go to ctest (e.g. -R Store, -j2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test

started_services=""
if ! scripts/services.sh status >/dev/null 2>&1; then
  scripts/services.sh up
  started_services=1
fi
cleanup() { if [[ -n "$started_services" ]]; then scripts/services.sh down || true; fi; }
trap cleanup EXIT
eval "$(scripts/services.sh env)"

cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
