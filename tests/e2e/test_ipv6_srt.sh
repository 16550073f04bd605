#!/usr/bin/env bash
# test_ipv6_srt.sh: an SRT publisher on IPv6 reaches an IPv4 origin through the appliance (2 workers, af_packet,
# public_ip6): ffmpeg publishes to srt://[2001:db8:1::2]:10080, srt-live-transmit in the origin's
# namespace (IPv4 only, no route to the client) writes what arrives, ffprobe finds H.264 and AAC of
# the duration sent; the appliance counts the translated frames both ways.
set -euo pipefail
export TOPO_PREFIX=mp6s-e2e TOPO_QPAIRS=2 TOPO_API_PORT=${TOPO_API_PORT:-13160}
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/lib/srt_media.sh"
TOPO_EXC_TAP=mp6s$TOPO_ID
netns_workdir mp6s-srt
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$TOPO_API_PORT
CLIENT_IP6=2001:db8:1::1
PUBLIC_IP6=2001:db8:1::2
SID_PUB='#!::r=live/v6stream,m=publish'

topo_up
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
ip -n "$NS_O" -6 addr flush dev o0 2>/dev/null || true
appliance_start --workers=2 --public-ip6="$PUBLIC_IP6/64" || fail "start"

curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
	-d "{\"device_id\":\"o1\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srs-e2e6\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:10081\"]}" \
	>/dev/null || fail "register origin"
srt_publish_probed "[$PUBLIC_IP6]" "$SID_PUB"
pass "ffmpeg SRT publish over IPv6 -> IPv4 srt-live-transmit origin: H.264 + AAC, ${dur}s"

stats=$(curl -s "$API/api/v1/dataplane")
python3 - "$stats" <<'PY' || fail "counters: $stats"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
assert t["srt_handshakes"] >= 1, t
assert t["ip6_translated_in"] >= 100, t
assert t["ip6_translated_out"] >= 3, t   # handshake answers and the origin's ACKs
assert t["drop_reasons"]["ip6_clients_full"] == 0, t
PY
pass "counters: SRT handshake through the origin, frames translated both ways"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
