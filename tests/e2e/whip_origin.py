#!/usr/bin/python3
# whip_origin.py: a WebRTC origin for the e2e tests, answering WHIP/WHEP (and SRS's legacy JSON API)
# like SRS does (201, Location with app/stream/session in the query), with aiortc as the answerer.
# It records every request it gets (GET /test/requests) and counts the RTP it receives
# (GET /test/stats), so a test can check what crossed the appliance; "silences" there lists each time a
# received track went more than 100 ms without a frame: [ms, Unix ms when it ended] (a failover's hole).
import argparse
import asyncio
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aioice.ice
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaBlackhole
from aiortc.mediastreams import AudioStreamTrack

args = None
loop = None
requests = []
sessions = {}  # username -> RTCPeerConnection
lock = threading.Lock()
counter = 0


def strip_abs_send_time(sdp):
    # Debian's aiortc 1.4 crashes its receive loop on RTP carrying the abs-send-time header
    # extension: leave it out of the offer, so the answer does not accept it.
    return "".join(l for l in sdp.splitlines(True) if "abs-send-time" not in l)


# An address in the test range that no namespace routes: a candidate the origin's checks never reach
# (of the origin's own family: an IPv6 origin, --media-ip an IPv6 address, pairs only IPv6 ones).
UNREACHABLE_IP = "198.19.255.1"
UNREACHABLE_IP6 = "2001:db8:ffff::1"


def with_own_family_candidate(sdp):
    # aioice (full ICE) fails at once when no candidate of the offer pairs with its own IPv4 one (an
    # IPv6-only client behind the appliance: the origin only ever meets it as the appliance's IPv4 NAT
    # address, a peer-reflexive candidate once the client's checks arrive; SRS, ICE-lite, does not
    # care). An unreachable IPv4 candidate keeps the check list open until then, as the IPv4 client's
    # own unroutable candidate does in the other tests.
    # An IPv6 origin likewise meets every client as the appliance's IPv6 NAT address.
    # Offers without candidates (trickle ICE) or with one of the origin's family are left as they are.
    v6 = ":" in args.media_ip
    own = r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*" if v6 else r"\d+\.\d+\.\d+\.\d+"
    if not re.search(r"^a=candidate:", sdp, re.M) or re.search(r"^a=candidate:\S+ \d+ \S+ \d+ %s " % own, sdp, re.M):
        return sdp
    m = re.search(r"^a=mid:.*\r?\n", sdp, re.M)
    if not m:
        return sdp
    line = "a=candidate:unreach 1 udp 1 %s 9 typ host\r\n" % (UNREACHABLE_IP6 if v6 else UNREACHABLE_IP)
    return sdp[:m.end()] + line + sdp[m.end():]


def ufrag(sdp):
    m = re.search(r"^a=ice-ufrag:(\S+)", sdp, re.M)
    return m.group(1) if m else ""


silences = []  # [gap ms, Unix ms at its end] per track silence over 100 ms


async def consume(track):
    """Take the track's frames (as MediaBlackhole does), noting each silence over 100 ms."""
    last = None
    while True:
        try:
            await track.recv()
        except Exception:
            return
        now = time.monotonic()
        if last is not None and now - last > 0.1:
            silences.append([round((now - last) * 1000), int(time.time() * 1000)])
        last = now


async def answer(offer_sdp, play):
    pc = RTCPeerConnection()
    sink = MediaBlackhole()

    @pc.on("track")
    def on_track(track):
        asyncio.ensure_future(consume(track))

    offer_sdp = with_own_family_candidate(strip_abs_send_time(offer_sdp))
    await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
    if play:  # WHEP: the origin sends (silence, cheap to encode)
        pc.addTrack(AudioStreamTrack())
    await pc.setLocalDescription(await pc.createAnswer())
    await sink.start()
    return pc, pc.localDescription.sdp


closed_packets = 0  # RTP received by sessions already closed
closed_lost = 0  # and the RTP sequence numbers they never got (aiortc: expected - received per SSRC)


async def pc_inbound(pc):
    got = lost = 0
    for s in (await pc.getStats()).values():
        if getattr(s, "type", "") == "inbound-rtp":
            got += s.packetsReceived
            lost += s.packetsLost
    return got, lost


async def inbound_packets():
    total, lost = closed_packets, closed_lost
    for pc in list(sessions.values()):
        g, l = await pc_inbound(pc)
        total += g
        lost += l
    return total, lost


async def close(username):
    global closed_packets, closed_lost
    pc = sessions.pop(username, None)
    if pc:
        g, l = await pc_inbound(pc)
        closed_packets += g
        closed_lost += l
        await pc.close()


def run(coro):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout=20)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *a):
        sys.stderr.write("origin: " + fmt % a + "\n")

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def record(self, body):
        with lock:
            requests.append({"method": self.command, "target": self.path,
                             "headers": [[k, v] for k, v in self.headers.items()],
                             "body": body.decode("utf-8", "replace")})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/test/requests":
            with lock:
                self.reply(200, json.dumps(requests).encode(), [("Content-Type", "application/json")])
        elif self.path == "/test/stats":
            got, lost = run(inbound_packets())
            st = {"inbound_rtp_packets": got, "inbound_rtp_lost": lost, "sessions": len(sessions),
                  "ice": [pc.iceConnectionState for pc in list(sessions.values())], "silences": list(silences)}
            self.reply(200, json.dumps(st).encode(), [("Content-Type", "application/json")])
        else:
            self.reply(404)

    def do_POST(self):
        global counter
        body = self.body()
        self.record(body)
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        if "refuse" in q:  # a refusal the appliance must pass through as it is
            self.reply(403, b"stream refused by origin\n", [("Content-Type", "text/plain"), ("X-Origin-Reason", "refused")])
            return
        legacy = url.path.startswith("/rtc/v1/publish") or url.path.startswith("/rtc/v1/play")
        offer = json.loads(body)["sdp"] if legacy else body.decode()
        pc, sdp = run(answer(offer, url.path.startswith("/rtc/v1/whep") or url.path.startswith("/rtc/v1/play")))
        if args.no_candidates:  # an origin whose answer names no candidate: the registered rtc endpoint is used
            sdp = "".join(l for l in sdp.splitlines(True) if not l.startswith("a=candidate:"))
        username = ufrag(sdp) + ":" + ufrag(offer)
        sessions[username] = pc
        with lock:
            counter += 1
            n = counter
        if legacy:
            env = {"code": 0, "server": "vid-test", "service": "svc", "pid": "4242", "sdp": sdp, "sessionid": username}
            self.reply(200, json.dumps(env).encode(), [("Content-Type", "application/json")])
            return
        app = q.get("app", ["live"])[0]
        stream = q.get("stream", ["livestream"])[0]
        loc = "/rtc/v1/whip/?action=delete&token=tok%d&app=%s&stream=%s&session=%s" % (n, app, stream, username)
        self.reply(201, sdp.encode(), [("Content-Type", "application/sdp"), ("Location", loc),
                                       ("ETag", '"session-%d"' % n), ("X-Origin-Test", "whip"),
                                       ("Connection", "close"), ("Access-Control-Allow-Origin", "origin-cors")])

    def do_DELETE(self):
        self.body()
        self.record(b"")
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        run(close(q.get("session", [""])[0]))
        self.reply(200, b"", [("X-Origin-Test", "deleted")])

    def do_PATCH(self):
        self.record(self.body())
        self.reply(204, b"", [("X-Origin-Test", "patched")])


def main():
    global args, loop
    p = argparse.ArgumentParser()
    p.add_argument("--listen", required=True, help="ip:port of the HTTP API")
    p.add_argument("--media-ip", required=True, help="the only address ICE gathers on")
    p.add_argument("--no-candidates", action="store_true")
    args = p.parse_args()
    # aioice gathers on every interface but 127.0.0.1; the origin takes media on one address only.
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [args.media_ip]
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    host, port = args.listen.rsplit(":", 1)
    srv = ThreadingHTTPServer((host, int(port)), Handler)
    sys.stderr.write("origin: listening on %s\n" % args.listen)
    # aiortc's worker threads would hold up a normal exit.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *a: os._exit(0))
    srv.serve_forever()


if __name__ == "__main__":
    main()
