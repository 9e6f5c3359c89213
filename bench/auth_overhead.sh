#!/usr/bin/env bash
# What authentication adds to a request: wrk on GET /health (public) and on an authenticated
# GET /api/v1/auth/me with a JWT and with an API key, embedded SQLite store, rate limiting set out
# of the way. First one connection (no queueing: the p50 difference is what authentication adds),
# three interleaved rounds per case, then 64 connections for throughput.
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
# p50 in microseconds of one connection, one case.
p50_us() {
  wrk -t1 -c1 -d"${seconds}s" --latency "$@" |
    awk '$1=="50%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); print v} else if (v ~ /ms$/) {sub(/ms/,"",v); print v*1000}}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
health=(); jwt=(); apikey=()
for round in 1 2 3; do
  health+=("$(p50_us "$base/health")")
  jwt+=("$(p50_us -H "Authorization: Bearer $token" "$base/api/v1/auth/me")")
  apikey+=("$(p50_us -H "Authorization: Bearer $key" "$base/api/v1/auth/me")")
done
h=$(printf '%s\n' "${health[@]}" | median)
j=$(printf '%s\n' "${jwt[@]}" | median)
k=$(printf '%s\n' "${apikey[@]}" | median)
echo "one connection, median p50 of 3 rounds: /health ${h}us, /me JWT ${j}us (+$(awk "BEGIN{print $j-$h}")us), /me API key ${k}us (+$(awk "BEGIN{print $k-$h}")us)"

run "GET /health" "$base/health"
run "GET /api/v1/auth/me (JWT)" -H "Authorization: Bearer $token" "$base/api/v1/auth/me"
run "GET /api/v1/auth/me (API key)" -H "Authorization: Bearer $key" "$base/api/v1/auth/me"
