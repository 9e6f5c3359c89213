#!/usr/bin/env bash
# Builds the release binary and runs the service on its embedded defaults (port 8000, SQLite
# under ./data, no PostgreSQL, Redis or LLM needed to start). Extra arguments go to `serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target companion
exec build/release/companion serve "$@"
