#!/usr/bin/env bash
# test_ipv6_whip.sh: an aiortc WHIP publisher whose namespace has only IPv6 towards the appliance
# (2001:db8:6::1/64, no IPv4 on that link; its WHIP/WHEP POSTs go over the management veth, IPv6 only
# too: 2001:db8:6:1::6 to the control plane's dual-stack listener on 2001:db8:6:1::5) sends
# media to an IPv4 aiortc origin through the appliance (public_ip6 2001:db8:6::2): the answer carries
# the appliance's IPv6 host candidate beside the IPv4 one, ICE and media go over IPv6 to the data
# plane, which translates them to IPv4 towards the origin; the origin counts the RTP that arrived.
# Then a WHEP player on the same IPv6-only link receives the origin's RTP back the same way.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
# Names, ports, subnets and EAL prefix of this test alone (whip_topo.sh's functions read them).
mph_names mpws 198.19.146 0 13851
CLIENT_IP6=2001:db8:6::1
PUBLIC_IP6=2001:db8:6::2
netns_workdir mpws-whip6
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }

mph_up
# The client's link to the appliance: IPv6 only.
ip -n "$NS_C" route del default 2>/dev/null || true
ip -n "$NS_C" -4 addr flush dev c0
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
ip -n "$NS_O" -6 addr flush dev o0 2>/dev/null || true
[ -z "$(ip -n "$NS_C" -4 addr show dev c0)" ] || fail "the client's media link has an IPv4 address"
# The client's signalling link (management veth to the control plane's kernel sockets): IPv6 only as well.
MGMT6_HOST=2001:db8:6:1::5
MGMT6_CLIENT=2001:db8:6:1::6
netns_ip6 - "$IF_MC" "$MGMT6_HOST/64"
netns_ip6 "$NS_C" k0 "$MGMT6_CLIENT/64"
ip -n "$NS_C" -4 addr flush dev k0
[ -z "$(ip -n "$NS_C" -4 addr show scope global)" ] || fail "the client namespace still has an IPv4 address"
API6="http://[$MGMT6_HOST]:$API_PORT"
mph_appliance_start --public-ip6="$PUBLIC_IP6/64" || fail "start"
mph_origin_start || fail "origin start"
mph_register || fail "register"
if ip netns exec "$NS_O" ping -6 -c 1 -W 1 "$CLIENT_IP6" >/dev/null 2>&1; then fail "the origin reaches the client directly"; fi
wait_until 20 ip netns exec "$NS_C" ping -6 -c 1 -W 1 "$PUBLIC_IP6" >/dev/null 2>&1 || fail "the appliance's $PUBLIC_IP6 does not answer ping"
wait_until 20 ip netns exec "$NS_C" ping -6 -c 1 -W 1 "$MGMT6_HOST" >/dev/null 2>&1 || fail "the control plane's $MGMT6_HOST does not answer ping"
pass "the client reaches the appliance over IPv6 only (media and signalling); the origin has no route to the client"

out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_IP6" --seconds 4 \
	--answer-out "$WORK/answer.sdp" --url "$API6/rtc/v1/whip/?app=live&stream=v6media") ||
	fail "client: $out; answer: $(cat "$WORK/answer.sdp" 2>/dev/null); dataplane: $(sysapi /api/v1/dataplane)"
answer=$(cat "$WORK/answer.sdp")
[[ $answer == *" $PUBLIC_IP6 8000 typ host"* ]] || fail "no IPv6 candidate in the answer: $answer"
[[ $answer == *" $PUBLIC_IP 8000 typ host"* ]] || fail "no IPv4 candidate beside it: $answer"
[[ $answer != *"$ORIGIN_IP"* ]] || fail "the origin's address is in the answer: $answer"
pass "the answer offers $PUBLIC_IP6:8000 beside $PUBLIC_IP:8000"
pass "client: WHIP POST over IPv6 to $API6 (the client has no IPv4 address), ICE connected over IPv6 through the appliance, media sent ($out)"

stats=$(curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats")
"$PY" - "$stats" <<'PY' || fail "origin stats: $stats"
import json, sys
assert json.loads(sys.argv[1])["inbound_rtp_packets"] > 0
PY
pass "the IPv4 origin received RTP ($stats)"

dp=$(sysapi /api/v1/dataplane)
"$PY" - "$dp" "$stats" <<'PY' || fail "data plane counters: $dp"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
rtp = json.loads(sys.argv[2])["inbound_rtp_packets"]
assert t["sessions_created"] >= 1, t
assert t["ip6_translated_in"] >= rtp, (t["ip6_translated_in"], rtp)  # every RTP packet came in over IPv6
assert t["ip6_translated_out"] >= 1, t  # STUN answers and RTCP back to the client over IPv6
assert t["drop_reasons"]["ip6_clients_full"] == 0, t
PY
rtp=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["inbound_rtp_packets"])' "$stats")
pass "the data plane translated at least the origin's $rtp RTP packets from IPv6 and sent back over IPv6"

out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --play --ip "$CLIENT_IP6" --seconds 3 \
	--url "$API6/rtc/v1/whep/?app=live&stream=v6media") ||
	fail "WHEP client: $out; dataplane: $(sysapi /api/v1/dataplane)"
pass "WHEP over IPv6: the player received the IPv4 origin's RTP through the appliance ($out)"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
