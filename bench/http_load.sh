#!/usr/bin/env bash
# Load test of the HTTP layer with wrk: GET /health and GET /metrics, 64 keep-alive connections,
# against the release binary on its embedded defaults; then 10,000 idle keep-alive connections
# and the server's resident memory. Prints one line per run and the medians.
# Usage: bench/http_load.sh [runs=3] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
seconds="${2:-10}"
scripts/deps.sh test
cmake --preset release >/dev/null
cmake --build --preset release --target companion bench_idle_connections >/dev/null

binary=build/release/companion
port="${BENCH_PORT:-18080}"
data_dir=$(mktemp -d)
log_level="${BENCH_LOG_LEVEL:-INFO}"
DATA_DIR="$data_dir" LOG_LEVEL="$log_level" "$binary" serve --host 127.0.0.1 --port "$port" \
  >"$data_dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$data_dir"' EXIT
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/ready" >/dev/null && break
  sleep 0.1
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "server: WORKER_THREADS=default ($(nproc)), LOG_LEVEL=$log_level; wrk -t2 -c64 -d${seconds}s --latency"

# wrk prints latency percentiles in us/ms/s; normalise to milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.3f", v}'; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for path in /health /metrics; do
  rps_all=(); p50_all=(); p99_all=()
  for run in $(seq "$runs"); do
    out=$(wrk -t2 -c64 -d"${seconds}s" --latency "http://127.0.0.1:$port$path")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1=="99%" {print $2}' <<<"$out" | to_ms)
    errors=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
    echo "GET $path run $run: requests/s=$rps p50_ms=$p50 p99_ms=$p99 ${errors}"
    rps_all+=("$rps"); p50_all+=("$p50"); p99_all+=("$p99")
  done
  echo "GET $path median of $runs: requests/s=$(printf '%s\n' "${rps_all[@]}" | median)" \
       "p50_ms=$(printf '%s\n' "${p50_all[@]}" | median) p99_ms=$(printf '%s\n' "${p99_all[@]}" | median)"
done

echo "idle keep-alive connections:"
ulimit -n "$(ulimit -Hn)"
build/release/bench/bench_idle_connections "$port" "$server" "${BENCH_IDLE_CONNECTIONS:-10000}" 5
