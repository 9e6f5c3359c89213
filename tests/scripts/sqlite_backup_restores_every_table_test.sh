#!/usr/bin/env bash
# `companion backup` and `companion restore` on the embedded SQLite store: a database the running
# service wrote to (accounts over HTTP, the other tables through the sqlite3 shell) is backed up
# while the service runs, wiped and restored; every table's row count and content checksum
# match, the backup is one self-contained file, the service logs in a restored user; an
# existing output is only replaced with --force; a PostgreSQL configuration is pointed at
# scripts/backup.sh and scripts/restore.sh.
source "$(dirname "$0")/lib.sh"
require_binary
require_tool curl curl
require_tool sqlite3 sqlite3
make_temp_dir
cd "$SOURCE_DIR"

data="$TEMP_DIR/data"
db="$data/companion.db"
start_service running DATA_DIR="$data"
seed_accounts_over_http ada grace
sqlite_seed_content "$db"
before=$(sqlite_fingerprint "$db")
assert_every_sqlite_table_filled "$before" "the seeded database"
pass "seeded $(wc -l <<<"$before") tables, every one with rows (accounts over HTTP, the rest through sqlite3)"

backup="$TEMP_DIR/backups/companion-backup.db"
out=$(companion_on "$data" backup --output "$backup" 2>"$TEMP_DIR/err") ||
    fail "companion backup failed while the service runs: $(cat "$TEMP_DIR/err")"
assert_contains "$out" "backed up $db to $backup" "companion backup's report"
assert_contains "$out" "memories" "companion backup's per-table counts"
assert_eq delete "$(sqlite3 "$backup" 'PRAGMA journal_mode')" "the backup's journal mode"
[[ ! -e $backup-wal && ! -e $backup-shm ]] || fail "the backup is not one self-contained file"
assert_eq ok "$(sqlite3 "$backup" 'PRAGMA integrity_check')" "the backup's integrity_check"
assert_eq "$before" "$(sqlite_fingerprint "$backup")" "every table of the backup"
pass "companion backup copies every row while the service runs, into one self-contained file (rollback journal, integrity ok)"
stop_service

rm -f "$db" "$db-wal" "$db-shm"
[[ ! -e $db ]] || fail "the wipe left the database"
out=$(companion_on "$data" restore --input "$backup" --yes 2>"$TEMP_DIR/err") ||
    fail "companion restore failed: $(cat "$TEMP_DIR/err")"
assert_contains "$out" "row counts match the backup" "companion restore's report"
assert_eq "$before" "$(sqlite_fingerprint "$db")" "every table after the restore"
start_service restored DATA_DIR="$data"
assert_eq 200 "$(login_status grace)" "login of a restored user"
stop_service
pass "after deleting the database, companion restore brings back every row (counts and checksums equal) and the service logs in a restored user"

# An existing output is replaced only with --force.
before_backup=$(md5sum <"$backup")
sqlite3 "$db" "INSERT INTO audit_log (occurred_at, event, outcome) VALUES (1, 'later', 'success')"
rc=0
companion_on "$data" backup --output "$backup" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 1 "$rc" "companion backup's exit status for an existing output"
assert_contains "$(cat "$TEMP_DIR/err")" "already exists; pass --force to replace it" "companion backup's error"
assert_eq "$before_backup" "$(md5sum <"$backup")" "the existing backup"
companion_on "$data" backup --output "$backup" --force >/dev/null 2>"$TEMP_DIR/err" ||
    fail "companion backup --force failed: $(cat "$TEMP_DIR/err")"
assert_eq 1 "$(sqlite3 "$backup" "SELECT count(*) FROM audit_log WHERE event = 'later'")" "the replaced backup's new row"
rc=0
companion_on "$data" backup --output "$db" --force >/dev/null 2>"$TEMP_DIR/err" || rc=$?
assert_eq 1 "$rc" "companion backup onto the database itself"
assert_contains "$(cat "$TEMP_DIR/err")" "is the database itself" "companion backup onto the database"
pass "companion backup refuses an existing output unless --force, and never writes onto the database itself"

# PostgreSQL is backed up by the scripts: the commands say so and touch nothing.
for args in "backup --output" "restore --yes --input"; do
    command=${args%% *}
    rc=0
    env -i PATH="$PATH" DATA_DIR="$data" POSTGRES_URL="postgresql://companion:pw@127.0.0.1:1/companion" \
        "$COMPANION_BINARY" $args "$TEMP_DIR/pg.db" >/dev/null 2>"$TEMP_DIR/err" || rc=$?
    assert_eq 2 "$rc" "companion $command's exit status with POSTGRES_URL set"
    assert_contains "$(cat "$TEMP_DIR/err")" "use scripts/$command.sh" "companion $command with POSTGRES_URL set"
    [[ ! -e $TEMP_DIR/pg.db ]] || fail "companion $command with POSTGRES_URL set wrote a file"
done
pass "with POSTGRES_URL set, companion backup and restore refuse and point at scripts/backup.sh and scripts/restore.sh"
