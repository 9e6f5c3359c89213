#!/usr/bin/env bash
# promtool accepts deploy/prometheus/prometheus.yml and alerts.yml, the unit tests in
# deploy/prometheus/tests/ pass (each alert fires on its situation and stays quiet on a healthy
# one), the alerts the deployment needs are there and written correctly, and every metric and
# label they use is one the running binary exports (or one the chat and memory issues announce).
source "$(dirname "$0")/lib.sh"
require_binary
require_tool promtool prometheus
make_temp_dir
prometheus_dir="$SOURCE_DIR/deploy/prometheus"

promtool check config "$prometheus_dir/prometheus.yml" >"$TEMP_DIR/out" 2>&1 ||
    fail "promtool check config: $(cat "$TEMP_DIR/out")"
pass "promtool check config accepts prometheus.yml"
promtool check rules "$prometheus_dir/alerts.yml" >"$TEMP_DIR/out" 2>&1 ||
    fail "promtool check rules: $(cat "$TEMP_DIR/out")"
pass "promtool check rules accepts alerts.yml"
promtool test rules "$prometheus_dir/tests/alerts_test.yml" >"$TEMP_DIR/out" 2>&1 ||
    fail "promtool test rules: $(cat "$TEMP_DIR/out")"
pass "the alert unit tests pass"

"$PYTHON" "$DEPLOY_TEST_DIR/alert_rules_check.py" "$prometheus_dir/alerts.yml" \
    "$prometheus_dir/tests/alerts_test.yml" "$prometheus_dir/prometheus.yml" \
    "$(settings_default port)" || fail "the alerts or the scrape configuration are not as needed"

scrape_service_metrics "$TEMP_DIR/metrics.txt"
"$PYTHON" "$DEPLOY_TEST_DIR/promql_metrics.py" "$TEMP_DIR/metrics.txt" "$prometheus_dir/alerts.yml" ||
    fail "alerts.yml uses metrics or labels the service does not have"
pass "every metric and label in alerts.yml is the service's"
