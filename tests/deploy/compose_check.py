"""Asserts the shape of the compose files as `docker-compose config` resolved them.

usage: compose_check.py production|development RESOLVED.yml RAW.yml VARIABLES_FILE ENV_OUT
Writes the companion service's resolved environment to ENV_OUT (KEY=VALUE lines) so that the
shell test can hand it to the real binary's check-config.
"""
import sys

import yaml

kind, resolved_path, raw_path, variables_path, env_out = sys.argv[1:6]
resolved = yaml.safe_load(open(resolved_path, encoding="utf-8"))
raw = yaml.safe_load(open(raw_path, encoding="utf-8"))
settings = set(open(variables_path, encoding="utf-8").read().split())
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


services = resolved["services"]
expected = {"postgres", "redis", "companion"}
if kind == "production":
    expected |= {"migrate", "nginx", "prometheus"}
check(set(services) == expected, f"services are {sorted(services)}, expected {sorted(expected)}")

postgres = services.get("postgres", {})
check(postgres.get("image") == "pgvector/pgvector:pg15", "postgres must be pgvector/pgvector:pg15")
check("pg_isready" in " ".join(postgres.get("healthcheck", {}).get("test", [])),
      "postgres needs a pg_isready healthcheck")

redis = services.get("redis", {})
check(redis.get("image") == "redis:7-alpine", "redis must be redis:7-alpine")
check("PONG" in " ".join(redis.get("healthcheck", {}).get("test", [])),
      "redis needs a healthcheck that expects PONG")

companion = services.get("companion", {})
environment = {k: ("" if v is None else str(v)) for k, v in companion.get("environment", {}).items()}
# Keys written in the compose file itself (env_file keys come from .env.example, checked apart).
raw_keys = set(raw["services"]["companion"].get("environment", {}))
unknown = sorted(raw_keys - settings)
check(not unknown, f"companion's environment sets variables the service does not read: {unknown}")
conditions = {name: spec.get("condition") for name, spec in companion.get("depends_on", {}).items()}
check(conditions.get("postgres") == "service_healthy", "companion must wait for a healthy postgres")
check(conditions.get("redis") == "service_healthy", "companion must wait for a healthy redis")
check(environment.get("REDIS_ENABLED") == "true", "REDIS_ENABLED must be true with a redis service")
check("@postgres:5432/" in environment.get("POSTGRES_URL", ""),
      "POSTGRES_URL must point at the postgres service")
check(environment.get("REDIS_URL", "").endswith("@redis:6379/0") or
      environment.get("REDIS_URL") == "redis://redis:6379/0", "REDIS_URL must point at the redis service")

if kind == "production":
    check(environment.get("ENVIRONMENT") == "production", "ENVIRONMENT must be production")
    check(raw["services"]["companion"].get("env_file") == [".env.production"],
          "companion must read env_file .env.production")
    check("--requirepass" in " ".join(redis.get("command", [])), "redis must run with --requirepass")
    password = environment.get("REDIS_URL", "").split("@")[0].removeprefix("redis://:")
    check(len(password) >= 16, "REDIS_URL must carry the REDIS_PASSWORD")
    limits = companion.get("deploy", {}).get("resources", {}).get("limits", {})
    check("cpus" in limits and "memory" in limits, "companion needs cpu and memory limits")
    check(not companion.get("ports"), "companion must not be published: nginx is the way in")
    check(conditions.get("migrate") == "service_completed_successfully",
          "companion must start after the migrations completed")
    migrate = services.get("migrate", {})
    check(migrate.get("command") == ["migrate", "up"], "the migrate job must run `migrate up`")
    nginx = services.get("nginx", {})
    published = {(p.get("published"), p.get("target")) for p in nginx.get("ports", [])}
    check({(80, 80), (443, 443)} <= published, f"nginx must publish 80 and 443, has {published}")
    mounts = nginx.get("volumes", [])
    check(any(m.endswith("/deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro") for m in mounts),
          "nginx must mount deploy/nginx/nginx.conf as /etc/nginx/nginx.conf")
    prometheus_mounts = services.get("prometheus", {}).get("volumes", [])
    for name in ("prometheus.yml", "alerts.yml"):
        check(any(f"/deploy/prometheus/{name}:" in m for m in prometheus_mounts),
              f"prometheus must mount deploy/prometheus/{name}")
    check(resolved.get("networks", {}).get("backend", {}).get("internal") is True,
          "the backend network (postgres, redis) must be internal")
else:
    check(environment.get("ENVIRONMENT") == "development", "ENVIRONMENT must be development")
    for name in ("postgres", "redis", "companion"):
        for port in services[name].get("ports", []):
            text = port if isinstance(port, str) else str(port.get("host_ip", ""))
            check(text.startswith("127.0.0.1"), f"{name} publishes {port} beyond localhost")

with open(env_out, "w", encoding="utf-8") as out:
    for key, value in environment.items():
        out.write(f"{key}={value}\n")

if problems:
    sys.exit(f"{kind} compose file:\n  " + "\n  ".join(problems))
print(f"{kind}: {len(services)} services as expected")
