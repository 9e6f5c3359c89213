#!/usr/bin/env bash
# scripts/services.sh: the real test services the companion test suite uses.
#
#   scripts/services.sh up       start PostgreSQL 17 + pgvector and Redis 7 (idempotent)
#   scripts/services.sh down     stop both and unmount what `up` mounted (idempotent)
#   scripts/services.sh status   one line per service; exit 0 when both run, 3 otherwise
#   scripts/services.sh env      `export` lines for the tests:  eval "$(scripts/services.sh env)"
#   scripts/services.sh psql [ARGS...]   psql as the app role on the test database
#   scripts/services.sh pg-tool NAME [ARGS...]  run the root's PostgreSQL 17 client NAME (pg_dump, ...) on the host
#   scripts/services.sh pg-stop | pg-start | pg-restart          fault injection (data kept)
#   scripts/services.sh redis-stop | redis-start | redis-restart fault injection
#   scripts/services.sh pg {stop|start|restart|status}           same, as "$COMPANION_TEST_PG_CTL stop"
#   scripts/services.sh redis {stop|start|restart|status}        same, as "$COMPANION_TEST_REDIS_CTL stop"
#
# Runs as root on Debian 12 without Docker; everything listens on 127.0.0.1 only.
#
# PostgreSQL: pgvector is not packaged for Debian 12, so PostgreSQL 17 and
# postgresql-17-pgvector come from a Debian 13 (trixie) root made with
# debootstrap from the mirror apt already uses, cached OUTSIDE the clone in
# ${COMPANION_CACHE_DIR:-$HOME/.cache/companion}/pg-root (~550 MB, 1-2 minutes
# once). It is built in pg-root.partial and renamed into place only when
# complete. `up` mounts proc, /dev and /dev/shm into it; `down` unmounts them. The server runs chrooted there as the root's `postgres` user.
#   - Data: <root>/srv/companion-pg/data. `up` starts from a FRESH cluster each
#     time it has to start PostgreSQL (a copy of a pristine cluster that initdb
#     made once per root: ~2 s), so every test run begins clean; set
#     COMPANION_TEST_PG_KEEP_DATA=1 to keep the data instead. When PostgreSQL
#     already runs, `up` leaves it (and its data) alone.
#     pg-stop/pg-start always keep the data (they are for fault-injection tests).
#   - Auth: TCP on 127.0.0.1 uses scram-sha-256 passwords for every role (so
#     tests can also check that a wrong password is refused); the unix socket
#     inside the root (/srv/companion-pg/socket) is `trust`, used by this script.
#     Superuser: postgres / companion-test-admin. App role: companion /
#     companion-test-password (LOGIN CREATEDB, not superuser), owner of the
#     database companion_test. The `vector` extension is created by the
#     superuser in template1 and in companion_test, so the app role's
#     `CREATE EXTENSION IF NOT EXISTS vector` succeeds, also in databases that
#     tests create later.
#   - Durability is switched off (fsync, synchronous_commit, full_page_writes):
#     this is throw-away test data; max_connections=200.
# Redis: redis-server 7 from Debian 12 (installed if missing, its own service is
# neither started nor left enabled), our own instance (running as root),
# requirepass, no persistence, pid file and log in <cache>/run.
#
# Environment: COMPANION_CACHE_DIR, COMPANION_TEST_PG_PORT (55432),
# COMPANION_TEST_REDIS_PORT (56379), COMPANION_TEST_PG_KEEP_DATA,
# COMPANION_DEBIAN_MIRROR (overrides the mirror read from apt's sources).
# Progress goes to stderr; `env` prints only the exports on stdout.
set -euo pipefail

# ---------------------------------------------------------------- settings
SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
_home=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
CACHE_DIR=$(realpath -m "${COMPANION_CACHE_DIR:-${_home:-/root}/.cache/companion}")
PG_ROOT=$CACHE_DIR/pg-root
PG_ROOT_PARTIAL=$CACHE_DIR/pg-root.partial
RUN_DIR=$CACHE_DIR/run
LOCK_FILE=$CACHE_DIR/.lock

PG_PORT=${COMPANION_TEST_PG_PORT:-55432}
REDIS_PORT=${COMPANION_TEST_REDIS_PORT:-56379}

PG_APP_USER=companion
PG_APP_PASSWORD=companion-test-password
PG_DATABASE=companion_test
PG_ADMIN_USER=postgres
PG_ADMIN_PASSWORD=companion-test-admin
REDIS_PASSWORD=companion-test-redis

# Bump when the root's contents must change: the cached root is then rebuilt.
ROOT_FORMAT="1 trixie postgresql-17 postgresql-17-pgvector"
ROOT_MARKER=.companion-root-complete
ROOT_PACKAGES=postgresql-17,postgresql-17-pgvector
# Bump when the initdb options change: the pristine cluster is then remade.
TEMPLATE_FORMAT="1 UTF8 C.UTF-8 wal-segsize=1"

# Paths as seen inside the root.
PG_BIN=/usr/lib/postgresql/17/bin
PG_HOME=/srv/companion-pg
PG_DATA=$PG_HOME/data
PG_TEMPLATE=$PG_HOME/template
PG_SOCKET=$PG_HOME/socket
PG_LOG=$PG_HOME/postgres.log
CHROOT_PATH=$PG_BIN:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin

CHROOT_BIN=$(command -v chroot || echo /usr/sbin/chroot)
REDIS_PIDFILE=$RUN_DIR/redis.pid
REDIS_LOG=$RUN_DIR/redis.log
REDIS_CONF=$RUN_DIR/redis.conf

# ---------------------------------------------------------------- helpers
log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,13p' "$SCRIPT_PATH" | sed 's/^# \{0,1\}//' >&2
}

check_port() {
    if ! [[ $2 =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > 65535)); then
        die "$1 must be a TCP port, got '$2'"
    fi
}

need_root() {
    [[ $(id -u) -eq 0 ]] || die "'$1' must run as root (it installs packages, mounts and chroots)"
}

# Serialise everything that changes state (two `up`s at once, a test's
# pg-stop during an `up`, ...). fd 9 is closed for every daemon we start.
take_lock() {
    mkdir -p "$CACHE_DIR"
    exec 9>"$LOCK_FILE"
    flock -w 900 9 || die "another scripts/services.sh holds $LOCK_FILE"
}

# A live process (a zombie is not: on this machine PID 1 reaps them only
# about once a second, so /proc/PID lingers after the daemon has exited).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != [ZX] ]]
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fail unless nothing listens on the port (a just-stopped server may need a moment).
port_free_or_die() {
    local i
    for ((i = 0; i < 50; i++)); do
        port_open "$1" || return 0
        sleep 0.1
    done
    die "127.0.0.1:$1 is taken by another process (set $2 to use another port)"
}

shquote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }

# Install Debian packages whose commands are missing; apt-get update only if
# the first attempt fails. Services that the packages ship are not started
# (policy-rc.d) and, under systemd, not left enabled.
ensure_packages() {
    local pkgs=() cmd pkg
    while (($#)); do
        cmd=$1 pkg=$2; shift 2
        command -v "$cmd" >/dev/null 2>&1 || pkgs+=("$pkg")
    done
    ((${#pkgs[@]})) || return 0
    log "installing Debian packages: ${pkgs[*]}"
    local policy=/usr/sbin/policy-rc.d own_policy=0 rc=0 aptlog
    aptlog=$(mktemp)
    if [[ ! -e $policy ]]; then
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        printf '#!/bin/sh\n# temporary, from companion scripts/services.sh\nexit 101\n' >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends "${pkgs[@]}" </dev/null >"$aptlog" 2>&1 9>&-; then
        log "apt-get install failed; running apt-get update once and retrying"
        { apt-get update -q && apt-get install -y -q --no-install-recommends "${pkgs[@]}"; } \
            </dev/null >"$aptlog" 2>&1 9>&- || rc=$?
    fi
    if ((own_policy)); then
        rm -f "$policy"
        trap - EXIT
    fi
    if ((rc)); then
        tail -n 20 "$aptlog" >&2
        rm -f "$aptlog"
        die "could not install ${pkgs[*]}"
    fi
    rm -f "$aptlog"
    if [[ " ${pkgs[*]} " == *" redis-server "* && -d /run/systemd/system ]]; then
        systemctl disable --now redis-server.service >/dev/null 2>&1 || true
    fi
}

# The Debian mirror apt uses for this machine's own release (not -security).
debian_mirror() {
    if [[ -n ${COMPANION_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "$COMPANION_DEBIAN_MIRROR"
        return
    fi
    local codename files=() f
    # shellcheck source=/dev/null
    codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-bookworm}")
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] && files+=("$f")
    done
    ((${#files[@]})) || die "no apt sources found; set COMPANION_DEBIAN_MIRROR"
    local mirror
    mirror=$(awk -v want="$codename" '
        function ok(uri) { return uri ~ /^(https?|file):\/\// }
        function flush(   n, i, u, s) {
            if (!done && types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                n = split(suites, s, /[ \t]+/)
                for (i = 1; i <= n; i++) if (s[i] == want) {
                    split(uris, u, /[ \t]+/)
                    if (ok(u[1])) { print u[1]; done = 1; exit }
                }
            }
            types = uris = suites = enabled = ""
        }
        FNR == 1 { flush() }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[ \t]*#/) next
            if ($0 ~ /^[ \t]*$/) { flush(); next }
            line = $0; sub(/^[^:]*:[ \t]*/, "", line)
            key = tolower($1)
            if (key == "types:") types = line
            else if (key == "uris:") uris = line
            else if (key == "suites:") suites = line
            else if (key == "enabled:") enabled = line
            next
        }
        $1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == want && ok($i)) { print $i; done = 1; exit }
        }
        END { flush() }
    ' "${files[@]}" 2>/dev/null || true)
    [[ -n $mirror ]] || die "could not find the Debian mirror for '$codename' in apt's sources; set COMPANION_DEBIAN_MIRROR"
    printf '%s\n' "${mirror%/}"
}

# Every mount point at or below $1, deepest first (octal escapes decoded).
mounts_below() {
    local dir=$1 mp
    while read -r _ _ _ _ mp _; do
        mp=$(printf '%b' "$mp")
        [[ $mp == "$dir" || $mp == "$dir"/* ]] && printf '%s\n' "$mp"
    done </proc/self/mountinfo | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-
}

unmount_below() {
    local dir=$1 mp tries=0 left
    while left=$(mounts_below "$dir") && [[ -n $left ]]; do
        ((tries++ < 5)) || { log "still mounted below $dir:"; printf '  %s\n' "$left" >&2; return 1; }
        while IFS= read -r mp; do
            umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
        done <<<"$left"
    done
}

# Remove a directory tree below the cache, never through a mount.
remove_tree() {
    local dir=$1
    [[ -n $dir && $dir == "$CACHE_DIR"/* ]] || die "refusing to remove '$dir'"
    [[ -e $dir ]] || return 0
    unmount_below "$dir" || die "cannot unmount everything below $dir"
    rm -rf --one-file-system "$dir"
}

root_is_complete() {
    [[ -f $PG_ROOT/$ROOT_MARKER && $(head -n1 "$PG_ROOT/$ROOT_MARKER") == "$ROOT_FORMAT" &&
        -x $PG_ROOT$PG_BIN/postgres ]]
}

pg_uid() { awk -F: '$1 == "postgres" { print $3 ":" $4 }' "$PG_ROOT/etc/passwd"; }

# ------------------------------------------------------- PostgreSQL root
build_root() {
    root_is_complete && return 0
    ensure_packages debootstrap debootstrap
    local mirror blog
    mirror=$(debian_mirror)
    local avail
    avail=$(df -Pk "$CACHE_DIR" | awk 'NR == 2 { print int($4 / 1024) }')
    if ((avail < 1500)); then
        log "warning: only ${avail} MB free in $CACHE_DIR; the root needs about 600 MB"
    fi
    if [[ -e $PG_ROOT_PARTIAL ]]; then
        log "removing an interrupted build: $PG_ROOT_PARTIAL"
        remove_tree "$PG_ROOT_PARTIAL"
    fi
    log "building the PostgreSQL 17 + pgvector root from $mirror (first run, ~2 minutes, ~700 MB)..."
    mkdir -p "$PG_ROOT_PARTIAL"
    blog=$CACHE_DIR/debootstrap.log
    # An interrupted build is removed here or by the next run; it is never
    # taken as good because the marker is written last, before the rename.
    trap 'unmount_below "$PG_ROOT_PARTIAL" || true' EXIT
    local start=$SECONDS
    if ! debootstrap --variant=minbase --include="$ROOT_PACKAGES" trixie "$PG_ROOT_PARTIAL" "$mirror" \
        </dev/null >"$blog" 2>&1 9>&-; then
        unmount_below "$PG_ROOT_PARTIAL" || true
        tail -n 25 "$blog" >&2
        die "debootstrap failed (full log: $blog)"
    fi
    unmount_below "$PG_ROOT_PARTIAL" || die "debootstrap left mounts below $PG_ROOT_PARTIAL"
    trap - EXIT
    [[ -x $PG_ROOT_PARTIAL$PG_BIN/postgres && -f $PG_ROOT_PARTIAL/usr/share/postgresql/17/extension/vector.control ]] ||
        die "the new root lacks postgres or pgvector (see $blog)"
    # Drop what the root does not need: downloaded .debs and the cluster that
    # the package's postinst created (we make our own).
    rm -f "$PG_ROOT_PARTIAL"/var/cache/apt/archives/*.deb
    rm -rf --one-file-system "$PG_ROOT_PARTIAL"/var/lib/postgresql/17/main "$PG_ROOT_PARTIAL"/etc/postgresql/17/main
    printf '%s\nbuilt %s from %s\n' "$ROOT_FORMAT" "$(date -u +%FT%TZ)" "$mirror" >"$PG_ROOT_PARTIAL/$ROOT_MARKER"
    sync -f "$PG_ROOT_PARTIAL/$ROOT_MARKER" 2>/dev/null || true
    if [[ -e $PG_ROOT ]]; then # an older format, or one without the marker
        log "replacing the outdated root $PG_ROOT"
        pg_stop >/dev/null 2>&1 || true
        remove_tree "$PG_ROOT"
    fi
    mv -T "$PG_ROOT_PARTIAL" "$PG_ROOT"
    log "root ready in $((SECONDS - start))s: $PG_ROOT ($(du -sh --one-file-system "$PG_ROOT" | cut -f1))"
}

mount_root() {
    if ! mountpoint -q "$PG_ROOT/proc"; then
        mount -t proc proc "$PG_ROOT/proc"
        mount --make-private "$PG_ROOT/proc"
    fi
    # Non-recursive bind: /dev/pts and /dev/shm of the host are not dragged in,
    # and private, so that nothing we mount below it propagates to the host.
    if ! mountpoint -q "$PG_ROOT/dev"; then
        mount --bind /dev "$PG_ROOT/dev"
        mount --make-private "$PG_ROOT/dev"
    fi
    # PostgreSQL's dynamic shared memory (posix) lives in /dev/shm.
    if ! mountpoint -q "$PG_ROOT/dev/shm"; then
        [[ -d $PG_ROOT/dev/shm ]] || die "$PG_ROOT/dev/shm is missing"
        mount --bind /dev/shm "$PG_ROOT/dev/shm"
        mount --make-private "$PG_ROOT/dev/shm"
    fi
}

# Run a command inside the root, as postgres (default) or root, clean env.
in_root() {
    local user=postgres
    if [[ $1 == --root ]]; then user=root; shift; fi
    local spec=()
    if [[ $user == postgres ]]; then
        local ids
        ids=$(pg_uid)
        [[ -n $ids ]] || die "no postgres user in $PG_ROOT/etc/passwd"
        spec=(--userspec="$ids" --groups="${ids#*:}")
    fi
    env -i PATH="$CHROOT_PATH" LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=/var/lib/postgresql \
        PGHOST="$PG_SOCKET" PGPORT="$PG_PORT" PGUSER=postgres \
        "$CHROOT_BIN" "${spec[@]}" "$PG_ROOT" "$@"
}

# PID of our postmaster, if it runs (pid file + live process chrooted in our root).
pg_pid() {
    local pidfile=$PG_ROOT$PG_DATA/postmaster.pid pid
    [[ -f $pidfile ]] || return 1
    pid=$(head -n1 "$pidfile" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]] || return 1
    local root
    root=$(readlink "/proc/$pid/root" 2>/dev/null) || root= # unreadable unless root
    [[ -z $root || $root == "$PG_ROOT" ]] || return 1
    printf '%s\n' "$pid"
}

pg_ready() {
    if [[ $(id -u) -ne 0 ]]; then # cannot chroot: settle for the port
        port_open "$PG_PORT"
        return
    fi
    in_root --root "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 2>/dev/null
}

pg_write_config() {
    local conf=$PG_ROOT$PG_DATA/conf.d/companion.conf
    mkdir -p "$(dirname "$conf")"
    cat >"$conf" <<EOF
# written by scripts/services.sh on every start; test settings only
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET'
max_connections = 200
# Throw-away test data: trade durability for speed. A crash of the server
# process is still safe (the OS has the pages); a crash of the machine is not.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    cat >"$PG_ROOT$PG_DATA/pg_hba.conf" <<EOF
# written by scripts/services.sh
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  scram-sha-256
EOF
    chown -R "$(pg_uid)" "$PG_ROOT$PG_DATA/conf.d" "$PG_ROOT$PG_DATA/pg_hba.conf"
}

# A fresh cluster: a copy of a pristine, never-started one made by initdb
# once per root (on this disk a copy takes ~1 s, initdb ~2-3 s).
pg_init_data() {
    local ids
    ids=$(pg_uid)
    mkdir -p "$PG_ROOT$PG_HOME" "$PG_ROOT$PG_SOCKET"
    chown "$ids" "$PG_ROOT$PG_HOME" "$PG_ROOT$PG_SOCKET"
    chmod 755 "$PG_ROOT$PG_HOME"
    local stamp=$PG_ROOT$PG_TEMPLATE/.companion-complete
    if [[ ! -f $stamp || $(cat "$stamp") != "$TEMPLATE_FORMAT" ]]; then
        remove_tree "$PG_ROOT$PG_TEMPLATE.partial"
        remove_tree "$PG_ROOT$PG_TEMPLATE"
        local out
        out=$(in_root initdb -D "$PG_TEMPLATE.partial" -U postgres -E UTF8 --locale=C.UTF-8 -A trust --wal-segsize=1 \
            --no-sync --no-instructions 2>&1 </dev/null 9>&-) || { printf '%s\n' "$out" >&2; die "initdb failed"; }
        printf "\ninclude_dir = 'conf.d'\n" >>"$PG_ROOT$PG_TEMPLATE.partial/postgresql.conf"
        mkdir -p "$PG_ROOT$PG_TEMPLATE.partial/conf.d"
        chown "$ids" "$PG_ROOT$PG_TEMPLATE.partial/conf.d"
        printf '%s\n' "$TEMPLATE_FORMAT" >"$PG_ROOT$PG_TEMPLATE.partial/.companion-complete"
        mv -T "$PG_ROOT$PG_TEMPLATE.partial" "$PG_ROOT$PG_TEMPLATE"
    fi
    remove_tree "$PG_ROOT$PG_DATA"
    remove_tree "$PG_ROOT$PG_DATA.partial"
    cp -a "$PG_ROOT$PG_TEMPLATE" "$PG_ROOT$PG_DATA.partial"
    rm -f "$PG_ROOT$PG_DATA.partial/.companion-complete"
    mv -T "$PG_ROOT$PG_DATA.partial" "$PG_ROOT$PG_DATA"
}

pg_provision() {
    in_root psql -X -q -v ON_ERROR_STOP=1 -d postgres >/dev/null <<EOF
SET client_min_messages = warning;
ALTER ROLE $PG_ADMIN_USER PASSWORD '$PG_ADMIN_PASSWORD';
SELECT 'CREATE ROLE $PG_APP_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_APP_USER') \gexec
ALTER ROLE $PG_APP_USER WITH LOGIN CREATEDB NOSUPERUSER PASSWORD '$PG_APP_PASSWORD';
\connect template1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
\connect postgres
SELECT 'CREATE DATABASE $PG_DATABASE OWNER $PG_APP_USER' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE') \gexec
\connect $PG_DATABASE
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS vector;
GRANT ALL ON SCHEMA public TO $PG_APP_USER;
EOF
}

# Start PostgreSQL; $1 = fresh (new cluster) or keep. Prints nothing on stdout.
pg_start() {
    local mode=$1
    build_root
    mount_root
    if pg_pid >/dev/null; then
        pg_ready || die "PostgreSQL runs (pid $(pg_pid)) but does not answer on 127.0.0.1:$PG_PORT; try: $0 down"
        return 0
    fi
    port_free_or_die "$PG_PORT" COMPANION_TEST_PG_PORT
    local fresh=0
    if [[ $mode == fresh && ${COMPANION_TEST_PG_KEEP_DATA:-0} != 1 ]] || [[ ! -f $PG_ROOT$PG_DATA/PG_VERSION ]]; then
        pg_init_data
        fresh=1
    fi
    pg_write_config
    rm -f "$PG_ROOT$PG_DATA/postmaster.pid" # stale: pg_pid said no postmaster of ours runs
    if ! in_root pg_ctl -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start </dev/null >/dev/null 2>&1 9>&-; then
        tail -n 20 "$PG_ROOT$PG_LOG" >&2 || true
        die "PostgreSQL did not start (log: $PG_ROOT$PG_LOG)"
    fi
    local i
    for ((i = 0; i < 100; i++)); do
        pg_ready && break
        sleep 0.1
    done
    pg_ready || die "PostgreSQL started but pg_isready does not answer on 127.0.0.1:$PG_PORT"
    if ((fresh)) || [[ $mode == fresh ]]; then
        pg_provision
    fi
}

pg_stop() {
    local pid
    pid=$(pg_pid) || return 1
    in_root pg_ctl -D "$PG_DATA" -m fast -w -t 60 stop </dev/null >/dev/null 2>&1 9>&- || true
    local i
    for ((i = 0; i < 100; i++)); do
        alive "$pid" || return 0
        sleep 0.1
    done
    log "PostgreSQL (pid $pid) did not stop in time; sending SIGQUIT"
    kill -QUIT "$pid" 2>/dev/null || true
    sleep 1
}

# ---------------------------------------------------------------- Redis
redis_cli() {
    REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"
}

redis_pid() {
    local pid
    [[ -f $REDIS_PIDFILE ]] || return 1
    pid=$(head -n1 "$REDIS_PIDFILE" 2>/dev/null) || return 1
    [[ $pid =~ ^[0-9]+$ ]] && alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis || return 1
    printf '%s\n' "$pid"
}

redis_ready() {
    command -v redis-cli >/dev/null 2>&1 || return 1
    [[ $(redis_cli ping 2>/dev/null) == PONG ]]
}

redis_start() {
    ensure_packages redis-server redis-server redis-cli redis-tools
    if redis_pid >/dev/null; then
        redis_ready || die "Redis runs (pid $(redis_pid)) but does not answer PING on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    port_free_or_die "$REDIS_PORT" COMPANION_TEST_REDIS_PORT
    mkdir -p "$RUN_DIR/redis"
    chmod 700 "$RUN_DIR"
    rm -f "$REDIS_PIDFILE"
    (
        umask 077
        cat >"$REDIS_CONF" <<EOF
# written by scripts/services.sh; test instance, no persistence
bind 127.0.0.1
port $REDIS_PORT
protected-mode yes
daemonize yes
supervised no
pidfile $REDIS_PIDFILE
logfile $REDIS_LOG
dir $RUN_DIR/redis
save ""
appendonly no
requirepass $REDIS_PASSWORD
EOF
    )
    redis-server "$REDIS_CONF" </dev/null >/dev/null 2>&1 9>&- || {
        tail -n 20 "$REDIS_LOG" >&2 || true
        die "redis-server did not start (log: $REDIS_LOG)"
    }
    local i
    for ((i = 0; i < 100; i++)); do
        redis_ready && return 0
        sleep 0.1
    done
    tail -n 20 "$REDIS_LOG" >&2 || true
    die "Redis does not answer PING on 127.0.0.1:$REDIS_PORT (log: $REDIS_LOG)"
}

redis_stop() {
    local pid
    pid=$(redis_pid) || return 1
    redis_cli shutdown nosave >/dev/null 2>&1 || true
    local i
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || { rm -f "$REDIS_PIDFILE"; return 0; }
        sleep 0.1
    done
    log "Redis (pid $pid) did not stop in time; sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    sleep 1
    rm -f "$REDIS_PIDFILE"
}

# ---------------------------------------------------------------- commands
cmd_up() {
    need_root up
    take_lock
    local t0=$SECONDS
    if pg_pid >/dev/null 2>&1 && mountpoint -q "$PG_ROOT/proc" && root_is_complete && pg_ready; then
        log "postgresql: already running on 127.0.0.1:$PG_PORT"
    else
        pg_start fresh
        log "postgresql: started on 127.0.0.1:$PG_PORT (PostgreSQL 17 + pgvector)"
    fi
    if redis_pid >/dev/null && redis_ready; then
        log "redis: already running on 127.0.0.1:$REDIS_PORT"
    else
        redis_start
        log "redis: started on 127.0.0.1:$REDIS_PORT"
    fi
    log "up in $((SECONDS - t0))s; use: eval \"\$($0 env)\""
}

cmd_down() {
    need_root down
    take_lock
    if pg_stop; then log "postgresql: stopped"; else log "postgresql: was not running"; fi
    if redis_stop; then log "redis: stopped"; else log "redis: was not running"; fi
    if [[ -n $(mounts_below "$PG_ROOT") ]]; then
        unmount_below "$PG_ROOT" || die "could not unmount everything below $PG_ROOT"
        log "unmounted proc, dev, dev/shm below $PG_ROOT"
    fi
}

cmd_status() {
    local rc=0 pid
    if pid=$(pg_pid) && pg_ready; then
        echo "postgresql: running on 127.0.0.1:$PG_PORT (pid $pid)"
    elif [[ -n ${pid:-} ]]; then
        echo "postgresql: not answering on 127.0.0.1:$PG_PORT (pid $pid)"; rc=3
    else
        echo "postgresql: stopped (port $PG_PORT)"; rc=3
    fi
    pid=
    if pid=$(redis_pid) && redis_ready; then
        echo "redis: running on 127.0.0.1:$REDIS_PORT (pid $pid)"
    elif [[ -n ${pid:-} ]]; then
        echo "redis: not answering on 127.0.0.1:$REDIS_PORT (pid $pid)"; rc=3
    else
        echo "redis: stopped (port $REDIS_PORT)"; rc=3
    fi
    return $rc
}

cmd_env() {
    local self
    self=$(printf '%q' "$SCRIPT_PATH")
    local -a vars=(
        COMPANION_TEST_POSTGRES_URL "postgresql://$PG_APP_USER:$PG_APP_PASSWORD@127.0.0.1:$PG_PORT/$PG_DATABASE"
        COMPANION_TEST_PG_ADMIN_URL "postgresql://$PG_ADMIN_USER:$PG_ADMIN_PASSWORD@127.0.0.1:$PG_PORT/postgres"
        COMPANION_TEST_REDIS_URL "redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0"
        COMPANION_TEST_PG_CTL "$self pg"
        COMPANION_TEST_REDIS_CTL "$self redis"
        COMPANION_TEST_REDIS_CLI "$(command -v redis-cli || echo redis-cli) -h 127.0.0.1 -p $REDIS_PORT --no-auth-warning -a $REDIS_PASSWORD"
        COMPANION_TEST_PG_PORT "$PG_PORT"
        COMPANION_TEST_REDIS_PORT "$REDIS_PORT"
    )
    local i
    for ((i = 0; i < ${#vars[@]}; i += 2)); do
        printf 'export %s=%s\n' "${vars[i]}" "$(shquote "${vars[i + 1]}")"
    done
}

cmd_psql() {
    if command -v psql >/dev/null 2>&1; then
        PGPASSWORD=$PG_APP_PASSWORD exec psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_APP_USER" -d "$PG_DATABASE" "$@"
    fi
    # No client on the host: use the root's (paths in ARGS are then inside the root).
    need_root psql
    root_is_complete || die "no PostgreSQL root yet; run: $0 up"
    exec env -i PATH="$CHROOT_PATH" LANG=C.UTF-8 TERM="${TERM:-dumb}" HOME=/root PGPASSWORD="$PG_APP_PASSWORD" \
        "$CHROOT_BIN" "$PG_ROOT" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_APP_USER" -d "$PG_DATABASE" "$@"
}

# The root's client tools match the server (Debian 12's pg_dump 15 refuses a 17 server). They
# run on the host through the root's own dynamic loader and libraries (the root's glibc is newer
# than the host's), so file paths and the caller's environment (PGPASSWORD, ...) work unchanged.
cmd_pg_tool() {
    local name=${1:-}
    case $name in
    pg_dump | pg_dumpall | pg_restore | psql | pg_isready | pgbench) shift ;;
    *) die "usage: $0 pg-tool {pg_dump|pg_dumpall|pg_restore|psql|pg_isready|pgbench} [ARGS...]" ;;
    esac
    root_is_complete || die "no PostgreSQL root yet; run: $0 up"
    local loader
    loader=$(compgen -G "$PG_ROOT/usr/lib/*-linux-gnu/ld-linux*.so.*" | head -n1) ||
        die "no dynamic loader in $PG_ROOT/usr/lib/*-linux-gnu"
    exec "$loader" --library-path "$(dirname "$loader")" "$PG_ROOT$PG_BIN/$name" "$@"
}

cmd_pg() {
    case ${1:-} in
    stop)
        need_root pg-stop; take_lock
        if pg_stop; then log "postgresql: stopped"; else log "postgresql: was not running"; fi ;;
    start)
        need_root pg-start; take_lock
        pg_start keep; log "postgresql: running on 127.0.0.1:$PG_PORT" ;;
    restart)
        need_root pg-restart; take_lock
        pg_stop || true; pg_start keep; log "postgresql: restarted on 127.0.0.1:$PG_PORT" ;;
    status)
        pg_pid >/dev/null && pg_ready ;;
    *) die "usage: $0 pg {stop|start|restart|status}" ;;
    esac
}

cmd_redis() {
    case ${1:-} in
    stop)
        need_root redis-stop; take_lock
        if redis_stop; then log "redis: stopped"; else log "redis: was not running"; fi ;;
    start)
        need_root redis-start; take_lock
        redis_start; log "redis: running on 127.0.0.1:$REDIS_PORT" ;;
    restart)
        need_root redis-restart; take_lock
        redis_stop || true; redis_start; log "redis: restarted on 127.0.0.1:$REDIS_PORT" ;;
    status)
        redis_pid >/dev/null && redis_ready ;;
    *) die "usage: $0 redis {stop|start|restart|status}" ;;
    esac
}

main() {
    check_port COMPANION_TEST_PG_PORT "$PG_PORT"
    check_port COMPANION_TEST_REDIS_PORT "$REDIS_PORT"
    local cmd=${1:-}
    (($#)) && shift
    case $cmd in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    psql) cmd_psql "$@" ;;
    pg-tool) cmd_pg_tool "$@" ;;
    pg) cmd_pg "$@" ;;
    redis) cmd_redis "$@" ;;
    pg-stop | pg-start | pg-restart) cmd_pg "${cmd#pg-}" ;;
    redis-stop | redis-start | redis-restart) cmd_redis "${cmd#redis-}" ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
    esac
}

main "$@"
