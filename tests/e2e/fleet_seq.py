#!/usr/bin/python3
# fleet_seq.py: a numbered live stream for the fleet failover test, and its count at the origin.
#   send HOST PORT      UDP datagrams of 1316 bytes (sequence number, send time in ns, a pattern) every
#                       2 ms to HOST:PORT (srt-live-transmit's input) until SIGTERM
#   last FILE           the send time (ns) of the last whole record in FILE (0: none yet)
#   count FILE [T_NS]   FILE: what the origin wrote (the payloads, back to back); prints one JSON line:
#                       records, intact, damaged, first/last sequence, lost (missing in between), the
#                       longest hole in send time between two consecutive arrivals (gap_ms) and, with
#                       T_NS (a time on the sender's clock), the first sequence sent after it that arrived
import json
import signal
import socket
import struct
import sys
import time

REC = 1316


_patterns = {}


def pattern(seq):
    """The bytes after the header of record seq (256 variants, cached)."""
    v = (seq * 7) & 0xFF
    if v not in _patterns:
        _patterns[v] = bytes((v + k) & 0xFF for k in range(REC - 12))
    return _patterns[v]


def send(host, port):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    seq = 0
    nxt = time.monotonic()
    while not stop:
        s.sendto(struct.pack(">IQ", seq, time.time_ns()) + pattern(seq), (host, port))
        seq += 1
        nxt += 0.002
        delay = nxt - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def count(path, t_ns):
    d = open(path, "rb").read()
    got = {}
    damaged = 0
    for off in range(0, len(d) - REC + 1, REC):
        r = d[off:off + REC]
        seq, ts = struct.unpack(">IQ", r[:12])
        if r[12:] != pattern(seq):
            damaged += 1
            continue
        got.setdefault(seq, ts)
    out = {"records": len(d) // REC, "intact": len(got), "damaged": damaged}
    if got:
        seqs = sorted(got)
        out.update(first=seqs[0], last=seqs[-1], lost=seqs[-1] - seqs[0] + 1 - len(seqs))
        gap, at = 0, None
        for a, b in zip(seqs, seqs[1:]):
            if got[b] - got[a] > gap:
                gap, at = got[b] - got[a], a
        out.update(gap_ms=round(gap / 1e6, 1), gap_after_seq=at)
        if t_ns:
            after = [q for q in seqs if got[q] > t_ns]
            out["resumed_seq"] = after[0] if after else None
            out["after_event"] = len(after)
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "last":
        with open(sys.argv[2], "rb") as f:
            n = f.seek(0, 2) // REC
            f.seek(max(n - 1, 0) * REC)
            r = f.read(REC)
        print(struct.unpack(">IQ", r[:12])[1] if len(r) == REC else 0)
    else:
        count(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
