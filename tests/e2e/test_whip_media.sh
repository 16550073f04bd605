#!/usr/bin/env bash
# test_whip_media.sh: an aiortc WHIP publisher's media crosses the appliance to an aiortc origin (the
# origin counts inbound RTP; it has no route to the client, so nothing can go around the appliance),
# and a WHEP player gets the origin's media back through the appliance.
# Needs the data plane's WebRTC forwarding (STUN USERNAME -> session -> NAT), branch dp-webrtc.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }

mph_up
mph_appliance_start || fail "start"
mph_origin_start || fail "origin start"
mph_register || fail "register"
if ip netns exec "$NS_O" ping -c 1 -W 1 "$CLIENT_IP" >/dev/null 2>&1; then fail "the origin reaches the client directly"; fi
pass "the origin has no route to the client"

out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_IP" --seconds 4 \
	--url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=media1") ||
	fail "client: $out; sessions: $(sysapi '/api/v1/sessions?kind=webrtc'); dataplane: $(sysapi /api/v1/dataplane)"
pass "client: ICE connected through the appliance, media sent ($out)"

stats=$(curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats")
"$PY" - "$stats" <<'PY' || fail "origin stats: $stats"
import json, sys
assert json.loads(sys.argv[1])["inbound_rtp_packets"] > 0
PY
pass "the origin received RTP ($stats)"

# The client's DELETE (and its DTLS close) ended the session: the data plane's counters remain.
dp=$(sysapi /api/v1/dataplane)
"$PY" - "$dp" "$stats" <<'PY' || fail "data plane counters: $dp"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
rtp = json.loads(sys.argv[2])["inbound_rtp_packets"]
assert t["sessions_created"] >= 1 and t["tx_packets"] >= rtp, (t, rtp)
PY
pass "the appliance made the session and forwarded at least the $(echo "$stats" | cut -d, -f1 | tr -dc 0-9) packets the origin got"

out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --play --ip "$CLIENT_IP" --seconds 3 \
	--url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whep/?app=live&stream=media1") ||
	fail "WHEP client: $out; dataplane: $(sysapi /api/v1/dataplane)"
pass "WHEP: the player received the origin's RTP through the appliance ($out)"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
