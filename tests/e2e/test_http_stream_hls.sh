#!/usr/bin/env bash
# test_http_stream_hls.sh: HLS played through the appliance's HTTP stream port: nginx-rtmp makes the HLS
# (published by ffmpeg), the playlist comes back rewritten with spbhid, every segment request reaches
# nginx carrying that spbhid, ffprobe finds H.264 + AAC; then the same with the Redis balancer; a
# stream with no origin gets 503 with a reason.
set -euo pipefail
. "$(dirname "$0")/stream_topo.sh"
SYS=13410
HTTP=13411
RTMP_O=13412
HTTP_O=13413
REDIS=13414
DEAD=13415
FAIL_LOGS+=("$ST_DIR/access.log")

st_up
mkdir -p "$ST_DIR/hls" "$ST_DIR/tmp" "$ST_DIR/files"
head -c 8000000 /dev/urandom >"$ST_DIR/files/big.ts"
cat >"$ST_DIR/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
pid $ST_DIR/nginx.pid;
error_log $ST_DIR/nginx-error.log info;
events { worker_connections 256; }
rtmp {
	server {
		listen $ORIGIN_IP:$RTMP_O;
		application live { live on; hls on; hls_path $ST_DIR/hls; hls_fragment 1s; hls_playlist_length 6s; }
	}
}
http {
	access_log $ST_DIR/access.log;
	client_body_temp_path $ST_DIR/tmp;
	types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
	server {
		listen $ORIGIN_IP:$HTTP_O;
		location /live/ { alias $ST_DIR/hls/; add_header Cache-Control no-cache; }
		location /files/ { alias $ST_DIR/files/; }
	}
}
CONF
netns_bg "$NS_O" nginx -p "$ST_DIR" -c "$ST_DIR/nginx.conf" -e "$ST_DIR/nginx-error.log"
netns_bg "$NS_O" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=44100 -c:v libx264 -preset ultrafast -tune zerolatency -g 25 \
	-c:a aac -b:a 64k -f flv "rtmp://$ORIGIN_IP:$RTMP_O/live/livestream"
wait_until 60 grep -q '\.ts' "$ST_DIR/hls/livestream.m3u8" 2>/dev/null || true
grep -q '\.ts' "$ST_DIR/hls/livestream.m3u8" || fail "nginx made no HLS"
pass "nginx-rtmp origin makes HLS from the ffmpeg publish"

play_hls() { # $1: label, $2: the origin's HTTP endpoints (JSON list items)
	local body url id n head
	st_register $SYS "{\"ip\":\"$ORIGIN_IP\",\"server\":\"nginx\",\"service\":\"hls\",\"pid\":\"1\",\"rtmp\":[\"$RTMP_O\"],\"http\":[$2]}" \
		|| fail "$1: register nginx"
	url="http://$APP_C_IP:$HTTP/live/livestream.m3u8?token=abc"
	body=$(ip netns exec "$NS_C" curl -sf -m 5 "$url") || fail "$1: playlist through the appliance"
	id=$(sed -n 's/.*\.ts?spbhid=\([A-Za-z0-9_-]*\).*/\1/p;T;q' <<<"$body")
	[ -n "$id" ] || fail "$1: playlist not rewritten: $body"
	n=$(grep -c '\.ts' <<<"$body" || true)
	[ "$n" = "$(grep -c "\.ts?spbhid=$id\$" <<<"$body" || true)" ] || fail "$1: some segment lacks spbhid: $body"
	pass "$1: playlist rewritten, every segment carries spbhid=$id"
	grep -q "GET /live/livestream.m3u8?token=abc " "$ST_DIR/access.log" || fail "$1: playlist query did not reach nginx"
	pass "$1: the playlist request reached nginx with the client's query"
	head=$(ip netns exec "$NS_C" curl -sf -m 5 -D - -o /dev/null "$url") || fail "$1: playlist headers"
	grep -qi '^Access-Control-Allow-Origin: \*' <<<"$head" || fail "$1: no CORS header on the playlist"
	pass "$1: the playlist allows any origin (CORS, as the Go proxy)"
	: >"$ST_DIR/access.log.before"; cp "$ST_DIR/access.log" "$ST_DIR/access.log.before"
	ip netns exec "$NS_C" ffprobe -v error -rw_timeout 5000000 -show_entries stream=codec_name -of csv=p=0 \
		"$url" >"$ST_DIR/probe.txt" 2>"$ST_DIR/probe.err" || fail "$1: ffprobe: $(cat "$ST_DIR/probe.err")"
	grep -qx h264 "$ST_DIR/probe.txt" || fail "$1: no H.264: $(cat "$ST_DIR/probe.txt")"
	grep -qx aac "$ST_DIR/probe.txt" || fail "$1: no AAC: $(cat "$ST_DIR/probe.txt")"
	pass "$1: ffprobe through the appliance finds H.264 + AAC"
	grep -E "GET /live/livestream-[0-9]+\.ts\?spbhid=$id HTTP/1.1\" 20[06]" "$ST_DIR/access.log" >/dev/null \
		|| fail "$1: no segment request with spbhid=$id reached nginx"
	! grep -E "GET /live/[^ ]*\.ts HTTP" "$ST_DIR/access.log" >/dev/null || fail "$1: a segment reached nginx without spbhid"
	pass "$1: segments reached nginx routed by spbhid=$id"
	[ "$(ip netns exec "$NS_C" curl -s -m 5 -o /dev/null -w '%{http_code}' \
		"http://$APP_C_IP:$HTTP/live/livestream-0.ts?spbhid=nosuchid")" = 404 ] || fail "$1: unknown spbhid not 404"
	pass "$1: an unknown spbhid gets 404"
	seg=$(tail -1 "$ST_DIR/hls/livestream.m3u8")
	ip netns exec "$NS_C" ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
		"http://$APP_C_IP:$HTTP/live/$seg?token=ts" >"$ST_DIR/probe-ts.txt" 2>&1 || fail "$1: HTTP-TS: $(cat "$ST_DIR/probe-ts.txt")"
	grep -qx h264 "$ST_DIR/probe-ts.txt" && grep -qx aac "$ST_DIR/probe-ts.txt" || fail "$1: HTTP-TS codecs: $(cat "$ST_DIR/probe-ts.txt")"
	grep -q "GET /live/$seg?token=ts " "$ST_DIR/access.log" || fail "$1: HTTP-TS query did not reach nginx"
	pass "$1: a .ts without spbhid is relayed as HTTP-TS with its query (H.264 + AAC)"
}

st_appliance_start $SYS $HTTP --http-player-buffer=65536 || fail "start"
code=$(ip netns exec "$NS_C" curl -s -m 5 -o "$ST_DIR/503.json" -w '%{http_code}' "http://$APP_C_IP:$HTTP/live/nostream.m3u8")
[ "$code" = 503 ] && grep -q "no alive origin" "$ST_DIR/503.json" || fail "no origin: $code $(cat "$ST_DIR/503.json")"
pass "no origin: 503 with a reason"
play_hls memory "\"$ORIGIN_IP:$HTTP_O\""
stats=$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players")
python3 - "$stats" <<'PY' || fail "players API: $stats"
import json, sys
s = json.loads(sys.argv[1])["stats"]
assert s["hls_playlists"] >= 2 and s["hls_segments"] >= 1 and s["bytes_to_players"] > 0 and s["no_origin"] == 1, s
PY
pass "System API /api/v1/players counts playlists, segments, bytes and the 503"
# A player slower than its origin (an 8 MB file read at 2 MB/s, 64 KB player buffer): reading the origin
# pauses and resumes (back-pressure), nothing is dropped, the file arrives intact.
ip netns exec "$NS_C" curl -sf -m 20 --limit-rate 2M -o "$ST_DIR/big.got" "http://$APP_C_IP:$HTTP/files/big.ts" \
	|| fail "big download through the appliance"
cmp -s "$ST_DIR/files/big.ts" "$ST_DIR/big.got" || fail "big download differs"
stats=$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players")
python3 - "$stats" <<'PY' || fail "back-pressure counters: $stats"
import json, sys
s = json.loads(sys.argv[1])["stats"]
assert s["paused"] >= 1 and s["slow_dropped"] == 0, s
PY
pass "a download slower than the origin gets back-pressure, not drops: 8 MB intact at 2 MB/s with a 64 KB buffer"
# A player that stops reading: its origin stays paused, and after stall_ms (5 s) without progress it is closed.
cat >"$ST_DIR/stuck.py" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((sys.argv[1], int(sys.argv[2])))
s.sendall(b"GET /files/big.ts HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(60)
PY
ip netns exec "$NS_C" python3 "$ST_DIR/stuck.py" "$APP_C_IP" $HTTP &
STUCK=$!
NETNS_PIDS+=($STUCK)
slow_dropped() {
	dropped=$(curl -sf -m 2 "http://127.0.0.1:$SYS/api/v1/players" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["slow_dropped"])') || dropped=0
	[ "$dropped" -ge 1 ]
}
dropped=0
wait_until 60 slow_dropped || true
[ "$dropped" -ge 1 ] || fail "a player that stopped reading was never closed"
pass "a player that stops reading is closed after 5 s without progress (slow_dropped=$dropped)"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"

if command -v redis-server >/dev/null; then
	netns_bg - redis-server --loglevel warning --port $REDIS --bind 127.0.0.1 --save "" --appendonly no --dir "$ST_DIR"
	redis_up() { [ "$(redis-cli -p $REDIS ping 2>/dev/null)" = PONG ]; }
	wait_until 30 redis_up || fail "redis-server did not start"
	: >"$ST_DIR/access.log"
	st_appliance_start $SYS $HTTP --lb-type=redis --redis-host=127.0.0.1 --redis-port=$REDIS || fail "start (redis)"
	# this time the origin's first HTTP endpoint is dead: every request moves on to the second
	play_hls redis "\"$ORIGIN_IP:$DEAD\",\"$ORIGIN_IP:$HTTP_O\""
	retries=$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["endpoint_retries"])')
	[ "$retries" -ge 3 ] || fail "redis: the dead first endpoint was not skipped ($retries retries)"
	pass "redis: with the origin's first HTTP endpoint dead, each request moved on to the next ($retries retries)"
	if grep -q "balancer: redis," "$APPLIANCE_LOG"; then
		[ -n "$(redis-cli -p $REDIS --scan --pattern '*srs-proxy-spbhid:*')" ] || fail "redis: no srs-proxy-spbhid key"
		pass "redis: the spbhid is stored in Redis"
	else
		echo "skip - redis: this build's balancer has no Redis backend yet (it ran on memory)"
	fi
	appliance_stop || fail "exit status on SIGTERM (redis)"
fi
echo "$passed passed, 0 failed"
