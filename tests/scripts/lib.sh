# shellcheck shell=bash disable=SC2034
# Shared helpers of the backup and restore tests (tests/scripts/*_test.sh); sourced, not run.
# ctest runs them from the repository root with COMPANION_BINARY and COMPANION_SOURCE_DIR set;
# by hand: COMPANION_BINARY=build/release/companion bash tests/scripts/X_test.sh

set -euo pipefail

SOURCE_DIR=${COMPANION_SOURCE_DIR:-$(pwd)}
BACKUP_SH="$SOURCE_DIR/scripts/backup.sh"
RESTORE_SH="$SOURCE_DIR/scripts/restore.sh"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() { echo "ok: $*"; }

require_binary() {
    [[ -n ${COMPANION_BINARY:-} ]] || fail "COMPANION_BINARY is not set (ctest sets it)"
    [[ -x $COMPANION_BINARY ]] || fail "COMPANION_BINARY=$COMPANION_BINARY is not an executable"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (scripts/deps.sh test installs $2)"
}

assert_eq() { # expected actual what
    [[ $1 == "$2" ]] || fail "$3: expected [$1], got [$2]"
}

assert_contains() { # haystack needle what
    [[ $1 == *"$2"* ]] || fail "$3: [$2] not found in: $1"
}

assert_not_contains() { # haystack needle what
    [[ $1 != *"$2"* ]] || fail "$3: [$2] must not appear in: $1"
}

# A private temporary directory removed at exit, after the commands in CLEANUP (last first).
CLEANUP=()
make_temp_dir() {
    TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/companion-backup-test.XXXXXX")
    trap run_cleanup EXIT
}

run_cleanup() {
    local i
    for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${CLEANUP[i]}" || true
    done
    [[ -n ${TEMP_DIR:-} ]] && rm -rf "$TEMP_DIR"
}

# ------------------------------------------------------------------ the real service
# start_service NAME VAR=value...: runs the binary on 127.0.0.1 on a free port with only the
# given settings (nothing of the caller's environment), waits for /ready = 200; sets
# SERVICE_PID and SERVICE_URL.
start_service() {
    local name=$1
    shift
    local log="$TEMP_DIR/$name.log"
    : >"$log"
    env -i PATH="$PATH" ENVIRONMENT=development LOG_LEVEL=INFO WORKER_THREADS=2 \
        SHUTDOWN_GRACE_SECONDS=1 RATE_LIMIT_REQUESTS_PER_MINUTE=1000000 "$@" \
        "$COMPANION_BINARY" serve --host 127.0.0.1 --port 0 >"$log" 2>&1 &
    SERVICE_PID=$!
    CLEANUP+=("kill $SERVICE_PID 2>/dev/null; wait $SERVICE_PID 2>/dev/null")
    local port='' i
    for ((i = 0; i < 200; i++)); do
        port=$(sed -nE 's/.*companion listening.*port[="]+:?([0-9]+).*/\1/p' "$log" | head -n1)
        [[ -n $port ]] && break
        kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$log" >&2; fail "the service ($name) exited during start-up"; }
        sleep 0.1
    done
    [[ -n $port ]] || { tail -20 "$log" >&2; fail "the service ($name) did not start listening"; }
    SERVICE_URL="http://127.0.0.1:$port"
    for ((i = 0; i < 300; i++)); do
        curl -fsS -o /dev/null --max-time 1 "$SERVICE_URL/ready" 2>/dev/null && return 0
        sleep 0.1
    done
    tail -20 "$log" >&2
    fail "the service ($name) did not become ready"
}

stop_service() {
    kill -TERM "$SERVICE_PID"
    wait "$SERVICE_PID" || true
}

# http METHOD PATH [BODY] [TOKEN]: prints the body, then the status on the last line.
http() {
    local args=(-sS --max-time 10 -X "$1" -w '\n%{http_code}' -H 'Content-Type: application/json')
    [[ -n ${3:-} ]] && args+=(--data "$3")
    [[ -n ${4:-} ]] && args+=(-H "Authorization: Bearer $4")
    curl "${args[@]}" "$SERVICE_URL$2"
}

status_of() { tail -n1 <<<"$1"; }
json_field() { sed -nE "s/.*\"$2\":\"([^\"]*)\".*/\\1/p" <<<"$1" | head -n1; }

# Accounts through the real HTTP API: register, a failed and a good login (audit rows), two API
# keys. Sets TOKEN to the last user's access token.
seed_accounts_over_http() {
    local user reply
    for user in "$@"; do
        reply=$(http POST /api/v1/auth/register "{\"username\":\"$user\",\"password\":\"a long passphrase for $user\",\"email\":\"$user@example.org\"}")
        assert_eq 201 "$(status_of "$reply")" "register $user"
        reply=$(http POST /api/v1/auth/login "{\"username\":\"$user\",\"password\":\"not the passphrase\"}")
        assert_eq 401 "$(status_of "$reply")" "a wrong password for $user"
        reply=$(http POST /api/v1/auth/login "{\"username\":\"$user\",\"password\":\"a long passphrase for $user\"}")
        assert_eq 200 "$(status_of "$reply")" "login $user"
        TOKEN=$(json_field "$reply" access_token)
        [[ -n $TOKEN ]] || fail "no access_token in: $reply"
        for key in laptop phone; do
            reply=$(http POST /api/v1/auth/api-keys "{\"name\":\"$key of $user\"}" "$TOKEN")
            assert_eq 201 "$(status_of "$reply")" "create an API key for $user"
        done
    done
}

login_status() { # user
    status_of "$(http POST /api/v1/auth/login "{\"username\":\"$1\",\"password\":\"a long passphrase for $1\"}")"
}

# ------------------------------------------------------------------ PostgreSQL
# The test services (scripts/services.sh) and client tools of the server's version.
require_postgres() {
    eval "$("$SOURCE_DIR/scripts/services.sh" env)"
    [[ -n ${COMPANION_TEST_PG_ADMIN_URL:-} && -n ${COMPANION_TEST_POSTGRES_URL:-} ]] ||
        fail "COMPANION_TEST_PG_ADMIN_URL / COMPANION_TEST_POSTGRES_URL are not set (scripts/services.sh env)"
    PG_TOOL="$SOURCE_DIR/scripts/services.sh pg-tool"
    export PG_DUMP="$PG_TOOL pg_dump" PG_RESTORE="$PG_TOOL pg_restore" PSQL="$PG_TOOL psql"
    admin_psql -c 'SELECT 1' >/dev/null ||
        fail "the test PostgreSQL does not answer (scripts/services.sh up starts it)"
}

pg() { $PG_TOOL psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
admin_psql() { pg -d "$COMPANION_TEST_PG_ADMIN_URL" "$@"; }

# make_database VAR LABEL: a throwaway database owned by the app role, dropped at exit; its URL
# goes into VAR.
make_database() {
    local -n url_out=$1
    local name="companion_backup_${2}_$$_$RANDOM"
    admin_psql -c "CREATE DATABASE $name OWNER companion" >/dev/null
    CLEANUP+=("admin_psql -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)' >/dev/null")
    url_out="${COMPANION_TEST_POSTGRES_URL%/*}/$name"
}

# Rows for every table the REST API does not write yet; respects the schema's checks and keys.
pg_seed_content() {
    pg -d "$1" <<'SQL' >/dev/null
INSERT INTO conversations (id, user_id, title, message_count, created_at, updated_at)
SELECT gen_random_uuid(), u.id, format(E'Talk %s with %s: "quotes", a\ttab, ünïcødé 🌱', g, u.username),
       0, now() - g * interval '1 day', now()
FROM users u, generate_series(1, 3) g;
INSERT INTO messages (id, conversation_id, user_id, role, content, status, prompt_tokens,
                      completion_tokens, latency_ms, model, created_at)
SELECT gen_random_uuid(), c.id, c.user_id, CASE WHEN g % 2 = 0 THEN 'assistant' ELSE 'user' END,
       format(E'message %s\nsecond line, a backslash \\ and an apostrophe \'', g),
       CASE WHEN g % 7 = 0 THEN 'interrupted' ELSE 'complete' END,
       CASE WHEN g % 2 = 0 THEN 100 + g END, CASE WHEN g % 2 = 0 THEN 20 + g END,
       CASE WHEN g % 2 = 0 THEN 300 + g END, CASE WHEN g % 2 = 0 THEN 'local-model' END,
       c.created_at + g * interval '1 minute'
FROM conversations c, generate_series(1, 20) g;
UPDATE conversations c SET message_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id);
INSERT INTO memories (id, user_id, conversation_id, source_message_id, content, embedding,
                      embedding_model, embedding_dimension, importance, access_count, created_at,
                      updated_at, last_accessed_at)
SELECT gen_random_uuid(), m.user_id, m.conversation_id, m.id, 'remembers: ' || m.content,
       (SELECT array_agg(random()::real - 0.5) FROM generate_series(1, 384) WHERE m.id IS NOT NULL)::vector,
       'builtin-384', 384, random(), (random() * 10)::int, m.created_at, m.created_at,
       CASE WHEN random() < 0.5 THEN now() END
FROM messages m WHERE m.role = 'user';
INSERT INTO emotion_history (id, user_id, message_id, conversation_id, emotion, intensity, valence, arousal, created_at)
SELECT gen_random_uuid(), m.user_id, m.id, m.conversation_id,
       (ARRAY['joy', 'sadness', 'anger', 'neutral'])[1 + (random() * 3)::int],
       random(), random() * 2 - 1, random(), m.created_at
FROM messages m WHERE m.role = 'user';
INSERT INTO goals (id, user_id, title, description, status, progress, target_date, created_at, updated_at, completed_at)
SELECT gen_random_uuid(), u.id, format('Goal %s of %s', g, u.username), 'run 5 km',
       CASE g WHEN 1 THEN 'active' WHEN 2 THEN 'completed' ELSE 'abandoned' END,
       CASE g WHEN 2 THEN 100 ELSE 10 * g END,
       CASE WHEN g = 1 THEN current_date + 30 END, now(), now(), CASE WHEN g = 2 THEN now() END
FROM users u, generate_series(1, 3) g;
INSERT INTO goal_progress (id, goal_id, user_id, progress, note, created_at)
SELECT gen_random_uuid(), gl.id, gl.user_id, 10 * g, format('step %s', g), now() - g * interval '1 hour'
FROM goals gl, generate_series(1, 3) g;
INSERT INTO revoked_tokens (jti, user_id, expires_at)
SELECT md5(u.id::text), u.id, now() + interval '1 day' FROM users u;
INSERT INTO audit_log (occurred_at, user_id, username_tried, client_ip, user_agent, event, outcome, reason)
VALUES (now(), NULL, 'nobody', '192.0.2.7', 'curl/8', 'login', 'failure', 'unknown user');
SQL
}

# Every table of the public schema: name, row count, md5 of all rows in a fixed order. Computed
# independently of backup.sh's own manifest.
pg_fingerprint() {
    local url=$1 table
    for table in $(pg -d "$url" -c "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"); do
        printf '%s ' "$table"
        pg -d "$url" <<SQL
SET TimeZone = 'UTC';
SET extra_float_digits = 1;
SELECT count(*) || ' ' || coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text COLLATE "C")), '-') FROM public."$table" t;
SQL
    done
}

pg_table_count() { pg -d "$1" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"; }

# Fails unless every table has rows (so that comparing them proves something).
assert_every_table_filled() { # fingerprint what
    local line
    while read -r line; do
        [[ $(cut -d' ' -f2 <<<"$line") -gt 0 ]] || fail "$2: table $(cut -d' ' -f1 <<<"$line") is empty"
    done <<<"$1"
    [[ $(wc -l <<<"$1") -ge 11 ]] || fail "$2: expected at least 11 tables, got: $1"
}

# A database with a companion schema and content: the real service migrates it and writes
# accounts over HTTP (then stops), SQL fills the rest.
seed_postgres_database() { # url
    start_service "seed-$RANDOM" POSTGRES_URL="$1" DATA_DIR="$TEMP_DIR/unused-data"
    seed_accounts_over_http ada grace
    stop_service
    pg_seed_content "$1"
}

# ------------------------------------------------------------------ SQLite
# Rows for the tables the REST API does not write yet, through the sqlite3 shell.
sqlite_seed_content() { # database
    sqlite3 -bail "$1" <<'SQL' >/dev/null
.timeout 5000
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3)
INSERT INTO conversations (id, user_id, title, message_count, created_at, updated_at)
SELECT lower(hex(randomblob(16))), u.id, printf('Talk %d with %s: "quotes", a' || char(9) || 'tab, ünïcødé 🌱', n, u.username),
       0, unixepoch() * 1000000 - n * 86400000000, unixepoch() * 1000000
FROM users u, g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 20)
INSERT INTO messages (id, conversation_id, user_id, role, content, status, prompt_tokens,
                      completion_tokens, latency_ms, model, created_at)
SELECT lower(hex(randomblob(16))), c.id, c.user_id, CASE WHEN n % 2 = 0 THEN 'assistant' ELSE 'user' END,
       printf('message %d' || char(10) || 'second line with an apostrophe '' and a NUL-free blob', n),
       CASE WHEN n % 7 = 0 THEN 'interrupted' ELSE 'complete' END,
       CASE WHEN n % 2 = 0 THEN 100 + n END, CASE WHEN n % 2 = 0 THEN 20 + n END,
       CASE WHEN n % 2 = 0 THEN 300 + n END, CASE WHEN n % 2 = 0 THEN 'local-model' END,
       c.created_at + n * 60000000
FROM conversations c, g;
UPDATE conversations SET message_count = (SELECT count(*) FROM messages m WHERE m.conversation_id = conversations.id);
INSERT INTO memories (id, user_id, conversation_id, source_message_id, content, embedding,
                      embedding_model, embedding_dimension, importance, access_count, created_at,
                      updated_at, last_accessed_at)
SELECT lower(hex(randomblob(16))), m.user_id, m.conversation_id, m.id, 'remembers: ' || m.content,
       randomblob(4 * 384), 'builtin-384', 384, abs(random() % 1000) / 1000.0, abs(random() % 10),
       m.created_at, m.created_at, CASE WHEN random() % 2 = 0 THEN unixepoch() * 1000000 END
FROM messages m WHERE m.role = 'user';
INSERT INTO emotion_history (id, user_id, message_id, conversation_id, emotion, intensity, valence, arousal, created_at)
SELECT lower(hex(randomblob(16))), m.user_id, m.id, m.conversation_id, 'joy',
       abs(random() % 100) / 100.0, (random() % 100) / 100.0, abs(random() % 100) / 100.0, m.created_at
FROM messages m WHERE m.role = 'user';
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3)
INSERT INTO goals (id, user_id, title, description, status, progress, target_date, created_at, updated_at, completed_at)
SELECT lower(hex(randomblob(16))), u.id, printf('Goal %d of %s', n, u.username), 'run 5 km',
       CASE n WHEN 1 THEN 'active' WHEN 2 THEN 'completed' ELSE 'abandoned' END,
       CASE n WHEN 2 THEN 100 ELSE 10 * n END, CASE WHEN n = 1 THEN '2030-01-31' END,
       unixepoch() * 1000000, unixepoch() * 1000000, CASE WHEN n = 2 THEN unixepoch() * 1000000 END
FROM users u, g;
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3)
INSERT INTO goal_progress (id, goal_id, user_id, progress, note, created_at)
SELECT lower(hex(randomblob(16))), gl.id, gl.user_id, 10 * n, printf('step %d', n), unixepoch() * 1000000 - n
FROM goals gl, g;
INSERT INTO revoked_tokens (jti, user_id, expires_at)
SELECT lower(hex(randomblob(16))), u.id, unixepoch() * 1000000 + 86400000000 FROM users u;
INSERT INTO audit_log (occurred_at, user_id, username_tried, client_ip, user_agent, event, outcome, reason)
VALUES (unixepoch() * 1000000, NULL, 'nobody', '192.0.2.7', 'curl/8', 'login', 'failure', 'unknown user');
SQL
}

# Every table: name, row count, md5 of all rows in rowid order (.mode quote writes blobs as hex).
sqlite_fingerprint() { # database
    local db=$1 table
    for table in $(sqlite3 "$db" "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
        printf '%s %s %s\n' "$table" "$(sqlite3 "$db" "SELECT count(*) FROM \"$table\"")" \
            "$(sqlite3 -cmd '.mode quote' "$db" "SELECT * FROM \"$table\" ORDER BY rowid" | md5sum | cut -d' ' -f1)"
    done
}

# The binary's commands on the embedded store in DATA_DIR=$1, nothing of the caller's environment.
companion_on() { # data-dir command...
    local data=$1
    shift
    env -i PATH="$PATH" DATA_DIR="$data" "$COMPANION_BINARY" "$@"
}

assert_every_sqlite_table_filled() { # fingerprint what
    local line
    while read -r line; do
        [[ $(cut -d' ' -f2 <<<"$line") -gt 0 ]] || fail "$2: table $(cut -d' ' -f1 <<<"$line") is empty"
    done <<<"$1"
    [[ $(wc -l <<<"$1") -ge 11 ]] || fail "$2: expected at least 11 tables, got: $1"
}
