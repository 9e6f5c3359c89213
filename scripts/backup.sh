#!/usr/bin/env bash
# scripts/backup.sh: a compressed, verifiable backup of companion's PostgreSQL database.
#
#   scripts/backup.sh [URL]                   dump the database into BACKUP_DIR, upload, prune
#   scripts/backup.sh --print-manifest [URL]  print the live database's table, rows, checksum
#
# URL defaults to POSTGRES_URL, the service's own setting (postgresql://, postgres:// and the
# +asyncpg/+psycopg/+psycopg2 forms). The password is taken out of the URL and handed to the
# PostgreSQL tools as PGPASSWORD, so it shows neither in `ps` nor in any message.
# Writes BACKUP_DIR/companion-<database>-<UTC time>.dump (pg_dump custom format, compressed)
# and beside it <dump>.manifest: every table's row count and content checksum, taken in the
# same snapshot as the dump, which scripts/restore.sh checks after restoring.
#
# Environment:
#   POSTGRES_URL            the database (when no URL argument is given)
#   BACKUP_DIR              where backups go (default ./backups; created, mode 700)
#   BACKUP_RETENTION_DAYS   after a successful run, delete this database's backups made by this
#                           script whose time stamp is older than this many days (default 30)
#   BACKUP_UPLOAD_COMMAND   optional; run with bash after the dump, with the dump's path as $1
#                           and the manifest's as $2 (also as BACKUP_FILE, BACKUP_MANIFEST),
#                           e.g. 'aws s3 cp "$1" s3://bucket/companion/ && aws s3 cp "$2" ...'
#   PG_DUMP, PSQL           the client commands (default: pg_dump, psql from PATH); pg_dump must
#                           be of the server's major version or newer
# Exit status: 0 done, 1 failed (no backup written), 2 usage, 3 the upload command failed (the
# local backup is kept and old backups are not pruned).
set -euo pipefail
umask 077

PROG=${PROG:-backup}

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$PROG" "$1" >&2
    exit "${2:-1}"
}

# ------------------------------------------------------------------ database URL
percent_decode() {
    local text=${1//\\/\\\\}
    printf '%b' "${text//%/\\x}"
}

# Sets DB_URL (no password), DB_DISPLAY (user@host:port/database) and exports PGPASSWORD
# when the URL carries one.
parse_database_url() {
    local url=$1
    [[ -n $url ]] || die "no database: set POSTGRES_URL (the service's setting) or pass the URL as an argument; with POSTGRES_URL empty the service uses its embedded SQLite store, which \`companion backup --output FILE\` backs up" 2
    [[ $url == *://* ]] || die "the database URL must start with postgresql:// or postgres://" 2
    local scheme=${url%%://*} rest=${url#*://}
    case $scheme in
    postgresql | postgres | postgresql+asyncpg | postgresql+psycopg | postgresql+psycopg2) ;;
    *) die "the database URL must start with postgresql:// or postgres:// (got $scheme://)" 2 ;;
    esac
    local authority=${rest%%[/?]*}
    local tail=${rest:${#authority}}
    local userinfo='' hostport=$authority
    if [[ $authority == *@* ]]; then
        userinfo=${authority%@*}
        hostport=${authority##*@}
    fi
    local user=${userinfo%%:*}
    if [[ $userinfo == *:* ]]; then
        PGPASSWORD=$(percent_decode "${userinfo#*:}")
        export PGPASSWORD
    fi
    DB_URL="postgresql://${user:+$user@}$hostport$tail"
    local path=${tail%%\?*}
    DB_DISPLAY="${user:+$user@}${hostport:-localhost}${path:-/}"
}

# ------------------------------------------------------------------ tools
# shellcheck disable=SC2034 # PG_RESTORE_CMD is restore.sh's
PG_DUMP_CMD=() PG_RESTORE_CMD=() PSQL_CMD=()

# PG_DUMP / PG_RESTORE / PSQL may be a command with arguments (split on spaces).
resolve_tool() {
    local -n into=$1
    local override=$2 default=$3
    read -r -a into <<<"${override:-$default}"
    ((${#into[@]})) || into=("$default")
    command -v "${into[0]}" >/dev/null 2>&1 ||
        die "$default not found (${into[0]}): install the PostgreSQL client of the server's major version or set ${1%_CMD}"
}

run_psql() { "${PSQL_CMD[@]}" -X -w -q -A -t -v ON_ERROR_STOP=1 -d "$DB_URL" "$@"; }

# Checks the server answers; sets DB_NAME and SERVER_VERSION_NUM.
connect_or_die() {
    local out
    if ! out=$(run_psql -F $'\t' -c "SELECT current_database(), current_setting('server_version_num')" 2>&1); then
        die "cannot connect to $DB_DISPLAY: $out"
    fi
    IFS=$'\t' read -r DB_NAME SERVER_VERSION_NUM <<<"$out"
    [[ -n $DB_NAME && $SERVER_VERSION_NUM =~ ^[0-9]+$ ]] || die "unexpected answer from $DB_DISPLAY: $out"
}

major_version_of() { "$@" --version | awk '{ split($3, v, "."); print v[1]; exit }'; }

# ------------------------------------------------------------------ manifest
# One line per table: schema.table, row count, checksum. The checksum sums the first 64 bits of
# each row's md5 (row text with fixed time zone and float output): order-independent, so it needs
# no sort and constant memory even for large tables. Extension-owned tables are skipped.
MANIFEST_SQL=$(cat <<'SQL'
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
SET bytea_output = 'hex';
SELECT format(
    'SELECT %L, count(*), coalesce(sum((''x'' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0) FROM %I.%I AS t',
    n.nspname || '.' || c.relname, n.nspname, c.relname)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
\gexec
SQL
)

print_manifest() {
    run_psql -F $'\t' <<EOF
BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
$MANIFEST_SQL
COMMIT;
EOF
}

# ------------------------------------------------------------------ backup
SNAPSHOT_FD_IN='' SNAPSHOT_PID=''
PARTIAL_FILES=()

cleanup() {
    if [[ -n $SNAPSHOT_FD_IN ]]; then
        eval "exec ${SNAPSHOT_FD_IN}>&-"
        wait "$SNAPSHOT_PID" 2>/dev/null || true
    fi
    local f
    for f in "${PARTIAL_FILES[@]}"; do rm -f -- "$f"; done
}

# Reads lines from the snapshot session up to the marker; dies with what psql said otherwise.
read_until_marker() {
    local -n _out=$1
    local line
    _out=()
    while IFS= read -r line <&"${SNAPSHOT[0]}"; do
        [[ $line == __companion_backup_marker__ ]] && return 0
        _out+=("$line")
    done
    die "the snapshot session with $DB_DISPLAY failed: ${_out[*]}"
}

prune_old_backups() {
    local dir=$1 prefix=$2 days=$3
    local cutoff=$(($(date -u +%s) - days * 86400)) file rest stamp when
    for file in "$dir/$prefix"*; do
        [[ -f $file ]] || continue
        rest=${file#"$dir/$prefix"}
        [[ $rest =~ ^([0-9]{8})T([0-9]{2})([0-9]{2})([0-9]{2})Z\.dump(\.manifest|\.partial|\.manifest\.partial)?$ ]] || continue
        stamp="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}:${BASH_REMATCH[3]}:${BASH_REMATCH[4]} UTC"
        when=$(date -u -d "$stamp" +%s 2>/dev/null) || continue
        if ((when < cutoff)); then
            rm -f -- "$file"
            log "deleted $file (older than $days days)"
        fi
    done
}

run_backup() {
    local dir=${BACKUP_DIR:-./backups}
    local days=${BACKUP_RETENTION_DAYS:-30}
    if [[ ! $days =~ ^[0-9]+$ ]] || ((days < 1)); then
        die "BACKUP_RETENTION_DAYS must be a whole number of days, at least 1 (got '$days')" 2
    fi
    resolve_tool PG_DUMP_CMD "${PG_DUMP:-}" pg_dump
    resolve_tool PSQL_CMD "${PSQL:-}" psql
    connect_or_die
    local dump_major server_major=$((SERVER_VERSION_NUM / 10000))
    dump_major=$(major_version_of "${PG_DUMP_CMD[@]}") || die "cannot run ${PG_DUMP_CMD[*]} --version"
    if [[ ! $dump_major =~ ^[0-9]+$ ]] || ((dump_major < server_major)); then
        die "pg_dump ${dump_major:-?} (${PG_DUMP_CMD[*]}) cannot dump a PostgreSQL $server_major server: install pg_dump $server_major or newer and point PG_DUMP at it"
    fi

    mkdir -p -- "$dir" || die "cannot create BACKUP_DIR $dir"
    exec 8>>"$dir/.companion-backup.lock"
    flock -n 8 || die "another backup is running in $dir"
    trap cleanup EXIT

    local safe_name=${DB_NAME//[^A-Za-z0-9_.-]/_}
    local prefix="companion-$safe_name-" stamp dump
    for _ in 1 2 3; do
        stamp=$(date -u +%Y%m%dT%H%M%SZ)
        dump="$dir/$prefix$stamp.dump"
        [[ -e $dump ]] || break
        sleep 1
    done
    [[ ! -e $dump ]] || die "$dump already exists"
    local manifest=$dump.manifest
    PARTIAL_FILES=("$dump.partial" "$manifest.partial")

    # One REPEATABLE READ transaction exports its snapshot: the manifest is computed in it and
    # pg_dump dumps exactly that snapshot, so both describe the same moment.
    coproc SNAPSHOT { run_psql -F $'\t' 2>&1; }
    SNAPSHOT_FD_IN=${SNAPSHOT[1]}
    local lines=()
    printf '%s\n' "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;" "SELECT pg_export_snapshot();" \
        '\echo __companion_backup_marker__' >&"${SNAPSHOT[1]}"
    read_until_marker lines
    local snapshot=${lines[0]:-}
    [[ $snapshot =~ ^[0-9A-F-]+$ ]] || die "could not export a snapshot from $DB_DISPLAY: ${lines[*]}"
    printf '%s\n' "$MANIFEST_SQL" '\echo __companion_backup_marker__' >&"${SNAPSHOT[1]}"
    read_until_marker lines
    local tables=("${lines[@]}") line
    for line in "${tables[@]}"; do
        [[ $line =~ ^[^$'\t']+$'\t'[0-9]+$'\t'-?[0-9]+$ ]] || die "unexpected manifest line from $DB_DISPLAY: $line"
    done

    log "dumping $DB_DISPLAY to $dump"
    if ! "${PG_DUMP_CMD[@]}" -w --format=custom --snapshot="$snapshot" --file="$dump.partial" -d "$DB_URL"; then
        die "pg_dump failed (see its message above); no backup was written"
    fi
    printf '%s\n' COMMIT >&"${SNAPSHOT[1]}"
    eval "exec ${SNAPSHOT_FD_IN}>&-"
    SNAPSHOT_FD_IN=
    wait "$SNAPSHOT_PID" || true

    local checksum
    checksum=$(sha256sum -- "$dump.partial" | cut -d' ' -f1)
    {
        printf '# companion backup manifest 1\n'
        printf '# database: %s\n' "$DB_NAME"
        printf '# server-version-num: %s\n' "$SERVER_VERSION_NUM"
        printf '# created: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        printf '# dump: %s\n' "${dump##*/}"
        printf '# dump-sha256: %s\n' "$checksum"
        printf '# table\trows\tchecksum\n'
        printf '%s\n' "${tables[@]}"
    } >"$manifest.partial"
    sync -- "$dump.partial" "$manifest.partial" 2>/dev/null || true
    mv -f -- "$manifest.partial" "$manifest"
    mv -f -- "$dump.partial" "$dump"
    PARTIAL_FILES=()
    log "wrote $dump ($(du -h -- "$dump" | cut -f1)) and its manifest (${#tables[@]} tables)"
    printf '%s\n' "$dump"

    if [[ -n ${BACKUP_UPLOAD_COMMAND:-} ]]; then
        log "running BACKUP_UPLOAD_COMMAND"
        local rc=0
        BACKUP_FILE=$dump BACKUP_MANIFEST=$manifest \
            bash -c "$BACKUP_UPLOAD_COMMAND" backup-upload "$dump" "$manifest" </dev/null || rc=$?
        if ((rc != 0)); then
            die "BACKUP_UPLOAD_COMMAND failed with exit status $rc; the backup is kept at $dump and no old backups were deleted" 3
        fi
    fi
    prune_old_backups "$dir" "$prefix" "$days"
}

main() {
    local mode=backup url
    case ${1:-} in
    --print-manifest) mode=manifest; shift ;;
    -h | --help) sed -n '2,25p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1 (see --help)" 2 ;;
    esac
    (($# <= 1)) || die "too many arguments (see --help)" 2
    url=${1:-${POSTGRES_URL:-}}
    parse_database_url "$url"
    if [[ $mode == manifest ]]; then
        resolve_tool PSQL_CMD "${PSQL:-}" psql
        connect_or_die
        print_manifest
    else
        run_backup
    fi
}

# restore.sh sources this file for its functions.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi
