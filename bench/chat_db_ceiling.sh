#!/usr/bin/env bash
# Chat turns per second with 64 clients next to the database's ceiling for the same work:
# pgbench -c 64 running bench/chat_turn.pgbench (the three statements of a turn: the user's
# message, the active goals, the reply with the turn's memory refresh, recall mark and emotion;
# prepared statements like the service's pool) on the same PostgreSQL and database. The service
# runs on PostgreSQL + Redis with its default pool (POSTGRES_POOL_SIZE=20, POSTGRES_MAX_OVERFLOW=40)
# against the fake LLM answering at once; 64 keep-alive clients, each its own user continuing its
# own conversation, closed loop; pgbench's 64 clients likewise (one user, conversation and memory
# each). bench/chat_turn_statements.py first checks that the pgbench script's statements are the
# service's. Three interleaved rounds (turns, then pgbench), each measurement after the load
# average fell below BENCH_MAX_LOAD (chat_common.sh); the ratio is taken within each round and the
# median printed, with the CPU each process used per turn.
# Usage: bench/chat_db_ceiling.sh [seconds=10]
set -euo pipefail
seconds="${1:-10}"
clients="${BENCH_CLIENTS:-64}"
rounds="${BENCH_ROUNDS:-3}"
python3 "$(dirname "$0")/chat_turn_statements.py"
# shellcheck source=bench/chat_common.sh
source "$(dirname "$0")/chat_common.sh"

message="How was your day? Tell me one small thing that made you smile."
reply="Hello there, this is a short reply from the fake model for the benchmark."
echo "before: $(machine_line)"
start_fake "{\"reply\":\"$reply\"}" --no-record
# shellcheck disable=SC2119  # no extra settings
start_server
seed_database
login_users "$clients" "$work_dir/tokens"
# A first turn for every user: each gets its conversation and, from the benchmark message, one
# memory that its later turns find as a near-duplicate (refreshed and marked recalled).
"$load_bin" turns --port "$port" --tokens-file "$work_dir/tokens" --clients "$clients" \
  --warmup 0 --seconds 1 --message "$message" >/dev/null
bench_users="user_id IN (SELECT id FROM users WHERE username LIKE 'bench-%')"
echo "after the first turns: $(psql_bench -c "SELECT count(*) || ' memories of ' ||
  count(DISTINCT user_id) || ' users, recalled ' || sum(access_count) || ' times' FROM memories
  WHERE $bench_users")"

# The values a turn of the service wrote, for pgbench's statements.
IFS='|' read -r prompt_tokens completion_tokens latency_ms model < <(psql_bench -c "SELECT
  prompt_tokens, completion_tokens, latency_ms, model FROM messages WHERE role = 'assistant'
  AND $bench_users ORDER BY created_at DESC LIMIT 1")
IFS='|' read -r emotion intensity valence arousal < <(psql_bench -c "SELECT emotion, intensity,
  valence, arousal FROM emotion_history WHERE $bench_users ORDER BY created_at DESC LIMIT 1")
importance=$(psql_bench -c "SELECT importance FROM memories WHERE $bench_users LIMIT 1")
echo "a turn's record: reply usage $prompt_tokens + $completion_tokens tokens, model $model;" \
  "emotion $emotion ($intensity); memory importance $importance"

# pgbench's users, each with a conversation and the memory its turns refresh (the service's,
# copied: the same content and embedding), ids as chat_turn.pgbench makes them (client 0..63).
ids() { echo "('00000000-0000-7000-800$1-' || lpad(to_hex(c), 12, '0'))::uuid"; }
psql_bench -c "INSERT INTO users (id, username, username_key, password_hash, password_changed_at,
  created_at, updated_at) SELECT $(ids 0), 'pgbench-' || c, 'pgbench-' || c, '-', now(), now(),
  now() FROM generate_series(0, $clients - 1) AS c;
  INSERT INTO conversations (id, user_id, title, created_at, updated_at)
  SELECT $(ids 1), $(ids 0), 'pgbench', now(), now() FROM generate_series(0, $clients - 1) AS c;
  INSERT INTO memories (id, user_id, conversation_id, content, embedding, embedding_model,
  embedding_dimension, importance, created_at, updated_at)
  SELECT $(ids 2), $(ids 0), $(ids 1), m.content, m.embedding, m.embedding_model,
  m.embedding_dimension, m.importance, now(), now()
  FROM generate_series(0, $clients - 1) AS c,
  (SELECT * FROM memories WHERE $bench_users LIMIT 1) AS m;
  ANALYZE users, conversations, memories"
sleep 11  # the first turns' counts reach pg_stat_database (see db_snapshot)

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
# The database's own count of its work on the benchmark database (pg_stat_database): commits,
# rows inserted and updated, tuples fetched and returned, buffer hits. A backend reports its
# counts at most every second and, idle, within 10 s (hence the sleep before reading them after a
# run of the service, whose pool stays connected).
db_snapshot() {
  psql_bench -c "SELECT xact_commit, tup_inserted, tup_updated, tup_fetched, tup_returned,
    blks_hit FROM pg_stat_database WHERE datname = current_database()"
}
# db_per_turn BEFORE AFTER TURNS
db_per_turn() {
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {split(a, x, "|"); split(b, y, "|");
    printf "commits=%.2f inserted=%.2f updated=%.2f fetched=%.1f returned=%.1f buffer_hits=%.1f\n",
      (y[1]-x[1])/n, (y[2]-x[2])/n, (y[3]-x[3])/n, (y[4]-x[4])/n, (y[5]-x[5])/n, (y[6]-x[6])/n}'
}
# per_op_us TICKS OPERATIONS: CPU microseconds per operation.
per_op_us() {
  awk -v v="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.0f", v * 1e6 / hz / n}'
}

turns_per_s=(); pgbench_tps=(); ratios=()
for round in $(seq "$rounds"); do
  echo "round $round:"
  wait_quiet
  db_before=$(db_snapshot); before=$(cpu_snapshot); answered=$(chat_metrics)
  client_cpu=$( { TIMEFORMAT='%3U %3S'; time "$load_bin" turns --port "$port" \
    --tokens-file "$work_dir/tokens" --clients "$clients" --seconds "$seconds" --warmup 3 \
    --message "$message" >"$work_dir/turns.out" \
    2>"$work_dir/turns.err"; } 2>&1) || { cat "$work_dir/turns.err" >&2; exit 1; }
  turns=$(cat "$work_dir/turns.out")
  after=$(cpu_snapshot); answered=$(( $(chat_metrics | cut -d' ' -f2) - $(cut -d' ' -f2 <<<"$answered") ))
  tps=$(field per_s "$turns")
  echo "turns:   $turns"
  echo "         CPU us per turn (warm-up included): $(cpu_per_op "$before" "$after" "$answered")" \
    "load_client=$(awk -v n="$answered" '{printf "%.0f", ($1 + $2) * 1e6 / n}' <<<"$client_cpu")"
  sleep 11
  echo "         database work per turn (warm-up included):" \
    "$(db_per_turn "$db_before" "$(db_snapshot)" "$answered")"

  wait_quiet
  db_before=$(db_snapshot)
  out=$(pgbench_with_cpu -n -M prepared -c "$clients" -j 2 -T "$seconds" \
    -f bench/chat_turn.pgbench -D n=0 -D start_us="$(date +%s%6N)" -D message="$message" \
    -D reply="$reply" -D model="$model" -D prompt_tokens="$prompt_tokens" \
    -D completion_tokens="$completion_tokens" -D latency_ms="$latency_ms" \
    -D importance="$importance" -D emotion="$emotion" -D intensity="$intensity" \
    -D valence="$valence" -D arousal="$arousal" -D user_role=user -D reply_role=assistant \
    -D status=complete -D goal_status=active -D has_reply=true "$pg_url")
  ptps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
  echo "pgbench: turns=$processed per_s=$ptps statements_per_s=$(awk "BEGIN{print 3*$ptps}")" \
    "failed=$failed latency_avg_ms=$(sed -n 's/^latency average = \([0-9.]*\).*/\1/p' <<<"$out")"
  echo "         CPU us per turn: postgres=$(per_op_us "$(sed -n 's/^backend_ticks //p' <<<"$out")" \
    "$processed") pgbench=$(per_op_us "$(sed -n 's/^client_ticks //p' <<<"$out")" "$processed")" \
    "(connection set-up included)"
  echo "         database work per turn: $(db_per_turn "$db_before" "$(db_snapshot)" "$processed")"
  ratio=$(awk "BEGIN{printf \"%.2f\", $tps/$ptps}")
  echo "ratio: $ratio"
  turns_per_s+=("$tps"); pgbench_tps+=("$ptps"); ratios+=("$ratio")
done
echo "after: $(machine_line)"
echo "median of $rounds rounds, $clients clients, ${seconds}s each:" \
  "turns/s=$(printf '%s\n' "${turns_per_s[@]}" | median)" \
  "pgbench turns/s=$(printf '%s\n' "${pgbench_tps[@]}" | median)" \
  "ratio=$(printf '%s\n' "${ratios[@]}" | median)"
