#!/usr/bin/env python3
"""ship_sink.py LOG PORTFILE [CERT KEY]: an endpoint that takes every [ship] INSERT.

Listens on 127.0.0.1 (a free port, written to PORTFILE once it listens)
as ClickHouse's HTTP interface would, for the shipper alone: every POST
is answered 200 after its whole body was read, and a line "TABLE ROWS
BYTES LONGEST" (the table of the query's INSERT, the body's JSON lines,
its length and its longest line's) is appended to LOG. Keeps nothing else: what the recorder sends
costs it nothing to hold. With CERT and KEY (PEM files), over HTTPS with
that certificate. Runs until killed.
"""
import http.server, os, re, ssl, sys, urllib.parse

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # libcurl keeps the connection

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("query", [""])[0]
        m = re.match(r"INSERT INTO \w+\.(\w+) FORMAT JSONEachRow", q)
        lines = body.split(b"\n")
        longest = max(len(x) + 1 for x in lines)
        with open(sys.argv[1], "a") as log:
            log.write(f"{m.group(1) if m else '?'} {len(lines) - 1} {len(body)} {longest}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

srv = http.server.HTTPServer(("127.0.0.1", 0), Sink)
if len(sys.argv) > 4:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
srv.serve_forever()
