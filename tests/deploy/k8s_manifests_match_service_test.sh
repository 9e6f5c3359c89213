#!/usr/bin/env bash
# Every document in deploy/k8s/production parses, and they fit the service: the probes call
# routes the running binary answers with 200, the port is the service's, the ConfigMap and Secret
# keys are variables settings.cpp reads, the binary accepts the pod's environment (and refuses
# the Secret template's placeholder JWT secret in production), the pod runs as the image's
# non-root user on a read-only root filesystem, and a preStop pause drains before SIGTERM.
source "$(dirname "$0")/lib.sh"
require_binary
make_temp_dir

settings_variables >"$TEMP_DIR/variables"
"$PYTHON" "$DEPLOY_TEST_DIR/k8s_check.py" "$SOURCE_DIR/deploy/k8s/production" "$TEMP_DIR/variables" \
    "$(settings_default port)" "$SOURCE_DIR/deploy/Dockerfile" "$TEMP_DIR/pod.env" ||
    fail "deploy/k8s/production does not fit the service"

# The probes' paths answer 200 on the real binary (404 would restart every pod forever).
port=$(free_port)
start_service "$port"
while read -r path; do
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
    [[ $status == 200 ]] || fail "probe path $path answers $status on the running service"
done <"$TEMP_DIR/pod.env.paths"
pass "the probe paths ($(tr '\n' ' ' <"$TEMP_DIR/pod.env.paths")) answer 200"

mapfile -t pod_env <"$TEMP_DIR/pod.env"
if env -i PATH="$PATH" "${pod_env[@]}" "$COMPANION_BINARY" check-config >"$TEMP_DIR/out" 2>&1; then
    fail "the Secret template's placeholder JWT secret passes the production checks"
fi
grep -q "JWT_SECRET_KEY is using default value!" "$TEMP_DIR/out" ||
    fail "the pod's environment fails for another reason than the placeholder: $(cat "$TEMP_DIR/out")"
env -i PATH="$PATH" "${pod_env[@]}" JWT_SECRET_KEY="$(openssl rand -base64 48)" \
    "$COMPANION_BINARY" check-config >"$TEMP_DIR/out" 2>&1 ||
    fail "with a real secret the service still refuses the pod's environment: $(cat "$TEMP_DIR/out")"
pass "the service accepts the pod's environment once the Secret holds a real JWT secret"
