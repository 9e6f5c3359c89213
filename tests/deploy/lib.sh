# Shared helpers of the deployment-kit tests (tests/deploy/*_test.sh); sourced, not run.
# The tests run from the repository root with COMPANION_BINARY and COMPANION_SOURCE_DIR set by
# ctest; `bash tests/deploy/X_test.sh` by hand needs COMPANION_BINARY exported.

set -euo pipefail

SOURCE_DIR=${COMPANION_SOURCE_DIR:-$(pwd)}
# Debian's interpreter, which has python3-yaml (scripts/deps.sh), whatever `python3` is on PATH.
PYTHON=/usr/bin/python3
DEPLOY_TEST_DIR="$SOURCE_DIR/tests/deploy"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok (${SECONDS}s): $*"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (scripts/deps.sh test installs $2)"
}

require_binary() {
    [[ -n ${COMPANION_BINARY:-} ]] || fail "COMPANION_BINARY is not set (ctest sets it)"
    [[ -x $COMPANION_BINARY ]] || fail "COMPANION_BINARY=$COMPANION_BINARY is not an executable"
    COMPANION_BINARY=$(realpath "$COMPANION_BINARY")
}

# A private temporary directory removed at exit, after the callbacks in CLEANUP.
CLEANUP=()
make_temp_dir() {
    TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/companion-deploy-test.XXXXXX")
    trap run_cleanup EXIT
}

run_cleanup() {
    local step
    for step in "${CLEANUP[@]}"; do
        eval "$step" || true
    done
    [[ -n ${TEMP_DIR:-} ]] && rm -rf "$TEMP_DIR"
}

# A TCP port free on 127.0.0.1 right now.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The variable names the service reads, straight from the settings table in settings.cpp
# (`field<...>("NAME"` entries and the hand-written `{"NAME", ...}` ones).
settings_variables() {
    "$PYTHON" "$DEPLOY_TEST_DIR/settings_variables.py" "$SOURCE_DIR/src/config/settings.cpp"
}

# The default of a Settings member in settings.hpp, e.g. settings_default max_request_body_bytes.
settings_default() {
    sed -n "s/^ *[a-z:_0-9]* $1 = \\([^;]*\\);.*/\\1/p" "$SOURCE_DIR/src/config/settings.hpp" |
        tr -d '"'
}

# Starts the real binary on embedded SQLite in $TEMP_DIR/service on 127.0.0.1:$1; extra
# arguments are VAR=value settings. Waits until /ready answers 200.
start_service() {
    local port=$1
    shift
    mkdir -p "$TEMP_DIR/service"
    env -i PATH="$PATH" ENVIRONMENT=development DATA_DIR="$TEMP_DIR/service/data" \
        HOST=127.0.0.1 PORT="$port" LOG_LEVEL=INFO WORKER_THREADS=2 SHUTDOWN_GRACE_SECONDS=1 "$@" \
        "$COMPANION_BINARY" serve >"$TEMP_DIR/service/log" 2>&1 &
    SERVICE_PID=$!
    CLEANUP+=("kill $SERVICE_PID 2>/dev/null; wait $SERVICE_PID 2>/dev/null")
    wait_for_url "http://127.0.0.1:$port/ready" "$TEMP_DIR/service/log"
}

# Polls a URL until it answers 200 (at most ~15 s); fails with the log's tail otherwise.
wait_for_url() {
    local url=$1 log=$2 tries
    for tries in $(seq 1 150); do
        if curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    tail -20 "$log" >&2 || true
    fail "$url did not answer 200 within 15 s"
}

# Waits up to 5 s for a fixed string in a log file (the service flushes its log every second).
log_contains() {
    local text=$1 file=$2 tries
    for tries in $(seq 1 50); do
        grep -qF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# A scrape of the real binary's /metrics (after one request, so the HTTP series have samples)
# into the file $1.
scrape_service_metrics() {
    local port
    port=$(free_port)
    start_service "$port"
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health" || fail "/health of the service failed"
    curl -fsS "http://127.0.0.1:$port/metrics" >"$1" || fail "/metrics of the service failed"
}
