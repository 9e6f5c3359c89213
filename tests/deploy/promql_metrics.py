"""The metrics that PromQL expressions reference, checked against what the service exports.

As a program: promql_metrics.py METRICS_TEXT SOURCE...
  METRICS_TEXT is a scrape of the running binary's GET /metrics. Each SOURCE is a Prometheus rules
  file (.yml) or a Grafana dashboard (.json). Fails if an expression references a metric that is
  neither exported by the binary nor announced (ANNOUNCED below, empty today), or
  filters or groups on a label that metric does not have. Prints the announced names referenced
  that the binary does not export yet.
"""
import json
import re
import sys

import yaml

# Metrics a coming change announces, with their labels, allowed before the binary exports them;
# empty: every metric referenced must be exported today.
ANNOUNCED = {}
# Labels Prometheus adds to every scraped series, and Prometheus' own per-target series.
TARGET_LABELS = {"job", "instance"}
PROMETHEUS_SERIES = {"up"}

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan"}
IDENTIFIER = r"[a-zA-Z_:][a-zA-Z0-9_:]*"


def exported_metrics(text):
    """({series name: label names seen}, {names that have samples}) from a text exposition."""
    series, sampled = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()[:4]
            suffixes = {"histogram": ["_bucket", "_sum", "_count"],
                        "summary": ["", "_sum", "_count"]}.get(kind, [""])
            for suffix in suffixes:
                series.setdefault(name + suffix, set())
        elif line and not line.startswith("#"):
            match = re.match(rf"({IDENTIFIER})(\{{(.*)\}})?\s", line)
            if match:
                sampled.add(match.group(1))
                labels = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', match.group(3) or "")
                series.setdefault(match.group(1), set()).update(labels)
    return series, sampled


def announced_series():
    series = {}
    for name, (kind, labels) in ANNOUNCED.items():
        if kind == "histogram":
            series[name + "_bucket"] = labels | {"le"}
            series[name + "_sum"] = set(labels)
            series[name + "_count"] = set(labels)
        else:
            series[name] = set(labels)
    return series


def references(expr):
    """[(metric, {label names used with it})] and the labels of by/without/on/ignoring clauses."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals cannot hide names
    found = []

    def selector(match):
        labels = set(re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", match.group(2)))
        name = match.group(1)
        found.append((name, labels))
        return " "

    text = re.sub(rf"({IDENTIFIER})?\s*\{{([^}}]*)\}}", selector, text)
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery durations
    grouping = set()

    def clause(match):
        grouping.update(re.findall(r"[a-zA-Z_][a-zA-Z0-9_]*", match.group(1)))
        return " "

    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", clause, text)
    for match in re.finditer(rf"(?<![\w.:$])({IDENTIFIER})(?![a-zA-Z0-9_:]|\s*\()", text):
        name = match.group(1)
        if name.lower() not in KEYWORDS:
            found.append((name, set()))
    return [(name, labels) for name, labels in found if name], grouping


def expressions(path):
    """(where, PromQL) pairs from a rules file or a Grafana dashboard."""
    if path.endswith(".json"):
        dashboard = json.load(open(path, encoding="utf-8"))
        out = []
        panels = list(dashboard.get("panels", []))
        while panels:
            panel = panels.pop()
            panels.extend(panel.get("panels", []))
            for target in panel.get("targets", []):
                out.append((f"panel '{panel.get('title')}'", target["expr"]))
        for variable in dashboard.get("templating", {}).get("list", []):
            definition = variable.get("definition", "")
            match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", definition)
            if match:
                out.append((f"variable '{variable['name']}'", f"{match.group(1)}"))
        return out
    rules = yaml.safe_load(open(path, encoding="utf-8"))
    return [(f"rule '{rule.get('alert') or rule.get('record')}'", rule["expr"])
            for group in rules["groups"] for rule in group["rules"]]


def main():
    exported, sampled = exported_metrics(open(sys.argv[1], encoding="utf-8").read())
    if "http_requests_total" not in sampled:
        sys.exit(f"{sys.argv[1]} does not look like the service's /metrics after a request")
    announced = announced_series()
    problems, not_yet = [], set()
    for path in sys.argv[2:]:
        for where, expr in expressions(path):
            refs, grouping = references(expr)
            if not refs:
                problems.append(f"{path}: {where}: no metric found in `{expr}`")
            groupable = set(TARGET_LABELS)
            for name, labels in refs:
                if name in PROMETHEUS_SERIES:
                    continue
                if name not in exported and name not in announced:
                    problems.append(f"{path}: {where}: `{name}` is not a metric of the service")
                    continue
                if name not in exported:
                    not_yet.add(name)
                # Label names are known from the samples, or from the issue that announced it.
                known = exported.get(name, set()) | announced.get(name, set())
                groupable |= known
                if name in sampled or name in announced:
                    unknown = sorted(labels - known - TARGET_LABELS)
                    if unknown:
                        problems.append(f"{path}: {where}: `{name}` has no label {unknown}")
            stray = sorted(grouping - groupable)
            if stray:
                problems.append(f"{path}: {where}: groups by labels no referenced metric has: {stray}")
    if problems:
        sys.exit("\n".join(problems))
    print("referenced but not exported by the binary yet: " + (", ".join(sorted(not_yet)) or "none"))


if __name__ == "__main__":
    main()
