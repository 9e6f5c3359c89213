#!/usr/bin/env bash
# The operator documents (README.md, DEPLOYMENT.md, AUTHENTICATION.md, CONFIGURATION.md,
# CHANGELOG.md, docs/*.md) describe this binary and this repository: CONFIGURATION.md has a row
# for every variable the binary reads, with its default, and quotes the production checks word
# for word; DEPLOYMENT.md quotes the start-up errors the binary really prints; every
# `companion <subcommand>`, repository path and relative link they show exists; every
# `METHOD /path` they name is a route the running service answers (not 404/405).
# The checks themselves are in documents_check.py, beside this file.
source "$(dirname "$0")/../deploy/lib.sh"
require_binary
make_temp_dir
cd "$SOURCE_DIR"
command -v git >/dev/null || fail "git is needed to tell repository paths from git-ignored ones"

check() {
    "$PYTHON" "$SOURCE_DIR/tests/docs/documents_check.py" --source "$SOURCE_DIR" \
        --binary "$COMPANION_BINARY" "$@"
}

failed=0
check variables production-messages startup-messages subcommands paths || failed=1

# The routes: the real binary on embedded SQLite, as the local user (no accounts needed), with
# the rate limit out of the way so that a 429 never hides a 404.
port=$(free_port)
start_service "$port" REQUIRE_AUTHENTICATION=false RATE_LIMIT_REQUESTS_PER_MINUTE=1000000
check routes --base-url "http://127.0.0.1:$port" || failed=1

((failed == 0)) || fail "the documents disagree with the binary or the repository (see above)"
pass "the documents match the binary and the repository"
