"""Asserts what promtool cannot: the alerts the deployment needs exist, the p95 is computed over
aggregated buckets, every alert has a unit test where it fires and one where it stays quiet, and
prometheus.yml scrapes the service's real metrics route and port.

usage: alert_rules_check.py ALERTS.yml UNIT_TESTS.yml PROMETHEUS.yml DEFAULT_PORT
"""
import re
import sys

import yaml

alerts_path, tests_path, config_path, default_port = sys.argv[1:5]
REQUIRED = {"HighErrorRate", "SlowResponses", "DatabaseDown", "LLMFailureRate", "HighRateLimiting"}
P95 = ("histogram_quantile(0.95, sum by (le) "
       "(rate(http_request_duration_seconds_bucket[5m])))")
problems = []

rules = {rule["alert"]: rule for group in yaml.safe_load(open(alerts_path))["groups"]
         for rule in group["rules"] if "alert" in rule}
missing = REQUIRED - set(rules)
if missing:
    problems.append(f"alerts missing: {sorted(missing)}")
slow = " ".join(rules.get("SlowResponses", {}).get("expr", "").split())
if P95 not in slow:
    problems.append(f"SlowResponses must use `{P95}`, has `{slow}`")
for name, rule in rules.items():
    if not rule.get("for"):
        problems.append(f"{name} has no `for:` and would fire on a single bad evaluation")
    if rule.get("labels", {}).get("severity") not in ("warning", "critical"):
        problems.append(f"{name} needs a severity label of warning or critical")

# A scenario (one entry of `tests`) where the alert fires, and one where it never does.
scenarios = [[case for case in test.get("alert_rule_test", [])]
             for test in yaml.safe_load(open(tests_path))["tests"]]
for name in rules:
    own = [[case for case in scenario if case["alertname"] == name] for scenario in scenarios]
    fires = any(any(case.get("exp_alerts") for case in cases) for cases in own)
    quiet = any(cases and not any(case.get("exp_alerts") for case in cases) for cases in own)
    if not (fires and quiet):
        problems.append(f"{name} needs a unit-test scenario where it fires and one where it stays quiet")

config = yaml.safe_load(open(config_path))
jobs = {job["job_name"]: job for job in config["scrape_configs"]}
job = jobs.get("companion")
if job is None:
    problems.append("prometheus.yml has no `companion` scrape job (CompanionDown selects it)")
else:
    if job.get("metrics_path", "/metrics") != "/metrics":
        problems.append("the companion job must scrape /metrics")
    ports = [str(sd.get("port")) for sd in job.get("dns_sd_configs", [])]
    ports += [re.sub(r".*:", "", t) for sc in job.get("static_configs", []) for t in sc["targets"]]
    if not ports or any(port != default_port for port in ports):
        problems.append(f"the companion job scrapes ports {ports}, the service listens on {default_port}")
if "alerts.yml" not in config.get("rule_files", []):
    problems.append("prometheus.yml does not load alerts.yml")

if problems:
    sys.exit("\n".join(problems))
print(f"{len(rules)} alerts, each tested firing and quiet")
