#!/usr/bin/env bash
# test_rtmp_ffmpeg.sh: ffmpeg publishes H.264 + AAC through the appliance's RTMP proxy to an nginx-rtmp
# origin (registered through the System API), ffprobe plays it back through the appliance and finds
# both streams, the stream name's query reaches the origin, a publish with no origin fails fast,
# and SIGTERM lets an open publish finish before the appliance stops.
#
# The same stream is then played as HLS through the appliance's HTTP stream port (nginx makes the HLS;
# the playlist comes back rewritten with spbhid and the segments are routed by it).
# Topology (the RTMP proxy is on the kernel stack, so plain veths and routes, no DPDK port):
#   client ns mprc-$ID: c0 198.18.133.2/24 ──veth── mprc$ID 198.18.133.1 (root ns: RTMP listener)
#   origin ns mpro-$ID: o0 198.18.134.2/24 ──veth── mpro$ID 198.18.134.1 (root ns: proxy -> origin)
# The client namespace has no route to 198.18.134.0/24: the stream can only cross the proxy.
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/nginx_rtmp.sh"

ID=$(($$ % 100000))
NS_C=mprc-$ID
NS_O=mpro-$ID
IF_C=mprc$ID
IF_O=mpro$ID
PROXY_IP=198.18.133.1
CLIENT_IP=198.18.133.2
ORIGIN_GW=198.18.134.1
ORIGIN_IP=198.18.134.2
RTMP_PORT=13331
API_PORT=13332
ORIGIN_PORT=13340
ORIGIN_HTTP=13341
HTTP_PORT=13333
PREFIX=mpr-ffmpeg-$ID
netns_workdir mpr-ffmpeg
FAIL_LOGS+=("$WORK/error.log" "$WORK/*.out")

for p in ffmpeg ffprobe nginx curl; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
nginx_rtmp_require

# --- namespaces
netns_add "$NS_C"
netns_add "$NS_O"
netns_veth "$IF_C" "$PROXY_IP/24" "$NS_C" c0 "$CLIENT_IP/24"
netns_veth "$IF_O" "$ORIGIN_GW/24" "$NS_O" o0 "$ORIGIN_IP/24"
ip netns exec "$NS_C" ping -c 1 -W 2 "$PROXY_IP" >/dev/null || fail "client namespace cannot reach the proxy address"
ping -c 1 -W 2 "$ORIGIN_IP" >/dev/null || fail "root namespace cannot reach the origin"

# --- origin: nginx-rtmp with its default chunk size (4096; the proxy writes ffmpeg's 4096 to it)
nginx_rtmp_start "$NS_O" "$WORK" "$ORIGIN_IP:$ORIGIN_PORT" \
	"live on; hls on; hls_path $WORK/hls; hls_fragment 1s; hls_playlist_length 6s;" "$ORIGIN_IP:$ORIGIN_HTTP" \
	"location /live/ { alias $WORK/hls/; types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; } }" ||
	fail "nginx does not listen"

# --- the appliance: RTMP listener on the client veth's address
appliance_run "$PREFIX" -- --tap-name=mpr2 --tap-host-ip=198.18.235.1/24 \
	--public-ip=198.18.235.2/24 --public-gateway=198.18.235.1 --system-api-listen=127.0.0.1:$API_PORT \
	--api-listen=off --http-listen=$PROXY_IP:$HTTP_PORT --rtmp-listen=$PROXY_IP:$RTMP_PORT --idle-sleep-us=1000 \
	--max-sessions=4096 --grace-quit-timeout=120s || fail "appliance did not start"
# publishing NAME: the RTMP proxy relays a publish of live/NAME to the origin now
publishing() {
	python3 -c 'import json, sys
r = json.loads(sys.argv[1])["rtmp"]
sys.exit(0 if any(s["role"] == "publish" and s["state"] == "relay" and s["stream"].endswith("/" + sys.argv[2])
                  for s in r["sessions"]) else 1)' "$(curl -sf "http://127.0.0.1:$API_PORT/api/v1/rtmp")" "$1" 2>/dev/null
}

# wait_publishing NAME PID OUT: wait (60 s) until the proxy relays the publish of live/NAME by the publisher
# PID (output in OUT); if it does not, fail saying what the publisher and the proxy were doing then
wait_publishing() {
	local name=$1 pid=$2 out=$3 rc=0 sessions
	publish_settled() { publishing "$name" || ! kill -0 "$pid" 2>/dev/null; }
	wait_until 60 publish_settled || true
	! publishing "$name" || return 0
	if kill -0 "$pid" 2>/dev/null; then rc="still running"; else wait "$pid" || rc=$?; rc="ended, status $rc"; fi
	sessions=$(curl -s "http://127.0.0.1:$API_PORT/api/v1/rtmp" | python3 -c 'import json, sys
r = json.load(sys.stdin)["rtmp"]
print("; ".join("%s %s %s" % (s["role"], s["stream"], s["state"]) for s in r["sessions"]) or "none", "| errors", r["errors"])' 2>&1)
	fail "the publish of $name never reached the relay state (publisher $rc: $(tail -n 3 "$out" 2>/dev/null | tr '\n' ' '); proxy sessions: $sessions)"
}

URL=rtmp://$PROXY_IP:$RTMP_PORT/live
publish() { # publish NAME SECONDS LOG: a test stream, H.264 + AAC, in real time (never hangs the test)
	ip netns exec "$NS_C" timeout $(($2 + 30)) ffmpeg -hide_banner -nostdin -loglevel error -re \
		-f lavfi -i "testsrc=size=320x240:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
		-t "$2" -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k \
		-f flv "$URL/$1" >"$3" 2>&1
}

# --- no origin registered yet: the publisher is told (ffmpeg fails by itself, it is not killed by the
# generous timeout, status 124) and the appliance logs why.
rc=0
timeout 120 bash -c "$(declare -f publish); URL=$URL NS_C=$NS_C; publish nobody 5 $WORK/noorigin.out" || rc=$?
[ "$rc" != 0 ] || fail "a publish with no origin succeeded"
[ "$rc" != 124 ] || fail "a publish with no origin was left waiting"
grep -q "no origin server is available" "$APPLIANCE_LOG" || fail "no log line for the missing origin"
pass "publish with no origin fails (exit status $rc), with a log line"

# --- register the origin as an SRS heartbeat would
curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$API_PORT/api/v1/srs/register" \
	-d "{\"device_id\":\"mpr\",\"ip\":\"$ORIGIN_IP\",\"server\":\"nginx\",\"service\":\"rtmp\",\"pid\":\"$NGINX_PID\",\"rtmp\":[\"$ORIGIN_PORT\"],\"http\":[\"$ORIGIN_HTTP\"],\"api\":[],\"srt\":[],\"rtc\":[]}" \
	>/dev/null || fail "registration"
pass "origin registered"

# --- publish 20 s; meanwhile play it back through the appliance, by RTMP and by HLS
netns_bg - publish "livestream?client_ip=10.6.6.6&token=abc123" 20 "$WORK/publish.out"
PUB=$!
wait_publishing livestream "$PUB" "$WORK/publish.out"
ip netns exec "$NS_C" timeout 15 ffprobe -hide_banner -v error -show_entries stream=codec_name,codec_type \
	-of csv=p=0 "$URL/livestream" >"$WORK/probe.out" 2>&1 || fail "ffprobe through the appliance"
grep -q "^h264,video" "$WORK/probe.out" || fail "no H.264 in the played stream: $(cat "$WORK/probe.out")"
grep -q "^aac,audio" "$WORK/probe.out" || fail "no AAC in the played stream: $(cat "$WORK/probe.out")"
pass "ffprobe plays it through the appliance: H.264 + AAC"
ip netns exec "$NS_C" timeout 15 ffmpeg -hide_banner -nostdin -loglevel error -i "$URL/livestream" -t 3 -c copy \
	-f flv "$WORK/played.flv" >"$WORK/play.out" 2>&1 || fail "ffmpeg play through the appliance"
frames=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$WORK/played.flv")
[ "${frames:-0}" -ge 50 ] || fail "only ${frames:-0} video frames in 3 s of playback"
pass "3 s of playback holds $frames video frames"
# HLS of the same stream: nginx makes it from what the appliance relayed; the appliance's HTTP stream
# port serves the playlist rewritten with spbhid and routes the segments by it.
ip netns exec "$NS_C" timeout 20 ffprobe -hide_banner -v error -show_entries stream=codec_name,codec_type \
	-of csv=p=0 "http://$PROXY_IP:$HTTP_PORT/live/livestream.m3u8" >"$WORK/hls.out" 2>&1 || fail "HLS through the appliance"
grep -q "^h264,video" "$WORK/hls.out" && grep -q "^aac,audio" "$WORK/hls.out" || fail "HLS: $(cat "$WORK/hls.out")"
grep -q 'GET /live/livestream-[0-9]*\.ts?spbhid=[0-9a-f]* ' "$WORK/http_access.log" || fail "HLS segments without spbhid: $(cat "$WORK/http_access.log")"
pass "HLS of the stream published through the appliance plays through its port 8080, segments by spbhid"
wait "$PUB" || fail "the publisher failed"
pass "the publisher ran to its end"
# nginx-rtmp logs a publish when its connection closes, which may be a moment after the publisher ended
wait_until 30 grep -q "PUBLISH \"live\" \"livestream\" \"token=abc123&client_ip=$CLIENT_IP\"" "$WORK/access.log" ||
	fail "the origin did not see the query with the client's address: $(cat "$WORK/access.log")"
pass "the stream name's query reached the origin, with client_ip=$CLIENT_IP in place of the client's forged one"

stats=$(curl -sf "http://127.0.0.1:$API_PORT/api/v1/rtmp") || fail "GET /api/v1/rtmp"
python3 - "$stats" <<'PY' || fail "counters: $stats"
import json, sys
r = json.loads(sys.argv[1])["rtmp"]
assert r["relays"] >= 3, r
assert r["publishes"] >= 2 and r["plays"] >= 2, r
assert r["errors"]["no_origin"] >= 1, r
assert r["bytes_to_origin"] > 100000 and r["bytes_to_client"] > 100000, r
assert r["errors"]["protocol"] == 0, r
PY
pass "counters: relays, publishes, plays, bytes, no-origin error"

# --- shutdown: SIGTERM while a publish is open; the appliance waits for it, it finishes, then the
# appliance stops
# 15 s: still open when the signal comes however slowly the machine got it to the relay state (a
# 5 s publish had already ended on a loaded machine); the grace time is 120 s for the same reason
netns_bg - publish drain 15 "$WORK/drain.out"
PUB=$!
wait_publishing drain "$PUB" "$WORK/drain.out"
kill -TERM "$APPLIANCE_PID"
wait_until 30 grep -q "SIGTERM: no new streams; waiting up to [0-9]* ms for [0-9]* open stream(s) to end" "$APPLIANCE_LOG" ||
	fail "SIGTERM with a stream open: no line saying the appliance waits for it"
wait "$PUB" || fail "the draining publish failed"
rc=0
wait "$APPLIANCE_PID" || rc=$?
APPLIANCE_PID=""
[ "$rc" = 0 ] || fail "appliance exit status $rc"
grep -q "every open stream has ended" "$APPLIANCE_LOG" || fail "no drain line in the log"
pass "SIGTERM: the open publish finished, then the appliance stopped"
echo "$passed passed, 0 failed"
