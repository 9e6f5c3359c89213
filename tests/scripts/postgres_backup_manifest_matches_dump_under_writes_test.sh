#!/usr/bin/env bash
# scripts/backup.sh takes the manifest (row counts and checksums) and the dump from one exported
# snapshot: while another session keeps inserting rows, the dump restores to exactly what the
# manifest recorded, so restore.sh's verification passes.
source "$(dirname "$0")/lib.sh"
require_postgres
make_temp_dir
cd "$SOURCE_DIR"

make_database db_url busy
pg -d "$db_url" <<'SQL' >/dev/null
CREATE TABLE schema_migrations (version int PRIMARY KEY);
INSERT INTO schema_migrations VALUES (1);
CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL);
INSERT INTO events (body) SELECT repeat('x', 200) FROM generate_series(1, 20000);
CREATE TABLE writer_stop (stop boolean);
SQL

# One session committing a row every few milliseconds until told to stop (or 60 s pass).
pg -d "$db_url" -c "DO \$\$ BEGIN
  FOR i IN 1..12000 LOOP
    EXIT WHEN EXISTS (SELECT 1 FROM writer_stop);
    INSERT INTO events (body) VALUES ('written during the backup');
    COMMIT;
    PERFORM pg_sleep(0.005);
  END LOOP;
END \$\$" &
writer=$!
CLEANUP+=("kill $writer 2>/dev/null; wait $writer 2>/dev/null")
sleep 0.5

dump=$(BACKUP_DIR="$TEMP_DIR/backups" "$BACKUP_SH" "$db_url" 2>"$TEMP_DIR/err") ||
    fail "backup.sh failed: $(cat "$TEMP_DIR/err")"
sleep 0.3
pg -d "$db_url" -c "INSERT INTO writer_stop VALUES (true)"
wait "$writer" || fail "the writer session failed"

in_manifest=$(grep -P '^public\.events\t' "$dump.manifest" | cut -f2)
now=$(pg -d "$db_url" -c "SELECT count(*) FROM events")
((in_manifest > 20000 && now > in_manifest)) ||
    fail "the writer did not write before and after the backup (manifest $in_manifest rows, now $now)"

make_database copy_url copy
"$RESTORE_SH" --yes "$dump" "$copy_url" >"$TEMP_DIR/out" 2>"$TEMP_DIR/err" ||
    fail "restoring the backup taken under writes failed verification: $(cat "$TEMP_DIR/out" "$TEMP_DIR/err")"
assert_eq "$in_manifest" "$(pg -d "$copy_url" -c "SELECT count(*) FROM events")" "rows in the restored copy"
pass "under concurrent inserts the dump holds exactly the manifest's $in_manifest rows (the table has $now now)"
