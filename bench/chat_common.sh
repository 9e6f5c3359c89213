# shellcheck shell=bash disable=SC2034  # sourced: its variables are the callers'
# Shared by the chat benchmarks (bench/chat_*.sh); sourced, not run.
# Builds what they need, makes a throwaway PostgreSQL database, starts the fake LLM and the
# service on PostgreSQL + Redis from scripts/services.sh, and cleans everything up on exit.
# Environment: BUILD_DIR (default: the release preset's build/release), BENCH_NO_BUILD=1 (use the
# binaries in BUILD_DIR as they are), BENCH_PORT (the service, default 18082), BENCH_REDIS_DB
# (default 9: away from the test suite's database 0), BENCH_SERVER_ENV (NAME=VALUE words added to
# the service's environment).

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
repo=$(pwd)

if [[ -z "${BUILD_DIR:-}" ]]; then
  scripts/deps.sh test
  cmake --preset release >/dev/null
  BUILD_DIR=build/release
fi
if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
  build_log=$(mktemp)
  cmake --build "$BUILD_DIR" --target companion fake_llm bench_chat_load >"$build_log" 2>&1 ||
    { cat "$build_log" >&2; exit 1; }
  rm -f "$build_log"
fi
companion_bin="$repo/$BUILD_DIR/companion"
fake_bin="$repo/$BUILD_DIR/tests/fake_llm"
load_bin="$repo/$BUILD_DIR/bench/bench_chat_load"

scripts/services.sh up
eval "$(scripts/services.sh env)"
ulimit -n "$(ulimit -Hn)"

port="${BENCH_PORT:-18082}"
base="http://127.0.0.1:$port"
work_dir=$(mktemp -d)
bench_db="companion_bench_$$"
pg_url="${COMPANION_TEST_POSTGRES_URL%/*}/$bench_db"
redis_url="${COMPANION_TEST_REDIS_URL%/*}/${BENCH_REDIS_DB:-9}"
server=""
fake=""

psql_admin() { scripts/services.sh pg-tool psql "$COMPANION_TEST_PG_ADMIN_URL" -qAt "$@"; }
psql_bench() { scripts/services.sh pg-tool psql "$pg_url" -qAt "$@"; }

stop_pid() {
  [[ -n "$1" ]] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cleanup() {
  stop_pid "$server"
  stop_pid "$fake"
  psql_admin -c "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work_dir"
}
trap cleanup EXIT

psql_admin -c "CREATE DATABASE $bench_db OWNER companion" >/dev/null

# start_fake CONFIG_JSON [--no-record]: the fake LLM on a free port; sets fake and fake_port.
start_fake() {
  local log="$work_dir/fake.log"
  : >"$log"
  "$fake_bin" --port "${fake_port:-0}" --config "$1" "${@:2}" >"$log" 2>&1 &
  fake=$!
  for _ in $(seq 100); do
    grep -q 'listening on' "$log" && break
    sleep 0.05
  done
  fake_port=$(sed -n 's/.*listening on \([0-9]*\).*/\1/p' "$log")
  [[ -n "$fake_port" ]] || { cat "$log" >&2; exit 1; }
}

# start_server [NAME=VALUE...]: the service on PostgreSQL and Redis, against the fake; sets server.
# BENCH_SERVER_ENV adds NAME=VALUE words to every start (experiments: a pool size, a malloc tunable).
start_server() {
  # shellcheck disable=SC2086  # BENCH_SERVER_ENV: NAME=VALUE words
  env DATA_DIR="$work_dir" POSTGRES_URL="$pg_url" REDIS_ENABLED=true REDIS_URL="$redis_url" \
    LM_STUDIO_BASE_URL="http://127.0.0.1:$fake_port/v1" LOG_LEVEL=WARNING \
    RATE_LIMIT_REQUESTS_PER_MINUTE=1000000 "$@" ${BENCH_SERVER_ENV:-} \
    "$companion_bin" serve --host 127.0.0.1 --port "$port" >>"$work_dir/server.log" 2>&1 &
  server=$!
  for _ in $(seq 200); do
    curl -fs "$base/ready" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  cat "$work_dir/server.log" >&2
  exit 1
}

# login: registers the benchmark user (once) and prints a fresh JWT.
login() {
  local json='Content-Type: application/json'
  local credentials='{"username":"bench","password":"bench-password-long"}'
  curl -s -o /dev/null -X POST "$base/api/v1/auth/register" -H "$json" -d "$credentials"
  curl -fs -X POST "$base/api/v1/auth/login" -H "$json" -d "$credentials" |
    sed 's/.*"access_token":"\([^"]*\)".*/\1/'
}

# field NAME LINE: the value of NAME=value in a bench_chat_load result line.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

machine_line() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "$(free -g | awk '/^Mem:/ {print $2}') GiB; load: $(uptime | sed 's/.*load average: //')"
}

# From /metrics: the sum and count of the POST /api/v1/chat durations and of the LLM calls'.
chat_metrics() {
  curl -fs "$base/metrics" | awk '
    $1 == "http_request_duration_seconds_sum{endpoint=\"/api/v1/chat\"}" {hs=$2}
    $1 == "http_request_duration_seconds_count{endpoint=\"/api/v1/chat\"}" {hc=$2}
    $1 == "llm_request_duration_seconds_sum" {ls=$2}
    $1 == "llm_request_duration_seconds_count" {lc=$2}
    END {printf "%s %s %s %s\n", hs+0, hc+0, ls+0, lc+0}'
}
# CPU accounting from /proc (clock ticks of user + system time): the service, the fake LLM, the
# Redis server, and the PostgreSQL backends connected to the benchmark's database.
ticks_of() {
  local sum=0 pid t
  for pid in "$@"; do
    t=$(awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$pid/stat" 2>/dev/null) || continue
    sum=$((sum + t))
  done
  echo "$sum"
}
cpu_snapshot() {
  # shellcheck disable=SC2046  # one argument per pid
  echo "$(ticks_of "$server") $(ticks_of "$fake")" \
    "$(ticks_of $(pgrep -f "redis-server 127.0.0.1:$COMPANION_TEST_REDIS_PORT"))" \
    "$(ticks_of $(pgrep -f "postgres: companion $bench_db "))"
}
# cpu_per_op BEFORE AFTER OPERATIONS: CPU microseconds per operation of each of the four.
cpu_per_op() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); f = 1e6 / hz / n;
    printf "service=%.0f fake=%.0f redis=%.0f postgres=%.0f\n",
      (y[1]-x[1])*f, (y[2]-x[2])*f, (y[3]-x[3])*f, (y[4]-x[4])*f}'
}
