#!/usr/bin/env bash
# test_webrtc_tap.sh: in the default TAP mode the appliance answers ping, and bursts of random and
# truncated datagrams to 8000/udp leave it running with every datagram it received dropped for the
# right reason: malformed ones as no_session, well-formed STUN with a USERNAME nobody stored as
# stun_unknown, and its counters agree with each other (received = replied + to the kernel + dropped).
# The kernel's TAP queue may lose some of what the sender pushed while the worker is descheduled: the
# checks are on what the appliance received, never on what was sent.
# Own TAP name, subnet, ports and file prefix, so it does not meet the default mp0 instance.
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
TAP=mpw0
HOST_IP=198.18.60.1
US=198.18.60.2
API=13025
netns_at_exit 'ip link del "$TAP" 2>/dev/null || true'

appliance_run "mpw-e2e-$$" -- --tap-name=$TAP --tap-host-ip=$HOST_IP/24 \
	--public-ip=$US/24 --public-gateway=$HOST_IP --system-api-listen=127.0.0.1:$API --api-listen=off \
	--http-listen=off --rtmp-listen=off --idle-sleep-us=50 || fail "the appliance did not start"
grep -q "default mode: TAP $TAP" "$APPLIANCE_LOG" || fail "not in the default TAP mode"
pass "default TAP mode on $TAP"

ping -c 3 -i 0.2 -W 5 -I $TAP $US >/dev/null || fail "ping $US not answered"
pass "ping $US is answered"

# burst KIND: datagrams of one kind to 8000/udp; prints how many were sent.
#   malformed: random bytes, STUN-looking headers that lie about their length, USERNAME attributes that
#              run past the end, empty datagrams (2500)
#   stun:      well-formed STUN Binding requests with a USERNAME nobody stored (500)
burst() {
	python3 - "$US" "$1" <<'PY'
import random, socket, struct, sys, time
random.seed(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
dst, kind = (sys.argv[1], 8000), sys.argv[2]
def stun(body, blen=None):
    return struct.pack("!HHI12s", 1, len(body) if blen is None else blen, 0x2112A442, bytes(12)) + body
n = 0
for i in range(2500 if kind == "malformed" else 500):
    k = i % 5
    if kind == "stun":
        u = b"nobody:%d" % i
        p = stun(struct.pack("!HH", 6, len(u)) + u + b"\0" * (-len(u) % 4))
    elif k == 0:
        p = bytes(random.getrandbits(8) for _ in range(random.randint(0, 1400)))
    elif k == 1:
        p = stun(b"")[: random.randint(0, 19)]                       # truncated header
    elif k == 2:
        p = stun(struct.pack("!HH", 6, 200) + b"u" * 8, blen=12)     # USERNAME past the end
    elif k == 3:
        p = stun(bytes(random.getrandbits(8) for _ in range(40)), blen=random.randint(0, 0xffff) & ~3)
    else:
        p = b""
    s.sendto(p, dst)
    n += 1
    if i % 50 == 49:
        time.sleep(0.002)
print(n)
PY
}

# settled: the data plane's counters once they stop moving (two reads 0.3 s apart agree), within 60 s.
settled() {
	python3 - "$API" <<'PY'
import json, sys, time, urllib.request
url = "http://127.0.0.1:%s/api/v1/dataplane" % sys.argv[1]
read = lambda: json.load(urllib.request.urlopen(url, timeout=5))["data"]["total"]
end, prev = time.monotonic() + 60, None
while time.monotonic() < end:
    t = read()
    if prev is not None and t["rx_packets"] == prev["rx_packets"]:
        print(json.dumps(t))
        sys.exit(0)
    prev = t
    time.sleep(0.3)
sys.exit("the data plane's counters did not settle in 60 s")
PY
}

# check BEFORE AFTER SENT REASON OTHER: over the burst, every frame the appliance received is accounted
# for (replied, handed to the kernel or dropped by a reason; none forwarded, no session made), every
# datagram of the burst that arrived missed the session lookup and was dropped as REASON, none as OTHER.
check() {
	python3 - "$@" <<'PY'
import json, sys
b, a = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sent, reason, other = int(sys.argv[3]), sys.argv[4], sys.argv[5]
d = lambda k: a[k] - b[k]
dr = lambda r: a["drop_reasons"][r] - b["drop_reasons"][r]
rx = d("rx_packets")
accounted = d("arp_replies") + d("icmp_echo_replies") + d("exception_to_kernel") + d("drops") - dr("tx_full")
assert rx == accounted, ("received %d, accounted for %d" % (rx, accounted), b, a)
# nothing forwarded: all it sent were replies and its own ARP requests
assert d("sessions_created") == 0, (b, a)
assert d("tx_packets") <= d("arp_replies") + d("icmp_echo_replies") + d("arp_requests"), (b, a)
got = dr(reason)
assert 0 < got <= sent, ("%d of %d dropped as %s" % (got, sent, reason), a["drop_reasons"])
assert dr(other) == 0, ("%d dropped as %s" % (dr(other), other), a["drop_reasons"])
assert d("lookup_misses") == got, ("lookup misses %d, %s %d" % (d("lookup_misses"), reason, got), a)
# what else arrived in the window (the host's ARP, IPv6 solicitations) is small and was not the burst
assert rx - got <= 50, ("%d frames besides the burst" % (rx - got), b["drop_reasons"], a["drop_reasons"])
print("received %d frames: %d of the %d sent dropped as %s, %d others (%d lost before the appliance)"
      % (rx, got, sent, reason, rx - got, sent - got))
PY
}

# burst_dropped KIND REASON OTHER: a burst of KIND; what the appliance received of it dropped as REASON
burst_dropped() {
	local before after sent out
	before=$(settled) || fail "counters: $before"
	sent=$(burst "$1")
	kill -0 "$APPLIANCE_PID" 2>/dev/null || fail "the appliance died under the $1 burst"
	after=$(settled) || fail "counters: $after"
	out=$(check "$before" "$after" "$sent" "$2" "$3") || fail "$1 burst: $out"
	echo "$out"
}
burst_dropped malformed no_session stun_unknown
pass "random, truncated and empty datagrams to 8000/udp: each one received dropped as no_session, counters agree"
burst_dropped stun stun_unknown no_session
pass "STUN with a USERNAME nobody stored: each one received dropped as stun_unknown, counters agree"

ping -c 2 -i 0.2 -W 5 -I $TAP $US >/dev/null || fail "ping not answered after the burst"
curl -sf "http://127.0.0.1:$API/api/v1/versions" >/dev/null || fail "System API gone"
pass "still answering after the burst"

appliance_stop || fail "exit status $? on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
