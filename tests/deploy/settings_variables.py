"""Prints, one per line, every environment variable the service reads, taken from the settings
table in src/config/settings.cpp (the single place that defines them)."""
import re
import sys

source = open(sys.argv[1], encoding="utf-8").read()
table = source[source.index("static const std::vector<Variable> table"):]
table = table[: table.index("};")]
names = re.findall(r'(?:>\(|\{)\s*"([A-Z][A-Z0-9_]+)"', table)
if len(names) < 10:
    sys.exit(f"found only {len(names)} variables in {sys.argv[1]}: has the table changed shape?")
print("\n".join(dict.fromkeys(names)))
