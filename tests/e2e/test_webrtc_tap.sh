#!/usr/bin/env bash
# test_webrtc_tap.sh: in the default TAP mode the appliance answers ping, and a burst of random and
# truncated datagrams to 8000/udp leaves it running with every datagram counted as a drop by reason.
# Own TAP name, subnet, ports and file prefix, so it does not meet the default mp0 instance.
set -euo pipefail
build=${MP_BUILD_DIR:?}
TAP=mpw0
HOST_IP=198.18.60.1
US=198.18.60.2
API=13025
log=$(mktemp /tmp/mpw-e2e-tap.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
	ip link del "$TAP" 2>/dev/null || true
	rm -rf "/var/run/dpdk/mpw-e2e-$$"
	rm -f "$log"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$log" 2>/dev/null || true; exit 1; }
pass() { echo "ok - $*"; passed=$((passed + 1)); }
passed=0

"$build/mediaplane" --file-prefix="mpw-e2e-$$" -- --tap-name=$TAP --tap-host-ip=$HOST_IP/24 \
	--public-ip=$US/24 --public-gateway=$HOST_IP --system-api-listen=127.0.0.1:$API --api-listen=off \
	--http-listen=off --rtmp-listen=off --idle-sleep-us=50 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	grep -q "running (pid" "$log" && break
	kill -0 "$pid" 2>/dev/null || fail "the appliance exited"
	sleep 0.1
done
grep -q "running (pid" "$log" || fail "the appliance did not start"
grep -q "default mode: TAP $TAP" "$log" || fail "not in the default TAP mode"
pass "default TAP mode on $TAP"

ping -c 3 -i 0.2 -W 2 -I $TAP $US >/dev/null || fail "ping $US not answered"
pass "ping $US is answered"

counters() { curl -s "http://127.0.0.1:$API/api/v1/dataplane"; }
tx_dropped() { cat "/sys/class/net/$TAP/statistics/tx_dropped"; }
before=$(counters)
kdrop0=$(tx_dropped)
# 3000 datagrams: random bytes, STUN-looking headers that lie about their length, USERNAME attributes
# that run past the end, empty ones, and well-formed STUN with a USERNAME nobody stored.
sent=$(python3 - $US <<'PY'
import random, socket, struct, sys, time
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
dst = (sys.argv[1], 8000)
def stun(body, blen=None):
    h = struct.pack("!HHI12s", 1, len(body) if blen is None else blen, 0x2112A442, bytes(12))
    return h + body
n = 0
for i in range(3000):
    k = i % 6
    if k == 0:
        p = bytes(random.getrandbits(8) for _ in range(random.randint(0, 1400)))
    elif k == 1:
        p = stun(b"")[: random.randint(0, 19)]                       # truncated header
    elif k == 2:
        p = stun(struct.pack("!HH", 6, 200) + b"u" * 8, blen=12)     # USERNAME past the end
    elif k == 3:
        p = stun(bytes(random.getrandbits(8) for _ in range(40)), blen=random.randint(0, 0xffff) & ~3)
    elif k == 4:
        p = b""
    else:
        u = b"nobody:%d" % i
        p = stun(struct.pack("!HH", 6, len(u)) + u + b"\0" * (-len(u) % 4))
    s.sendto(p, dst)
    n += 1
    if i % 50 == 49:
        time.sleep(0.002)
print(n)
PY
)
sleep 1
kill -0 "$pid" 2>/dev/null || fail "the appliance died under the burst"
after=$(counters)
kdrop=$(( $(tx_dropped) - kdrop0 ))
python3 - "$before" "$after" "$sent" "$kdrop" <<'PY' || fail "counters: $after"
import json, sys
b = json.loads(sys.argv[1])["data"]["total"]
a = json.loads(sys.argv[2])["data"]["total"]
sent, kdrop = int(sys.argv[3]), int(sys.argv[4])
d = lambda r: a["drop_reasons"][r] - b["drop_reasons"][r]
got = d("no_session") + d("stun_unknown")
assert got == sent - kdrop, (got, sent, kdrop, a["drop_reasons"])
assert d("stun_unknown") == 500, a["drop_reasons"]
assert a["sessions_created"] == 0, a
assert a["lookup_misses"] - b["lookup_misses"] == got, a
print("counted %d of %d sent (%d lost in the kernel before the TAP)" % (got, sent, kdrop))
PY
pass "$sent random and truncated datagrams to 8000/udp counted as drops (no_session, stun_unknown)"

ping -c 2 -i 0.2 -W 2 -I $TAP $US >/dev/null || fail "ping not answered after the burst"
curl -sf "http://127.0.0.1:$API/api/v1/versions" >/dev/null || fail "System API gone"
pass "still answering after the burst"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" = 0 ] || fail "exit status $rc on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
