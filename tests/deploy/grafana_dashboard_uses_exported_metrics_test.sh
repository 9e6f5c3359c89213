#!/usr/bin/env bash
# deploy/grafana/companion-dashboard.json parses, has the panels an operator needs (request rate,
# latency percentiles, error rate, LLM latency and failures, memory retrievals, process memory),
# every query is valid PromQL (promtool), and every metric and label it uses is one the running
# binary exports or one the chat and memory issues announce.
source "$(dirname "$0")/lib.sh"
require_binary
require_tool promtool prometheus
make_temp_dir
dashboard="$SOURCE_DIR/deploy/grafana/companion-dashboard.json"

"$PYTHON" - "$dashboard" "$TEMP_DIR/queries.yml" <<'PY' || fail "the dashboard is not as needed"
import json, re, sys
dashboard = json.load(open(sys.argv[1]))
panels, queue = [], list(dashboard["panels"])
while queue:
    panel = queue.pop(0)
    panels.append(panel)
    queue.extend(panel.get("panels", []))
problems = []
ids = [p.get("id") for p in panels]
if len(ids) != len(set(ids)) or None in ids:
    problems.append(f"panel ids must be present and unique: {ids}")
queries = [(p["title"], t["expr"]) for p in panels for t in p.get("targets", [])]
for p in panels:
    if p["type"] != "row" and (not p.get("targets") or p.get("datasource", {}).get("uid") != "${DS_PROMETHEUS}"):
        problems.append(f"panel '{p['title']}' needs queries on the ${{DS_PROMETHEUS}} data source")
needed = {
    "request rate": r"rate\(http_requests_total\b",
    "latency percentiles": r"histogram_quantile\(0\.99, sum by \(le\) \(rate\(http_request_duration_seconds_bucket",
    "error rate": r'http_requests_total\{[^}]*status=~"5\.\."',
    "LLM latency": r"llm_request_duration_seconds_bucket",
    "LLM failures": r'llm_requests_total\{[^}]*status!~"success\|cancelled"',
    "memory retrievals": r"rate\(memory_retrievals_total\b",
    "process memory": r"process_resident_memory_bytes",
}
for topic, pattern in needed.items():
    if not any(re.search(pattern, expr) for _, expr in queries):
        problems.append(f"no panel shows {topic} (/{pattern}/)")
# Every query as a recording rule, Grafana's variables replaced, for promtool's PromQL parser.
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for index, (title, expr) in enumerate(queries):
        expr = expr.replace("$__rate_interval", "5m").replace("$instance", ".*")
        out.write(f"      - record: dashboard:query_{index}\n        expr: {json.dumps(expr)}\n")
if problems:
    sys.exit("\n".join(problems))
print(f"{len(panels)} panels, {len(queries)} queries")
PY
promtool check rules "$TEMP_DIR/queries.yml" >"$TEMP_DIR/out" 2>&1 ||
    fail "a dashboard query is not valid PromQL: $(cat "$TEMP_DIR/out")"
pass "every dashboard query is valid PromQL"

scrape_service_metrics "$TEMP_DIR/metrics.txt"
"$PYTHON" "$DEPLOY_TEST_DIR/promql_metrics.py" "$TEMP_DIR/metrics.txt" "$dashboard" ||
    fail "the dashboard uses metrics or labels the service does not have"
pass "every metric and label on the dashboard is the service's"
