"""Static checks of deploy/Dockerfile and .dockerignore.

usage: dockerfile_check.py DOCKERFILE DOCKERIGNORE DEFAULT_PORT
Prints the runtime stage's apt packages, one per line, for the shell test to look up in Debian.
"""
import re
import sys

dockerfile_path, dockerignore_path, default_port = sys.argv[1:4]
text = open(dockerfile_path, encoding="utf-8").read()
# Instructions with their continuation lines joined, comments dropped.
instructions = []
for line in re.sub(r"\\\n", " ", text).splitlines():
    line = line.strip()
    if line and not line.startswith("#"):
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
problems = []


def check(condition, message):
    if not condition:
        problems.append(message)


arg = [rest for keyword, rest in instructions if keyword == "ARG" and rest.startswith("DEBIAN_IMAGE=")]
check(arg and re.search(r"debian:12|bookworm", arg[0]), "the base must be ARG DEBIAN_IMAGE, a Debian 12 image by default")
stages = [rest for keyword, rest in instructions if keyword == "FROM"]
check(stages == ["${DEBIAN_IMAGE} AS build", "${DEBIAN_IMAGE} AS runtime"],
      f"expected the stages `build` then `runtime`, both FROM ${{DEBIAN_IMAGE}}; found {stages}")

split = next((i for i, (k, r) in enumerate(instructions) if k == "FROM" and r.endswith("AS runtime")), len(instructions))
build, runtime = instructions[:split], instructions[split:]
build_runs = " ".join(rest for keyword, rest in build if keyword == "RUN")
check("scripts/deps.sh build" in build_runs, "the build stage must install with scripts/deps.sh build")
check("cmake --preset release" in build_runs and "--build --preset release" in build_runs,
      "the build stage must use the release preset")

runtime_runs = " ".join(rest for keyword, rest in runtime if keyword == "RUN")
install = re.search(r"apt-get install ([^&;]*)", runtime_runs)
packages = [word for word in (install.group(1).split() if install else []) if not word.startswith("-")]
check(packages, "the runtime stage must install its libraries with apt-get install")
heavy = [p for p in packages if p.endswith("-dev") or p in ("g++", "gcc", "cmake", "ninja-build", "build-essential")]
check(not heavy, f"build tools in the runtime stage: {heavy}")
check("rm -rf /var/lib/apt/lists" in runtime_runs, "the runtime stage must drop apt's lists")
check(any(k == "COPY" and r.startswith("--from=build ") for k, r in runtime), "the binary must come from the build stage")

users = [rest for keyword, rest in runtime if keyword == "USER"]
user = users[-1].split(":")[0] if users else "root"
check(user.isdigit() and user != "0", f"the final USER must be a numeric non-root uid, is {user!r}")
health = [rest for keyword, rest in runtime if keyword == "HEALTHCHECK"]
check(health and re.search(r"http://127\.0\.0\.1:\$\{?PORT\}?/health\b", health[-1]),
      "the HEALTHCHECK must call /health on ${PORT}")
exposed = [rest for keyword, rest in runtime if keyword == "EXPOSE"]
check(exposed == [default_port], f"EXPOSE must be the service's port {default_port}, is {exposed}")
env = " ".join(rest for keyword, rest in runtime if keyword == "ENV")
check(re.search(rf"\bPORT={default_port}\b", env), f"ENV PORT must be {default_port}")
check(re.search(r"\bENVIRONMENT=production\b", env), "the image must default to ENVIRONMENT=production")
entry = [rest for keyword, rest in runtime if keyword == "ENTRYPOINT"]
check(entry == ['["/usr/local/bin/companion"]'], "ENTRYPOINT must be the binary")
check([rest for keyword, rest in runtime if keyword == "CMD"] == ['["serve"]'], "CMD must be serve")

ignored = {line.strip() for line in open(dockerignore_path, encoding="utf-8")
           if line.strip() and not line.startswith("#")}
for needed in (".env*", ".git", "build"):
    check(needed in ignored, f".dockerignore must exclude {needed}")
copied = set()
for keyword, rest in build:
    if keyword == "COPY" and not rest.startswith("--"):
        copied.update(rest.split()[:-1])
for source in copied:
    top = source.split("/")[0]
    check(top not in ignored and source not in ignored, f".dockerignore excludes {source}, which the build copies")

if problems:
    sys.exit("\n".join(problems))
print("\n".join(packages))
