#!/usr/bin/env bash
# End to end: the official `openai` npm client (version pinned in package-lock.json) drives the real
# companion's OpenAI-compatible endpoint, with the real fake LLM server behind it
# (openai_client.test.mjs holds the assertions).
# ctest runs it from the repository root with COMPANION_BINARY, FAKE_LLM_BINARY and
# COMPANION_SOURCE_DIR set; by hand:
#   COMPANION_BINARY=build/release/companion FAKE_LLM_BINARY=build/release/tests/fake_llm \
#     bash tests/e2e/openai_client_test.sh
# Needs node (18 or newer), npm and the npm registry (or npm's cache) for `npm ci`.
# The pin: openai 6.x runs on Debian 12's node 18 and on node 20 (7.x needs node 22; 4.x streams
# through node-fetch, which fails every stream with "Premature close" on node 18). To move it:
# edit package.json, then `npm install --package-lock-only` in tests/e2e.
set -euo pipefail

SOURCE_DIR=${COMPANION_SOURCE_DIR:-$(pwd)}
E2E_DIR="$SOURCE_DIR/tests/e2e"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

require_executable() { # variable-name
    local value=${!1:-}
    [[ -n $value ]] || fail "$1 is not set (ctest sets it)"
    [[ -x $value ]] || fail "$1=$value is not an executable"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (scripts/deps.sh test installs it)"
}

require_executable COMPANION_BINARY
require_executable FAKE_LLM_BINARY
require_tool node
require_tool npm
require_tool curl
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || fail "node $(node --version) is too old: the openai client needs 18 or newer"

# A private directory, and the processes started here, removed at exit.
TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/companion-e2e-test.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TEMP_DIR"
}
trap cleanup EXIT

show_logs() {
    local log
    for log in "$TEMP_DIR"/*.log; do
        echo "--- $(basename "$log") (last 30 lines)" >&2
        tail -n 30 "$log" >&2
    done
}

# ------------------------------------------------------------------ the client's packages
# Installed from the lock file into the private directory (npm's own cache makes repeats fast),
# so that concurrent runs from several build trees never share a node_modules.
mkdir "$TEMP_DIR/client"
cp "$E2E_DIR/package.json" "$E2E_DIR/package-lock.json" "$E2E_DIR/openai_client.test.mjs" \
    "$TEMP_DIR/client/"
(cd "$TEMP_DIR/client" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error \
    >"$TEMP_DIR/npm.log" 2>&1) || { show_logs; fail "npm ci of tests/e2e/package-lock.json failed"; }
echo "ok (${SECONDS}s): npm ci installed openai $(node -p "require('$TEMP_DIR/client/node_modules/openai/package.json').version")"

# ------------------------------------------------------------------ the processes
# wait_for_port LOG REGEX PID NAME: the port a process printed in its log.
wait_for_port() {
    local log=$1 regex=$2 pid=$3 name=$4 port='' i
    for ((i = 0; i < 200; i++)); do
        port=$(sed -nE "s/$regex/\\1/p" "$log" | head -n1)
        [[ -n $port ]] && break
        kill -0 "$pid" 2>/dev/null || { show_logs; fail "$name exited during start-up"; }
        sleep 0.1
    done
    [[ -n $port ]] || { show_logs; fail "$name did not start listening"; }
    echo "$port"
}

"$FAKE_LLM_BINARY" --host 127.0.0.1 --port 0 >"$TEMP_DIR/fake_llm.log" 2>&1 &
PIDS+=($!)
fake_port=$(wait_for_port "$TEMP_DIR/fake_llm.log" '.*fake_llm listening on ([0-9]+).*' "${PIDS[-1]}" fake_llm)
FAKE_LLM_URL="http://127.0.0.1:$fake_port"

# Only these settings, nothing of the caller's environment. Short LLM timeouts and one retry keep
# the failure tests fast; no circuit breaker, so that one failure test does not fail the next.
jwt_secret=$(node -p 'require("crypto").randomBytes(32).toString("hex")')
env -i PATH="$PATH" ENVIRONMENT=development LOG_LEVEL=INFO WORKER_THREADS=2 SHUTDOWN_GRACE_SECONDS=1 \
    DATA_DIR="$TEMP_DIR/data" REQUIRE_AUTHENTICATION=true JWT_SECRET_KEY="$jwt_secret" \
    RATE_LIMIT_REQUESTS_PER_MINUTE=1000000 \
    LM_STUDIO_BASE_URL="$FAKE_LLM_URL/v1" LLM_MAX_RETRIES=1 LLM_TIMEOUT_SECONDS=3 \
    LLM_FIRST_TOKEN_TIMEOUT_SECONDS=2 LLM_BREAKER_FAILURES=0 \
    "$COMPANION_BINARY" serve --host 127.0.0.1 --port 0 >"$TEMP_DIR/companion.log" 2>&1 &
PIDS+=($!)
companion_port=$(wait_for_port "$TEMP_DIR/companion.log" '.*companion listening.*port[="]+:?([0-9]+).*' \
    "${PIDS[-1]}" companion)
COMPANION_URL="http://127.0.0.1:$companion_port"
for ((i = 0; i < 300; i++)); do
    curl -fsS -o /dev/null --max-time 1 "$COMPANION_URL/ready" 2>/dev/null && break
    ((i < 299)) || { show_logs; fail "the companion did not become ready"; }
    sleep 0.1
done
echo "ok (${SECONDS}s): fake LLM on $fake_port, companion on $companion_port"

# ------------------------------------------------------------------ accounts over HTTP
# post PATH BODY [TOKEN] EXPECTED-STATUS: prints the body.
post() {
    local args=(-sS --max-time 10 -X POST -w '\n%{http_code}' -H 'Content-Type: application/json'
        --data "$2")
    [[ -n $3 ]] && args+=(-H "Authorization: Bearer $3")
    local reply status
    reply=$(curl "${args[@]}" "$COMPANION_URL$1") || fail "POST $1 failed"
    status=$(tail -n1 <<<"$reply")
    [[ $status == "$4" ]] || fail "POST $1: expected $4, got $status: $(sed '$d' <<<"$reply")"
    sed '$d' <<<"$reply"
}

json_field() { # json field
    node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]];
             if (typeof v !== "string" || !v) process.exit(1); console.log(v)' "$1" "$2" ||
        fail "no \"$2\" in: $1"
}

# register_user NAME: sets ACCESS_TOKEN and API_KEY of a new user.
register_user() {
    local password="a long passphrase for $1"
    post /api/v1/auth/register "{\"username\":\"$1\",\"password\":\"$password\"}" '' 201 >/dev/null
    ACCESS_TOKEN=$(json_field "$(post /api/v1/auth/login \
        "{\"username\":\"$1\",\"password\":\"$password\"}" '' 200)" access_token)
    API_KEY=$(json_field "$(post /api/v1/auth/api-keys '{"name":"openai client"}' \
        "$ACCESS_TOKEN" 201)" key)
}

register_user ada
ada_token=$ACCESS_TOKEN
ada_key=$API_KEY
register_user grace
grace_key=$API_KEY
echo "ok (${SECONDS}s): two users with API keys"

# ------------------------------------------------------------------ the client
status=0
(cd "$TEMP_DIR/client" &&
    COMPANION_URL="$COMPANION_URL" COMPANION_API_KEY="$ada_key" COMPANION_JWT="$ada_token" \
        OTHER_USER_API_KEY="$grace_key" FAKE_LLM_URL="$FAKE_LLM_URL" \
        node --test --test-reporter=spec openai_client.test.mjs) || status=$?
if ((status != 0)); then
    show_logs
    fail "the openai client tests failed (exit $status)"
fi
echo "ok (${SECONDS}s): the official openai client talks to the companion"
