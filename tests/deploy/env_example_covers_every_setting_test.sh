#!/usr/bin/env bash
# .env.example names every variable the service reads (the list comes from settings.cpp and is
# cross-checked against what the binary prints), the binary accepts the file as it is, the
# file's placeholders are refused in production, and every other .env* file (and the deployment's
# TLS keys and filled-in Secret) is git-ignored.
source "$(dirname "$0")/lib.sh"
require_binary
make_temp_dir
cd "$SOURCE_DIR"

example=.env.example
[[ -f $example ]] || fail "$example does not exist"

mapfile -t variables < <(settings_variables)
mapfile -t printed < <(env -i PATH="$PATH" "$COMPANION_BINARY" check-config |
    sed -n 's/^  \([A-Z][A-Z0-9_]*\)  .*/\1/p')
only_source=$(comm -23 <(printf '%s\n' "${variables[@]}" | sort) <(printf '%s\n' "${printed[@]}" | sort))
only_binary=$(comm -13 <(printf '%s\n' "${variables[@]}" | sort) <(printf '%s\n' "${printed[@]}" | sort))
[[ -z $only_source && -z $only_binary ]] ||
    fail "settings.cpp and the binary's check-config disagree (a stale binary, or a table entry" \
        "settings_variables.py cannot read): only in settings.cpp: [${only_source//$'\n'/ }]," \
        "only in the binary: [${only_binary//$'\n'/ }]"
pass "${#variables[@]} variables in settings.cpp, the same the binary prints"

missing=()
for name in "${variables[@]}"; do
    # Set, or shown commented out when any value would override a computed default.
    grep -Eq "^(# )?$name=" "$example" || missing+=("$name")
done
((${#missing[@]} == 0)) || fail "$example lacks: ${missing[*]}"
pass "$example names every variable"

# Outside the process environment so that nothing of the caller's leaks in.
env -i PATH="$PATH" "$COMPANION_BINARY" check-config --env-file "$example" >"$TEMP_DIR/dev.out" 2>&1 ||
    fail "check-config refuses $example in development: $(cat "$TEMP_DIR/dev.out")"
if grep -q "is not a setting of companion" "$TEMP_DIR/dev.out"; then
    fail "$example has keys the service does not read: $(grep 'not a setting' "$TEMP_DIR/dev.out")"
fi
pass "the binary loads $example without errors or unknown keys"

if env -i PATH="$PATH" ENVIRONMENT=production "$COMPANION_BINARY" check-config --env-file "$example" \
    >"$TEMP_DIR/prod.out" 2>&1; then
    fail "$example's placeholders pass the production checks; they must be refused until replaced"
fi
grep -q "JWT_SECRET_KEY is using default value!" "$TEMP_DIR/prod.out" ||
    fail "production did not refuse the placeholder JWT secret: $(cat "$TEMP_DIR/prod.out")"
pass "production refuses $example's placeholders"

for file in .env .env.production .env.local deploy/.env deploy/.env.production \
    deploy/nginx/ssl/privkey.pem deploy/k8s/production/secret.yaml; do
    git check-ignore -q --no-index "$file" || fail "$file is not git-ignored"
done
if git check-ignore -q --no-index .env.example; then
    fail ".env.example is git-ignored"
fi
pass ".env* files, TLS keys and a filled-in Secret are git-ignored, .env.example is not"
