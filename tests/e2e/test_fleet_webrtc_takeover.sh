#!/usr/bin/env bash
# test_fleet_webrtc_takeover.sh: issue 14 item 5 for WebRTC — a live WHIP publish (aiortc) through the
# fleet's service address survives kill -9 of the appliance carrying its media WITHOUT an ICE restart or a
# new WHIP session: the survivor finds the session in Redis (keyed by the client's address) and forwards
# it with the same NAT port from the shared service address, so the origin's one peer connection goes on.
# The PoP of test_fleet_srt_takeover.sh (fleet of 2, one redis-server, BIRD with BFD, the router steering
# each NAT share to its appliance); the origin is whip_origin.py (aiortc), its RTP counted by its
# /test/stats. Printed: the route withdrawal, when the survivor read the record, the origin's tracks'
# silences (frames received) and the RTP lost.
set -euo pipefail
FLEET_TAG=mpw FLEET_EAL_PREFIX=mp-fleetw
FLEET_NAT_SHARES="20480-26623 26624-32767"
. "$(dirname "$0")/fleet_topo.sh"

PY=/usr/bin/python3
OAPI=13240
FAIL_LOGS+=("$FLEET_WORK/a.log" "$FLEET_WORK/b.log" "$FLEET_WORK/client.out" "$FLEET_WORK/client.err"
	"$FLEET_WORK/origin.err" "$FLEET_WORK/redis.log")
fail_more() {
	for x in a b; do
		echo "--- appliance $x: sessions: $(fleet_api "$x" "http://127.0.0.1:12025/api/v1/sessions?kind=webrtc" | cut -c1-600)"
		echo "data plane: $(fleet_api "$x" http://127.0.0.1:12025/api/v1/dataplane | "$PY" -c 'import json, sys
t = json.load(sys.stdin)["data"]["total"]
print({k: v for k, v in t.items() if v and k != "drop_reasons"}, {k: v for k, v in t["drop_reasons"].items() if v})' 2>&1)"
	done
	echo "--- router"; ip -n "$NS_R" route || true
}
both="${FLEET_IP[a]} ${FLEET_IP[b]}"
ostats() { ip netns exec "$NS_OR" curl -s -m 5 "http://$FLEET_ORIGIN:$OAPI/test/stats"; }
field() { "$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

fleet_up || fail "topology"
fleet_origin_up
# The router joins every subnet: without these, the origin's ICE checks reach the client's host
# candidate directly and the media may bypass the appliances.
ip -n "$NS_OR" route add blackhole 198.18.12.0/24
ip -n "$NS_CL" route add blackhole 198.18.13.0/24
fleet_redis_up 6392
netns_bg "$NS_OR" "$PY" "$(dirname "$0")/whip_origin.py" --listen "$FLEET_ORIGIN:$OAPI" --media-ip "$FLEET_ORIGIN" \
	2>"$FLEET_WORK/origin.err"
origin_up() { [ -n "$(ostats)" ]; }
wait_until 60 origin_up || fail "the WHIP origin does not listen"
fleet_appliances_on_redis --api-listen=0.0.0.0:1985
for x in a b; do
	out=$(fleet_cli "$x" origin add o1 "$FLEET_ORIGIN" api="$FLEET_ORIGIN:$OAPI" rtc="udp://$FLEET_ORIGIN:8000") ||
		fail "origin add on $x: $out"
done
wait_until 90 nexthops_are "$both" || fail "no ECMP route to $FLEET_VIP: '$(router_nexthops)'"
pass "two appliances announce $FLEET_VIP (fleet of 2 on one Redis)"

# The publisher: WHIP to the service address (whichever appliance answers), media until SIGTERM.
netns_bg "$NS_CL" "$PY" "$(dirname "$0")/whip_client.py" --ip 198.18.12.2 --seconds 0 --connect-timeout 60 --post-retry 60 \
	--url "http://$FLEET_VIP:1985/rtc/v1/whip/?app=live&stream=fleetw" >"$FLEET_WORK/client.out" 2>"$FLEET_WORK/client.err"
client=$!
rtp() { field "$(ostats)" inbound_rtp_packets 2>/dev/null || echo 0; }
flowing() { local r0; r0=$(rtp); sleep 0.5; [ "$(rtp)" -gt "$r0" ]; }
wait_until 90 flowing || fail "no RTP at the origin"
wait_until 30 fleet_carrier webrtc || fail "no appliance holds the WebRTC session"
nat_port() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["sessions"][0]["nat_port"])' "$1"; }
port=$(nat_port "$sess")
rec=""
has_record() { rec=$(rcli --scan --pattern 'mediaplane-session-webrtc:*' | head -1); [ -n "$rec" ]; }
wait_until 20 has_record || fail "the session's record is not in Redis"
pass "live WebRTC publish reaches the origin through appliance $carrier (NAT port $port); record $rec = $(rcli get "$rec")"
sleep 2
st0=$(ostats)

fleet_kill_carrier
r0=$(rtp)
grows() { [ "$(rtp)" -gt $((r0 + 100)) ]; }
wait_until 60 grows || fail "RTP stopped at the origin after kill -9 of $carrier: $(ostats)"
sleep 3
st1=$(ostats)
j=$(fleet_api "$other" "http://127.0.0.1:12025/api/v1/sessions?kind=webrtc")
kill -TERM "$client" 2>/dev/null || true
took=$(grep -m1 "fleet: taking over the WebRTC" "$FLEET_WORK/$other.log" | cut -d' ' -f1) || true
[ -n "$took" ] || fail "appliance $other did not take the session over"
echo "figure: $other read the session's record from Redis $(($(date -d "$took" +%s%3N) - t_kill / 1000000)) ms after the kill"
# The silences of the origin's tracks (frames received, whip_origin.py) that ended after the kill.
"$PY" -c 'import json, sys
st, k = json.loads(sys.argv[1]), int(sys.argv[2])
for ms, end in st["silences"]:
    if end > k:
        print("figure: at the origin a track was silent %d ms, until %d ms after the kill" % (ms, end - k))' "$st1" $((t_kill / 1000000))
echo "figure: at the origin before the kill: $st0"
echo "figure: at the origin after: $st1"
[ "$(field "$st1" sessions)" = 1 ] || fail "the origin has $(field "$st1" sessions) sessions: the client published again"
[[ $st1 == *'"ice": ["completed"]'* || $st1 == *'"ice": ["connected"]'* ]] || fail "the origin's ICE: $st1"
[[ $j == *198.18.12.2* ]] || fail "appliance $other holds no WebRTC session of the client: $j"
[ "$(nat_port "$j")" = "$port" ] || fail "appliance $other forwards from NAT port $(nat_port "$j"), not $port"
echo "figure: $other: $(grep -c "fleet: taking over" "$FLEET_WORK/$other.log") lookup(s) found the record; drops: $(fleet_api "$other" \
	http://127.0.0.1:12025/api/v1/dataplane | "$PY" -c 'import json, sys
t = json.load(sys.stdin)["data"]["total"]
print({k: v for k, v in t["drop_reasons"].items() if v})' 2>&1)"
fleet_survivor_took_one_over
pass "after kill -9 of $carrier the one peer connection goes on through $other (same NAT port $port, no new session)"
echo "PASS"
