#!/usr/bin/python3
# srt_flood.py: hostile SRT callers for the e2e tests (issue 11 item 2), raw UDP built from the INDUCTION and the
# CONCLUSION (stream id "#!::r=live/livestream,m=publish") of a real ffmpeg publish (tests/data/srt-ffmpeg-publish.pcap).
#   replace: from ONE source port, one INDUCTION, then --count CONCLUSIONs that reuse its cookie with a new socket id
#            each (each one a new connection that replaces the last).
#   ports:   a new source port per connection (INDUCTION, then CONCLUSION with the cookie answered), --rate ports per
#            second, until SIGTERM.
# Prints one JSON line of what was sent and answered.
import argparse
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

HS_TYPE, SOCK_ID, COOKIE = 16 + 20, 16 + 24, 16 + 28  # handshake CIF offsets after the 16-byte header
INDUCTION, CONCLUSION = 1, 0xFFFFFFFF


def pcap_handshakes(path):
    """The client's INDUCTION and CONCLUSION (the first of each sent to port 10081) from a pcap (Ethernet)."""
    d = open(path, "rb").read()
    if struct.unpack("<I", d[:4])[0] != 0xA1B2C3D4 or struct.unpack("<I", d[20:24])[0] != 1:
        raise SystemExit("not a little-endian Ethernet pcap: " + path)
    off, found = 24, {}
    while off + 16 <= len(d):
        caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
        frame = d[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ip = frame[14:]
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        dport = struct.unpack(">H", ip[ihl + 2:ihl + 4])[0]
        pl = ip[ihl + 8:]
        if dport != 10081 or len(pl) < 64 or not pl[0] & 0x80 or struct.unpack(">H", pl[:2])[0] & 0x7FFF != 0:
            continue
        t = struct.unpack(">I", pl[HS_TYPE:HS_TYPE + 4])[0]
        found.setdefault(t, bytearray(pl))
    return found[INDUCTION], found[CONCLUSION]


def with_ids(pkt, sock_id, cookie):
    p = bytearray(pkt)
    struct.pack_into(">II", p, SOCK_ID, sock_id, cookie)
    return bytes(p)


def hs_type(b):
    return struct.unpack(">I", b[HS_TYPE:HS_TYPE + 4])[0] if len(b) >= 64 and b[0] & 0x80 else None


def replace(args, ind, conc, out):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((args.src, args.sport))
    s.settimeout(0.5)
    out["source"] = "%s:%d" % s.getsockname()
    cookie = None
    for _ in range(40):  # the INDUCTION (UDP: resent until answered)
        s.sendto(with_ids(ind, 0x1000, 0), args.dst)
        out["inductions_sent"] += 1
        try:
            b = s.recv(2000)
        except socket.timeout:
            continue
        if hs_type(b) == INDUCTION:
            cookie = struct.unpack(">I", b[COOKIE:COOKIE + 4])[0]
            break
    if cookie is None:
        raise SystemExit("no INDUCTION answer")
    out["cookie"] = "%08x" % cookie
    answered = set()
    for i in range(args.count):
        sid = args.first_id + i
        s.sendto(with_ids(conc, sid, cookie), args.dst)
        out["conclusions_sent"] += 1
        if args.wait_answer:  # each connection set up at the origin before the next replaces it
            while sid not in answered and drain(s, out, answered, 0.2):
                pass
        elif i % 32 == 31:
            time.sleep(0.002)  # paced a little, so the af_packet ring keeps most of it
        drain(s, out, answered)
    end = time.monotonic() + args.linger
    while time.monotonic() < end:
        drain(s, out, answered, 0.5)
    out["socket_ids_answered"] = len(answered)


def drain(s, out, answered, timeout=0.0):
    """Counts the answers that have come; with a timeout, first waits that long for one. True if any came."""
    got = False
    s.settimeout(timeout)
    while True:
        try:
            b = s.recv(2000)
        except (BlockingIOError, socket.timeout):
            return got
        got = True
        s.settimeout(0.0)
        t = hs_type(b)
        if t == CONCLUSION:
            out["conclusion_answers"] += 1
            answered.add(struct.unpack(">I", b[12:16])[0])  # the header's destination socket id: ours
        elif t is not None and t >= 1000:
            out["rejections"] += 1


def ports(args, ind, conc, out):
    sel = selectors.DefaultSelector()
    live = []
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    sid = 0x3000
    nxt = time.monotonic()
    while not stop:
        now = time.monotonic()
        if now >= nxt:
            nxt = now + 1.0 / args.rate
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((args.src, 0))
            s.setblocking(False)
            sid += 1
            s.sendto(with_ids(ind, sid, 0), args.dst)
            out["inductions_sent"] += 1
            sel.register(s, selectors.EVENT_READ, sid)
            live.append(s)
            if len(live) > 256:  # oldest connection given up
                old = live.pop(0)
                sel.unregister(old)
                old.close()
        for key, _ in sel.select(timeout=max(0.0, nxt - time.monotonic())):
            try:
                b = key.fileobj.recv(2000)
            except BlockingIOError:
                continue
            t = hs_type(b)
            if t == INDUCTION:
                out["induction_answers"] += 1
                cookie = struct.unpack(">I", b[COOKIE:COOKIE + 4])[0]
                key.fileobj.sendto(with_ids(conc, key.data, cookie), args.dst)
                out["conclusions_sent"] += 1
            elif t == CONCLUSION:
                out["conclusion_answers"] += 1
            elif t is not None and t >= 1000:
                out["rejections"] += 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["replace", "ports"])
    p.add_argument("--pcap", required=True)
    p.add_argument("--src", required=True, help="source address")
    p.add_argument("--sport", type=int, default=0, help="replace: source port (0: any)")
    p.add_argument("--dst", required=True, help="ip:port of the appliance's SRT listener")
    p.add_argument("--count", type=int, default=1500, help="replace: CONCLUSIONs")
    p.add_argument("--first-id", type=lambda v: int(v, 0), default=0x2000, help="replace: first socket id")
    p.add_argument("--wait-answer", action="store_true", help="replace: wait for each connection's answer")
    p.add_argument("--linger", type=float, default=2.0, help="replace: seconds to collect late answers")
    p.add_argument("--rate", type=float, default=300, help="ports: new connections per second")
    args = p.parse_args()
    host, port = args.dst.rsplit(":", 1)
    args.dst = (host, int(port))
    ind, conc = pcap_handshakes(args.pcap)
    out = {k: 0 for k in ("inductions_sent", "induction_answers", "conclusions_sent", "conclusion_answers",
                          "rejections")}
    (replace if args.mode == "replace" else ports)(args, ind, conc, out)
    print(json.dumps(out))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
