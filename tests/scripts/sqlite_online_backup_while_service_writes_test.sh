#!/usr/bin/env bash
# `companion backup` is online: while the service answers writes over HTTP (new API keys) and
# another process commits transactions (a message plus its conversation's counter), a backup in
# small steps completes, every request still succeeds within 2 s, and the copy is one consistent
# moment: it passes integrity_check, each conversation's counter equals its messages, and it
# holds every row committed before the backup began (a plain file copy would miss those still
# in the WAL).
source "$(dirname "$0")/lib.sh"
require_binary
require_tool curl curl
require_tool sqlite3 sqlite3
make_temp_dir
cd "$SOURCE_DIR"

data="$TEMP_DIR/data"
db="$data/companion.db"
start_service running DATA_DIR="$data"
seed_accounts_over_http ada
user_id=$(sqlite3 "$db" "SELECT id FROM users WHERE username = 'ada'")
conversation=$(sqlite3 "$db" "SELECT lower(hex(randomblob(16)))")
# ~14 MB of memories, so that a backup in 8-page steps takes hundreds of steps.
sqlite3 -bail "$db" >/dev/null <<SQL
.timeout 5000
INSERT INTO conversations (id, user_id, title, message_count, created_at, updated_at)
VALUES ('$conversation', '$user_id', 'busy', 0, 1, 1);
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 8000)
INSERT INTO memories (id, user_id, content, embedding, embedding_model, embedding_dimension,
                      importance, access_count, created_at, updated_at)
SELECT lower(hex(randomblob(16))), '$user_id', 'memory ' || n, randomblob(4 * 384), 'builtin-384',
       384, 0.5, 0, n, n FROM g;
SQL

stop_flag="$TEMP_DIR/stop"
# Writer 1: another process, one transaction per message (message + counter), until stopped.
{
    echo ".timeout 5000"
    while [[ ! -e $stop_flag ]]; do
        echo "BEGIN IMMEDIATE;
INSERT INTO messages (id, conversation_id, user_id, role, content, created_at)
VALUES (lower(hex(randomblob(16))), '$conversation', '$user_id', 'user', 'written during the backup', 1);
UPDATE conversations SET message_count = message_count + 1 WHERE id = '$conversation';
COMMIT;"
        sleep 0.005
    done
} | sqlite3 -bail "$db" >/dev/null 2>"$TEMP_DIR/writer.err" &
sql_writer=$!
CLEANUP+=("touch $stop_flag; wait $sql_writer 2>/dev/null")
# Writer 2: the service itself, creating API keys; counts answers other than 201 in 2 s.
(
    failures=0
    while [[ ! -e $stop_flag ]]; do
        code=$(curl -s -o /dev/null --max-time 2 -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
            -H "Authorization: Bearer $TOKEN" --data '{"name":"during backup"}' "$SERVICE_URL/api/v1/auth/api-keys") || true
        [[ $code == 201 ]] || failures=$((failures + 1))
    done
    echo "$failures" >"$TEMP_DIR/http-failures"
) &
http_writer=$!
CLEANUP+=("touch $stop_flag; wait $http_writer 2>/dev/null")

count() { sqlite3 -cmd '.timeout 5000' "$1" "$2"; }
sleep 1
messages_before=$(count "$db" "SELECT count(*) FROM messages")
keys_before=$(count "$db" "SELECT count(*) FROM api_keys")
((messages_before > 0 && keys_before > 2)) || fail "the writers did not start writing ($messages_before messages, $keys_before keys)"

backup="$TEMP_DIR/online.db"
started=$SECONDS
out=$(companion_on "$data" backup --output "$backup" --step-pages 8 2>"$TEMP_DIR/err") ||
    fail "companion backup failed while the service writes: $(cat "$TEMP_DIR/err")"
took=$((SECONDS - started))
sleep 0.3 # the copy is bounded by any later count; a moment more makes "they kept writing" certain
messages_after=$(count "$db" "SELECT count(*) FROM messages")
keys_after=$(count "$db" "SELECT count(*) FROM api_keys")
touch "$stop_flag"
wait "$sql_writer" || fail "the sqlite3 writer failed: $(cat "$TEMP_DIR/writer.err")"
wait "$http_writer"
echo "backup: ${took}s; $out" | head -n1

((messages_after > messages_before && keys_after > keys_before)) ||
    fail "nothing was written around the backup (messages $messages_before -> $messages_after, keys $keys_before -> $keys_after)"
assert_eq 0 "$(cat "$TEMP_DIR/http-failures")" "HTTP writes that failed or took over 2 s during the backup"
pass "around and during the backup both writers kept committing (messages $messages_before -> $messages_after, API keys $keys_before -> $keys_after) and every HTTP write succeeded within 2 s"

assert_eq ok "$(sqlite3 "$backup" 'PRAGMA integrity_check')" "the online backup's integrity_check"
copied_messages=$(sqlite3 "$backup" "SELECT count(*) FROM messages")
assert_eq "$copied_messages" "$(sqlite3 "$backup" "SELECT message_count FROM conversations WHERE id = '$conversation'")" \
    "the copied conversation's counter against its copied messages"
((copied_messages >= messages_before && copied_messages <= messages_after)) ||
    fail "the backup has $copied_messages messages, outside [$messages_before, $messages_after]"
copied_keys=$(sqlite3 "$backup" "SELECT count(*) FROM api_keys")
((copied_keys >= keys_before && copied_keys <= keys_after)) ||
    fail "the backup has $copied_keys API keys, outside [$keys_before, $keys_after]"
assert_eq 8000 "$(sqlite3 "$backup" "SELECT count(*) FROM memories")" "the copied memories"
pass "the online backup is one consistent moment: integrity ok, counter = messages ($copied_messages), nothing committed before it began is missing"
stop_service

# And it restores.
restored_data="$TEMP_DIR/restored"
companion_on "$restored_data" restore --input "$backup" --yes >/dev/null 2>"$TEMP_DIR/err" ||
    fail "restoring the online backup failed: $(cat "$TEMP_DIR/err")"
assert_eq "$(sqlite_fingerprint "$backup")" "$(sqlite_fingerprint "$restored_data/companion.db")" "the restored online backup"
pass "the online backup restores into a new DATA_DIR with every table equal"
