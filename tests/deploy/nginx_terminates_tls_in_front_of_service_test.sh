#!/usr/bin/env bash
# Debian's real nginx runs deploy/nginx/nginx.conf (only ports, certificate paths and upstream
# rewritten) with a self-signed certificate:
#   in front of the real binary: `nginx -t`, HTTPS /health over HTTP/2 with HSTS, the 80 -> 443
#   redirect, X-Request-ID passed both ways and generated when absent or malformed, the body limit
#   equal to the service's, /metrics not exposed, no query strings in nginx's log, and a streamed
#   chat (the service talking to the fake LLM, which streams slowly) arriving event by event;
#   in front of tests/deploy/recording_upstream.py: the proxy headers nginx sends (a spoofed
#   X-Forwarded-For is dropped), Server-Sent Events on the chat routes arriving in pieces, and
#   JSON errors when the upstream is down.
source "$(dirname "$0")/lib.sh"
require_binary
require_tool nginx nginx
require_tool openssl openssl
require_tool curl curl
make_temp_dir
chmod 755 "$TEMP_DIR"  # nginx's workers run as nobody and write their temporary files here

# ------------------------------------------------------------------ setup
ssl_dir="$TEMP_DIR/ssl"
mkdir -p "$ssl_dir" "$TEMP_DIR/nginx-temp"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=localhost" \
    -addext "subjectAltName=DNS:localhost" \
    -keyout "$ssl_dir/privkey.pem" -out "$ssl_dir/fullchain.pem" 2>/dev/null ||
    fail "openssl could not make a self-signed certificate"

http_port=$(free_port)
https_port=$(free_port)
# curl checks the certificate against localhost, resolved to the loopback address.
tls=(--cacert "$ssl_dir/fullchain.pem" --resolve "localhost:$https_port:127.0.0.1"
    --resolve "localhost:$http_port:127.0.0.1" -sS --max-time 10)
base="https://localhost:$https_port"

# Starts nginx with the shipped configuration in front of $1 (host:port); `nginx -t` first.
NGINX_PID=""
start_nginx() {
    local upstream=$1 conf="$TEMP_DIR/nginx.conf"
    stop_nginx
    "$PYTHON" "$DEPLOY_TEST_DIR/nginx_test_config.py" "$SOURCE_DIR/deploy/nginx/nginx.conf" "$conf" \
        "$http_port" "$https_port" "$upstream" "$ssl_dir" "$TEMP_DIR/nginx-temp" ||
        fail "deploy/nginx/nginx.conf changed shape"
    local globals="pid $TEMP_DIR/nginx.pid;"
    nginx -t -q -c "$conf" -p "$TEMP_DIR" -e "$TEMP_DIR/nginx-error.log" -g "$globals" \
        >"$TEMP_DIR/nginx-t.out" 2>&1 || fail "nginx -t rejects the configuration: $(cat "$TEMP_DIR/nginx-t.out")"
    nginx -c "$conf" -p "$TEMP_DIR" -e "$TEMP_DIR/nginx-error.log" -g "$globals daemon off;" \
        >>"$TEMP_DIR/nginx-access.log" 2>>"$TEMP_DIR/nginx-error.log" &
    NGINX_PID=$!
    local tries
    for tries in $(seq 1 100); do
        curl "${tls[@]}" -o /dev/null "$base/" 2>/dev/null && return 0
        kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited: $(tail -5 "$TEMP_DIR/nginx-error.log")"
        sleep 0.1
    done
    fail "nginx did not answer on $https_port: $(tail -5 "$TEMP_DIR/nginx-error.log")"
}
stop_nginx() {
    if [[ -n $NGINX_PID ]]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
        NGINX_PID=""
    fi
}
CLEANUP+=("stop_nginx")

# Prints the value of header $1 in the header dump $2 (last one wins), without CR.
header() {
    grep -i "^$1:" "$2" | tail -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'
}

# ------------------------------------------------------------------ in front of the real service
check_health_over_tls() {
    local body status
    body=$(curl "${tls[@]}" --http2 -D "$TEMP_DIR/h" -w '\n%{http_code} %{http_version}' "$base/health") ||
        fail "HTTPS /health failed"
    status=$(tail -1 <<<"$body")
    [[ $status == "200 2" ]] || fail "HTTPS /health answered '$status', expected 200 over HTTP/2"
    grep -q '"status":"' <<<"$body" || fail "/health through nginx is not the service's answer: $body"
    [[ $(header Strict-Transport-Security "$TEMP_DIR/h") =~ max-age=([0-9]+) ]] &&
        ((BASH_REMATCH[1] >= 31536000)) || fail "no HSTS of at least a year on HTTPS answers"
    pass "HTTPS /health reaches the service over HTTP/2, with HSTS"
}

check_http_redirects_to_https() {
    local result
    result=$(curl "${tls[@]}" -o /dev/null -w '%{http_code} %{redirect_url}' \
        "http://localhost:$http_port/api/v1/auth/me?x=1")
    [[ $result == "301 https://localhost/api/v1/auth/me?x=1" ]] ||
        fail "plain HTTP answered '$result', expected a 301 to the same path on https"
    pass "plain HTTP is redirected to HTTPS with the path and query kept"
}

check_request_id_passes_through() {
    curl "${tls[@]}" -o /dev/null -D "$TEMP_DIR/h" -H "X-Request-ID: deploy-test.42" "$base/health"
    [[ $(grep -ci '^X-Request-ID:' "$TEMP_DIR/h") == 1 ]] || fail "not exactly one X-Request-ID header"
    [[ $(header X-Request-ID "$TEMP_DIR/h") == deploy-test.42 ]] || fail "the client's X-Request-ID did not come back"
    log_contains deploy-test.42 "$TEMP_DIR/service/log" || fail "the client's X-Request-ID did not reach the service"

    # Without one (and with one the service would refuse) nginx makes one, and it is the same
    # in nginx's log, the service's log and the response.
    local sent id
    for sent in "" "has spaces" "$(printf 'x%.0s' $(seq 1 129))"; do
        curl "${tls[@]}" -o /dev/null -D "$TEMP_DIR/h" ${sent:+-H "X-Request-ID: $sent"} "$base/ready"
        id=$(header X-Request-ID "$TEMP_DIR/h")
        [[ $id =~ ^[0-9a-f]{32}$ ]] || fail "for X-Request-ID '$sent' the answer carried '$id', not nginx's id"
        log_contains "request_id=$id" "$TEMP_DIR/nginx-access.log" || fail "nginx's log lacks request id $id"
        log_contains "$id" "$TEMP_DIR/service/log" || fail "the service's log lacks request id $id"
    done
    pass "X-Request-ID passes through, and nginx's id replaces a missing or malformed one end to end"
}

check_body_limit_matches_service() {
    local limit configured status body
    limit=$(settings_default max_request_body_bytes)
    [[ $limit =~ ^[0-9]+$ ]] || fail "could not read max_request_body_bytes from settings.hpp"
    configured=$(sed -n 's/^ *client_max_body_size \([0-9]*\);/\1/p' "$SOURCE_DIR/deploy/nginx/nginx.conf")
    [[ $configured == "$limit" ]] ||
        fail "client_max_body_size is '$configured', the service's MAX_REQUEST_BODY_BYTES default is $limit"
    head -c "$limit" /dev/zero | tr '\0' 'a' >"$TEMP_DIR/body-at-limit"
    head -c $((limit + 1)) /dev/zero | tr '\0' 'a' >"$TEMP_DIR/body-over-limit"
    body=$(curl "${tls[@]}" -w '\n%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "@$TEMP_DIR/body-at-limit" "$base/api/v1/auth/login")
    status=$(tail -1 <<<"$body")
    [[ $status != 413 && $body == *'"error"'* ]] ||
        fail "a body of exactly $limit bytes did not reach the service's own validation: $body"
    body=$(curl "${tls[@]}" -w '\n%{http_code}' -H 'Content-Type: application/json' \
        --data-binary "@$TEMP_DIR/body-over-limit" "$base/api/v1/auth/login")
    [[ $(tail -1 <<<"$body") == 413 && $body == *'larger than the service accepts'* ]] ||
        fail "a body of $((limit + 1)) bytes was not refused by nginx with its JSON 413: $body"
    pass "nginx passes a body of $limit bytes and refuses one more with a JSON 413"
}

check_metrics_not_exposed() {
    local status
    status=$(curl "${tls[@]}" -o /dev/null -w '%{http_code}' "$base/metrics")
    [[ $status == 404 ]] || fail "/metrics through nginx answered $status, expected 404"
    curl -fsS -o /dev/null "http://127.0.0.1:$service_port/metrics" || fail "the service's own /metrics is down"
    pass "/metrics is served to Prometheus directly, not through nginx"
}

check_query_strings_not_logged() {
    curl "${tls[@]}" -o /dev/null -H "X-Request-ID: query-log-check" "$base/health?api_key=ck_do_not_log_me"
    log_contains "request_id=query-log-check" "$TEMP_DIR/nginx-access.log" ||
        fail "nginx did not log the request"
    if grep -q "ck_do_not_log_me" "$TEMP_DIR/nginx-access.log"; then
        fail "nginx logs query strings (they may carry secrets)"
    fi
    pass "nginx's access log leaves query strings out"
}

# A chat streamed by the real service through nginx: the fake LLM sends 5 tokens 400 ms apart,
# and the events (meta, 5 deltas, done) must arrive spread over that time.
check_streamed_chat_through_nginx() {
    local token result
    curl "${tls[@]}" -o /dev/null -H 'Content-Type: application/json' \
        -d '{"username":"streamer","password":"a long enough passphrase 42"}' \
        "$base/api/v1/auth/register"
    token=$(curl "${tls[@]}" -H 'Content-Type: application/json' \
        -d '{"username":"streamer","password":"a long enough passphrase 42"}' \
        "$base/api/v1/auth/login" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
    [[ -n $token ]] || fail "could not log in through nginx"
    result=$("$PYTHON" "$DEPLOY_TEST_DIR/sse_arrival.py" localhost "$https_port" \
        "$ssl_dir/fullchain.pem" POST /api/v1/chat '{"message":"tell me slowly","stream":true}' \
        "Authorization: Bearer $token") || fail "the streamed chat through nginx failed"
    "$PYTHON" - "$result" <<'EOF' || fail "the streamed chat arrived buffered or incomplete: $result"
import json, sys
r = json.loads(sys.argv[1])
times = r["arrivals"]
ok = (r["status"] == 200 and r["content_type"].startswith("text/event-stream")
      and len(times) == 7 and times[-1] - times[1] >= 1.2)
sys.exit(0 if ok else "events did not arrive one by one")
EOF
    pass "a chat streamed by the service arrives through nginx event by event"
}

[[ -x ${FAKE_LLM_BINARY:-} ]] || fail "FAKE_LLM_BINARY is not set to the built fake_llm (run through ctest)"
fake_port=$(free_port)
"$FAKE_LLM_BINARY" --host 127.0.0.1 --port "$fake_port" \
    --config '{"tokens":["one ","two ","three ","four ","five"],"token_interval_ms":400}' \
    >"$TEMP_DIR/fake_llm.log" 2>&1 &
fake_pid=$!
CLEANUP+=("kill $fake_pid 2>/dev/null")
wait_for_url "http://127.0.0.1:$fake_port/v1/models" "$TEMP_DIR/fake_llm.log"

service_port=$(free_port)
start_service "$service_port" TRUSTED_PROXIES=127.0.0.1 \
    LM_STUDIO_BASE_URL="http://127.0.0.1:$fake_port/v1"
start_nginx "127.0.0.1:$service_port"
pass "nginx -t accepts deploy/nginx/nginx.conf"
check_health_over_tls
check_http_redirects_to_https
check_request_id_passes_through
check_body_limit_matches_service
check_metrics_not_exposed
check_query_strings_not_logged
check_streamed_chat_through_nginx

# ------------------------------------------------------------------ in front of the stand-in
check_proxy_headers() {
    local headers
    headers=$(curl "${tls[@]}" -H 'X-Forwarded-For: 203.0.113.9' -H 'X-Request-ID: abc-1' "$base/echo-headers")
    "$PYTHON" - "$headers" <<'EOF' || fail "nginx's proxy headers are wrong: $headers"
import json, sys
h = json.loads(sys.argv[1])
expected = {"x-forwarded-for": "127.0.0.1", "x-real-ip": "127.0.0.1", "x-forwarded-proto": "https",
            "x-request-id": "abc-1", "host": "localhost"}
wrong = {k: h.get(k) for k, v in expected.items() if h.get(k) != v}
sys.exit(f"expected {expected}, differing: {wrong}" if wrong else 0)
EOF
    pass "nginx sends X-Forwarded-For (the peer, a spoofed one dropped), X-Forwarded-Proto, X-Request-ID, Host"
}

# Events must arrive spread over the upstream's ~1.6 s, not together at its end.
check_streaming_is_unbuffered() {
    local path result
    for path in /api/v1/chat /v1/chat/completions; do
        result=$("$PYTHON" "$DEPLOY_TEST_DIR/sse_arrival.py" localhost "$https_port" \
            "$ssl_dir/fullchain.pem" POST "$path" '{"message":"hi","stream":true}') ||
            fail "streaming through $path failed"
        "$PYTHON" - "$result" <<'EOF' || fail "$path is buffered by nginx: $result"
import json, sys
r = json.loads(sys.argv[1])
times = r["arrivals"]
ok = r["status"] == 200 and len(times) == 5 and times[-1] - times[0] >= 1.2
sys.exit(0 if ok else "events did not arrive one by one")
EOF
    done
    pass "Server-Sent Events on the chat routes arrive one by one"
}

check_upstream_down_is_json() {
    kill "$upstream_pid" && wait "$upstream_pid" 2>/dev/null || true
    local body
    body=$(curl "${tls[@]}" -w '\n%{http_code}' "$base/echo-headers")
    [[ $(tail -1 <<<"$body") == 502 && $body == *'"code":"upstream_unavailable"'* ]] ||
        fail "with the upstream down nginx did not answer a JSON 502: $body"
    pass "an unreachable upstream gives a JSON 502"
}

upstream_port=$(free_port)
"$PYTHON" "$DEPLOY_TEST_DIR/recording_upstream.py" "$upstream_port" &
upstream_pid=$!
CLEANUP+=("kill $upstream_pid 2>/dev/null")
wait_for_url "http://127.0.0.1:$upstream_port/echo-headers" /dev/null
start_nginx "127.0.0.1:$upstream_port"
check_proxy_headers
check_streaming_is_unbuffered
check_upstream_down_is_json
