#!/usr/bin/env bash
# The OpenAPI document the real service serves at /openapi.json passes `@redocly/cli lint` with
# zero errors, under the ruleset in tests/docs/redocly.yaml (Redocly's recommended rules, some of
# its warnings made errors).
#
# ctest runs it from the repository root with COMPANION_BINARY and COMPANION_SOURCE_DIR set; by
# hand: COMPANION_BINARY=build/release/companion bash tests/docs/openapi_lint_test.sh
# Needs node (20.19 or newer), npm and curl (scripts/deps.sh test), and the npm registry the first
# time: the linter (version pinned in tests/docs/package-lock.json) is installed once into
# ~/.cache/companion/npm (COMPANION_CACHE_DIR moves it), outside the source tree.
set -euo pipefail

SOURCE_DIR=${COMPANION_SOURCE_DIR:-$(pwd)}
DOCS_TEST_DIR="$SOURCE_DIR/tests/docs"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    echo "ok (${SECONDS}s): $*"
}

require_tool() {
    command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (scripts/deps.sh test installs it)"
}

[[ -n ${COMPANION_BINARY:-} ]] || fail "COMPANION_BINARY is not set (ctest sets it)"
[[ -x $COMPANION_BINARY ]] || fail "COMPANION_BINARY=$COMPANION_BINARY is not an executable"
require_tool node
require_tool npm
require_tool curl
node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
         process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' ||
    fail "node $(node --version) is too old: @redocly/cli needs 20.19 or newer"

TEMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/companion-openapi-lint.XXXXXX")
SERVICE_PID=''
cleanup() {
    if [[ -n $SERVICE_PID ]]; then
        kill "$SERVICE_PID" 2>/dev/null || true
        wait "$SERVICE_PID" 2>/dev/null || true
    fi
    rm -rf "$TEMP_DIR"
}
trap cleanup EXIT

# ------------------------------------------------------------------ the linter
# One install per lock file, shared by every build tree and run (under a lock), made in a
# temporary directory and renamed into place so that a killed install is never used.
cache_root=$(realpath -m "${COMPANION_CACHE_DIR:-${HOME:-/root}/.cache/companion}/npm")
lock_hash=$(cat "$DOCS_TEST_DIR/package.json" "$DOCS_TEST_DIR/package-lock.json" | sha256sum | cut -c1-16)
linter_dir="$cache_root/openapi-lint-$lock_hash"
mkdir -p "$cache_root"
exec 9>"$cache_root/openapi-lint.lock"
flock 9
if [[ ! -x $linter_dir/node_modules/.bin/redocly ]]; then
    rm -rf "$linter_dir.part"
    mkdir -p "$linter_dir.part"
    cp "$DOCS_TEST_DIR/package.json" "$DOCS_TEST_DIR/package-lock.json" "$linter_dir.part/"
    (cd "$linter_dir.part" && npm ci --no-audit --no-fund --loglevel=error >"$TEMP_DIR/npm.log" 2>&1) ||
        { cat "$TEMP_DIR/npm.log" >&2; fail "npm ci of tests/docs/package-lock.json failed"; }
    rm -rf "$linter_dir"
    mv "$linter_dir.part" "$linter_dir"
fi
flock -u 9
redocly="$linter_dir/node_modules/.bin/redocly"
# No usage reports or update checks: only the npm registry is reachable, and the test must not
# depend on anything else.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
pass "@redocly/cli $("$redocly" --version 2>/dev/null | tail -n1) in $linter_dir"

# ------------------------------------------------------------------ the served document
# Authentication required, as in production: the document must be public anyway.
: >"$TEMP_DIR/companion.log"
env -i PATH="$PATH" ENVIRONMENT=development LOG_LEVEL=INFO WORKER_THREADS=1 SHUTDOWN_GRACE_SECONDS=1 \
    DATA_DIR="$TEMP_DIR/data" REQUIRE_AUTHENTICATION=true \
    JWT_SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$COMPANION_BINARY" serve --host 127.0.0.1 --port 0 >"$TEMP_DIR/companion.log" 2>&1 &
SERVICE_PID=$!
port=''
for ((i = 0; i < 200; i++)); do
    port=$(sed -nE 's/.*companion listening.*port[="]+:?([0-9]+).*/\1/p' "$TEMP_DIR/companion.log" | head -n1)
    [[ -n $port ]] && break
    kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$TEMP_DIR/companion.log" >&2; fail "companion exited during start-up"; }
    sleep 0.1
done
[[ -n $port ]] || { cat "$TEMP_DIR/companion.log" >&2; fail "companion did not start listening"; }

document="$TEMP_DIR/openapi.json"
content_type=$(curl -fsS --max-time 10 -o "$document" -w '%{content_type}' "http://127.0.0.1:$port/openapi.json") ||
    fail "GET /openapi.json failed"
[[ $content_type == application/json* ]] || fail "GET /openapi.json answered $content_type"
pass "GET /openapi.json: $(wc -c <"$document") bytes of $content_type"

# ------------------------------------------------------------------ lint
# Linted as served, pretty-printed so that each finding shows the lines around it.
readable="$TEMP_DIR/served-openapi.json"
node -e 'const fs = require("fs");
         fs.writeFileSync(process.argv[2], JSON.stringify(JSON.parse(fs.readFileSync(process.argv[1])), null, 2))' \
    "$document" "$readable" || fail "GET /openapi.json is not JSON"
status=0
"$redocly" lint --config "$DOCS_TEST_DIR/redocly.yaml" "$readable" >"$TEMP_DIR/lint.txt" 2>&1 || status=$?
cat "$TEMP_DIR/lint.txt"
((status == 0)) || fail "redocly lint found errors in the served document (exit $status)"
grep -q 'is valid' "$TEMP_DIR/lint.txt" || fail "redocly lint did not report the document valid"
pass "redocly lint: the served document is valid"
