#!/usr/bin/env bash
# What scripts/restore.sh and scripts/backup.sh refuse, each time leaving the database as it was:
# a restore not confirmed by typing the database name, a damaged dump, the dump of a database
# that is not companion's, a file that is no dump at all; and the backup errors an operator
# meets: no URL, a server that does not answer, a wrong password (pg_dump's and psql's words
# passed through, the password never printed), a pg_dump older than the server.
source "$(dirname "$0")/lib.sh"
require_binary
require_tool curl curl
require_postgres
make_temp_dir
cd "$SOURCE_DIR"

make_database db_url refusals
seed_postgres_database "$db_url"
backup_dir="$TEMP_DIR/backups"
dump=$(BACKUP_DIR="$backup_dir" "$BACKUP_SH" "$db_url" 2>"$TEMP_DIR/err") ||
    fail "backup.sh failed: $(cat "$TEMP_DIR/err")"
db_name=${db_url##*/}

# A change after the backup: a refused restore must leave it in place.
pg -d "$db_url" -c "INSERT INTO audit_log (occurred_at, event, outcome) VALUES (now(), 'after-backup', 'success')"
after_change=$(pg_fingerprint "$db_url")

refused() { # what expected-message command...
    local what=$1 message=$2 rc=0
    shift 2
    "$@" >"$TEMP_DIR/out" 2>"$TEMP_DIR/err" || rc=$?
    ((rc != 0)) || fail "$what: the command succeeded"
    assert_contains "$(cat "$TEMP_DIR/err")" "$message" "$what"
    assert_eq "$after_change" "$(pg_fingerprint "$db_url")" "$what: the database"
}

export POSTGRES_URL=$db_url
refused "a wrong confirmation" "not confirmed; nothing was changed" \
    bash -c '"$1" "$2" <<<"wrong-name"' _ "$RESTORE_SH" "$dump"
assert_contains "$(cat "$TEMP_DIR/err")" "Type the database name ($db_name)" "the confirmation question"
refused "no answer to the confirmation" "not confirmed; nothing was changed" \
    bash -c '"$1" "$2" </dev/null' _ "$RESTORE_SH" "$dump"
pass "restore.sh without --yes asks for the database name and changes nothing unless it is typed"

# Typing the name is the confirmation.
printf '%s\n' "$db_name" | "$RESTORE_SH" "$dump" >/dev/null 2>"$TEMP_DIR/err" ||
    fail "restore.sh with the typed name failed: $(cat "$TEMP_DIR/err")"
[[ $(pg -d "$db_url" -c "SELECT count(*) FROM audit_log WHERE event = 'after-backup'") == 0 ]] ||
    fail "the confirmed restore did not put the backup's rows back"
pass "restore.sh restores once the database name is typed"
pg -d "$db_url" -c "INSERT INTO audit_log (occurred_at, event, outcome) VALUES (now(), 'after-backup', 'success')"
after_change=$(pg_fingerprint "$db_url")

# A damaged dump (bytes changed in the middle): refused before anything is touched.
cp "$dump" "$TEMP_DIR/damaged.dump"
cp "$dump.manifest" "$TEMP_DIR/damaged.dump.manifest"
size=$(stat -c %s "$dump")
printf 'garbage!' | dd of="$TEMP_DIR/damaged.dump" bs=1 seek=$((size / 2)) conv=notrunc status=none
refused "a damaged dump" "is damaged" "$RESTORE_SH" --yes "$TEMP_DIR/damaged.dump"
cp "$dump" "$TEMP_DIR/lonely.dump"
refused "a dump without a manifest" "there is no manifest" "$RESTORE_SH" --yes "$TEMP_DIR/lonely.dump"
pass "restore.sh refuses a damaged dump and a dump without its manifest"

# A valid backup of another (non-companion) database.
make_database other_url other
pg -d "$other_url" -c "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'hello')"
other_dump=$(BACKUP_DIR="$TEMP_DIR/other" "$BACKUP_SH" "$other_url" 2>"$TEMP_DIR/err") ||
    fail "backup.sh of the other database failed: $(cat "$TEMP_DIR/err")"
refused "another application's dump" "not a backup of a companion database" "$RESTORE_SH" --yes "$other_dump"

# Not a dump at all, with a manifest that matches it.
printf 'just some text\n' >"$TEMP_DIR/text.dump"
sed "s/^# dump-sha256: .*/# dump-sha256: $(sha256sum "$TEMP_DIR/text.dump" | cut -d' ' -f1)/" \
    "$dump.manifest" >"$TEMP_DIR/text.dump.manifest"
refused "a text file" "is not a pg_dump archive" "$RESTORE_SH" --yes "$TEMP_DIR/text.dump"
pass "restore.sh refuses another application's dump and a file that is no dump"

# backup.sh's errors. Nothing half-written is left in BACKUP_DIR.
errors_dir="$TEMP_DIR/errors"
rc=0
env -u POSTGRES_URL BACKUP_DIR="$errors_dir" "$BACKUP_SH" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 2 "$rc" "backup.sh's exit status without a URL"
assert_contains "$(cat "$TEMP_DIR/err")" "set POSTGRES_URL" "backup.sh without a URL"

down_url="postgresql://companion:secret-in-url-9@127.0.0.1:1/$db_name"
rc=0
BACKUP_DIR="$errors_dir" "$BACKUP_SH" "$down_url" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 1 "$rc" "backup.sh's exit status when the server does not answer"
assert_contains "$(cat "$TEMP_DIR/err")" "Connection refused" "backup.sh with an unreachable server"
assert_not_contains "$(cat "$TEMP_DIR/err")" "secret-in-url-9" "backup.sh's error"

wrong_url="postgresql://companion:wrong-pass-7@${db_url#*@}"
rc=0
BACKUP_DIR="$errors_dir" "$BACKUP_SH" "$wrong_url" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 1 "$rc" "backup.sh's exit status with a wrong password"
assert_contains "$(cat "$TEMP_DIR/err")" 'password authentication failed for user "companion"' \
    "backup.sh with a wrong password"
assert_not_contains "$(cat "$TEMP_DIR/err")" "wrong-pass-7" "backup.sh's error"
rc=0
"$RESTORE_SH" --yes "$dump" "$wrong_url" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 1 "$rc" "restore.sh's exit status with a wrong password"
assert_contains "$(cat "$TEMP_DIR/err")" 'password authentication failed' "restore.sh with a wrong password"
assert_not_contains "$(cat "$TEMP_DIR/err")" "wrong-pass-7" "restore.sh's error"
[[ -z $(find "$errors_dir" -name '*.dump*' 2>/dev/null) ]] || fail "a failed backup left files: $(ls -A "$errors_dir")"
pass "backup.sh reports a missing URL, a refused connection and a wrong password in the server's words, never printing the password or leaving a file"

# Debian 12's own pg_dump (15) cannot dump the 17 server: the script says which one it needs.
host_pg_dump=$(command -v pg_dump || true)
if [[ -n $host_pg_dump ]] && (($("$host_pg_dump" --version | awk '{ split($3, v, "."); print v[1] }') < 17)); then
    rc=0
    PG_DUMP=$host_pg_dump BACKUP_DIR="$errors_dir" "$BACKUP_SH" "$db_url" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
    assert_eq 1 "$rc" "backup.sh's exit status with an old pg_dump"
    assert_contains "$(cat "$TEMP_DIR/err")" "cannot dump a PostgreSQL 17 server" "backup.sh with an old pg_dump"
    pass "backup.sh explains that $host_pg_dump is older than the server and names PG_DUMP"
else
    echo "note: no pg_dump older than 17 on PATH; the version check was not exercised"
fi
