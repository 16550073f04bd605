#!/usr/bin/env bash
# test_origin_failover.sh: issue 13 items 1-2 with two origins (each: nginx-rtmp recording what it gets
# and serving the recordings over HTTP, an aiortc API server the appliance probes, an SRT sink) and
# the appliance on least_load picks with probes on:
#   weight 0 drains: new streams never land on the drained origin while its live SRT stream goes on;
#   least load: 100 new streams (HTTP-FLV requests, counted in each origin's access log) go >= 80 %
#     to the origin whose heartbeat summaries report less load;
#   failover: origin A's server is killed (SIGKILL): an HTTP-FLV play and an RTMP publish of streams
#     pinned to A are refused by A and re-picked to B within the client's one request (checked at B:
#     its access log, its recording); then the rest of A dies: its probes declare it dead, its live
#     SRT session is ended, and an SRT publish of the same stream arrives at B's sink;
#   an SRT origin that never answers a handshake is marked down and the caller's retry lands on B.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
. "$(dirname "$0")/lib/nginx_rtmp.sh"
SYS_PORT=13262 API_PORT=13261 RTMP_PORT=13263 HTTP_PORT=13264
nginx_rtmp_require
declare -A ORIGIN_NGINX_PID HB_PID
declare -A RPORT=([oA]=13271 [oB]=13274) HPORT=([oA]=13272 [oB]=13275)

# nginx_start NAME: nginx-rtmp on the origin's management address: RTMP application "live" recording
# every stream to rec/<stream>.flv, and HTTP serving rec/ as /live/ (HTTP-FLV of what it recorded).
nginx_start() {
	local d=$FWORK/$1-nginx
	mkdir -p "$d/rec" "$d/logs"
	nginx_rtmp_start "$NS_O" "$d" "$MGMT_ORIGIN:${RPORT[$1]}" \
		"live on; record all; record_path $d/rec; record_unique off;" "$MGMT_ORIGIN:${HPORT[$1]}" \
		"default_type video/x-flv; location /live/ { alias $d/rec/; }" || fail "nginx of $1 does not listen"
	ORIGIN_NGINX_PID[$1]=$NGINX_PID
}

# register NAME CPU LOAD1M: a heartbeat as SRS 7 sends it with `summaries on` (cpu_percent, load_1m,
# cpus, conn_srs), with every endpoint of the origin.
register() {
	local name=$1 api srt
	api=$(v ORIGIN_API_$1)
	srt=$(v ORIGIN_SRT_$1)
	curl -s -f -m 10 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" -d "{\"device_id\":\"$name\",
		\"ip\":\"$ORIGIN_IP\",\"server\":\"srv-$name\",\"service\":\"svc\",\"pid\":\"$api\",
		\"summaries\":{\"data\":{\"ok\":true,\"system\":{\"cpu_percent\":$2,\"load_1m\":$3,\"cpus\":2,\"conn_srs\":3}}},
		\"api\":[\"$MGMT_ORIGIN:$api\"],\"rtc\":[\"udp://$ORIGIN_IP:8000\"],\"srt\":[\"$ORIGIN_IP:$srt\"],
		\"rtmp\":[\"$MGMT_ORIGIN:${RPORT[$name]}\"],\"http\":[\"$MGMT_ORIGIN:${HPORT[$name]}\"]}" >/dev/null
}
heartbeat() { while :; do register "$@" || true; sleep 1; done; }
origin_up() { # NAME CPU LOAD1M: the origin's servers and its heartbeat
	origin_start "$1" "$2" "$3"
	nginx_start "$1"
	netns_bg - heartbeat "$1" "$4" "$5"
	HB_PID[$1]=$!
}
origin_field() { # NAME FIELD: a field of origin NAME in GET /api/v1/origins
	"$PY" -c 'import json, sys
o = [x for x in json.loads(sys.argv[1])["origins"] if x["device_id"] == sys.argv[2]]
print(str(o[0].get(sys.argv[3])).lower() if o else "none")' "$(sysapi /api/v1/origins)" "$1" "$2"
}
origin_is() { [ "$(origin_field "$1" "$2")" = "$3" ]; }
origin_of() { # STREAM: the origin (device id) the stream is pinned to
	"$PY" -c 'import json, sys
s = [x for x in json.loads(sys.argv[1])["streams"] if x["stream"] == "__defaultVhost__/live/" + sys.argv[2]]
print(s[0]["origin"].split("-")[1] if s else "none")' "$(sysapi "/api/v1/streams?limit=1000")" "$1"
}
set_weight() { # NAME W: through the System API
	local out
	out=$(curl -s -m 10 -X POST -d "{\"weight\":$2}" "http://127.0.0.1:$SYS_PORT/api/v1/origins/srv-$1-svc-$(v ORIGIN_API_$1)/weight")
	[[ $out == *'"code":0'* ]] || fail "set weight $1 $2: $out"
}
rtmp_publish() { # STREAM SECONDS: H.264 through the appliance's RTMP listener, from the client namespace
	ip netns exec "$NS_C" timeout 60 ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi \
		-i "testsrc=size=160x120:rate=15" -t "$2" -c:v libx264 -preset ultrafast -g 15 -f flv \
		"rtmp://$MGMT_HOST_C:$RTMP_PORT/live/$1" >"$FWORK/pub-$1.log" 2>&1
}
published_at() { # NAME STREAM: nginx of NAME logged a publish of STREAM and recorded H.264 of it
	grep -q "PUBLISH \"live\" \"$2\"" "$FWORK/$1-nginx/access.log" 2>/dev/null &&
		ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$FWORK/$1-nginx/rec/$2.flv" 2>/dev/null | grep -q h264
}
flv_gets() { # NAME: HTTP-FLV requests the origin's HTTP server has answered
	local n=0
	[ ! -f "$FWORK/$1-nginx/http_access.log" ] || n=$(grep -c 'GET /live/' "$FWORK/$1-nginx/http_access.log" || true)
	echo "${n:-0}"
}

mph_up
fault_appliance_start --rtmp-listen=0.0.0.0:$RTMP_PORT --http-listen=0.0.0.0:$HTTP_PORT --pick=least_load \
	--origin-probe=on --origin-probe-interval=300ms --origin-probe-failures=3 --origin-probe-timeout=2s || fail "start"
# A reports itself busy (cpu 90 %, load 3.8 on 2 cpus), B idle (cpu 5 %, load 0.1).
origin_up oA 13270 10093 90 3.8
origin_up oB 13273 10094 5 0.1
wait_until 30 origin_is oA alive true && wait_until 30 origin_is oB alive true || fail "origins not alive: $(sysapi /api/v1/origins)"
pass "two origins registered with their load (A $(origin_field oA load), B $(origin_field oB load))"

# ---- weight 0 drains: new streams never land there, existing ones continue ----
set_weight oB 0
srt_live_start live1 oA
for s in d1 d2 d3; do rtmp_publish "$s" 1 || fail "publish $s: $(cat "$FWORK/pub-$s.log")"; done
for s in d1 d2 d3; do [ "$(origin_of "$s")" = oA ] || fail "$s went to drained B"; published_at oA "$s" || fail "$s not at A"; done
set_weight oA 0
set_weight oB 100
for s in e1 e2 e3; do rtmp_publish "$s" 1 || fail "publish $s: $(cat "$FWORK/pub-$s.log")"; done
for s in e1 e2 e3; do [ "$(origin_of "$s")" = oB ] || fail "$s went to drained A"; published_at oB "$s" || fail "$s not at B"; done
srt_flows live1 || fail "the live SRT stream on drained A stopped"
pass "weight 0 drains: 3 new streams each time on the other origin (recorded there), A's live SRT stream flows on"
set_weight oA 100

# ---- least load: 100 new streams, counted where they arrive ----
a0=$(flv_gets oA) b0=$(flv_gets oB)
for i in $(seq 1 100); do
	ip netns exec "$NS_C" curl -s -m 10 -o /dev/null "http://$MGMT_HOST_C:$HTTP_PORT/live/ll$i.flv" || true
done
a=$(($(flv_gets oA) - a0)) b=$(($(flv_gets oB) - b0))
echo "# least_load: 100 new streams: busy A got $a, idle B got $b"
[ $((a + b)) -eq 100 ] || fail "only $((a + b)) of 100 requests reached an origin"
[ "$b" -ge 80 ] || fail "least_load sent only $b of 100 to the less loaded origin"
pass "least_load: $b of 100 new streams on the origin reporting less load"

# ---- failover: streams pinned to A, then A killed ----
# f and h go to A (B drained meanwhile). B gets a copy of A's recording of f, as a fleet's other
# origin would have the stream: something there to play.
set_weight oB 0
rtmp_publish f 1 || fail "publish f"
rtmp_publish h 1 || fail "publish h"
[ "$(origin_of f)" = oA ] && published_at oA f && [ "$(origin_of h)" = oA ] || fail "f, h not on A"
cp "$FWORK/oA-nginx/rec/f.flv" "$FWORK/oB-nginx/rec/f.flv"
set_weight oB 100
# A's nginx dies first (SIGKILL): its RTMP and HTTP connects are refused at once, while its API
# still answers the probes.
kill -9 "${ORIGIN_NGINX_PID[oA]}"
wait "${ORIGIN_NGINX_PID[oA]}" 2>/dev/null || true
t1=$(date +%s%N)
ip netns exec "$NS_C" curl -s -f -m 20 -o "$FWORK/f-play.flv" "http://$MGMT_HOST_C:$HTTP_PORT/live/f.flv" || fail "FLV play after A died"
t_flv=$((($(date +%s%N) - t1) / 1000000))
probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of default=nw=1 "$FWORK/f-play.flv" 2>&1) || fail "ffprobe: $probe"
[[ $probe == *codec_name=h264* ]] || fail "FLV play: no H.264 in $probe"
grep -q 'GET /live/f.flv HTTP/1.1" 200' "$FWORK/oB-nginx/http_access.log" || fail "B did not serve f.flv"
grep -q "HTTP stream: flv __defaultVhost__/live/f .*unreachable, retrying on origin" "$APPLIANCE_LOG" || fail "no re-pick logged for the FLV play"
[ "$(origin_of f)" = oB ] || fail "f not re-pinned to B"
pass "HTTP-FLV play of A's stream f after A's server died: A refused, re-picked in the same request, served by B in ${t_flv} ms (H.264, $(sed -n 's/^duration=//p' <<<"$probe") s)"
t1=$(date +%s%N)
rtmp_publish h 2 || fail "RTMP publish after A died: $(cat "$FWORK/pub-h.log")"
t_rtmp=$((($(date +%s%N) - t1) / 1000000))
# Either the connect to A is refused and retried in the request, or (when no heartbeat of A came
# since the FLV play's refused connect marked it down) h is re-picked off A at its pick.
if grep -q "RTMP: .* __defaultVhost__/live/h: origin [0-9]* unreachable, retrying on origin" "$APPLIANCE_LOG"; then
	how="A refused, re-picked in the same request"
elif grep -q "stream __defaultVhost__/live/h re-picked: origin [0-9]* is dead" "$APPLIANCE_LOG"; then
	how="A already marked down, re-picked at the pick"
else
	fail "no RTMP re-pick logged"
fi
[ "$(origin_of h)" = oB ] && published_at oB h || fail "h not published at B"
rtmp_publish f 1 || fail "RTMP publish of f: $(cat "$FWORK/pub-f.log")"
published_at oB f || fail "B has no recording of f's new publish"
pass "RTMP publish of A's stream h: $how, recorded at B (ffmpeg done ${t_rtmp} ms after it started, 2 s of media); f publishes at B too"

# The rest of A dies (its API, its SRT sink, its heartbeat): the probes declare it dead.
wait_until 30 origin_is oA down false || fail "A's answering API did not bring it back up"
kill -9 "${HB_PID[oA]}" "${ORIGIN_PID[oA]}" "${SINK_PID[oA]}"
wait "${HB_PID[oA]}" "${ORIGIN_PID[oA]}" "${SINK_PID[oA]}" 2>/dev/null || true
t0=$(date +%s%N)
wait_until 30 origin_is oA down true || fail "A not reported down: $(sysapi /api/v1/origins)"
t_dead=$((($(date +%s%N) - t0) / 1000000))
echo "# A reported down by the System API ${t_dead} ms after its API died (probes every 300 ms, 3 misses)"
grep -q "origin srv-oA-svc-13270 (id [0-9]*) dead: 3 probes" "$APPLIANCE_LOG" || fail "A not declared dead by its probes"
wait_until 30 grep -q "dead: .* closed [0-9]* clients and [1-9][0-9]* data-plane sessions" "$APPLIANCE_LOG" ||
	fail "A's live SRT session was not ended: $(grep 'dead:' "$APPLIANCE_LOG")"
m=$(sysapi /metrics)
grep -q "^mediaplane_origins_dead_total 1$" <<<"$m" && grep -q "^mediaplane_origins_suspected_total [1-9]" <<<"$m" ||
	fail "metrics: $(grep origin <<<"$m")"
pass "A declared dead by its probes ${t_dead} ms after it died; its live SRT session ended (counted in /metrics)"
t2=$(date +%s%N)
srt_live_start f oB
t_srt=$((($(date +%s%N) - t2) / 1000000))
srt_flows f || fail "SRT f does not flow on B"
srt_live_end f
pass "SRT publish of f: arrives at B's sink ${t_srt} ms after the caller started, every message intact"

# ---- an SRT origin that never answers: origin C registers (once, no API to probe) an SRT port
# where nothing listens; with B drained, an SRT caller goes to C, is rejected when the handshake
# times out, and C is marked down from the data plane's report, so the next caller lands on B.
curl -s -f -m 10 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" \
	-d "{\"device_id\":\"oC\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srv-oC\",\"service\":\"svc\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:10095\"]}" \
	>/dev/null || fail "register C"
set_weight oB 0
rc=0
ip netns exec "$NS_C" "$PAYLOAD" call "$PUBLIC_IP" 10080 '#!::r=live/s1,m=publish' 1 >"$FWORK/silent.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "an SRT caller to the silent origin C succeeded?"
[ "$(origin_of s1)" = oC ] || fail "s1 was not picked to C: $(origin_of s1)"
wait_until 30 origin_is oC down true || fail "C not marked down after its silent handshake: $(sysapi /api/v1/origins)"
grep -q "origin srv-oC-svc-1 (id [0-9]*) down: 1 SRT handshake(s) it never answered" "$APPLIANCE_LOG" || fail "C's silence not logged"
set_weight oB 100
sink_start oB
srt_live_start s1 oB
srt_flows s1 || fail "SRT s1 does not flow on B"
srt_live_end s1
pass "SRT origin C silent to a handshake: marked down from the data plane, the caller's retry lands on B"
kill -9 "${SRC_PID[live1]}" 2>/dev/null || true
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
