#!/usr/bin/env bash
# scripts/backup.sh and scripts/restore.sh on the real PostgreSQL 17 + pgvector: a database the
# real service wrote to (accounts over HTTP, the other tables by SQL) is dumped, wiped and
# restored, and every table's row count and content checksum (computed here, independently of
# the scripts' manifest) match; the same over a database whose rows were changed meanwhile, and
# into a brand-new database; the service then logs in a user of the restored data; a manifest
# that disagrees with the restored tables fails the restore.
source "$(dirname "$0")/lib.sh"
require_binary
require_tool curl curl
require_postgres
make_temp_dir
cd "$SOURCE_DIR"

make_database db_url roundtrip
seed_postgres_database "$db_url"
before=$(pg_fingerprint "$db_url")
assert_every_table_filled "$before" "the seeded database"
pass "seeded $(wc -l <<<"$before") tables, every one with rows (accounts over HTTP, the rest by SQL)"

# The service's own variable, in the SQLAlchemy form the deployment guide uses.
password=${COMPANION_TEST_POSTGRES_URL#*://*:}
password=${password%%@*}
asyncpg_url=${db_url/postgresql:\/\//postgresql+asyncpg://}
backup_dir="$TEMP_DIR/backups"
out=$(env -u BACKUP_RETENTION_DAYS POSTGRES_URL="$asyncpg_url" BACKUP_DIR="$backup_dir" \
    "$BACKUP_SH" 2>"$TEMP_DIR/backup.err") || fail "backup.sh failed: $(cat "$TEMP_DIR/backup.err")"
dump=$out
[[ $dump =~ ^$backup_dir/companion-companion_backup_roundtrip_[0-9]+_[0-9]+-[0-9]{8}T[0-9]{6}Z\.dump$ ]] ||
    fail "backup.sh printed [$dump], not a timestamped dump in BACKUP_DIR"
[[ -f $dump && -f $dump.manifest ]] || fail "the dump or its manifest is missing"
assert_eq 600 "$(stat -c %a "$dump")" "the dump's permissions"
toc=$($PG_RESTORE --list "$dump")
assert_contains "$toc" "Format: CUSTOM" "pg_dump's custom format"
assert_contains "$toc" "Compression: gzip" "a compressed dump"
assert_not_contains "$out$(cat "$TEMP_DIR/backup.err")" "$password" "backup.sh output"
pass "backup.sh wrote a compressed custom-format dump named by database and UTC time, mode 600, without printing the password"

# The manifest's counts are the table counts at dump time.
while read -r table rows _; do
    [[ $(grep -P "^public\\.$table\\t" "$dump.manifest" | cut -f2) == "$rows" ]] ||
        fail "the manifest's row count for $table differs from the table's $rows"
done <<<"$before"
pass "the manifest records every table's row count"

# Wipe: every table gone.
pg -d "$db_url" -c "SET client_min_messages = warning" -c "DO \$\$ DECLARE t text; BEGIN FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP EXECUTE format('DROP TABLE %I CASCADE', t); END LOOP; END \$\$"
assert_eq 0 "$(pg_table_count "$db_url")" "tables left after the wipe"
restored=$(POSTGRES_URL="$db_url" "$RESTORE_SH" --yes "$dump" 2>"$TEMP_DIR/restore.err") ||
    fail "restore.sh failed: $(cat "$TEMP_DIR/restore.err")"
assert_eq "$before" "$(pg_fingerprint "$db_url")" "every table after restoring into the wiped database"
assert_contains "$restored" "public.memories" "restore.sh's per-table report"
[[ $(grep -c ' same$' <<<"$restored") -ge 11 ]] || fail "restore.sh did not report every table the same: $restored"
assert_not_contains "$restored$(cat "$TEMP_DIR/restore.err")" "$password" "restore.sh output"
pass "after wiping every table, restore.sh brings back every row (counts and checksums equal) and reports each table"

# --clean: rows changed, deleted and added since the backup are put back as they were.
pg -d "$db_url" <<'SQL' >/dev/null
DELETE FROM messages WHERE role = 'assistant';
UPDATE memories SET content = 'changed', importance = 0.01;
INSERT INTO users (id, username, username_key, password_hash, password_changed_at, created_at, updated_at)
VALUES (gen_random_uuid(), 'intruder', 'intruder', 'x', now(), now(), now());
SQL
[[ $(pg_fingerprint "$db_url") != "$before" ]] || fail "the changes did not change the fingerprint"
POSTGRES_URL="$db_url" "$RESTORE_SH" --yes "$dump" >/dev/null 2>"$TEMP_DIR/restore.err" ||
    fail "restore.sh over changed data failed: $(cat "$TEMP_DIR/restore.err")"
assert_eq "$before" "$(pg_fingerprint "$db_url")" "every table after restoring over changed rows"
pass "restore.sh --clean replaces rows changed, deleted and added after the backup"

# Disaster recovery: a new, empty database (URL as an argument this time).
make_database fresh_url fresh
"$RESTORE_SH" --yes "$dump" "$fresh_url" >/dev/null 2>"$TEMP_DIR/restore.err" ||
    fail "restore.sh into a new database failed: $(cat "$TEMP_DIR/restore.err")"
assert_eq "$before" "$(pg_fingerprint "$fresh_url")" "every table restored into a new database"
start_service restored POSTGRES_URL="$fresh_url" DATA_DIR="$TEMP_DIR/unused-data"
assert_eq 200 "$(login_status ada)" "login of a restored user"
stop_service
pass "restore.sh fills a new empty database, and the service logs in a user from it"

# The verification is real: a manifest that disagrees with what was restored fails the restore.
tampered="$TEMP_DIR/tampered.dump"
cp "$dump" "$tampered"
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "public.goals" { $2 = $2 + 1 } { print }' "$dump.manifest" >"$tampered.manifest"
rc=0
report=$(POSTGRES_URL="$db_url" "$RESTORE_SH" --yes "$tampered" 2>"$TEMP_DIR/restore.err") || rc=$?
assert_eq 3 "$rc" "restore.sh's exit status when the restored rows differ from the manifest"
assert_contains "$(grep '^public.goals ' <<<"$report")" "DIFFERENT" "the report of the differing table"
assert_contains "$(cat "$TEMP_DIR/restore.err")" "differs from the backup's manifest" "restore.sh's error"
pass "restore.sh fails (exit 3) and names the table when the restored rows differ from the manifest"
