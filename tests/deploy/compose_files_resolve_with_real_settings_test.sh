#!/usr/bin/env bash
# Debian's docker-compose resolves both compose files (no engine needed for `config`), their
# services, healthchecks and wiring are as the deployment guide describes, every variable they
# set is one the service reads, and the resolved environment of the service passes the real
# binary's check-config (in production: with real secrets, the production checks pass).
source "$(dirname "$0")/lib.sh"
require_binary
require_tool docker-compose docker-compose
make_temp_dir

settings_variables >"$TEMP_DIR/variables"
# A throwaway copy, so the .env files written here never land in the source tree.
cp -r "$SOURCE_DIR/deploy" "$TEMP_DIR/deploy"
cd "$TEMP_DIR/deploy"

# The service's settings, from the example with the two placeholders production refuses filled.
sed -e "s|^JWT_SECRET_KEY=.*|JWT_SECRET_KEY=$(openssl rand -hex 32)|" \
    -e "s|^CORS_ORIGINS=.*|CORS_ORIGINS=https://app.example.com|" \
    "$SOURCE_DIR/.env.example" >.env.production

# compose's own variables: without DB_PASSWORD it must refuse to resolve.
printf 'REDIS_PASSWORD=%s\n' "$(openssl rand -hex 16)" >.env
if docker-compose -f docker-compose.production.yml config >"$TEMP_DIR/out" 2>&1; then
    fail "the production compose file resolved without DB_PASSWORD"
fi
grep -q "set DB_PASSWORD in deploy/.env" "$TEMP_DIR/out" ||
    fail "a missing DB_PASSWORD was not reported by name: $(cat "$TEMP_DIR/out")"
pass "production compose refuses to resolve without DB_PASSWORD"
printf 'DB_PASSWORD=%s\n' "$(openssl rand -hex 16)" >>.env

for kind in production development; do
    file=docker-compose.yml
    [[ $kind == production ]] && file=docker-compose.production.yml
    docker-compose -f "$file" config >"$TEMP_DIR/$kind.yml" 2>"$TEMP_DIR/$kind.err" ||
        fail "docker-compose config rejects $file: $(cat "$TEMP_DIR/$kind.err")"
    "$PYTHON" "$DEPLOY_TEST_DIR/compose_check.py" "$kind" "$TEMP_DIR/$kind.yml" "$file" \
        "$TEMP_DIR/variables" "$TEMP_DIR/$kind.env" || fail "$file is not as expected"
    # The binary parses exactly the environment compose would give the container.
    mapfile -t environment <"$TEMP_DIR/$kind.env"
    env -i PATH="$PATH" "${environment[@]}" "$COMPANION_BINARY" check-config \
        >"$TEMP_DIR/$kind.check" 2>&1 ||
        fail "the service refuses the $kind compose environment: $(cat "$TEMP_DIR/$kind.check")"
    pass "$file resolves, and the service accepts its environment ($kind)"
done

# The one-shot job's command is a real command of the binary.
"$COMPANION_BINARY" migrate up --help >/dev/null || fail "\`companion migrate up\` does not exist"
pass "the migrate job runs a real command"
