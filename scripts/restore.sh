#!/usr/bin/env bash
# scripts/restore.sh: put a backup made by scripts/backup.sh back into a PostgreSQL database.
#
#   scripts/restore.sh [--yes] FILE [URL]
#
# URL defaults to POSTGRES_URL (as for the service; the password goes to the tools as
# PGPASSWORD). Before anything changes it checks that FILE matches its manifest (FILE.manifest,
# SHA-256), that it is a pg_dump archive of a companion database and that the server answers,
# and asks you to type the database's name (--yes skips the question). Then it runs
# `pg_restore --clean --if-exists` in one transaction (all or nothing), with --no-owner and
# --no-privileges (the restored objects belong to the role that restores), after creating the
# extensions the dump needs when missing (CREATE EXTENSION IF NOT EXISTS, which may need a
# superuser). Finally it prints every table's row count and compares counts and content
# checksums with the manifest.
#
# Environment: POSTGRES_URL; PG_RESTORE, PSQL (client commands, default from PATH).
# Exit status: 0 restored and verified; 1 refused or failed, nothing changed; 2 usage;
# 3 restored, but the tables differ from the manifest (see the table it prints).
set -euo pipefail

SCRIPT_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
PROG=restore
# shellcheck source=scripts/backup.sh
source "$SCRIPT_DIR/backup.sh"

TOC_LINE='^[0-9]+; [0-9]+ [0-9]+'

check_backup_file() {
    local file=$1 manifest=$1.manifest
    [[ -f $file ]] || die "there is no backup file at $file"
    [[ -f $manifest ]] ||
        die "there is no manifest at $manifest: this script restores backups made by scripts/backup.sh (use pg_restore directly for a bare pg_dump archive)"
    [[ $(head -n1 -- "$manifest") == '# companion backup manifest 1' ]] ||
        die "$manifest is not a companion backup manifest"
    local expected actual
    expected=$(sed -n 's/^# dump-sha256: //p' -- "$manifest")
    actual=$(sha256sum -- "$file" | cut -d' ' -f1)
    [[ -n $expected && $expected == "$actual" ]] ||
        die "$file is damaged or is not the dump its manifest describes (SHA-256 differs); nothing was changed"
}

# The dump's table of contents; dies unless it is a companion database's archive.
read_toc() {
    local file=$1 toc
    toc=$("${PG_RESTORE_CMD[@]}" --list -- "$file" 2>&1) ||
        die "$file is not a pg_dump archive that ${PG_RESTORE_CMD[*]} can read: $toc"
    grep -Eq "$TOC_LINE TABLE [^ ]+ schema_migrations " <<<"$toc" ||
        die "$file is not a backup of a companion database (it has no schema_migrations table); nothing was changed"
    printf '%s\n' "$toc"
}

confirm() {
    local file=$1 created
    created=$(sed -n 's/^# created: //p' -- "$file.manifest")
    printf 'This replaces the contents of database "%s" (%s) with %s (taken %s).\nType the database name (%s) to continue: ' \
        "$DB_NAME" "$DB_DISPLAY" "$file" "${created:-?}" "$DB_NAME" >&2
    local answer=
    IFS= read -r answer || true
    [[ $answer == "$DB_NAME" ]] || die "not confirmed; nothing was changed"
}

# pg_restore --clean would drop and re-create extensions, which only their owner (usually a
# superuser) may do: they are created here when missing and left out of the restore.
ensure_extensions() {
    local toc=$1 name out
    while read -r name; do
        [[ -n $name ]] || continue
        out=$(run_psql -v name="$name" <<<'CREATE EXTENSION IF NOT EXISTS :"name";' 2>&1) ||
            die "the dump needs the extension $name, which cannot be created in $DB_NAME: $out"
    done < <(sed -nE "s/$TOC_LINE EXTENSION - ([^ ]+) .*/\\1/p" <<<"$toc")
}

# Compares the live tables with the manifest; prints one line per table. Returns 1 on a difference.
verify_against_manifest() {
    local manifest=$1 table rows sum
    local -A expected=() actual=()
    while IFS=$'\t' read -r table rows sum; do
        [[ $table == \#* || -z $table ]] && continue
        expected[$table]="$rows"$'\t'"$sum"
    done <"$manifest"
    local now
    now=$(print_manifest 2>&1) || die "cannot read the restored tables: $now"
    while IFS=$'\t' read -r table rows sum; do
        [[ -n $table ]] && actual[$table]="$rows"$'\t'"$sum"
    done <<<"$now"

    local differences=0 verdict tables
    tables=$(printf '%s\n' "${!expected[@]}" "${!actual[@]}" | sort -u)
    printf '%-32s %14s %14s  %s\n' table "rows (backup)" "rows (now)" contents
    while IFS= read -r table; do
        [[ -n $table ]] || continue
        local want=${expected[$table]:-} have=${actual[$table]:-}
        if [[ -z $want ]]; then
            verdict="NOT IN THE BACKUP (left untouched by pg_restore --clean)"
        elif [[ -z $have ]]; then
            verdict="MISSING"
        elif [[ $want == "$have" ]]; then
            verdict=same
        elif [[ ${want%%$'\t'*} == "${have%%$'\t'*}" ]]; then
            verdict="DIFFERENT (same row count, other contents)"
        else
            verdict=DIFFERENT
        fi
        [[ $verdict == same ]] || differences=$((differences + 1))
        printf '%-32s %14s %14s  %s\n' "$table" "${want%%$'\t'*}" "${have%%$'\t'*}" "$verdict"
    done <<<"$tables"
    ((differences == 0))
}

restore_main() {
    local yes=0 args=()
    while (($#)); do
        case $1 in
        -y | --yes) yes=1 ;;
        -h | --help) sed -n '2,18p' "$SCRIPT_DIR/restore.sh" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --) shift; args+=("$@"); break ;;
        -*) die "unknown option $1 (see --help)" 2 ;;
        *) args+=("$1") ;;
        esac
        shift
    done
    ((${#args[@]} == 1 || ${#args[@]} == 2)) || die "usage: scripts/restore.sh [--yes] FILE [URL]" 2
    local file=${args[0]}
    check_backup_file "$file"
    parse_database_url "${args[1]:-${POSTGRES_URL:-}}"
    resolve_tool PG_RESTORE_CMD "${PG_RESTORE:-}" pg_restore
    resolve_tool PSQL_CMD "${PSQL:-}" psql
    local toc
    toc=$(read_toc "$file")
    connect_or_die
    ((yes)) || confirm "$file"

    ensure_extensions "$toc"
    RESTORE_LIST=$(mktemp)
    trap 'rm -f -- "$RESTORE_LIST"' EXIT
    grep -Ev "$TOC_LINE (EXTENSION - |COMMENT - EXTENSION )" <<<"$toc" >"$RESTORE_LIST" || true
    log "restoring $file into $DB_DISPLAY"
    if ! "${PG_RESTORE_CMD[@]}" -w --clean --if-exists --no-owner --no-privileges \
        --single-transaction --exit-on-error --use-list="$RESTORE_LIST" -d "$DB_URL" -- "$file"; then
        die "pg_restore failed (its message is above); its transaction was rolled back, nothing was changed"
    fi
    log "restored; comparing every table with $file.manifest"
    if ! verify_against_manifest "$file.manifest"; then
        die "the restored database differs from the backup's manifest (see the table above)" 3
    fi
    log "verified: every table's row count and checksum match the backup"
}

restore_main "$@"
