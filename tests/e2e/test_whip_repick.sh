#!/usr/bin/env bash
# test_whip_repick.sh: issue 13 item 1 for WHIP/WHEP and the relays' connect timeout (HTTP and RTMP),
# item 3 for SRS's legacy API ("clientip"), and item 5 with a real client. Two origins
# (identity_origin.py, which records every request it gets): A, the one streams are pinned to, and B.
#  - legacy /rtc/v1/publish/ with a forged "clientip": the origin gets the offer without it, and the
#    client's address in X-Forwarded-For.
#  - an origin C at an address a TCP connect fails on at once (ENETUNREACH: the origin link's broadcast
#    address): its pinned stream's WHIP POST is answered 201 by another origin.
#  - A's process dead (connect refused): the client's one WHIP POST is answered 201 by B, the FLV play of
#    another pinned stream 200 by B; A is marked down; the client never sees an origin address.
#  - A blackholed (its SYN-ACKs go nowhere: a policy route drops every packet from A's address, so a
#    connect to A hangs as for a host gone or a firewall dropping SYNs): the relays give A up after
#    origin_connect_timeout ("connect timed out" in the log, not the 10 s / 15 s request timeouts), mark
#    it down and the client's one WHIP POST / FLV GET / RTMP publish (nginx-rtmp on B) is answered by B.
#  - Every origin dead: 502/503, and the reason names no origin address.
#  - whip_redirect on: an aiortc WHIP client (whip_client.py) follows the 307 to the origin
#    (whip_origin.py) on a link only the client and the origin share, and the origin counts its RTP.
#
#   root mwro$ID 198.19.137.1/29 ──veth── origin ns mwr-o-$ID o0: A 198.19.137.2, B 198.19.137.3
#   root mwrc$ID 198.19.137.9/30 ──veth── client ns mwr-c-$ID c0 198.19.137.10 (the appliance's listeners)
#   client ns c1 198.19.137.17/30 ──veth── origin ns o1 198.19.137.18 (redirect mode: client to origin)
#   the appliance's DPDK port: TAP mwr$ID, 198.19.137.128/30
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"

ID=$(($$ % 10000))
NS_O=mwr-o-$ID
NS_C=mwr-c-$ID
APP_O=198.19.137.1
A=198.19.137.2
B=198.19.137.3
APP_C=198.19.137.9
CLIENT=198.19.137.10
CLIENT_DIRECT=198.19.137.17
ORIGIN_DIRECT=198.19.137.18
SYS=13760
HTTP=13761
API=13762
PA=13763 # A's HTTP and API port
PB=13764 # B's
PR=13765 # the redirect mode's aiortc origin
RTMP=13766 # the appliance's RTMP listener
PRB=13767 # B's RTMP server (nginx-rtmp); A's RTMP endpoint is 13768, where nothing listens; C's 13769
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
PY=/usr/bin/python3 # Debian's python3-aiortc
OFFER=${MP_TEST_DATA:?}/chromium156-whip-offer.sdp
netns_workdir mwr-e2e
chmod 755 "$WORK"
FAIL_LOGS+=("$WORK/a.jsonl" "$WORK/b.jsonl")

netns_add "$NS_O"
netns_add "$NS_C"
netns_veth "mwro$ID" "$APP_O/29" "$NS_O" o0 "$A/29"
ip -n "$NS_O" addr add "$B/29" dev o0
netns_veth "mwrc$ID" "$APP_C/30" "$NS_C" c0 "$CLIENT/30"
ip -n "$NS_C" link add name c1 type veth peer name o1 netns "$NS_O"
ip -n "$NS_C" addr add "$CLIENT_DIRECT/30" dev c1
ip -n "$NS_O" addr add "$ORIGIN_DIRECT/30" dev o1
ip -n "$NS_C" link set c1 up
ip -n "$NS_O" link set o1 up

# origin NAME ADDR PORT: identity_origin.py in the origin namespace, requests to $WORK/NAME.jsonl
origin() {
	netns_bg "$NS_O" "$PY" "$(dirname "$0")/identity_origin.py" "$2" "$3" "$WORK/$1.jsonl"
	eval "PID_$1=\$!"
	listens() { [ -n "$(ip netns exec "$NS_O" ss -Hltn "src $1 and sport = :$2")" ]; }
	wait_until 30 listens "$2" "$3" || fail "origin $1 does not listen on $2:$3"
}
register() { # register NAME ADDR PORT RTMP-PORT
	local out
	out=$(curl -sf -m 5 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS/api/v1/srs/register" \
		-d "{\"ip\":\"$2\",\"server\":\"wr\",\"service\":\"$1\",\"pid\":\"1\",\"http\":[\"$3\"],\"api\":[\"$3\"],\"rtmp\":[\"$4\"]}") &&
		[[ $out == *'"code":0'* ]]
}
# nginx_rtmp ADDR PORT: nginx-rtmp in the origin namespace, application "live", access log $WORK/nginx/rtmp_access.log
nginx_rtmp() {
	local d=$WORK/nginx
	mkdir -p "$d/logs"
	cat >"$d/nginx.conf" <<CONF
load_module $MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 64; }
rtmp { access_log $d/rtmp_access.log; server { listen $1:$2; application live { live on; } } }
CONF
	netns_bg "$NS_O" nginx -c "$d/nginx.conf" -p "$d" >"$d/out" 2>&1
	nginx_listens() { [ -n "$(ip netns exec "$NS_O" ss -Hltn "src $1 and sport = :$2")" ]; }
	wait_until 30 nginx_listens "$1" "$2" || fail "nginx-rtmp does not listen: $(cat "$d/error.log" "$d/out")"
}
seen() { [ -s "$WORK/$1.jsonl" ] && grep -c -- "$2" "$WORK/$1.jsonl" || echo 0; }
# whip STREAM: the client's one POST of the offer through the appliance; body in $WORK/body, prints the status
whip() {
	ip netns exec "$NS_C" curl -s -m 60 -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/sdp' \
		--data-binary @"$OFFER" "http://$APP_C:$API/rtc/v1/whip/?app=live&stream=$1"
}
flv() { ip netns exec "$NS_C" curl -s -m 60 -o "$WORK/body" -w '%{http_code}' "http://$APP_C:$HTTP/live/$1.flv"; }
no_origin_address() { ! grep -Eq '198\.19\.137\.(2|3|7|18)([^0-9]|$)' "$WORK/body"; }
# ms since $1 (date +%s%N)
since() { echo $((($(date +%s%N) - $1) / 1000000)); }

appliance_run "mwr-$ID" --no-huge -m 512 -- \
	--tap-name="mwr$ID" --tap-host-ip=198.19.137.129/30 --public-ip=198.19.137.130/30 --public-gateway=0.0.0.0 \
	--system-api-listen="127.0.0.1:$SYS" --rtmp-listen="0.0.0.0:$RTMP" --http-listen="0.0.0.0:$HTTP" --api-listen="0.0.0.0:$API" \
	--idle-sleep-us=1000 --max-sessions=4096 --max-streams=1024 --max-origins=64 --log-level=debug ||
	fail "appliance start"

# --- C: a TCP connect to the broadcast address of the origins' link fails at once (ENETUNREACH). As the
# only origin, its stream u1 is pinned to it and the client gets 502 without C's address.
C=198.19.137.7
register c "$C" 13769 13769 || fail "register C"
code=$(whip u1)
[ "$code" = 502 ] || fail "WHIP u1 on C alone: $code $(cat "$WORK/body")"
no_origin_address || fail "the error names C's address: $(cat "$WORK/body")"
grep -q "HTTP relay: origin $C:13769: connect failed at once: Network is unreachable" "$APPLIANCE_LOG" ||
	fail "the connect to C did not fail at once: $(grep 'HTTP relay' "$APPLIANCE_LOG")"
grep -q "origin wr-c-1 (id [0-9]*) down: cannot connect" "$APPLIANCE_LOG" ||
	fail "C not marked down by its immediate connect failure: $(grep ' down' "$APPLIANCE_LOG")"
pass "C fails at once: 502 ($(cat "$WORK/body")), C marked down"

# --- Pin streams to A while it is the only alive origin, then B joins.
origin a "$A" "$PA"
origin b "$B" "$PB"
register a "$A" "$PA" 13768 || fail "register A"
for s in r1 t1; do
	[ "$(whip "$s")" = 201 ] || fail "WHIP $s on A: $(cat "$WORK/body")"
	[ "$(seen a "stream=$s")" = 1 ] || fail "WHIP $s did not reach A"
done
for s in f1 g1 k1; do
	[ "$(flv "$s")" = 200 ] || fail "FLV $s on A: $(cat "$WORK/body")"
	[ "$(seen a "/live/$s.flv")" = 1 ] || fail "FLV $s did not reach A"
done
# SRS's legacy API would take a forged "clientip" from the offer as the client's address (its hooks'
# "ip"): the appliance drops it, and SRS falls back to X-Forwarded-For, the client's real address.
"$PY" - "$OFFER" >"$WORK/legacy.json" <<'PY'
import json, sys
print(json.dumps({"api": "http://x/rtc/v1/publish/", "streamurl": "webrtc://x/live/legacy1", "clientip": "10.6.6.6",
                  "sdp": open(sys.argv[1], newline="").read()}))
PY
code=$(ip netns exec "$NS_C" curl -s -m 60 -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary @"$WORK/legacy.json" "http://$APP_C:$API/rtc/v1/publish/")
[ "$code" = 201 ] || fail "legacy offer: $code $(cat "$WORK/body")"
"$PY" - "$(tail -n 1 "$WORK/a.jsonl")" "$OFFER" "$CLIENT" <<'PY' || fail "legacy offer at the origin: $(tail -n 1 "$WORK/a.jsonl" | cut -c 1-400)"
import json, sys
r = json.loads(sys.argv[1])
b = json.loads(r["body"])
h = {k.lower(): v for k, v in r["headers"]}
assert r["target"] == "/rtc/v1/publish/" and "clientip" not in b, b.keys()
assert b["sdp"] == open(sys.argv[2], newline="").read() and b["streamurl"] == "webrtc://x/live/legacy1", b
assert h["x-forwarded-for"] == sys.argv[3], h
PY
pass "legacy API: a forged \"clientip\" is taken out of the offer, the origin gets X-Forwarded-For $CLIENT and the rest as sent"
register b "$B" "$PB" "$PRB" || fail "register B"
register c "$C" 13769 13769 || fail "register C again"
[ "$(whip u1)" = 201 ] || fail "WHIP u1 pinned to C, with A and B alive: $(cat "$WORK/body")"
[ "$(($(seen a "stream=u1") + $(seen b "stream=u1")))" = 1 ] || fail "the offer for u1 did not reach A or B once"
grep -q "HTTP API: __defaultVhost__/live/u1: origin [0-9]* unreachable, offer sent to origin [0-9]*" "$APPLIANCE_LOG" ||
	fail "no WHIP re-pick logged for u1"
pass "C fails at once: the WHIP POST for u1 pinned to it answered 201 by another origin within the request"
if [ -f "$MODULE" ]; then nginx_rtmp "$B" "$PRB"; else echo "# no libnginx-mod-rtmp: the RTMP case is left out"; fi
pass "streams r1, t1 (WHIP) and f1, g1, k1 (FLV) pinned to A; B registered"

# --- A's process dies: connects to it are refused.
kill -9 "$PID_a"
wait "$PID_a" 2>/dev/null || true
t0=$(date +%s%N)
code=$(whip r1)
t_whip=$(since "$t0")
[ "$code" = 201 ] || fail "WHIP r1 with A dead: $code $(cat "$WORK/body")"
[ "$(seen b "stream=r1")" = 1 ] || fail "the offer for r1 did not reach B"
grep -q "a=ice-ufrag:orig" "$WORK/body" || fail "the answer is not B's: $(cat "$WORK/body")"
no_origin_address || fail "the answer names an origin address: $(cat "$WORK/body")"
grep -q "HTTP API: __defaultVhost__/live/r1: origin [0-9]* unreachable, offer sent to origin [0-9]*" "$APPLIANCE_LOG" ||
	fail "no WHIP re-pick logged"
grep -q "(id [0-9]*) down: cannot connect\|(id [0-9]*) down: connection refused" "$APPLIANCE_LOG" ||
	fail "A not marked down by the refused connect: $(grep ' down' "$APPLIANCE_LOG")"
pass "A refused: the client's one WHIP POST for r1 answered 201 by B (A marked down, re-picked in the request, ${t_whip} ms)"

# A registers again (a restarted origin would): its pinned streams go to it again at the pick.
register a "$A" "$PA" 13768 || fail "register A again"
code=$(flv f1)
[ "$code" = 200 ] || fail "FLV f1 with A dead: $code $(cat "$WORK/body")"
[ "$(seen b "/live/f1.flv")" = 1 ] || fail "FLV f1 did not reach B"
grep -q "HTTP stream: flv __defaultVhost__/live/f1 .*unreachable, retrying on origin" "$APPLIANCE_LOG" ||
	fail "no re-pick logged for the FLV play of f1"
pass "A refused: the FLV play of f1 answered 200 by B within the request"

# --- A blackholed: nothing from A's address leaves the origin namespace (its SYN-ACKs, its RSTs), so a
# connect to A hangs. Its process runs again, so only the route tells the two cases apart.
origin a "$A" "$PA"
ip -n "$NS_O" route add blackhole default table 137
ip -n "$NS_O" rule add from "$A" lookup 137
register a "$A" "$PA" 13768 || fail "register A again"
t0=$(date +%s%N)
code=$(whip t1)
t_whip=$(since "$t0")
[ "$code" = 201 ] || fail "WHIP t1 with A blackholed: $code $(cat "$WORK/body")"
[ "$(seen b "stream=t1")" = 1 ] || fail "the offer for t1 did not reach B"
[ "$(seen a "stream=t1")" = 1 ] || fail "the offer for t1 reached A through the blackhole"
grep -q "(id [0-9]*) down: connect timed out" "$APPLIANCE_LOG" ||
	fail "A not marked down for a connect timeout: $(grep ' down' "$APPLIANCE_LOG")"
grep -q "HTTP API: __defaultVhost__/live/t1: origin [0-9]* unreachable, offer sent to origin [0-9]*" "$APPLIANCE_LOG" ||
	fail "no WHIP re-pick logged for t1"
pass "A blackholed: the WHIP POST for t1 gave A up after origin_connect_timeout and was answered 201 by B (${t_whip} ms)"

register a "$A" "$PA" 13768 || fail "register A again"
t0=$(date +%s%N)
code=$(flv g1)
t_flv=$(since "$t0")
[ "$code" = 200 ] || fail "FLV g1 with A blackholed: $code $(cat "$WORK/body")"
[ "$(seen b "/live/g1.flv")" = 1 ] || fail "FLV g1 did not reach B"
grep -q "down: did not take the connection in time" "$APPLIANCE_LOG" ||
	fail "A not marked down by the FLV relay's connect timeout: $(grep ' down' "$APPLIANCE_LOG")"
grep -q "HTTP stream: flv __defaultVhost__/live/g1 .*unreachable, retrying on origin" "$APPLIANCE_LOG" ||
	fail "no re-pick logged for the FLV play of g1"
# the origin namespace's IP counters: its packets that found no route (the blackhole's drops)
noroutes=$(ip netns exec "$NS_O" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "OutNoRoutes") c = i; h = 1 }
	else print $c }' /proc/net/snmp)
[ "${noroutes:-0}" -gt 0 ] || fail "nothing was dropped by the blackhole route"
pass "A blackholed: the FLV play of g1 gave A up after origin_connect_timeout, answered 200 by B (${t_flv} ms; $noroutes replies of A dropped)"

if [ -f "$MODULE" ]; then
	register a "$A" "$PA" 13768 || fail "register A again"
	t0=$(date +%s%N)
	ip netns exec "$NS_C" timeout 60 ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi \
		-i "testsrc=size=160x120:rate=15" -t 2 -c:v libx264 -preset ultrafast -g 15 -f flv \
		"rtmp://$APP_C:$RTMP/live/k1" >"$WORK/pub-k1.log" 2>&1 || fail "RTMP publish of k1: $(cat "$WORK/pub-k1.log")"
	t_rtmp=$(since "$t0")
	grep -q 'PUBLISH "live" "k1"' "$WORK/nginx/rtmp_access.log" || fail "the publish of k1 did not reach B's nginx"
	grep -q "down: the origin timed out" "$APPLIANCE_LOG" ||
		fail "A not marked down by the RTMP relay's connect timeout: $(grep ' down' "$APPLIANCE_LOG")"
	grep -q "RTMP: .* __defaultVhost__/live/k1: origin [0-9]* unreachable, retrying on origin" "$APPLIANCE_LOG" ||
		fail "no RTMP re-pick logged for k1"
	pass "A blackholed: the RTMP publish of k1 gave A up after origin_connect_timeout and reached B's nginx-rtmp (publish of 2 s done in ${t_rtmp} ms)"
fi

# --- every origin gone: the client learns why, not where
kill -9 "$PID_b"
wait "$PID_b" 2>/dev/null || true
code=$(whip r1)
[ "$code" = 502 ] || [ "$code" = 503 ] || fail "WHIP with every origin dead: $code $(cat "$WORK/body")"
no_origin_address || fail "the error names an origin address: $(cat "$WORK/body")"
why=$(cat "$WORK/body")
code=$(flv f1)
[ "$code" = 502 ] || [ "$code" = 503 ] || fail "FLV with every origin dead: $code $(cat "$WORK/body")"
no_origin_address || fail "the FLV error names an origin address: $(cat "$WORK/body")"
pass "every origin dead: WHIP and FLV answered 502/503 without an origin address (WHIP: $why; FLV: $(cat "$WORK/body"))"
m=$(curl -sf "http://127.0.0.1:$SYS/api/v1/webrtc") || fail "GET /api/v1/webrtc"
n=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["http_api"]["origin_repicks"])' "$m")
[ "$n" -ge 2 ] || fail "http_api.origin_repicks: $m"
appliance_stop || fail "exit status on SIGTERM"
pass "$n WHIP re-picks counted (http_api.origin_repicks); stops cleanly"

# --- whip_redirect with a real WHIP client: 307 followed, media counted at the origin
appliance_run "mwr-$ID" --no-huge -m 512 -- \
	--tap-name="mwr$ID" --tap-host-ip=198.19.137.129/30 --public-ip=198.19.137.130/30 --public-gateway=0.0.0.0 \
	--system-api-listen="127.0.0.1:$SYS" --rtmp-listen=off --http-listen=off --api-listen="0.0.0.0:$API" \
	--idle-sleep-us=1000 --max-sessions=4096 --max-streams=1024 --max-origins=64 --whip-redirect=on ||
	fail "appliance start with whip_redirect"
netns_bg "$NS_O" "$PY" "$(dirname "$0")/whip_origin.py" --listen "$ORIGIN_DIRECT:$PR" --media-ip "$ORIGIN_DIRECT" \
	2>"$WORK/whip_origin.log"
stats() { ip netns exec "$NS_C" curl -s -m 5 "http://$ORIGIN_DIRECT:$PR/test/stats"; }
wait_until 60 stats >/dev/null || fail "the WHIP origin does not answer: $(cat "$WORK/whip_origin.log")"
out=$(curl -sf -m 5 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS/api/v1/srs/register" \
	-d "{\"ip\":\"$ORIGIN_DIRECT\",\"server\":\"wr\",\"service\":\"r\",\"pid\":\"1\",\"api\":[\"$ORIGIN_DIRECT:$PR\"],\"rtc\":[\"udp://$ORIGIN_DIRECT:8000\"]}") &&
	[[ $out == *'"code":0'* ]] || fail "register the WHIP origin: $out"
out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_DIRECT" --seconds 3 --connect-timeout 30 \
	--url "http://$APP_C:$API/rtc/v1/whip/?app=live&stream=redir1" 2>"$WORK/whip_client.log") ||
	fail "the WHIP client through the redirect: $out $(tail -5 "$WORK/whip_client.log") $(tail -5 "$WORK/whip_origin.log")"
"$PY" - "$out" "$(stats)" "http://$ORIGIN_DIRECT:$PR/rtc/v1/whip/" <<'PY' || fail "redirect with a real client: $out $(stats)"
import json, sys
r, st = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert r["status"] == 201 and r["answered_by"].startswith(sys.argv[3]), r
assert r["ice"] in ("connected", "completed") and r["rtp_sent"] > 0 and r["delete_status"] == 200, r
assert st["inbound_rtp_packets"] > 0, st
print("# client sent %d RTP packets, the origin received %d" % (r["rtp_sent"], st["inbound_rtp_packets"]))
PY
m=$(curl -sf "http://127.0.0.1:$SYS/api/v1/webrtc") || fail "GET /api/v1/webrtc"
[[ $m == *'"redirected":1'* ]] || fail "redirected counter: $m"
pass "whip_redirect: an aiortc WHIP client followed the 307 to the origin, ICE connected there and the origin counted its RTP"
appliance_stop || fail "exit status on SIGTERM"
echo "$passed passed, 0 failed"
