"""Reads a Server-Sent Events response through TLS and prints, as JSON, the seconds after the
request at which each event arrived, so a test can tell a stream that arrives in pieces from one
that arrives all at the end.

usage: sse_arrival.py HOST PORT CA_FILE METHOD PATH [BODY [HEADER:VALUE ...]]
"""
import http.client
import json
import ssl
import sys
import time

host, port, ca_file, method, path = sys.argv[1:6]
body = sys.argv[6] if len(sys.argv) > 6 else None
headers = {"Accept": "text/event-stream"}
for item in sys.argv[7:]:
    name, value = item.split(":", 1)
    headers[name.strip()] = value.strip()
if body is not None:
    headers["Content-Type"] = "application/json"

context = ssl.create_default_context(cafile=ca_file)
connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
started = time.monotonic()
connection.request(method, path, body=body, headers=headers)
response = connection.getresponse()
arrivals, pending = [], b""
while True:
    chunk = response.read1(65536)
    if not chunk:
        break
    pending += chunk
    while b"\n\n" in pending:
        _, pending = pending.split(b"\n\n", 1)
        arrivals.append(round(time.monotonic() - started, 3))
print(json.dumps({"status": response.status,
                  "content_type": response.getheader("Content-Type"),
                  "arrivals": arrivals}))
