#!/usr/bin/env bash
# Chat turns per second with 64 clients next to the database's ceiling for the same work:
# pgbench -c 64 running bench/chat_turn.pgbench (the two append_message transactions of a turn,
# prepared statements like the service's pool) on the same PostgreSQL and database. The service
# runs on PostgreSQL + Redis with its default pool (POSTGRES_POOL_SIZE=20, POSTGRES_MAX_OVERFLOW=40)
# against the fake LLM answering at once; 64 keep-alive clients, each continuing its own
# conversation, closed loop. Three interleaved rounds (turns, then pgbench); the ratio is taken
# within each round and the median printed, with the CPU each process used per turn.
# Usage: bench/chat_db_ceiling.sh [seconds=10]
set -euo pipefail
seconds="${1:-10}"
clients="${BENCH_CLIENTS:-64}"
rounds="${BENCH_ROUNDS:-3}"
# shellcheck source=bench/chat_common.sh
source "$(dirname "$0")/chat_common.sh"

message="How was your day? Tell me one small thing that made you smile."
reply="Hello there, this is a short reply from the fake model for the benchmark."
echo "before: $(machine_line)"
start_fake "{\"reply\":\"$reply\"}" --no-record
# shellcheck disable=SC2119  # no extra settings
start_server
token=$(login)

# pgbench's own user and one conversation per pgbench client (ids 1..64, see chat_turn.pgbench).
pg_user=00000000-0000-7000-8000-0000000b0000
psql_bench -c "INSERT INTO users (id, username, username_key, password_hash, password_changed_at,
  created_at, updated_at) VALUES ('$pg_user', 'pgbench', 'pgbench', '-', now(), now(), now());
  INSERT INTO conversations (id, user_id, title, created_at, updated_at)
  SELECT ('00000000000000000000' || lpad(to_hex(c), 12, '0'))::uuid, '$pg_user', 'pgbench',
  now(), now() FROM generate_series(1, $clients) AS c"

# CPU ticks of each PostgreSQL backend on the benchmark database, "pid ticks" per line.
backend_ticks() {
  local pids
  pids=$(pgrep -f "postgres: companion $bench_db " | sed 's|.*|/proc/&/stat|') || true
  [[ -n "$pids" ]] || return 0
  # shellcheck disable=SC2086
  awk '{pid = $1; sub(/.*\) /, ""); print pid, $12 + $13}' $pids 2>/dev/null || true
}
# Runs pgbench and polls its backends' CPU every 0.2 s (they exit with it): prints pgbench's
# output, then "backend_ticks N" with the ticks all backends used meanwhile.
pgbench_with_cpu() {
  local out="$work_dir/pgbench.out"
  declare -A first last
  while read -r pid t; do first[$pid]=$t; done < <(backend_ticks)
  scripts/services.sh pg-tool pgbench "$@" >"$out" 2>&1 &
  local bench=$! client=0 t
  while kill -0 "$bench" 2>/dev/null; do
    while read -r pid t; do last[$pid]=$t; done < <(backend_ticks)
    t=$(ticks_of "$bench") && ((t > client)) && client=$t
    sleep 0.2
  done
  wait "$bench" || { cat "$out" >&2; return 1; }
  cat "$out"
  local pid sum=0
  for pid in "${!last[@]}"; do sum=$((sum + last[$pid] - ${first[$pid]:-0})); done
  echo "backend_ticks $sum"
  echo "client_ticks $client"
}
# per_op_us TICKS OPERATIONS: CPU microseconds per operation.
per_op_us() {
  awk -v v="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", v * 1e6 / hz / n}'
}

turns_per_s=(); pgbench_tps=(); ratios=()
for round in $(seq "$rounds"); do
  echo "round $round: $(uptime | sed 's/.*load average: /load /')"
  before=$(cpu_snapshot); answered=$(chat_metrics)
  client_cpu=$( { TIMEFORMAT='%3U %3S'; time "$load_bin" turns --port "$port" --token "$token" \
    --clients "$clients" --seconds "$seconds" --warmup 3 >"$work_dir/turns.out" \
    2>"$work_dir/turns.err"; } 2>&1) || { cat "$work_dir/turns.err" >&2; exit 1; }
  turns=$(cat "$work_dir/turns.out")
  after=$(cpu_snapshot); answered=$(( $(chat_metrics | cut -d' ' -f2) - $(cut -d' ' -f2 <<<"$answered") ))
  tps=$(field per_s "$turns")
  echo "turns:   $turns"
  echo "         CPU us per turn (warm-up included): $(cpu_per_op "$before" "$after" "$answered")" \
    "load_client=$(awk -v n="$answered" '{printf "%.0f", ($1 + $2) * 1e6 / n}' <<<"$client_cpu")"

  out=$(pgbench_with_cpu -n -M prepared -c "$clients" -j 2 -T "$seconds" \
    -f bench/chat_turn.pgbench -D user_id="$pg_user" -D start_us="$(date +%s%6N)" -D n=0 \
    -D message="$message" -D reply="$reply" -D model=fake-model "$pg_url")
  ptps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  echo "pgbench: turns=$processed per_s=$ptps commits_per_s=$(awk "BEGIN{print 2*$ptps}")" \
    "failed=$failed latency_avg_ms=$(sed -n 's/^latency average = \([0-9.]*\).*/\1/p' <<<"$out")"
  echo "         CPU us per turn: postgres=$(per_op_us "$(sed -n 's/^backend_ticks //p' <<<"$out")" \
    "$processed") pgbench=$(per_op_us "$(sed -n 's/^client_ticks //p' <<<"$out")" "$processed")" \
    "(connection set-up included)"
  ratio=$(awk "BEGIN{printf \"%.2f\", $tps/$ptps}")
  echo "ratio: $ratio"
  turns_per_s+=("$tps"); pgbench_tps+=("$ptps"); ratios+=("$ratio")
done
echo "after: $(machine_line)"
echo "median of $rounds rounds, $clients clients, ${seconds}s each:" \
  "turns/s=$(printf '%s\n' "${turns_per_s[@]}" | median)" \
  "pgbench turns/s=$(printf '%s\n' "${pgbench_tps[@]}" | median)" \
  "ratio=$(printf '%s\n' "${ratios[@]}" | median)"
