#!/usr/bin/env python3
"""identity_origin.py: a test origin that records what reaches it: every request's method, target,
headers and body as one JSON line in LOG. GET *.flv answers an FLV header and two empty tags (a
stream that ends); POST /rtc/v1/whip/ or /rtc/v1/whep/ answers 201 with an SDP answer and a Location.
   identity_origin.py ADDR PORT LOG"""
import http.server
import json
import socketserver
import sys

ANSWER = ("v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
          "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:orig\r\n"
          "a=ice-pwd:originpasswordoriginpass\r\na=fingerprint:sha-256 00:11\r\na=setup:passive\r\n"
          "a=sendrecv\r\na=rtpmap:96 H264/90000\r\n"
          "a=candidate:1 1 udp 2130706431 198.18.4.2 8000 typ host\r\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def record(self, body=b""):
        with open(sys.argv[3], "a") as f:
            f.write(json.dumps({"method": self.command, "target": self.path,
                                "headers": [[k, v] for k, v in self.headers.items()],
                                "body": body.decode("utf-8", "replace")}) + "\n")

    def do_GET(self):
        self.record()
        flv = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"
        self.send_response(200)
        self.send_header("Content-Type", "video/x-flv")
        self.send_header("Content-Length", str(len(flv)))
        self.end_headers()
        self.wfile.write(flv)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.record(body)
        out = ANSWER.encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/sdp")
        self.send_header("Location", "/rtc/v1/whip/?action=delete&session=s1")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
