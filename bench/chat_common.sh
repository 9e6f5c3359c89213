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

# seed_database: rows of 1,000 other users (10,000 conversations of 10 messages, 50,000 emotions,
# 10,000 memories), so that the tables are not tiny: on a few hundred rows the planner prefers
# sequential scans (for the service's prepared statements too, once autovacuum has analysed the
# tables mid-run), which a real database does not. Call after start_server (the schema).
seed_database() {
  psql_bench -c "
    INSERT INTO users (id, username, username_key, password_hash, password_changed_at, created_at,
      updated_at)
    SELECT gen_random_uuid(), 'seed-' || u, 'seed-' || u, '-', now(), now(), now()
    FROM generate_series(1, 1000) AS u;
    INSERT INTO conversations (id, user_id, title, message_count, created_at, updated_at)
    SELECT gen_random_uuid(), users.id, 'seed', 10, now(), now()
    FROM users, generate_series(1, 10) WHERE users.username LIKE 'seed-%';
    INSERT INTO messages (id, conversation_id, user_id, role, content, created_at)
    SELECT gen_random_uuid(), c.id, c.user_id, CASE WHEN m % 2 = 1 THEN 'user' ELSE 'assistant' END,
      'An earlier message of this conversation, number ' || m || '.',
      now() - (10 - m) * interval '1 minute'
    FROM conversations AS c, generate_series(1, 10) AS m WHERE c.title = 'seed';
    INSERT INTO emotion_history (id, user_id, message_id, conversation_id, emotion, intensity,
      valence, arousal, created_at)
    SELECT gen_random_uuid(), user_id, id, conversation_id, 'neutral', 0.1, 0, 0.1, created_at
    FROM messages WHERE role = 'user';
    INSERT INTO memories (id, user_id, conversation_id, content, embedding, embedding_model,
      embedding_dimension, importance, created_at, updated_at)
    SELECT gen_random_uuid(), users.id, NULL, 'Something this person said once, number ' || k,
      array_fill(0.05::real, ARRAY[384])::vector, 'seed', 384, 0.5, now(), now()
    FROM users, generate_series(1, 10) AS k WHERE users.username LIKE 'seed-%';
    ANALYZE users, conversations, messages, emotion_history, memories, goals" >/dev/null
}

# login_as NAME: registers user NAME (once) and prints a fresh JWT for it.
login_as() {
  local json='Content-Type: application/json'
  local credentials="{\"username\":\"$1\",\"password\":\"bench-password-long\"}"
  curl -s -o /dev/null -X POST "$base/api/v1/auth/register" -H "$json" -d "$credentials"
  local answer
  answer=$(curl -fs -X POST "$base/api/v1/auth/login" -H "$json" -d "$credentials")
  answer=${answer#*\"access_token\":\"}
  echo "${answer%%\"*}"
}
# login: the single benchmark user's JWT.
login() { login_as bench; }
# login_users COUNT FILE: users bench-1..COUNT (registered once), a fresh JWT each in FILE, one a
# line, so that each load client is its own user (bench_chat_load --tokens-file). Four at a time:
# each registration and login hashes with argon2.
login_users() {
  export -f login_as
  export base
  # shellcheck disable=SC2016  # expanded by the inner bash
  seq "$1" | xargs -P 4 -I{} bash -c 'login_as bench-{}' >"$2"
  [[ $(grep -c . "$2") == "$1" ]] || { echo "could not log in $1 users" >&2; exit 1; }
}

# wait_quiet: before a measurement, waits (up to BENCH_QUIET_WAIT_S, default 1200 s) until the
# machine's 1-minute load average is below BENCH_MAX_LOAD (default 1.5; 0 turns waiting off), so
# that other work on the shared cores disturbs the figures less; prints the load it starts at.
wait_quiet() {
  local limit="${BENCH_MAX_LOAD:-1.5}" give_up=$((SECONDS + ${BENCH_QUIET_WAIT_S:-1200}))
  local started=$SECONDS load
  while true; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" -v m="$limit" 'BEGIN {exit !(m <= 0 || l < m)}' && break
    if ((SECONDS >= give_up)); then
      echo "  load still $load after $((SECONDS - started)) s: measuring anyway"
      break
    fi
    sleep 5
  done
  echo "  load $(cut -d' ' -f1-3 /proc/loadavg) after waiting $((SECONDS - started)) s"
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
# The PostgreSQL backends as pid:ticks,... : the pool opens and closes backends during a run, so
# they are compared pid by pid (a backend that exited meanwhile is missed, one that started counts
# whole).
cpu_snapshot() {
  local backends="" pid
  for pid in $(pgrep -f "postgres: companion $bench_db "); do
    backends+="$pid:$(ticks_of "$pid"),"
  done
  # shellcheck disable=SC2046  # one argument per pid
  echo "$(ticks_of "$server") $(ticks_of "$fake")" \
    "$(ticks_of $(pgrep -f "redis-server 127.0.0.1:$COMPANION_TEST_REDIS_PORT")) ${backends:-none}"
}
# cpu_per_op BEFORE AFTER OPERATIONS: CPU microseconds per operation of each of the four.
cpu_per_op() {
  awk -v a="$1" -v b="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); f = 1e6 / hz / n;
    split(x[4], before, ","); for (i in before) { split(before[i], p, ":"); was[p[1]] = p[2] }
    split(y[4], after, ","); pg = 0;
    for (i in after) { split(after[i], p, ":"); if (p[1] != "") pg += p[2] - was[p[1]] }
    printf "service=%.0f fake=%.0f redis=%.0f postgres=%.0f\n",
      (y[1]-x[1])*f, (y[2]-x[2])*f, (y[3]-x[3])*f, pg*f}'
}
