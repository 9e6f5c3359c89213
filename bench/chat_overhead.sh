#!/usr/bin/env bash
# The service's own time per chat turn at 200 concurrent clients, and turns per second.
# PostgreSQL and Redis from scripts/services.sh (a throwaway database, dropped at the end), the
# fake LLM answering at once. 200 clients on keep-alive connections, each its own user (JWT)
# continuing its own conversation with non-streaming POST /api/v1/chat. Per round, interleaved:
#   closed loop (each client sends its next turn as soon as it has the answer): turns per second;
#   paced (the 200 clients together start BENCH_RATE turns per second, default 200: one turn per
#   client per second): the latency a client sees when the service is not saturated;
#   1 client in a closed loop: no queueing at all;
# each followed by the same loop sent straight to the fake LLM (the request body the service
# sends it, captured from the fake), so that turn minus fake is the service's overhead. The
# server's own view is printed too: mean time of POST /api/v1/chat minus mean LLM call time,
# from /metrics, and the CPU per turn of the service and of PostgreSQL. BENCH_ROUNDS rounds (3);
# medians at the end. Each measurement waits for the load average to fall below BENCH_MAX_LOAD
# first (chat_common.sh).
# Usage: bench/chat_overhead.sh [seconds=10]
set -euo pipefail
seconds="${1:-10}"
clients="${BENCH_CLIENTS:-200}"
rate="${BENCH_RATE:-200}"
rounds="${BENCH_ROUNDS:-3}"
# shellcheck source=bench/chat_common.sh
source "$(dirname "$0")/chat_common.sh"

reply='{"reply":"Hello there, this is a short reply from the fake model for the benchmark."}'
echo "before: $(machine_line)"

# Capture the body the service sends the LLM once a conversation has a full window (10 messages),
# then restart the fake without its request log.
start_fake "$reply"
# shellcheck disable=SC2119  # no extra settings
start_server
seed_database
login_users "$clients" "$work_dir/tokens"
"$load_bin" turns --port "$port" --tokens-file "$work_dir/tokens" --clients 1 --warmup 0 \
  --seconds 0.2 >/dev/null
curl -fs "http://127.0.0.1:$fake_port/_requests" |
  python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)[-1]["body"], separators=(",", ":")))' \
    >"$work_dir/llm_body.json"
echo "LLM request body: $(wc -c <"$work_dir/llm_body.json") bytes," \
  "$(grep -o '"role"' "$work_dir/llm_body.json" | wc -l) messages"
stop_pid "$fake"
start_fake "$reply" --no-record

# in-process mean overhead in ms between two scrapes: mean request time minus mean LLM call time.
inside_ms() {
  awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " ");
    printf "%.3f %.3f\n", (y[1]-x[1])/(y[2]-x[2])*1000 - (y[3]-x[3])/(y[4]-x[4])*1000,
                          (y[3]-x[3])/(y[4]-x[4])*1000}'
}

declare -A all
# measure LABEL CLIENTS ARGS...: one turns run and one direct run with the same pattern.
measure() {
  local label=$1 n=$2; shift 2
  local before after cpu_before cpu_after turns direct inside cpu
  wait_quiet
  before=$(chat_metrics); cpu_before=$(cpu_snapshot)
  turns=$("$load_bin" turns --port "$port" --tokens-file "$work_dir/tokens" --clients "$n" \
    --seconds "$seconds" "$@")
  after=$(chat_metrics); cpu_after=$(cpu_snapshot)
  wait_quiet
  direct=$("$load_bin" direct --port "$fake_port" --body-file "$work_dir/llm_body.json" \
    --clients "$n" --seconds "$seconds" "$@")
  inside=$(inside_ms "$before" "$after")
  # CPU per turn over the turns answered between the scrapes (warm-up included).
  cpu=$(cpu_per_op "$cpu_before" "$cpu_after" "$(awk -v a="$before" -v b="$after" \
    'BEGIN {split(a, x, " "); split(b, y, " "); print y[2] - x[2]}')")
  all[$label.cpu]+="$(field service "$cpu") "
  all[$label.pgcpu]+="$(field postgres "$cpu") "
  local tp50 tp99 fp50 fp99
  tp50=$(field p50_ms "$turns"); tp99=$(field p99_ms "$turns")
  fp50=$(field p50_ms "$direct"); fp99=$(field p99_ms "$direct")
  all[$label.tps]+="$(field per_s "$turns") "
  all[$label.tp50]+="$tp50 "; all[$label.tp99]+="$tp99 "
  all[$label.fp50]+="$fp50 "; all[$label.fp99]+="$fp99 "
  all[$label.op50]+="$(awk "BEGIN{print $tp50-$fp50}") "
  all[$label.op99]+="$(awk "BEGIN{print $tp99-$fp99}") "
  all[$label.inside]+="${inside% *} "
  all[$label.llm]+="${inside#* } "
  echo "$label turns:  $turns"
  echo "$label direct: $direct"
  echo "$label in-process: mean(POST /api/v1/chat) - mean(LLM call) = ${inside% *} ms" \
    "(mean LLM call ${inside#* } ms); CPU us per turn: $cpu"
}

for round in $(seq "$rounds"); do
  echo "round $round:"
  measure closed "$clients" --warmup 3
  measure paced "$clients" --warmup 6 --rate "$rate"
  measure single 1 --warmup 2
done

m() { tr ' ' '\n' <<<"${all[$1]}" | grep . | median; }
echo "after: $(machine_line)"
echo "median of $rounds rounds, ${seconds}s each:"
for label in closed paced single; do
  case $label in
  closed) what="$clients clients, closed loop" ;;
  paced) what="$clients clients paced at $rate turns/s" ;;
  single) what="1 client, closed loop" ;;
  esac
  echo "  $what: turns/s=$(m $label.tps) turn p50_ms=$(m $label.tp50) p99_ms=$(m $label.tp99);" \
    "fake direct p50_ms=$(m $label.fp50) p99_ms=$(m $label.fp99);" \
    "overhead p50_ms=$(m $label.op50) p99_ms=$(m $label.op99);" \
    "in-process mean overhead_ms=$(m $label.inside) (mean LLM call $(m $label.llm) ms);" \
    "CPU per turn: service $(m $label.cpu) us, PostgreSQL $(m $label.pgcpu) us"
done
