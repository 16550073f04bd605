#!/usr/bin/env bash
# test_ipv6_origin_whip.sh: WebRTC to an origin whose media link has only IPv6 (issue 16: IPv6 origins on
# the data plane). The aiortc origin gathers on 2001:db8:7::1 only and registers "ip":"2001:db8:7::1",
# "rtc":["udp://[2001:db8:7::1]:8000"] (its HTTP API on the IPv4 management veth); the appliance has
# private_ip6 2001:db8:7::2. An aiortc WHIP publisher on the client's IPv4 address, then one on its
# IPv6 address, send media: the answer names only the appliance (the origin's IPv6 candidate and
# default address rewritten), ICE and media cross the appliance to the origin over IPv6 from its NAT
# ports, and the origin counts the RTP that arrived from each. Then a WHEP player over IPv4 receives
# the IPv6 origin's RTP back.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
# Names, ports, subnets and EAL prefix of this test alone (whip_topo.sh's functions read them).
mph_names mp6w 198.19.147 0 13871
CLIENT_IP6=2001:db8:6::1
PUBLIC_IP6=2001:db8:6::2
ORIGIN_IP6=2001:db8:7::1
PRIVATE_IP6=2001:db8:7::2
netns_workdir mp6w-whip
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }
origin_rtp() {
	curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats" |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)["inbound_rtp_packets"])'
}

mph_up
# The client has both families on its link; the origin only IPv6 on its media link.
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
ip -n "$NS_O" -4 addr flush dev o0
netns_ip6 "$NS_O" o0 "$ORIGIN_IP6/64"
mph_appliance_start --public-ip6="$PUBLIC_IP6/64" --private-ip6="$PRIVATE_IP6/64" || fail "start"
ORIGIN_IP=$ORIGIN_IP6 mph_origin_start || fail "origin start"
curl -s -f -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" \
	-d "{\"device_id\":\"t6\",\"ip\":\"$ORIGIN_IP6\",\"server\":\"vid-origin6\",\"service\":\"svc1\",\"pid\":\"4243\",
	\"api\":[\"$MGMT_ORIGIN:$ORIGIN_API_PORT\"],\"rtc\":[\"udp://[$ORIGIN_IP6]:8000\"]}" >/dev/null || fail "register"
if ip netns exec "$NS_O" ping -6 -c 1 -W 1 "$CLIENT_IP6" >/dev/null 2>&1; then fail "the origin reaches the client directly"; fi
pass "the origin has only IPv6 towards the appliance and no route to the client"

# publish FAMILY IP STREAM: an aiortc WHIP publisher gathering on IP only; the origin's RTP count grows.
publish() {
	local before after out
	before=$(origin_rtp)
	out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$2" --seconds 4 \
		--answer-out "$WORK/answer-$3.sdp" --url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=$3") ||
		fail "$1 client: $out; answer: $(cat "$WORK/answer-$3.sdp" 2>/dev/null); dataplane: $(sysapi /api/v1/dataplane)"
	answer=$(cat "$WORK/answer-$3.sdp")
	[[ $answer == *" $PUBLIC_IP 8000 typ host"* ]] || fail "no IPv4 candidate of ours in the answer: $answer"
	[[ $answer == *" $PUBLIC_IP6 8000 typ host"* ]] || fail "no IPv6 candidate of ours in the answer: $answer"
	[[ $answer != *"$ORIGIN_IP6"* ]] || fail "the origin's address is in the answer: $answer"
	wait_until 10 eval '[ "$(origin_rtp)" -gt "$before" ]' || fail "$1: the origin's RTP count stayed at $before"
	after=$(origin_rtp)
	pass "$1 WHIP publisher -> IPv6 origin: ICE connected, the origin received $((after - before)) RTP packets ($out)"
}
publish IPv4 "$CLIENT_IP" v4media
publish IPv6 "$CLIENT_IP6" v6media

dp=$(sysapi /api/v1/dataplane)
"$PY" - "$dp" <<'PY' || fail "data plane counters: $dp"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
assert t["sessions_created"] >= 2, t
assert t["ip6_translated_in"] >= 20, t   # the origin's answers (STUN, DTLS, RTCP) and the IPv6 client's media
assert t["ip6_translated_out"] >= 100, t # every datagram to the origin
assert t["drop_reasons"]["ip6_clients_full"] == 0, t
PY
pass "the data plane translated to and from the IPv6 origin"

# while an IPv6 publisher is live, the System API names the origin's media address, the sessions'
# origin and client by their IPv6 addresses (not their stand-ins in 0.0.0.0/8)
netns_bg "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_IP6" --until "$WORK/stop" \
	--url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=listed" >"$WORK/listed.log" 2>&1
live_session() { [[ $(sysapi /api/v1/sessions) == *'"kind":"webrtc"'* ]]; }
wait_until 20 live_session || fail "no live session: $(sysapi /api/v1/sessions)"
webrtc=$(sysapi /api/v1/webrtc)
sessions=$(sysapi /api/v1/sessions)
touch "$WORK/stop"
wait "${NETNS_PIDS[-1]}" || fail "the listed publisher: $(cat "$WORK/listed.log")"
[[ $webrtc == *"\"media\":\"[$ORIGIN_IP6]:"* ]] || fail "ICE usernames' media address: $webrtc"
[[ $sessions == *"\"origin\":\"[$ORIGIN_IP6]:"* ]] || fail "sessions' origin: $sessions"
[[ $sessions == *"\"client\":\"[$CLIENT_IP6]:"* ]] || fail "sessions' client: $sessions"
[[ "$webrtc$sessions" != *'"0.'* ]] || fail "a stand-in in the listings: $webrtc $sessions"
[[ $(<"$APPLIANCE_LOG") == *"media [$ORIGIN_IP6]:"* ]] || fail "the answer's log line does not name the origin's media address"
pass "the System API (and the answer's log line) name the media address and the sessions' origin as [$ORIGIN_IP6], the client as [$CLIENT_IP6]"

out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --play --ip "$CLIENT_IP" --seconds 3 \
	--url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whep/?app=live&stream=v4media") ||
	fail "WHEP client: $out; dataplane: $(sysapi /api/v1/dataplane)"
pass "WHEP over IPv4: the player received the IPv6 origin's RTP through the appliance ($out)"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
