#!/usr/bin/env bash
# 10,000 concurrent streaming chats and the service's resident memory. PostgreSQL + Redis from
# scripts/services.sh (a throwaway database), a slow fake LLM: the first token after
# BENCH_FIRST_TOKEN_MS (1000), then BENCH_TOKENS tokens (40) BENCH_TOKEN_MS apart (2000), so a
# stream lasts ~80 s: longer than it takes to open them all, and ~5,000 tokens/s in all. The load
# client creates one conversation per stream, then opens every stream (POST /api/v1/chat,
# "stream": true, at most 256 connecting at once) and reads the events; when all of them are open
# at once (their `meta` event received, `done` not yet) it reads VmRSS and VmHWM from
# /proc/<pid>/status and the number of the service's open descriptors, and it samples VmRSS every
# 100 ms. The fake's own count of chat requests in flight confirms it. The service is restarted
# for each run (a fresh VmHWM), after the load average fell below BENCH_MAX_LOAD (chat_common.sh).
# Limits raised: LLM_MAX_CONCURRENCY (every stream holds an LLM call), the open-file limit (to the
# hard limit: each stream holds two sockets in the service, so a hard limit of 20,000 caps the run
# at 9,900 streams); the PostgreSQL pool stays at its default (20 + 40 overflow). The streams of a
# run are one user's (registering 10,000 users would take minutes of argon2), a new user each run:
# they all start before any of them stored anything, so none recalls a memory and each stores its
# message as a new memory with its reply (a user with the earlier runs' 9,900 memories would have
# every stream refresh and mark the same rows at the end: deadlocks and timeouts no real load
# makes). BENCH_STREAMS overrides the 10,000.
# Usage: bench/chat_streams.sh [runs=3]
set -euo pipefail
runs="${1:-3}"
streams="${BENCH_STREAMS:-10000}"
open_file_limit=$(ulimit -Hn)
first_token_ms="${BENCH_FIRST_TOKEN_MS:-1000}"
token_ms="${BENCH_TOKEN_MS:-2000}"
tokens="${BENCH_TOKENS:-40}"
# shellcheck source=bench/chat_common.sh
source "$(dirname "$0")/chat_common.sh"

echo "before: $(machine_line)"
# Each stream holds two sockets in the service (the client's and its LLM call's), so the service's
# open-file limit caps the streams: about 130 more descriptors are its own (pool, Redis, epoll...).
if [[ $open_file_limit != unlimited ]] && ((2 * streams + 200 > open_file_limit)); then
  streams=$(((open_file_limit - 200) / 2))
  echo "open-file hard limit $open_file_limit (cannot be raised here): $streams streams instead"
fi
echo "open-file limit: $(ulimit -n); $streams streams; fake LLM: first token after" \
  "${first_token_ms} ms, then ${tokens} tokens ${token_ms} ms apart"
token_list=$(seq "$tokens" | sed 's/.*/"word& "/' | paste -sd, -)
start_fake "{\"tokens\":[$token_list],\"first_token_delay_ms\":$first_token_ms,\"token_interval_ms\":$token_ms}" \
  --no-record

rss_all=(); hwm_all=(); peak_all=(); per_stream_all=(); all_open_every_run=yes
for run in $(seq "$runs"); do
  echo "run $run:"
  wait_quiet
  start_server LLM_MAX_CONCURRENCY=$((streams + 1000)) HTTP_MAX_CONNECTIONS=$((streams * 2))
  rss_started=$(awk '/^VmRSS/ {print $2, $3}' "/proc/$server/status")
  # A new user each run (see the top): its streams start with no memories.
  token=$(login_as "streams-$run")
  curl -fs -X POST "http://127.0.0.1:$fake_port/_reset" >/dev/null
  echo "  server VmRSS: $rss_started" \
    "at start, $(awk '/^VmRSS/ {print $2, $3}' "/proc/$server/status") after register + login"
  result=$("$load_bin" streams --port "$port" --token "$token" --streams "$streams" \
    --pid "$server" 2>"$work_dir/streams.log") || true
  grep -E '^t=' "$work_dir/streams.log" | awk 'NR % 5 == 1' | sed 's/^/  /'
  grep -vE '^t=' "$work_dir/streams.log" | sed 's/^/  /'
  [[ $(field all_open "$result") == yes ]] || all_open_every_run=no
  echo "  all $streams streams open at once: $(field all_open "$result");" \
    "ended with done: $(field dones "$result"); failed: $(field errors "$result")"
  stats=$(curl -fs "http://127.0.0.1:$fake_port/_stats")
  echo "  $result"
  echo "  fake LLM: $stats"
  echo "  PostgreSQL backends of the service: $(pgrep -fc "postgres: companion $bench_db " || true)"
  echo "  the service's warnings and errors during the run (count, message):"
  # (awk rather than head: an early exit would fail the pipeline)
  grep -E '^[0-9-]+ [0-9:.]+ +(warning|error) ' "$work_dir/server.log" | grep -v 'check=' |
    sed -E 's/^[0-9-]+ [0-9:.]+ +//; s/(request_id|conversation_id)=[^ ]+ ?//g' | cut -c1-200 |
    sort | uniq -c | sort -rn |
    awk 'NR <= 5 {print "  " $0} END {if (NR == 0) print "  (none)"}' || true
  : >"$work_dir/server.log"
  rss_all+=("$(field rss_all_open_mib "$result")")
  per_stream=$(awk -v a="$(field rss_before_mib "$result")" -v b="$(field rss_all_open_mib "$result")" \
    -v n="$streams" 'BEGIN {printf "%.1f", (b - a) * 1024 / n}')
  per_stream_all+=("$per_stream")
  echo "  resident memory per open stream: $per_stream KiB"
  hwm_all+=("$(field hwm_end_mib "$result")")
  peak_all+=("$(field max_open "$result")")
  stop_pid "$server"; server=""
done
echo "after: $(machine_line)"
echo "median of $runs runs: streams open at once=$(printf '%s\n' "${peak_all[@]}" | median)" \
  "VmRSS with all open=$(printf '%s\n' "${rss_all[@]}" | median) MiB" \
  "VmHWM=$(printf '%s\n' "${hwm_all[@]}" | median) MiB" \
  "per stream=$(printf '%s\n' "${per_stream_all[@]}" | median) KiB"
[[ $all_open_every_run == yes ]]
