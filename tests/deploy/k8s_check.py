"""Parses every document in deploy/k8s/production and asserts they fit the service and each other.

usage: k8s_check.py K8S_DIR VARIABLES_FILE DEFAULT_PORT DOCKERFILE ENV_OUT
Writes the environment a pod gets (ConfigMap + Secret template) to ENV_OUT as KEY=VALUE lines,
and the HTTP paths the probes call to ENV_OUT.paths, for the shell test to try on the binary.
"""
import glob
import math
import os
import re
import sys

import yaml

k8s_dir, variables_path, default_port, dockerfile_path, env_out = sys.argv[1:6]
variables = set(open(variables_path, encoding="utf-8").read().split())
SECRET_VARIABLES = {"JWT_SECRET_KEY", "POSTGRES_URL", "REDIS_URL"}
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


documents = {}
for path in sorted(glob.glob(os.path.join(k8s_dir, "*.yaml"))):
    for document in yaml.safe_load_all(open(path, encoding="utf-8")):
        if document is None:
            continue
        kind, name = document.get("kind"), document.get("metadata", {}).get("name")
        check(document.get("apiVersion") and kind and name, f"{path}: a document lacks apiVersion/kind/name")
        if kind != "Namespace":
            check(document["metadata"].get("namespace") == "companion",
                  f"{path}: {kind} {name} is not in the companion namespace")
        documents.setdefault(kind, []).append(document)

needed = {"Namespace", "Deployment", "Service", "Secret", "ConfigMap", "HorizontalPodAutoscaler",
          "PodDisruptionBudget", "Job"}
check(needed <= set(documents), f"missing kinds: {sorted(needed - set(documents))}")
if problems:
    sys.exit("\n".join(problems))


def only(kind):
    check(len(documents[kind]) == 1, f"expected one {kind}, found {len(documents[kind])}")
    return documents[kind][0]


deployment, service, secret = only("Deployment"), only("Service"), only("Secret")
config_map, hpa, pdb, job = only("ConfigMap"), only("HorizontalPodAutoscaler"), only("PodDisruptionBudget"), only("Job")

# ------------------------------------------------------------ ConfigMap and Secret
config = {k: str(v) for k, v in config_map.get("data", {}).items()}
secret_data = {k: str(v) for k, v in secret.get("stringData", {}).items()}
check(not secret.get("data"), "the Secret template must use stringData placeholders, not data")
for source, keys in (("ConfigMap", set(config)), ("Secret", set(secret_data))):
    unknown = sorted(keys - variables)
    check(not unknown, f"{source} keys the service does not read: {unknown}")
check(SECRET_VARIABLES <= set(secret_data), f"the Secret must hold {sorted(SECRET_VARIABLES)}")
leaked = sorted(SECRET_VARIABLES & set(config))
check(not leaked, f"secrets in the ConfigMap: {leaked}")
check(not set(config) & set(secret_data), "a variable is in both the ConfigMap and the Secret")
check(config.get("ENVIRONMENT") == "production", "the ConfigMap must set ENVIRONMENT=production")
check(config.get("PORT", default_port) == default_port, "PORT must stay the service's default")

# ------------------------------------------------------------ Deployment
spec = deployment["spec"]
pod = spec["template"]["spec"]
labels = spec["template"]["metadata"].get("labels", {})
check(spec.get("replicas") == 3, "the Deployment must run 3 replicas")
selector = spec["selector"]["matchLabels"]
check(selector.items() <= labels.items(), "the Deployment's selector does not match its pods")
check(len(pod["containers"]) == 1, "one container per pod")
container = pod["containers"][0]
check(container.get("args") == ["serve"], "the container must run `serve`")
ports = {p.get("name"): p for p in container.get("ports", [])}
check(str(ports.get("http", {}).get("containerPort")) == default_port,
      f"containerPort http must be the service's port {default_port}")
references = {(e.get("configMapRef") or e.get("secretRef") or {}).get("name") for e in container.get("envFrom", [])}
check(references == {config_map["metadata"]["name"], secret["metadata"]["name"]},
      f"envFrom must reference the ConfigMap and the Secret, references {references}")

probe_paths = {}
for probe, path in (("livenessProbe", "/health"), ("readinessProbe", "/ready")):
    http_get = container.get(probe, {}).get("httpGet", {})
    check(http_get.get("path") == path, f"{probe} must call {path}, calls {http_get.get('path')}")
    check(http_get.get("port") in ("http", int(default_port)), f"{probe} must use the http port")
    probe_paths[probe] = http_get.get("path")
startup = container.get("startupProbe", {}).get("httpGet", {})
if startup:
    probe_paths["startupProbe"] = startup.get("path")

resources = container.get("resources", {})
for kind in ("requests", "limits"):
    check({"cpu", "memory"} <= set(resources.get(kind, {})), f"the container needs cpu and memory {kind}")


def cpu(value):
    value = str(value)
    return float(value[:-1]) / 1000 if value.endswith("m") else float(value)


if "limits" in resources and "cpu" in resources["limits"]:
    limit = cpu(resources["limits"]["cpu"])
    check(cpu(resources["requests"]["cpu"]) <= limit, "the cpu request exceeds the limit")
    check(config.get("WORKER_THREADS") == str(math.ceil(limit)),
          "WORKER_THREADS must match the cpu limit (the default is the node's core count)")

uid = re.search(r"^USER\s+(\d+)", open(dockerfile_path, encoding="utf-8").read(), re.M)
pod_security = pod.get("securityContext", {})
container_security = container.get("securityContext", {})
check(pod_security.get("runAsNonRoot") is True, "the pod must set runAsNonRoot: true")
check(uid and str(pod_security.get("runAsUser")) == uid.group(1),
      "runAsUser must be the Dockerfile's USER uid")
check(container_security.get("readOnlyRootFilesystem") is True, "the root filesystem must be read-only")
check(container_security.get("allowPrivilegeEscalation") is False, "privilege escalation must be off")
check("ALL" in container_security.get("capabilities", {}).get("drop", []), "all capabilities must be dropped")
mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
check(config.get("DATA_DIR") in mounts, "DATA_DIR must be a writable mounted volume")

pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
pause = int(pre_stop[-1]) if pre_stop and pre_stop[-1].isdigit() else 0
check("sleep" in " ".join(pre_stop) and pause >= 5,
      "a preStop sleep of 5 s or more must let load balancers drain before SIGTERM")
grace = int(config.get("SHUTDOWN_GRACE_SECONDS", "20"))
check(pod.get("terminationGracePeriodSeconds", 30) > pause + grace,
      "terminationGracePeriodSeconds must exceed the preStop pause plus SHUTDOWN_GRACE_SECONDS")

# ------------------------------------------------------------ Service, HPA, PDB, Job
check(service["spec"]["selector"].items() <= labels.items(), "the Service's selector does not match the pods")
check(all(p.get("targetPort") in ("http", int(default_port)) for p in service["spec"]["ports"]),
      "the Service must target the http port")
target = hpa["spec"]["scaleTargetRef"]
check(target.get("kind") == "Deployment" and target.get("name") == deployment["metadata"]["name"],
      "the HPA must scale the Deployment")
check(hpa["spec"].get("minReplicas") == spec.get("replicas"), "the HPA's minimum must be the 3 replicas")
check(pdb["spec"]["selector"]["matchLabels"].items() <= labels.items(), "the PDB's selector does not match the pods")
check(0 < int(pdb["spec"].get("minAvailable", 0)) < spec.get("replicas", 0),
      "the PDB must keep some replicas but allow one to be evicted")
job_container = job["spec"]["template"]["spec"]["containers"][0]
check(job_container.get("args") == ["migrate", "up"], "the Job must run `migrate up`")
check(job_container.get("image") == container.get("image"), "the Job must use the service's image")

with open(env_out, "w", encoding="utf-8") as out:
    for key, value in {**config, **secret_data}.items():
        out.write(f"{key}={value}\n")
with open(env_out + ".paths", "w", encoding="utf-8") as out:
    out.write("\n".join(sorted(set(probe_paths.values()))) + "\n")

if problems:
    sys.exit("\n".join(problems))
print(f"{sum(len(v) for v in documents.values())} documents consistent with each other and the service")
