#!/usr/bin/env bash
# scripts/backup.sh's housekeeping: after a successful backup it deletes this database's backups
# (dump, manifest, leftovers of a crashed run) whose time stamp is older than
# BACKUP_RETENTION_DAYS (default 30) and nothing else; BACKUP_UPLOAD_COMMAND runs with the
# dump's and the manifest's paths, and its failure fails the backup (exit 3) but keeps the new
# dump and every old one.
source "$(dirname "$0")/lib.sh"
require_postgres
make_temp_dir
cd "$SOURCE_DIR"

make_database db_url retention
pg -d "$db_url" -c "CREATE TABLE schema_migrations (version int PRIMARY KEY); INSERT INTO schema_migrations VALUES (1)"
db_name=${db_url##*/}
dir="$TEMP_DIR/backups"
mkdir -p "$dir"
prefix="$dir/companion-$db_name-"
stamp() { date -u -d "$1" +%Y%m%dT%H%M%SZ; }
old40=$(stamp '40 days ago') old31=$(stamp '31 days ago') recent29=$(stamp '29 days ago')

expired=("$prefix$old40.dump" "$prefix$old40.dump.manifest" "$prefix$old40.dump.partial" "$prefix$old31.dump")
recent=("$prefix$recent29.dump" "$prefix$recent29.dump.manifest")
others=("$dir/companion-otherdb-$old40.dump" "$dir/notes.txt" "${prefix}garbage.dump"
    "$prefix$old40.dump.bak" "$dir/companion-$db_name-extra-$old40.dump")
for file in "${expired[@]}" "${recent[@]}" "${others[@]}"; do
    printf 'old\n' >"$file"
    touch -d '40 days ago' "$file"
done

backup() { env -u BACKUP_RETENTION_DAYS -u BACKUP_UPLOAD_COMMAND BACKUP_DIR="$dir" "$@" "$BACKUP_SH" "$db_url"; }

first=$(backup 2>"$TEMP_DIR/err") || fail "backup.sh failed: $(cat "$TEMP_DIR/err")"
for file in "${expired[@]}"; do [[ ! -e $file ]] || fail "backup.sh kept $file, older than 30 days"; done
for file in "${recent[@]}" "${others[@]}" "$first" "$first.manifest"; do
    [[ -e $file ]] || fail "backup.sh deleted $file"
done
assert_contains "$(cat "$TEMP_DIR/err")" "deleted $prefix$old40.dump (older than 30 days)" "backup.sh's log"
pass "by default backup.sh deletes this database's backups older than 30 days (by the time in their name) and keeps newer ones and every file it did not make"

second=$(backup BACKUP_RETENTION_DAYS=10 2>"$TEMP_DIR/err") || fail "backup.sh failed: $(cat "$TEMP_DIR/err")"
for file in "${recent[@]}"; do [[ ! -e $file ]] || fail "BACKUP_RETENTION_DAYS=10 kept $file"; done
for file in "${others[@]}" "$first" "$second"; do [[ -e $file ]] || fail "backup.sh deleted $file"; done
pass "BACKUP_RETENTION_DAYS=10 deletes the 29-day-old backup too"

for bad in 0 abc; do
    rc=0
    backup BACKUP_RETENTION_DAYS=$bad >/dev/null 2>"$TEMP_DIR/err" || rc=$?
    assert_eq 2 "$rc" "backup.sh's exit status with BACKUP_RETENTION_DAYS=$bad"
    assert_contains "$(cat "$TEMP_DIR/err")" "BACKUP_RETENTION_DAYS must be a whole number" "BACKUP_RETENTION_DAYS=$bad"
done
pass "backup.sh refuses a retention that is not a whole number of days"

# The upload hook gets the paths as $1, $2 and in BACKUP_FILE, BACKUP_MANIFEST, once both exist.
hook_log="$TEMP_DIR/hook.log"
hook='printf "%s\n" "$1" "$2" "$BACKUP_FILE" "$BACKUP_MANIFEST" >"'$hook_log'"; test -s "$1" && test -s "$2"'
uploaded=$(backup BACKUP_UPLOAD_COMMAND="$hook" 2>"$TEMP_DIR/err") || fail "backup.sh with an upload command failed: $(cat "$TEMP_DIR/err")"
assert_eq "$(printf '%s\n' "$uploaded" "$uploaded.manifest" "$uploaded" "$uploaded.manifest")" \
    "$(cat "$hook_log")" "the upload command's arguments"
pass "BACKUP_UPLOAD_COMMAND runs with the finished dump and manifest as \$1 and \$2"

# A failing upload: exit 3, the message says so, the new dump and the old ones stay.
printf 'old\n' >"$prefix$old40.dump"
rc=0
kept=$(backup BACKUP_UPLOAD_COMMAND='echo "uploading $1 failed: bucket gone" >&2; exit 7' 2>"$TEMP_DIR/err") || rc=$?
assert_eq 3 "$rc" "backup.sh's exit status when the upload fails"
assert_contains "$(cat "$TEMP_DIR/err")" "bucket gone" "the upload command's own message"
assert_contains "$(cat "$TEMP_DIR/err")" "BACKUP_UPLOAD_COMMAND failed with exit status 7; the backup is kept at $kept" "backup.sh's error"
[[ -s $kept && -s $kept.manifest ]] || fail "the failed upload removed the local backup"
[[ -e $prefix$old40.dump ]] || fail "a failed run deleted an old backup"
pass "a failing BACKUP_UPLOAD_COMMAND fails the backup loudly (exit 3) and keeps the local dump and the old backups"
