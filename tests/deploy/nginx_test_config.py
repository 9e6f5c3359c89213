"""Writes a copy of deploy/nginx/nginx.conf that runs unprivileged in a temporary directory:
only the listen ports, the certificate directory and the upstream address change, and the
temporary-file paths are added. Fails if one of the replaced lines is not exactly once in the
file, so the test never silently runs a configuration other than the shipped one.

usage: nginx_test_config.py SOURCE DEST HTTP_PORT HTTPS_PORT UPSTREAM SSL_DIR TEMP_DIR
"""
import sys

source, dest, http_port, https_port, upstream, ssl_dir, temp_dir = sys.argv[1:8]
text = open(source, encoding="utf-8").read()
replacements = [
    ("listen 80;", f"listen 127.0.0.1:{http_port};"),
    ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
    ("server companion:8000;", f"server {upstream};"),
    ("/etc/nginx/ssl/fullchain.pem;", f"{ssl_dir}/fullchain.pem;"),
    ("/etc/nginx/ssl/privkey.pem;", f"{ssl_dir}/privkey.pem;"),
    ("http {\n", "http {\n" + "".join(
        f"    {kind}_temp_path {temp_dir}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))),
]
for old, new in replacements:
    count = text.count(old)
    if count != 1:
        sys.exit(f"{source}: expected `{old.strip()}` exactly once, found it {count} times")
    text = text.replace(old, new)
open(dest, "w", encoding="utf-8").write(text)
