#!/usr/bin/python3
# whip_page.py: an https page for the Chromium e2e test: GET / serves a page whose script takes the fake
# camera and microphone (getUserMedia), POSTs its WHIP offer (ICE gathered, no trickle) to --whip and
# sends media; the page POSTs its state to /report every second, the test reads the last one with GET
# /test/report (JSON: ice, rtp_sent, status, answer, error).
import argparse
import json
import os
import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>whip publish</title></head><body>
<script>
const WHIP = %s;
const state = {ice: "new", rtp_sent: 0, status: 0, answer: "", error: ""};
const report = () => fetch("/report", {method: "POST", body: JSON.stringify(state)}).catch(() => {});
(async () => {
  try {
    const media = await navigator.mediaDevices.getUserMedia({audio: true, video: true});
    const pc = new RTCPeerConnection();
    for (const t of media.getTracks()) pc.addTransceiver(t, {direction: "sendonly"});
    pc.oniceconnectionstatechange = () => { state.ice = pc.iceConnectionState; report(); };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise(done => {
      if (pc.iceGatheringState === "complete") return done();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && done();
      setTimeout(done, 5000);
    });
    const r = await fetch(WHIP, {method: "POST", headers: {"Content-Type": "application/sdp"},
                                 body: pc.localDescription.sdp});
    state.status = r.status;
    state.answer = await r.text();
    if (r.status !== 201) throw new Error("WHIP POST answered " + r.status);
    await pc.setRemoteDescription({type: "answer", sdp: state.answer});
    setInterval(async () => {
      let sent = 0;
      (await pc.getStats()).forEach(s => { if (s.type === "outbound-rtp") sent += s.packetsSent; });
      state.rtp_sent = sent;
      state.ice = pc.iceConnectionState;
      report();
    }, 1000);
  } catch (e) {
    state.error = String(e);
  }
  report();
})();
</script></body></html>
"""

last = {}
lock = threading.Lock()
args = None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *a):
        sys.stderr.write("page: " + fmt % a + "\n")

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global last
        if self.path == "/":
            with lock:
                last = {}  # a new page load: nothing reported yet
            self.reply(200, (PAGE % json.dumps(args.whip)).encode(), "text/html; charset=utf-8")
        elif self.path == "/test/report":
            with lock:
                self.reply(200, json.dumps(last).encode(), "application/json")
        else:
            self.reply(404, b"", "text/plain")

    def do_POST(self):
        global last
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/report":
            with lock:
                last = json.loads(body)
            self.reply(204, b"", "text/plain")
        else:
            self.reply(404, b"", "text/plain")


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="ip:port or [ipv6]:port")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--whip", required=True, help="the appliance's https WHIP URL")
    args = p.parse_args()
    host, port = args.listen.rsplit(":", 1)
    host = host.strip("[]")

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    srv = Server((host, int(port)), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *a: os._exit(0))
    sys.stderr.write("page: listening on %s\n" % args.listen)
    srv.serve_forever()


if __name__ == "__main__":
    main()
