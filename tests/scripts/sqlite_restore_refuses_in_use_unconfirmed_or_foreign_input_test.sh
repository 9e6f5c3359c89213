#!/usr/bin/env bash
# What `companion restore` refuses, each time leaving the live database exactly as it was: a
# restore while the service has the database open, one not confirmed by typing the database's
# file name, a damaged backup, an SQLite file of another application, a file that is not SQLite,
# a backup from a newer schema than the binary knows, a missing file. Typing the name restores.
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
sqlite_seed_content "$db"
backup="$TEMP_DIR/backup.db"
companion_on "$data" backup --output "$backup" >/dev/null 2>"$TEMP_DIR/err" ||
    fail "companion backup failed: $(cat "$TEMP_DIR/err")"
sqlite3 -cmd '.timeout 5000' "$db" "INSERT INTO audit_log (occurred_at, event, outcome) VALUES (1, 'after-backup', 'success')"
live=$(sqlite_fingerprint "$db")

refused() { # what expected-message [stdin-text] -- restore arguments...
    local what=$1 message=$2 input=$3 rc=0
    shift 4
    companion_on "$data" restore "$@" <<<"$input" >"$TEMP_DIR/out" 2>"$TEMP_DIR/err" || rc=$?
    assert_eq 1 "$rc" "$what: exit status"
    assert_contains "$(cat "$TEMP_DIR/err")" "$message" "$what"
    assert_eq "$live" "$(sqlite_fingerprint "$db")" "$what: the live database"
}

refused "a restore while the service runs" "is in use by another process (is the service running?)" "" -- \
    --input "$backup" --yes
assert_eq 200 "$(login_status ada)" "a login right after the refused restore"
stop_service
live=$(sqlite_fingerprint "$db")  # the login added an audit row
pass "companion restore refuses while the service has the database open, and the service keeps working"

refused "a wrong confirmation" "not confirmed; nothing was changed" "wrong" -- --input "$backup"
assert_contains "$(cat "$TEMP_DIR/err")" "Type the database file name (companion.db)" "the confirmation question"
refused "an empty confirmation" "not confirmed; nothing was changed" "" -- --input "$backup"
pass "companion restore without --yes asks for the database file name and changes nothing unless it is typed"

damaged="$TEMP_DIR/damaged.db"
cp "$backup" "$damaged"
head -c 16384 /dev/urandom | dd of="$damaged" bs=4096 seek=2 conv=notrunc status=none
refused "a damaged backup" "is damaged" "" -- --input "$damaged" --yes
sqlite3 "$TEMP_DIR/other-app.db" "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hi')"
refused "another application's database" "is an SQLite database but not a companion one" "" -- \
    --input "$TEMP_DIR/other-app.db" --yes
printf 'just some text, no database\n%.0s' {1..200} >"$TEMP_DIR/text.db"
refused "a text file" "is not an SQLite database" "" -- --input "$TEMP_DIR/text.db" --yes
cp "$backup" "$TEMP_DIR/future.db"
sqlite3 "$TEMP_DIR/future.db" "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from_the_future', 1)"
refused "a backup from a newer schema" "has schema version 999, newer than this binary's" "" -- \
    --input "$TEMP_DIR/future.db" --yes
refused "a missing file" "there is no backup file at $TEMP_DIR/missing.db" "" -- --input "$TEMP_DIR/missing.db" --yes
pass "companion restore refuses a damaged backup, another application's database, a non-SQLite file, a newer schema and a missing file"

printf 'companion.db\n' | companion_on "$data" restore --input "$backup" >/dev/null 2>"$TEMP_DIR/err" ||
    fail "the confirmed restore failed: $(cat "$TEMP_DIR/err")"
assert_eq 0 "$(sqlite3 "$db" "SELECT count(*) FROM audit_log WHERE event = 'after-backup'")" "rows added after the backup"
assert_eq "$(sqlite_fingerprint "$backup")" "$(sqlite_fingerprint "$db")" "the database after the confirmed restore"
pass "typing the database file name confirms the restore"
