#!/usr/bin/env bash
# What authentication adds to a request: wrk on GET /health (public) and on an authenticated
# GET /api/v1/auth/me with a JWT and with an API key, 64 connections, embedded SQLite store,
# rate limiting set out of the way. Prints requests/s and the latency percentiles per case.
# Usage: bench/auth_overhead.sh [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
scripts/deps.sh test
cmake --preset release >/dev/null
cmake --build --preset release --target companion >/dev/null

port="${BENCH_PORT:-18081}"
data_dir=$(mktemp -d)
DATA_DIR="$data_dir" LOG_LEVEL=WARNING RATE_LIMIT_REQUESTS_PER_MINUTE=1000000 \
  build/release/companion serve --host 127.0.0.1 --port "$port" >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.1; done

base="http://127.0.0.1:$port"
json='Content-Type: application/json'
curl -fs -X POST "$base/api/v1/auth/register" -H "$json" \
  -d '{"username":"bench","password":"bench-password-long"}' >/dev/null
token=$(curl -fs -X POST "$base/api/v1/auth/login" -H "$json" \
  -d '{"username":"bench","password":"bench-password-long"}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
key=$(curl -fs -X POST "$base/api/v1/auth/api-keys" -H "$json" -H "Authorization: Bearer $token" \
  -d '{"name":"bench"}' | sed 's/.*"key":"\([^"]*\)".*/\1/')

run() {
  local label=$1; shift
  local out
  out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$@")
  printf '%-28s requests/s=%s p50=%s p99=%s\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
run "GET /health" "$base/health"
run "GET /api/v1/auth/me (JWT)" -H "Authorization: Bearer $token" "$base/api/v1/auth/me"
run "GET /api/v1/auth/me (API key)" -H "Authorization: Bearer $key" "$base/api/v1/auth/me"
