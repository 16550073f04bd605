#!/usr/bin/env python3
"""origin_guard.py: helpers of test_origin_guard.sh.
forward LISTEN TARGET COUNTFILE: a TCP forwarder 127.0.0.1:LISTEN -> 127.0.0.1:TARGET that writes how many
  connections it accepted to COUNTFILE (what a loop through it would multiply).
flood PORT N SRC: N origin registrations (distinct names) to the System API on one keep-alive connection
  from source address SRC; prints "<status> <count>" per status seen."""
import http.client
import json
import socket
import sys
import threading


def forward(listen, target, countfile):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen))
    srv.listen(512)
    n = 0

    def pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    while True:
        c, _ = srv.accept()
        n += 1
        with open(countfile, "w") as f:
            f.write(str(n))
        try:
            t = socket.create_connection(("127.0.0.1", target))
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, t), daemon=True).start()
        threading.Thread(target=pipe, args=(t, c), daemon=True).start()


def flood(port, count, src):
    codes = {}
    conn = None
    for i in range(count):
        body = json.dumps({"ip": "198.18.9.9", "server": "fake%d" % i, "service": "svc", "pid": "1",
                           "rtmp": ["1935"], "http": ["8080"]})
        for _ in range(2):
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(src, 0))
                conn.request("POST", "/api/v1/srs/register", body, {"Content-Type": "application/json"})
                r = conn.getresponse()
                r.read()
                codes[r.status] = codes.get(r.status, 0) + 1
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (OSError, http.client.HTTPException):
                conn = None
    for k, v in sorted(codes.items()):
        print(k, v)


if __name__ == "__main__":
    if sys.argv[1] == "forward":
        forward(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "flood":
        flood(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
