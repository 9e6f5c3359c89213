#!/usr/bin/env python3
"""Checks that bench/chat_turn.pgbench runs the statements a chat turn runs on PostgreSQL.

The service's statements are read from the store's sources through the C preprocessor (their SQL
is built from macros): PgStore::append_message (src/store/postgres/store_chat.cpp),
PgStore::list_goals (store_goals.cpp) and PgStore::record_turn (store_turns.cpp), in the order a
turn runs them. The pgbench script's SQL commands (those not ending in \\gset) must be the same
text once parameters are put aside: the service's $N, pgbench's :variables, the NULL literals
pgbench sends where the service binds NULL (a pgbench variable cannot be NULL), and the new ids
pgbench builds from integers (lpad(to_hex(:us::bigint), 16, '0') || :client_hex: pgbench cannot
make text). Exits 1 with both texts when they differ.
Usage: bench/chat_turn_statements.py [--print]   (--print: the service's statements)
"""
import pathlib
import re
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
TURN = [  # (source file, statement constant), in the order of a turn
    ("src/store/postgres/store_chat.cpp", "kAppendMessage"),
    ("src/store/postgres/store_goals.cpp", "kListGoals"),
    ("src/store/postgres/store_turns.cpp", "kRecordTurn"),
]


def service_statements():
    statements = []
    for path, name in TURN:
        expanded = subprocess.run(
            ["g++", "-std=c++20", "-E", "-P", "-I", str(REPO / "src"), str(REPO / path)],
            check=True, capture_output=True, text=True).stdout
        found = re.search(r"const Statement " + name + r"\{(.*?)\};", expanded, re.S)
        if not found:
            sys.exit(f"{name} not found in {path}")
        literals = re.findall(r'"((?:[^"\\]|\\.)*)"', found.group(1))
        statements.append((name, "".join(literals[1:])))  # [0] is the prepared name
    return statements


def pgbench_statements():
    commands, pending = [], []
    for line in (REPO / "bench/chat_turn.pgbench").read_text().splitlines():
        line = line.strip()
        if line.startswith("\\gset"):
            pending = []  # the per-client set-up, not part of the turn
        elif line and not line.startswith(("--", "\\")):
            pending.append(line)
            if line.endswith(";"):
                commands.append(" ".join(pending)[:-1])
                pending = []
    return commands


def normalised_service(sql):
    return re.sub(r"\$\d+", "?", sql)


def normalised_pgbench(sql):
    sql = re.sub(r"\(lpad\(to_hex\(:\w+::bigint\), 16, '0'\) \|\| :\w+\)", "?", sql)
    sql = re.sub(r"\bNULL(?=::)", "?", sql)
    return re.sub(r"(?<!:):[A-Za-z_]\w*", "?", sql)


def main():
    service = service_statements()
    if "--print" in sys.argv:
        for name, sql in service:
            print(f"-- {name}\n{sql};\n")
        return 0
    bench = pgbench_statements()
    if len(bench) != len(service):
        print(f"bench/chat_turn.pgbench has {len(bench)} statements, a turn {len(service)}")
        return 1
    for (name, sql), mine in zip(service, bench):
        if normalised_service(sql) != normalised_pgbench(mine):
            print(f"bench/chat_turn.pgbench differs from {name}:\n  service: "
                  f"{normalised_service(sql)}\n  pgbench: {normalised_pgbench(mine)}")
            return 1
    print("bench/chat_turn.pgbench runs the statements of a turn: " +
          ", ".join(name for name, _ in service))
    return 0


if __name__ == "__main__":
    sys.exit(main())
