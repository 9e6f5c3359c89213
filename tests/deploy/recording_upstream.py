"""A stand-in upstream for the nginx test: shows nginx's proxy headers and streams Server-Sent
Events slowly, so the test can see what nginx forwards and whether it buffers. It stands in
for the service only where the service has no such route yet (a streamed chat); /health and
the body limit are checked against the real binary.

usage: recording_upstream.py PORT
  GET  /echo-headers         -> 200, JSON object of the request headers nginx sent
  any  <other path>          -> 200 text/event-stream: EVENTS events, GAP seconds apart
"""
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EVENTS = 5
GAP = 0.4


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path == "/echo-headers":
            body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index in range(EVENTS):
            event = f"event: delta\ndata: {{\"index\": {index}}}\n\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
            time.sleep(GAP)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = answer
    do_POST = answer


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
