#!/usr/bin/env bash
# test_srt.sh: SRT through the appliance (2 workers, af_packet) between namespaces with no route: ffmpeg publishes
# to an srt-live-transmit origin (ffprobe finds H.264, AAC, duration), ffmpeg plays from an ffmpeg listener origin,
# libsrt caller/listener payloads match byte for byte both ways, no origin is an immediate rejection, and TCP to the
# appliance's address (the System API) is answered through the exception path.
set -euo pipefail
export TOPO_PREFIX=mps-e2e TOPO_QPAIRS=2 TOPO_API_PORT=13110
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/lib/srt_media.sh"
TOPO_EXC_TAP=mps$TOPO_ID
netns_workdir mps-srt
PAYLOAD=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_payload
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$TOPO_API_PORT
SID_PUB='#!::r=live/livestream,m=publish'
SID_PLAY='#!::r=live/livestream,m=request'

stats() { curl -s "$API/api/v1/dataplane"; }
# register PORT: one origin (the same identity each time, so its SRT endpoint moves, as an origin
# that restarts on another port would); picks are sticky, so a second origin would take streams too.
register() {
	curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
		-d "{\"device_id\":\"o1\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srs-e2e\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:$1\"]}" \
		>/dev/null || fail "register origin"
}
# sessions_ended N: at least N SRT sessions closed by SHUTDOWN or idle expiry
sessions_ended() {
	python3 -c 'import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
sys.exit(0 if t["sessions_expired"] + t["srt_shutdowns"] >= int(sys.argv[2]) else 1)' "$(stats)" "$1"
}

topo_up
appliance_start --workers=2 --system-api-listen=0.0.0.0:$TOPO_API_PORT --srt-idle-timeout=3s || fail "start"
grep -q "exception path: port 0" "$APPLIANCE_LOG" || fail "no exception path"

# (d) TCP to the appliance's own address: the kernel answers through the exception TAP.
out=$(ip netns exec "$NS_C" curl -s -m 5 "http://$PUBLIC_IP:$TOPO_API_PORT/api/v1/versions") || fail "HTTP over the exception path"
[[ $out == *'"major"'* || $out == *version* ]] || fail "versions answer: $out"
pass "TCP (HTTP System API) to $PUBLIC_IP answered by the kernel through the exception path"

# No origin yet: the caller is rejected with a reason (1503), not left to time out.
rc=0
ip netns exec "$NS_C" "$PAYLOAD" call "$PUBLIC_IP" 10080 '#!::r=live/nothing,m=publish' 1 >"$WORK/reject.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "no-origin connect: rc $rc"
grep -q "reject reason 1503" "$WORK/reject.log" || fail "no-origin reason: $(cat "$WORK/reject.log")"
pass "no origin: SRT rejection with reason 1503"

# (a) ffmpeg publishes over SRT; srt-live-transmit (origin) writes the stream to a file.
register 10081
srt_publish_probed "$PUBLIC_IP" "$SID_PUB"
pass "ffmpeg SRT publish -> srt-live-transmit origin: H.264 + AAC, ${dur}s"

# (b) play (m=request) from an ffmpeg listener origin.
register 10082
netns_bg "$NS_O" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t 12 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p \
	-c:a aac -b:a 64k -f mpegts "srt://0.0.0.0:10082?mode=listener&pkt_size=1316" >"$WORK/fforigin.log" 2>&1
wait_until 30 udp_listening "$NS_O" 10082 || fail "the ffmpeg origin does not listen"
ip netns exec "$NS_C" ffmpeg -hide_banner -loglevel error -i "srt://$PUBLIC_IP:10080?streamid=$SID_PLAY&timeout=5000000" \
	-t 3 -c copy -f mpegts "$WORK/played.ts" >"$WORK/ffplay.log" 2>&1 || fail "ffmpeg play"
probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of default=nw=1 "$WORK/played.ts" 2>&1) ||
	fail "ffprobe play: $probe"
[[ $probe == *codec_name=h264* ]] || fail "play: no H.264 in $probe"
[[ $probe == *codec_name=aac* ]] || fail "play: no AAC in $probe"
pass "ffmpeg SRT play (m=request) from an ffmpeg listener origin: H.264 + AAC"

# (c) libsrt caller and listener: every byte both ways, 2 workers.
register 10083
netns_bg "$NS_O" "$PAYLOAD" listen 10083 3000 >"$WORK/listener.log" 2>&1
wait_until 30 grep -q listening "$WORK/listener.log" || fail "listener did not start"
ip netns exec "$NS_C" "$PAYLOAD" call "$PUBLIC_IP" 10080 '#!::r=live/bytes,m=publish' 3000 >"$WORK/caller.log" 2>&1 ||
	fail "caller: $(cat "$WORK/caller.log")"
wait "${NETNS_PIDS[-1]}" || fail "listener: $(cat "$WORK/listener.log")"
grep -q "received 3000 intact, 0 damaged" "$WORK/caller.log" || fail "caller got: $(cat "$WORK/caller.log")"
grep -q "received 3000 intact, 0 damaged" "$WORK/listener.log" || fail "listener got: $(cat "$WORK/listener.log")"
pass "libsrt caller <-> listener: 3000 x 1316 bytes each way, byte for byte"

s=$(stats)
python3 - "$s" <<'PY' || fail "counters: $s"
import json, sys
d = json.loads(sys.argv[1])["data"]
t = d["total"]
assert t["srt_handshakes"] >= 3, t
assert t["srt_rejects"] >= 1, t
assert t["srt_inductions"] >= 4, t
assert t["exception_to_kernel"] > 0 and t["exception_from_kernel"] > 0, t
assert len(d["lcores"]) == 2, d["lcores"]
PY
pass "counters: handshakes, rejections, exception path; 2 worker lcores"

# Idle sessions expire (srt_idle_timeout 3s here).
wait_until 60 sessions_ended 3 || fail "expiry: $(stats)"
pass "SRT sessions closed by SHUTDOWN or idle expiry"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
