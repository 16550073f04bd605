#!/usr/bin/python3
# stun_attack.py: the STUN hijack of issue 11 item 10 for the e2e tests. From one UDP socket, sends STUN Binding
# requests that name known ICE USERNAMEs with USE-CANDIDATE (as a controlling agent nominating its own address
# would), either without MESSAGE-INTEGRITY or with one keyed by a wrong password, then listens for anything the
# appliance sends to that socket. Prints one JSON line: {"sent": N, "received": packets, "received_bytes": bytes}.
import argparse
import binascii
import hashlib
import hmac
import json
import os
import socket
import struct
import time

MAGIC = 0x2112A442


def attr(t, v):
    return struct.pack(">HH", t, len(v)) + v + b"\0" * (-len(v) % 4)


def binding_request(username, integrity_key):
    """RFC 8445 7.2.2 check: USERNAME, PRIORITY, ICE-CONTROLLING, USE-CANDIDATE [, MESSAGE-INTEGRITY], FINGERPRINT."""
    tid = os.urandom(12)
    body = (attr(0x0006, username.encode()) + attr(0x0024, struct.pack(">I", 0x6E7F00FF)) +
            attr(0x802A, os.urandom(8)) + attr(0x0025, b""))
    if integrity_key is not None:
        # RFC 5389 15.4: HMAC-SHA1 over the message up to the attribute, length counting it.
        head = struct.pack(">HHI", 0x0001, len(body) + 24, MAGIC) + tid
        mac = hmac.new(integrity_key, head + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    head = struct.pack(">HHI", 0x0001, len(body) + 8, MAGIC) + tid
    crc = (binascii.crc32(head + body) ^ 0x5354554E) & 0xFFFFFFFF
    return head + body + attr(0x8028, struct.pack(">I", crc))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--src", required=True, help="the attacker's address")
    p.add_argument("--dst", required=True, help="ip:port of the appliance's WebRTC port")
    p.add_argument("--username", action="append", required=True, help="an ICE USERNAME to claim (repeatable)")
    p.add_argument("--integrity", choices=["none", "wrong"], required=True)
    p.add_argument("--count", type=int, default=5, help="requests per username")
    p.add_argument("--interval", type=float, default=0.1, help="seconds between requests (under session_rate)")
    p.add_argument("--listen", type=float, default=3.0, help="seconds to listen after the last request")
    args = p.parse_args()
    host, port = args.dst.rsplit(":", 1)
    key = None if args.integrity == "none" else b"not-the-ice-pwd-of-this-session"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.src, 0))
    s.settimeout(0.01)
    out = {"source": "%s:%d" % s.getsockname(), "sent": 0, "received": 0, "received_bytes": 0}

    def listen_until(end):
        while time.monotonic() < end:
            try:
                b = s.recv(4000)
            except socket.timeout:
                continue
            out["received"] += 1
            out["received_bytes"] += len(b)

    for _ in range(args.count):
        for u in args.username:
            s.sendto(binding_request(u, key), (host, int(port)))
            out["sent"] += 1
            listen_until(time.monotonic() + args.interval)
    listen_until(time.monotonic() + args.listen)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
