#!/usr/bin/env bash
# Installs what companion needs to build, run and test on Debian 12, idempotently: when every
# package is already there it only checks (about a second) and touches nothing.
# Usage: scripts/deps.sh [build|test]   (default: test, which is a superset of build)
set -euo pipefail

profile="${1:-test}"

build_packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libssl-dev
  libsqlite3-dev libpq-dev libhiredis-dev libargon2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  ca-certificates  # the system CA store https LLM servers are verified against (docs/llm.md)
)
test_packages=(
  prometheus   # promtool checks the /metrics exposition
  wrk          # the HTTP load benchmark
  curl procps sqlite3
  redis-server debootstrap  # the test services (scripts/services.sh)
  postgresql-client         # psql for humans poking at the test database
  nginx                     # TLS termination in front of the real service (tests/deploy)
  docker-compose            # `docker-compose config` checks the compose files (tests/deploy)
  podman runc               # builds and runs deploy/Dockerfile's image (tests/deploy)
  python3-yaml openssl      # the deploy tests parse YAML and make a self-signed certificate
  nodejs                    # runs the official openai npm client against the service (tests/e2e)
)
# npm for tests/e2e: Debian's nodejs comes without it; NodeSource's nodejs bundles it (and
# conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || test_packages+=(npm)

packages=("${build_packages[@]}")
if [[ "$profile" == "test" ]]; then
  packages+=("${test_packages[@]}")
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "deps: missing packages: ${missing[*]}; run this script as root (or install them)" >&2
  exit 1
fi

echo "deps: installing ${missing[*]}" >&2
# Packages such as prometheus and redis-server would start their own daemons on install: the
# tests start their own instances, so keep the system ones down (policy-rc.d exit 101).
created_policy=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [[ -n "$created_policy" ]]; then rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/companion-deps.log 2>&1; then
  apt-get update -q >/tmp/companion-deps.log 2>&1
  apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/companion-deps.log 2>&1 || {
    tail -20 /tmp/companion-deps.log >&2
    echo "deps: apt-get install failed (full log: /tmp/companion-deps.log)" >&2
    exit 1
  }
fi
echo "deps: done" >&2
