"""Checks the operator documents (README.md, DEPLOYMENT.md, AUTHENTICATION.md, CONFIGURATION.md,
CHANGELOG.md, docs/*.md) against the real binary and the repository.

    documents_check.py --source DIR --binary BIN CHECK... [--base-url URL]

Checks (each prints "ok: ..." or one "FAIL: ..." line per problem; exit status 1 on any problem):
  variables            every variable the binary reads has a row in CONFIGURATION.md, no row names
                       a variable it does not read, and each documented default is the binary's
  production-messages  every production-check verdict the binary prints is quoted in
                       CONFIGURATION.md word for word
  startup-messages     the start-up errors the binary prints in reproducible failure scenarios
                       are quoted in DEPLOYMENT.md (numbers and absolute paths may differ)
  subcommands          every `companion <subcommand>` in code of any document is a real one
  paths                every repository path in code, and every relative link (with its #anchor),
                       exists
  routes               every "METHOD /path" in the documents is answered by the running service
                       (--base-url) with something other than 404 or 405
"""
import argparse
import glob
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

# The documents of the operations kit; CONFIGURATION.md and DEPLOYMENT.md are also checked on
# their own content (variables, messages).
DOCUMENTS = ["README.md", "DEPLOYMENT.md", "AUTHENTICATION.md", "CONFIGURATION.md", "CHANGELOG.md"]
# Also scanned for subcommands, paths and links, but not for routes: docs/llm.md names the LLM
# server's routes (`POST /chat/completions`), which are not ours.
SUPPORTING_GLOB = "docs/*.md"
METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS"

problems = []


def problem(check, text):
    problems.append(f"{check}: {text}")
    print(f"FAIL: {check}: {text}", flush=True)


def ok(check, text):
    print(f"ok: {check}: {text}", flush=True)


# ------------------------------------------------------------------ markdown


class Markdown:
    """A document split into fenced code blocks, inline code spans, links and headings."""

    FENCE = re.compile(r"^\s*(```|~~~)")

    def __init__(self, path, relative):
        self.path = path
        self.relative = relative
        with open(path, encoding="utf-8") as handle:
            self.text = handle.read()
        self.fenced = []  # code lines of fenced blocks
        prose = []
        inside = False
        for line in self.text.split("\n"):
            if self.FENCE.match(line):
                inside = not inside
                prose.append("")
                continue
            (self.fenced if inside else prose).append(line)
        self.prose = "\n".join(prose)
        # Inline code spans may wrap onto the next line; a line break inside one is a space.
        self.spans = [
            re.sub(r"\s+", " ", m.group(2)).strip()
            for m in re.finditer(r"(`+)(.+?)(?<!`)\1(?!`)", self.prose, re.S)
        ]
        self.links = re.findall(r"\]\(([^)\s]+)\)", self.prose)
        self.anchors = {github_anchor(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", self.prose, re.M)}

    def fenced_without_comments(self):
        """Fenced lines with shell/YAML/INI comments removed (they are prose, not commands)."""
        out = []
        for line in self.fenced:
            out.append(re.sub(r"(^|\s)#.*$", "", line))
        return out


def github_anchor(heading):
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def load_documents(source, names):
    docs = []
    for name in names:
        path = os.path.join(source, name)
        if not os.path.isfile(path):
            problem("documents", f"{name} does not exist")
            continue
        docs.append(Markdown(path, name))
    return docs


def all_documents(source):
    supporting = sorted(os.path.relpath(p, source) for p in glob.glob(os.path.join(source, SUPPORTING_GLOB)))
    return load_documents(source, DOCUMENTS + supporting)


# ------------------------------------------------------------------ the binary


def run_binary(binary, args, env=None, cwd=None, timeout=30):
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    base.update(env or {})
    try:
        return subprocess.run([binary] + args, env=base, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        # A scenario that should have failed at once kept running (it was killed).
        def text(data):
            return data.decode(errors="replace") if isinstance(data, bytes) else (data or "")
        return subprocess.CompletedProcess([binary] + args, -1, text(expired.stdout),
                                           text(expired.stderr) + f"\n(still running after {timeout} s)")


def check_config_values(binary, env=None):
    """NAME -> displayed value, from `check-config` in a clean environment."""
    result = run_binary(binary, ["check-config"], env)
    values = {}
    for line in result.stdout.splitlines():
        m = re.match(r"^  ([A-Z][A-Z0-9_]*)\s{2,}(.*)$", line)
        if m:
            values[m.group(1)] = m.group(2).strip()
    return values


def verdict_messages(binary, env):
    result = run_binary(binary, ["check-config"], env)
    return re.findall(r"^\s*\[(FAIL|WARN|PASS)\] (.*)$", result.stdout, re.M)


# ------------------------------------------------------------------ checks


def check_variables(args):
    check = "variables"
    from_table = subprocess.run(
        [sys.executable, os.path.join(args.source, "tests/deploy/settings_variables.py"),
         os.path.join(args.source, "src/config/settings.cpp")],
        capture_output=True, text=True)
    if from_table.returncode != 0:
        problem(check, f"cannot read the settings table: {from_table.stderr.strip()}")
        return
    in_source = set(from_table.stdout.split())
    defaults = check_config_values(args.binary)
    if len(defaults) < 10:
        problem(check, f"`{args.binary} check-config` printed only {len(defaults)} settings")
        return
    names = in_source | set(defaults)
    doc = load_documents(args.source, ["CONFIGURATION.md"])
    if not doc:
        return
    rows = {}
    for line in doc[0].text.splitlines():
        m = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    missing = sorted(names - set(rows))
    for name in missing:
        problem(check, f"{name} is read by the binary but has no row in CONFIGURATION.md")
    for name in sorted(set(rows) - names):
        problem(check, f"CONFIGURATION.md has a row for {name}, which the binary does not read")
    wrong = 0
    for name, shown in sorted(defaults.items()):
        # <default>, <not set>, <none>: masked or absent; WORKER_THREADS is the machine's core count.
        if name not in rows or shown.startswith("<") or name == "WORKER_THREADS":
            continue
        if f"`{shown}`" not in rows[name]:
            wrong += 1
            problem(check, f"CONFIGURATION.md gives {name} the default {rows[name].strip()!r}; "
                           f"the binary's is `{shown}`")
    if not missing and not wrong:
        ok(check, f"{len(names)} variables documented with the binary's defaults")


def check_production_messages(args):
    check = "production-messages"
    docs = load_documents(args.source, ["CONFIGURATION.md"])
    if not docs:
        return
    text = docs[0].text
    production = {"ENVIRONMENT": "production"}
    scenarios = [
        dict(production),  # default secret, hence short; empty CORS
        dict(production, REQUIRE_AUTHENTICATION="false", CORS_ORIGINS="*"),
        dict(production, POSTGRES_URL="postgresql://companion@db.example:5432/companion"),
        dict(production, POSTGRES_URL="postgresql://companion:postgres@db.example:5432/companion"),
        dict(production, POSTGRES_URL="postgresql://companion:short-pw@db.example:5432/companion"),
    ]
    seen = set()
    for env in scenarios:
        for verdict, message in verdict_messages(args.binary, env):
            if verdict != "PASS":
                seen.add(message)
    if len(seen) < 8:
        problem(check, f"expected at least 8 distinct failing or warning verdicts, got {len(seen)}: {sorted(seen)}")
    quoted_wrong = [m for m in sorted(seen) if m not in text]
    for message in quoted_wrong:
        problem(check, f"CONFIGURATION.md does not quote the binary's verdict: {message}")
    result = run_binary(args.binary, ["check-config"], {"PORT": "abc"})
    error = result.stderr.strip()
    if error not in text:
        quoted_wrong.append(error)
        problem(check, f"CONFIGURATION.md does not show the binary's configuration error: {error}")
    if not quoted_wrong:
        ok(check, f"{len(seen)} production verdicts and the configuration error format quoted exactly")


def normalized(text):
    """Numbers and absolute paths vary between a documented example and a reproduction."""
    text = re.sub(r"(?<![\w.])/[\w.\-/]+", "<path>", text)
    return re.sub(r"\d+", "N", text)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def startup_failures(binary):
    """(scenario, message) pairs of start-up errors reproducible without external services."""
    secret = "x" * 48
    production = {"ENVIRONMENT": "production", "JWT_SECRET_KEY": secret,
                  "CORS_ORIGINS": "https://app.example.com", "HOST": "127.0.0.1"}
    out = []
    with tempfile.TemporaryDirectory() as temp:
        data = os.path.join(temp, "data")

        def serve(name, env, extra=()):
            env = dict(env, DATA_DIR=data)
            result = run_binary(binary, ["serve", "--port", str(free_port())] + list(extra), env)
            lines = [l for l in result.stderr.splitlines() if l.startswith(("companion:", "refusing", "configuration error"))]
            if result.returncode == 0 or not lines:
                problem("startup-messages", f"scenario {name!r} did not fail with a message "
                                            f"(status {result.returncode}): {result.stderr.strip()[-300:]}")
            for line in lines:
                out.append((name, line))

        serve("production defaults", {"ENVIRONMENT": "production", "HOST": "127.0.0.1"})
        serve("production without authentication",
              dict(production, REQUIRE_AUTHENTICATION="false", CORS_ORIGINS="*"))
        serve("old schema", production)
        serve("database refused", dict(production, POSTGRES_URL=f"postgresql://companion:{secret}@127.0.0.1:{free_port()}/companion"))
        serve("bad libpq parameter", dict(production, POSTGRES_URL=f"postgresql://companion:{secret}@127.0.0.1:5432/companion?foo=bar"))
        serve("redis port", {"REDIS_ENABLED": "true", "REDIS_URL": "redis://:pw@host:notaport/0", "HOST": "127.0.0.1"})
        serve("rediss", {"REDIS_ENABLED": "true", "REDIS_URL": "rediss://redis.example:6379/0", "HOST": "127.0.0.1"})
        serve("persona file", {"COMPANION_PERSONA_FILE": os.path.join(temp, "persona.txt"), "HOST": "127.0.0.1"})
        serve("LLM CA file", {"LM_STUDIO_BASE_URL": "https://llm.example/v1",
                              "LLM_CA_FILE": os.path.join(temp, "llm-ca.pem"), "HOST": "127.0.0.1"})
        serve("bad port", {"PORT": "abc"})
        serve("not a PostgreSQL URL", {"POSTGRES_URL": "mysql://db/companion"})
        serve("token budget", {"CONTEXT_TOKEN_BUDGET": "1000"})
        with open(os.path.join(temp, ".env.production"), "w") as env_file:
            env_file.write("\n".join(["HOST=127.0.0.1"] * 6 + ["garbage"]) + "\n")
        result = run_binary(binary, ["serve", "--env-file", ".env.production"], {}, cwd=temp)
        out.append(("env file line", result.stderr.strip()))
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = run_binary(binary, ["serve", "--host", "127.0.0.1", "--port", str(port)],
                                {"DATA_DIR": data})
            out.append(("port taken", next((l for l in result.stderr.splitlines() if l.startswith("companion:")),
                                           result.stderr.strip()[-200:])))
    return out


def check_startup_messages(args):
    check = "startup-messages"
    docs = load_documents(args.source, ["DEPLOYMENT.md"])
    if not docs:
        return
    text = normalized(docs[0].text)
    failures = startup_failures(args.binary)
    missing = [(name, line) for name, line in failures if normalized(line) not in text]
    for name, line in missing:
        problem(check, f"DEPLOYMENT.md does not show what the binary prints ({name}): {line}")
    if not missing:
        ok(check, f"{len(failures)} start-up error messages in DEPLOYMENT.md are the binary's")


# `companion W1 [W2]` in code, not preceded by something that makes "companion" a name
# (ai-companion, app.companion, "companion", -n companion).
COMMAND = re.compile(
    r"(?<![\w.:\"'-])companion(?=[ \t]+([a-z][a-z0-9-]*)(?=[\s`'\");|&]|$)"
    r"(?:[ \t]+([a-z][a-z0-9-]*)(?=[\s`'\");|&]|$))?)")
NAME_OPTION = re.compile(r"(?:^|\s)(?:-n|--namespace|-p|--project-name|--name)[ =]$")


def help_usage(binary, words):
    result = run_binary(binary, words + ["--help"])
    usage = next((l for l in result.stdout.splitlines() if l.startswith("Usage:")), "")
    return result.returncode, usage, result.stdout


def subcommand_mentions(doc):
    """(words, where) for each command mention: code spans that start with the command, and any
    mention in fenced code."""
    texts = []
    for span in doc.spans:
        # In prose code spans only a span that is a command counts ("the `companion listening`
        # log line" is not one).
        if re.match(r"^(?:\S*/)?companion\s", span):
            texts.append(re.sub(r"^\S*/", "", span))
        else:
            texts.extend(m.group(0) for m in re.finditer(r"(?:^|(?<=-- )|(?<=&& )|(?<=; ))companion\s.*", span))
    texts.extend(doc.fenced_without_comments())
    for text in texts:
        for m in COMMAND.finditer(text):
            if NAME_OPTION.search(text[: m.start()]):
                continue
            first, second = m.group(1), m.group(2)
            if first == "companion":
                continue  # a container or service named companion running the command after it
            yield [first] + ([second] if second else []), text.strip()


def check_subcommands(args):
    check = "subcommands"
    docs = all_documents(args.source)
    verified = {}
    count = 0
    for doc in docs:
        for words, where in subcommand_mentions(doc):
            count += 1
            code, usage, out = help_usage(args.binary, words[:1])
            if code != 0 or not usage.startswith(f"Usage: companion {words[0]} "):
                problem(check, f"{doc.relative}: `companion {words[0]}` is not a subcommand (in: {where})")
                continue
            if "Subcommands:" in out:
                if len(words) < 2:
                    problem(check, f"{doc.relative}: `companion {words[0]}` needs a subcommand (in: {where})")
                    continue
                key = tuple(words)
                if key not in verified:
                    code, usage, _ = help_usage(args.binary, words)
                    verified[key] = code == 0 and usage.startswith(f"Usage: companion {words[0]} {words[1]} ")
                if not verified[key]:
                    problem(check, f"{doc.relative}: `companion {words[0]} {words[1]}` is not a subcommand (in: {where})")
    if count == 0:
        problem(check, "no `companion <subcommand>` found in the documents: has the format changed?")
    elif not any(p.startswith(check) for p in problems):
        ok(check, f"{count} command mentions name real subcommands")


def git_ignored(source, relative):
    result = subprocess.run(["git", "-C", source, "check-ignore", "-q", "--no-index", relative],
                            capture_output=True)
    if result.returncode not in (0, 1):
        raise SystemExit(f"FAIL: paths: git check-ignore failed in {source}: {result.stderr!r}")
    return result.returncode == 0


def brace_expand(path):
    m = re.search(r"\{([^{}]*,[^{}]*)\}", path)
    if not m:
        return [path]
    return [e for part in m.group(1).split(",") for e in brace_expand(path[: m.start()] + part + path[m.end():])]


def repository_roots(source):
    return {e for e in os.listdir(source) if e != ".git" and not git_ignored(source, e)}


def path_candidates(doc):
    words = []
    for span in doc.spans:
        words.extend(span.split())
    for line in doc.fenced_without_comments():
        words.extend(line.split())
    for word in words:
        word = word.strip("\"'(),;:")
        if word.startswith("./"):
            word = word[2:]
        if word and not re.search(r"[<>$=@]|://", word):
            yield word


def check_paths(args):
    check = "paths"
    roots = repository_roots(args.source)
    docs = all_documents(args.source)
    anchors = {doc.relative: doc.anchors for doc in docs}
    checked = set()
    for doc in docs:
        for word in path_candidates(doc):
            first = word.split("/")[0]
            if first not in roots or (doc.relative, word) in checked:
                continue
            checked.add((doc.relative, word))
            if git_ignored(args.source, word) or git_ignored(args.source, word.rstrip("/") + "/"):
                continue  # made by the operator (secrets, .env files, build output)
            found = any(glob.glob(os.path.join(args.source, p)) for p in brace_expand(word))
            if not found:
                problem(check, f"{doc.relative} names `{word}`, which is not in the repository")
        for link in doc.links:
            if re.match(r"^[a-z]+:", link):
                continue
            target, _, anchor = link.partition("#")
            base = os.path.dirname(doc.relative)
            target_rel = os.path.normpath(os.path.join(base, target)) if target else doc.relative
            checked.add((doc.relative, link))
            if not os.path.exists(os.path.join(args.source, target_rel)):
                problem(check, f"{doc.relative} links to {link}, which does not exist")
                continue
            if anchor and target_rel.endswith(".md"):
                known = anchors.get(target_rel)
                if known is None:
                    known = Markdown(os.path.join(args.source, target_rel), target_rel).anchors
                if anchor not in known:
                    problem(check, f"{doc.relative} links to {link}: {target_rel} has no heading #{anchor}")
    if not any(p.startswith(check) for p in problems):
        ok(check, f"{len(checked)} repository paths and links exist")


def route_mentions(source):
    seen = {}
    for doc in load_documents(source, DOCUMENTS):
        for m in re.finditer(rf"\b((?:{METHODS})(?:/(?:{METHODS}))*) (/[^\s`)|,]*)", doc.prose + "\n" + "\n".join(doc.fenced)):
            path = m.group(2).split("?")[0].rstrip(".:;")
            for method in m.group(1).split("/"):
                seen.setdefault((method, path), doc.relative)
    return seen


def request(base_url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def first_id(payload):
    """The first "id" of an object inside a list anywhere in a JSON answer."""
    if isinstance(payload, dict):
        for value in payload.values():
            found = first_id(value)
            if found:
                return found
    if isinstance(payload, list):
        for item in payload:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                return item["id"]
            found = first_id(item)
            if found:
                return found
    return None


# Collections whose resources need fields to be created.
MINIMAL_BODIES = {"/api/v1/goals": {"title": "a goal to probe routes with"},
                  "/api/v1/memories": {"content": "a memory to probe routes with"}}


def existing_id(base_url, collection):
    """The id of a real resource under a collection: a fresh one created with an empty body (so
    that a probe that deletes or revokes does not spoil the next), else the first one listed."""
    def parsed(body):
        try:
            return json.loads(body or b"null")
        except ValueError:
            return None

    status, body = request(base_url, "POST", collection, MINIMAL_BODIES.get(collection, {}))
    created = parsed(body) if status in (200, 201) else None
    if isinstance(created, dict) and isinstance(created.get("id"), str):
        return created["id"]
    status, body = request(base_url, "GET", collection)
    return first_id(parsed(body)) if status == 200 else None


def check_routes(args):
    check = "routes"
    if not args.base_url:
        problem(check, "--base-url of a running service is required")
        return
    mentions = route_mentions(args.source)
    if not mentions:
        problem(check, "no `METHOD /path` found in the documents: has the format changed?")
        return
    for (method, path), where in sorted(mentions.items()):
        target = path
        if "{" in path:
            collection = path[: path.index("/{")]
            found = existing_id(args.base_url, collection)
            if not found:
                problem(check, f"{where}: {method} {path}: no resource under {collection} to probe it with")
                continue
            target = re.sub(r"\{[^}]*\}", found, path)
        # A body with an unknown field: routes that read a body refuse it (422) before changing
        # anything, so probing never registers, logs in, chats or deletes the account.
        body = None if method in ("GET", "HEAD", "OPTIONS") else {"documents_check_probe": True}
        status, answer = request(args.base_url, method, target, body)
        if status in (404, 405):
            problem(check, f"{where}: {method} {path} answers {status}: {answer[:160].decode(errors='replace')}")
        elif status == 429:
            problem(check, f"{where}: {method} {path} was rate limited; raise the service's limit for this test")
    if not any(p.startswith(check) for p in problems):
        ok(check, f"{len(mentions)} documented routes are answered by the service")


CHECKS = {
    "variables": check_variables,
    "production-messages": check_production_messages,
    "startup-messages": check_startup_messages,
    "subcommands": check_subcommands,
    "paths": check_paths,
    "routes": check_routes,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--base-url")
    parser.add_argument("checks", nargs="+", choices=sorted(CHECKS))
    args = parser.parse_args()
    args.source = os.path.abspath(args.source)
    args.binary = os.path.abspath(args.binary)
    for name in args.checks:
        CHECKS[name](args)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
