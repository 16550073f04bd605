#!/usr/bin/env bash
# test_local_origin.sh: in the default TAP mode, origins on the appliance's own host just work (issue
# 12): an SRT origin registered with 127.0.0.1 and one registered with another local address (a veth
# in the host namespace, 198.18.64.1), both listening on 0.0.0.0, receive an ffmpeg SRT publish
# through the appliance (ffprobe on what the origin wrote); an aiortc WebRTC origin on the veth
# address receives a WHIP publisher's RTP; and an origin whose replies never come is logged once
# and shown as silent in `show origins` and the System API. Own TAP name, subnet, ports and prefix.
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
TAP=mpl0
HOST_IP=198.18.63.1
US=198.18.63.2
VETH=mplv0
VETH_IP=198.18.64.1
SYS=13131
HTTPAPI=13132
ORIGIN_API=13133
PY=/usr/bin/python3 # Debian's python3-aiortc
netns_workdir mpl-local
PAYLOAD=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_payload
netns_at_exit 'ip link del "$TAP" 2>/dev/null || true; ip link del "$VETH" 2>/dev/null || true'
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$SYS

# register KEY IP EXTRA: one origin (server KEY) registered with address IP and endpoint JSON EXTRA
register() {
	local code
	code=$(curl -s -o "$WORK/reg.out" -w '%{http_code}' -X POST "$API/api/v1/srs/register" \
		-H 'Content-Type: application/json' \
		-d "{\"device_id\":\"$1\",\"ip\":\"$2\",\"server\":\"$1\",\"service\":\"local\",\"pid\":\"1\",$3}") || true
	[ "$code" = 200 ] || fail "register $1: $code $(cat "$WORK/reg.out")"
}
udp_listening() { [ -n "$(ss -Hlun "sport = :$1")" ]; }
duration_at_least() {
	local d
	d=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$1" 2>/dev/null) || return 1
	python3 -c "import sys; sys.exit(0 if float('$d') >= $2 else 1)" 2>/dev/null
}
# publish_srt STREAM FILE PORT: srt-live-transmit origin on 0.0.0.0:PORT writes FILE; ffmpeg publishes
# 4 s of H.264 to the appliance; ffprobe finds >= 3 s of H.264 in FILE
publish_srt() {
	netns_bg - srt-live-transmit -q "srt://:$3?mode=listener" "file://con" >"$2" 2>"$WORK/slt-$3.log"
	wait_until 30 udp_listening "$3" || fail "srt-live-transmit does not listen on $3"
	ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 -t 4 -c:v libx264 \
		-preset ultrafast -g 25 -pix_fmt yuv420p -f mpegts \
		"srt://$US:10080?streamid=#!::r=live/$1,m=publish&pkt_size=1316" >"$WORK/ffpub-$1.log" 2>&1 ||
		fail "ffmpeg publish $1: $(cat "$WORK/ffpub-$1.log"); $(curl -s "$API/api/v1/dataplane")"
	wait_until 30 duration_at_least "$2" 3.0 || true
	kill -INT "${NETNS_PIDS[-1]}" 2>/dev/null || true
	wait "${NETNS_PIDS[-1]}" 2>/dev/null || true
	local probe
	probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of default=nw=1 "$2" 2>&1) ||
		fail "ffprobe $1: $probe"
	[[ $probe == *codec_name=h264* ]] || fail "$1: no H.264 at the origin: $probe"
	duration_at_least "$2" 3.0 || fail "$1: too short at the origin: $probe"
}
drops() { curl -s "$API/api/v1/dataplane" | python3 -c "import json,sys; print(json.load(sys.stdin)['data']['total']['drop_reasons']['$1'])"; }

ip link add "$VETH" type veth peer name "${VETH}p"
ip addr add "$VETH_IP/24" dev "$VETH"
ip link set "$VETH" up
ip link set "${VETH}p" up
ip link set lo up

appliance_run "mpl-e2e-$$" -- --tap-name=$TAP --tap-host-ip=$HOST_IP/24 --public-ip=$US/24 --public-gateway=$HOST_IP \
	--system-api-listen=127.0.0.1:$SYS --api-listen=127.0.0.1:$HTTPAPI --http-listen=off --rtmp-listen=off \
	--idle-sleep-us=50 --srt-handshake-timeout=3s --cli-socket="$WORK/cli.sock" || fail "the appliance did not start"
grep -q "default mode: TAP $TAP" "$APPLIANCE_LOG" || fail "not in the default TAP mode"

# (a) an SRT origin registered with 127.0.0.1, listening on 0.0.0.0
# (one SRT origin identity throughout, its address and port moving, so every SRT stream picks it)
register srtorig 127.0.0.1 '"srt":["127.0.0.1:10091"]'
publish_srt lo1 "$WORK/lo1.ts" 10091
pass "SRT origin registered with 127.0.0.1: ffmpeg's publish arrived through the appliance (H.264, >= 3 s)"

# (b) an SRT origin registered with the veth address (another address of the host), on 0.0.0.0: the
# kernel answers it from the TAP side, which the data plane takes for this origin
register srtorig $VETH_IP "\"srt\":[\"$VETH_IP:10092\"]"
publish_srt veth1 "$WORK/veth1.ts" 10092
pass "SRT origin registered with $VETH_IP (a veth on the host): ffmpeg's publish arrived (H.264, >= 3 s)"
[ "$(drops wrong_origin)" = 0 ] || fail "wrong_origin drops: $(curl -s "$API/api/v1/dataplane")"
pass "no wrong_origin drop"

# (c) an aiortc WebRTC origin on the veth address (ICE on that address only); a WHIP publisher on
# the host sends RTP through the appliance; the origin counts what arrived
netns_bg - "$PY" "$(dirname "$0")/whip_origin.py" --listen "127.0.0.1:$ORIGIN_API" --media-ip "$VETH_IP" \
	2>"$WORK/whip-origin.log"
wait_until 60 curl -s -m 2 -o /dev/null "http://127.0.0.1:$ORIGIN_API/test/stats" || fail "the aiortc origin did not start"
register rtc1 $VETH_IP "\"api\":[\"127.0.0.1:$ORIGIN_API\"],\"rtc\":[\"udp://$VETH_IP:8000\"]"
out=$("$PY" "$(dirname "$0")/whip_client.py" --ip "$HOST_IP" --seconds 4 \
	--url "http://127.0.0.1:$HTTPAPI/rtc/v1/whip/?app=live&stream=rtc1") ||
	fail "WHIP client: $out; $(curl -s "$API/api/v1/dataplane")"
stats=$(curl -s "http://127.0.0.1:$ORIGIN_API/test/stats")
python3 -c 'import json,sys; assert json.loads(sys.argv[1])["inbound_rtp_packets"] > 0' "$stats" ||
	fail "the WebRTC origin got no RTP: $stats"
pass "WebRTC origin on $VETH_IP: the WHIP publisher's RTP arrived through the appliance ($stats)"

# (d) the SRT origin stops answering (a UDP socket that swallows everything in its place): once the
# sessions that got replies are gone, it is logged once and shown silent
python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 10094))
end = time.time() + 120
while time.time() < end:
    s.settimeout(1)
    try:
        s.recv(2048)
    except socket.timeout:
        pass' &
NETNS_PIDS+=($!)
register srtorig 127.0.0.1 '"srt":["127.0.0.1:10094"]'
silent() {
	"$PAYLOAD" call "$US" 10080 '#!::r=live/mute1,m=publish' 1 >/dev/null 2>&1 || true
	curl -s "$API/api/v1/origins" | python3 -c '
import json, sys
o = [x for x in json.load(sys.stdin)["origins"] if x["key"].startswith("srtorig")]
sys.exit(0 if o and o[0]["replies"] == "silent" else 1)'
}
wait_until 60 silent || fail "the mute origin is not shown silent: $(curl -s "$API/api/v1/origins")"
n=$(grep -c "origin srtorig.*none got anything back" "$APPLIANCE_LOG" || true)
[ "$n" = 1 ] || fail "the silent origin logged $n times"
curl -s "$API/api/v1/origins" | python3 -c '
import json, sys
r = {x["key"].split("-")[0]: x["replies"] for x in json.load(sys.stdin)["origins"]}
assert r["rtc1"] in ("seen", "none_yet"), r
assert r["srtorig"] == "silent", r' || fail "origins' replies: $(curl -s "$API/api/v1/origins")"
cli=$("$MP_BUILD_DIR/mediaplane-cli" -s "$WORK/cli.sock" show origins) || fail "show origins"
grep -q "srtorig-local-1 .* silent " <<<"$cli" || fail "show origins: $cli"
pass "an origin whose replies never come: logged once, silent in the System API and in show origins"

appliance_stop || fail "exit status $? on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
