# fault_lib.sh: what the fault tests share (sourced after whip_topo.sh): live SRT and WebRTC streams
# counted at the origin, origins that register with both, and the appliance's session and NAT port
# counts from the System API.
#
# A live SRT stream NAME: test_e2e_srt_payload "source" in the client namespace publishing numbered
# messages to the appliance, "sink" in the origin namespace counting them (missing, damaged,
# duplicate). A live WebRTC stream NAME: whip_client.py publishing audio+video until told to stop;
# the aiortc origin counts RTP packets and sequence gaps (packetsLost). Both end when the test says.
PAYLOAD=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_payload
FWORK=$(mktemp -d /tmp/mp-fault.XXXXXX)
netns_at_exit 'rm -rf "$FWORK"'
FAIL_LOGS+=("$FWORK/*")
declare -A SRC_PID SINK_PID RTC_PID ORIGIN_PID
v() { echo "${!1}"; } # v NAME: the value of the variable named NAME
sysapi() { curl -s -m 10 "http://127.0.0.1:$SYS_PORT$1"; }
appliance_alive() { kill -0 "$APPLIANCE_PID" 2>/dev/null && [[ $(sysapi /api/v1/versions) == *major* ]]; }

# fault_appliance_start [options]: the appliance of whip_topo.sh (HTTP API on, WebRTC 8000, SRT
# 10080) with short idle timeouts, so a vanished client's session goes within seconds, and a small
# session table: the workers' idle sweep visits 256 slots every 10 ms, so one pass over the default
# 1M slots takes ~41 s (expiry lags the idle timeout by up to that), over 4096 slots 0.16 s.
fault_appliance_start() {
	mph_appliance_start --srt-idle-timeout=3s --webrtc-idle-timeout=4s --max-sessions=4096 --log-level=info "$@"
}

# origin_start NAME API_PORT SRT_PORT: an aiortc WHIP origin (HTTP API on the management address) and
# an SRT sink in the origin namespace; origin_register NAME registers it (once; heartbeat: loop it).
origin_start() {
	local name=$1 api=$2 srt=$3
	netns_bg "$NS_O" "$PY" "$(dirname "$0")/whip_origin.py" --listen "0.0.0.0:$api" --media-ip "$ORIGIN_IP" \
		2>"$FWORK/$name.origin"
	ORIGIN_PID[$name]=$!
	eval "ORIGIN_API_$name=$api ORIGIN_SRT_$name=$srt"
	wait_until 60 curl -s -m 2 -o /dev/null "http://$MGMT_ORIGIN:$api/test/stats" || fail "origin $name does not listen"
	sink_start "$name"
}
# sink_start NAME: (again) an SRT sink on NAME's SRT port, for one stream.
sink_start() {
	local name=$1 port
	port=$(v ORIGIN_SRT_$1)
	: >"$FWORK/$name.sink"
	netns_bg "$NS_O" "$PAYLOAD" sink "$port" >"$FWORK/$name.sink" 2>&1
	SINK_PID[$name]=$!
	wait_until 30 grep -q listening "$FWORK/$name.sink" || fail "SRT sink of $name does not listen"
}
origin_register() {
	local name=$1 api srt
	api=$(v ORIGIN_API_$1)
	srt=$(v ORIGIN_SRT_$1)
	curl -s -f -m 10 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" -d "{\"device_id\":\"$name\",
		\"ip\":\"$ORIGIN_IP\",\"server\":\"srv-$name\",\"service\":\"svc\",\"pid\":\"$api\",
		\"api\":[\"$MGMT_ORIGIN:$api\"],\"rtc\":[\"udp://$ORIGIN_IP:8000\"],\"srt\":[\"$ORIGIN_IP:$srt\"]}" >/dev/null
}
# origin_dead NAME: the appliance no longer counts origin NAME alive (or forgot it)
origin_dead() {
	"$PY" -c 'import json, sys
o = [x for x in json.loads(sys.argv[1])["origins"] if x["device_id"] == sys.argv[2]]
sys.exit(0 if not any(x["alive"] for x in o) else 1)' "$(sysapi /api/v1/origins)" "$1"
}
# whip_offer: a real WHIP offer (aiortc, audio + video) from the client namespace, on stdout
whip_offer() {
	ip netns exec "$NS_C" "$PY" -c 'import asyncio, sys, aioice.ice
from aiortc import RTCPeerConnection
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack
aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [sys.argv[1]]
async def main():
    pc = RTCPeerConnection()
    pc.addTrack(AudioStreamTrack())
    pc.addTrack(VideoStreamTrack())
    await pc.setLocalDescription(await pc.createOffer())
    sys.stdout.write(pc.localDescription.sdp)
    await pc.close()
asyncio.run(main())' "$CLIENT_IP"
}
heartbeat_loop() { while :; do origin_register "$1" || true; sleep 1; done; }
origin_stats() { curl -s -m 10 "http://$MGMT_ORIGIN:$(v ORIGIN_API_$1)/test/stats"; }

# srt_live_start NAME ORIGIN: a live SRT stream live/NAME (publish), flowing when this returns.
srt_live_start() {
	local name=$1 origin=$2
	netns_bg "$NS_C" env SRT_PAYLOAD_INTERVAL_US=2000 "$PAYLOAD" source "$PUBLIC_IP" 10080 \
		"#!::r=live/$name,m=publish" >"$FWORK/$name.source" 2>&1
	SRC_PID[$name]=$!
	eval "SINK_OF_$name=$origin"
	wait_until 60 srt_received_above "$name" 0 || fail "SRT stream $name does not reach origin $origin"
}
# srt_received NAME: messages the origin's sink has reported so far
srt_received() {
	local o
	o=$(v SINK_OF_$1)
	sed -n 's/^progress //p' "$FWORK/$o.sink" | tail -n 1 | grep . || echo 0
}
srt_received_above() { [ "$(srt_received "$1")" -gt "$2" ]; }
# srt_flows NAME: the sink's count grows by 500 messages (one second of stream) from now
srt_flows() {
	local n
	n=$(srt_received "$1")
	wait_until 60 srt_received_above "$1" $((n + 500))
}
# srt_live_end NAME: the source sends its end marker; prints the sink's summary line; fails unless every
# message arrived intact and none is missing.
srt_live_end() {
	local name=$1 o line
	o=$(v SINK_OF_$name)
	kill -USR1 "${SRC_PID[$name]}"
	wait "${SRC_PID[$name]}" || fail "SRT source $name: $(cat "$FWORK/$name.source")"
	wait "${SINK_PID[$o]}" || true
	line=$(grep '^sink: received' "$FWORK/$o.sink") || fail "no summary from the sink of $name"
	echo "$line"
	[[ $line == *"(0 damaged, 0 duplicate), missing 0, end marker yes"* ]] || fail "SRT $name at the origin: $line"
}

# rtc_live_start NAME ORIGIN: a live WHIP publisher for live/NAME, its RTP arriving at ORIGIN.
rtc_live_start() {
	local name=$1 origin=$2
	eval "RTC_ORIGIN_$name=$origin"
	printf -v "RTC_BASE_$name" %s "$(origin_stats "$origin")" # the origin's counters before this stream
	netns_bg "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_IP" --seconds 0 \
		--url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=$name" \
		>"$FWORK/$name.rtc" 2>"$FWORK/$name.rtc.err"
	RTC_PID[$name]=$!
	wait_until 60 grep -q connected "$FWORK/$name.rtc.err" ||
		fail "WebRTC $name: not connected ($(cat "$FWORK/$name.rtc"))"
	wait_until 60 rtc_received_above "$name" 0 || fail "no RTP of $name at origin $origin"
}
rtc_received() { # RTP packets at NAME's origin since NAME started
	"$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["inbound_rtp_packets"] - json.loads(sys.argv[2])["inbound_rtp_packets"])' \
		"$(origin_stats "$(v RTC_ORIGIN_$1)")" "$(v RTC_BASE_$1)" 2>/dev/null || echo 0
}
rtc_received_above() { [ "$(rtc_received "$1")" -gt "$2" ]; }
# rtc_flows NAME: the origin's RTP count grows by 50 packets from now
rtc_flows() {
	local n
	n=$(rtc_received "$1")
	wait_until 60 rtc_received_above "$1" $((n + 50))
}
# rtc_live_end NAME: the client stops and DELETEs; prints sent/received/lost; fails unless no RTP
# sequence number is missing at the origin between its first and last packet of each SSRC (the
# origin's counters since the stream started: one WebRTC stream per origin at a time), and the origin
# got what the client sent but at most the first packet of each of the 2 SSRCs (aiortc drops SRTP
# that arrives before its own DTLS handshake has finished: a start-up race of the two peers, seen
# with 1 of 490; the faults come later, mid-stream, where a loss is a gap).
rtc_live_end() {
	local name=$1 out st base
	kill -USR1 "${RTC_PID[$name]}"
	wait "${RTC_PID[$name]}" || fail "WebRTC client $name: $(cat "$FWORK/$name.rtc")"
	out=$(cat "$FWORK/$name.rtc")
	st=$(origin_stats "$(v RTC_ORIGIN_$name)")
	base=$(v RTC_BASE_$name)
	"$PY" - "$out" "$st" "$base" <<'PY' || fail "WebRTC $name at the origin: client $out, origin $st (before: $base)"
import json, sys
c, o, b = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
got = o["inbound_rtp_packets"] - b["inbound_rtp_packets"]
lost = o["inbound_rtp_lost"] - b["inbound_rtp_lost"]
print("webrtc: client sent %d RTP, origin received %d, lost %d" % (c["rtp_sent"], got, lost))
assert c["delete_status"] == 200, c
assert lost == 0 and got >= c["rtp_sent"] - 2 and c["rtp_sent"] > 0
PY
}

# sessions_active: the data plane's sessions now (System API); natports_used: NAT ports held (metrics)
sessions_active() {
	"$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["active"])' "$(sysapi /api/v1/sessions)"
}
natports_used() { sysapi /metrics | sed -n 's/^mediaplane_lb_entries{table="natports"} //p'; }
sessions_of() { # KIND: live sessions of that kind (webrtc, srt)
	"$PY" -c 'import json, sys; print(len(json.loads(sys.argv[1])["sessions"]))' "$(sysapi "/api/v1/sessions?kind=$1")"
}
no_sessions_of() { [ "$(sessions_of "$1")" = 0 ]; }
sessions_are() { [ "$(sessions_active)" = "$1" ]; }
natports_are() { [ "$(natports_used)" = "$1" ]; }
