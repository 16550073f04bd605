#!/usr/bin/env bash
# test_http_guard.sh: hostile HTTP traffic against the real appliance (issue 11 items 1, 4, 9): an
# origin whose address fails connect() at once (255.255.255.255, an unroutable address) gets 502 on
# every relayed route (WHIP, WHEP, legacy publish/play, DELETE, PATCH, HTTP-FLV) and the appliance
# stays up and serves the next request; 1100 idle connections under a 1024-descriptor limit are
# refused or timed out with a bounded log and the listeners answer again; 40 x 10 MB unterminated
# headers get 400 with RSS bounded; the per-address cap refuses one address while another is served;
# DELETE/PATCH without a token get 401 whether the resource exists or not; CONNECT is answered and
# its connection closed. The appliance runs in its own namespace (loopback and one veth /24 only), so
# any other address is unreachable.
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
ID=$(($$ % 10000))
NS=mpg-$ID
TAP=mpg$ID
SYS=13601
API=13602
HTTP=13603
RTMP=13604
ORIGIN=13610
DATA=$(cd "$(dirname "$0")/../data" && pwd)
netns_workdir mpg-e2e
chmod 755 "$WORK"
in_ns() { ip netns exec "$NS" "$@"; }
# hcurl ARGS...: curl in the namespace; body to $WORK/b; prints the status (000: no answer)
hcurl() { in_ns curl -s -m 15 -o "$WORK/b" -w '%{http_code}' "$@" || true; }
sysapi() { in_ns curl -sf -m 5 ${SYS_TOKEN:+-H "Authorization: Bearer $SYS_TOKEN"} "http://127.0.0.1:$SYS$1"; }
json() { python3 -c 'import json,sys; o=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): o=o[k]
print(o)' "$1" "$2"; }
alive() { kill -0 "$APPLIANCE_PID" 2>/dev/null; }
versions_ok() { [ "$(hcurl "http://127.0.0.1:$API/api/v1/versions")" = 200 ]; }

netns_add "$NS"
ip -n "$NS" link add d0 type veth peer name d1 # a /24 of its own, nothing routed past it
ip -n "$NS" addr add 198.18.6.1/24 dev d0
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up

# start [mediaplane options]: the appliance in the namespace (ULIMIT set: its descriptor limit, soft = hard)
start() {
	local end=$((SECONDS + 60)) prefix="mpg-$ID-$RANDOM"
	NETNS_PREFIXES+=("$prefix")
	local limit=()
	[ -z "${ULIMIT:-}" ] || limit=(prlimit --nofile="$ULIMIT:$ULIMIT")
	ip netns exec "$NS" "${limit[@]}" "${MP_BUILD_DIR:?}/mediaplane" \
		--file-prefix="$prefix" --no-huge -m 256 -- --tap-name="$TAP" --tap-host-ip=198.18.7.1/30 \
		--public-ip=198.18.7.2/30 --public-gateway=0.0.0.0 --system-api-listen=127.0.0.1:$SYS \
		--api-listen=0.0.0.0:$API --http-listen=0.0.0.0:$HTTP --rtmp-listen=0.0.0.0:$RTMP \
		--idle-sleep-us=1000 --max-sessions=4096 --max-streams=1024 --max-origins=64 "$@" >"$APPLIANCE_LOG" 2>&1 &
	APPLIANCE_PID=$!
	until grep -q "running (pid" "$APPLIANCE_LOG"; do
		alive && [ "$SECONDS" -lt "$end" ] || fail "appliance did not start: $(cat "$APPLIANCE_LOG")"
		sleep 0.1
	done
}
stop() { appliance_stop || fail "appliance exit status $? (a crash?)"; }

# register ADDR: one origin whose api and http endpoints are ADDR
register() {
	local out
	out=$(in_ns curl -sf -m 5 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS/api/v1/srs/register" -d "{\"device_id\":\"g\",
		\"ip\":\"${1%:*}\",\"server\":\"bad-origin\",\"service\":\"s\",\"pid\":\"1\",\"rtmp\":[\"1935\"],
		\"http\":[\"$1\"],\"api\":[\"$1\"],\"rtc\":[\"udp://198.18.6.2:8000\"]}") && [[ $out == *'"code":0'* ]] \
		|| fail "register $1: $out"
}

OFFER="$DATA/chromium156-whip-offer.sdp"
python3 - "$OFFER" >"$WORK/legacy.json" <<'PY'
import json, sys
print(json.dumps({"streamurl": "webrtc://example/live/cam1", "sdp": open(sys.argv[1], newline="").read()}))
PY

# --- item 1: origins failing connect() at once, every relayed route ---
for bad in 255.255.255.255:1985 198.18.99.1:1985; do
	start
	A="http://127.0.0.1:$API"
	for route in "POST $A/rtc/v1/whip/?app=live&stream=cam1 sdp" "POST $A/rtc/v1/whep/?app=live&stream=cam1 sdp" \
		"POST $A/rtc/v1/publish/ json" "POST $A/rtc/v1/play/ json" \
		"DELETE $A/rtc/v1/whip/?action=delete&app=live&stream=cam1&session=a:b -" \
		"PATCH $A/rtc/v1/whip/?action=delete&app=live&stream=cam1&session=a:b frag" \
		"GET http://127.0.0.1:$HTTP/live/cam1.flv -"; do
		read -r m url body <<<"$route"
		# each route meets the origin fresh: a connect that fails at once marks it down (issue 13),
		# and the next route would be answered 503 (no alive origin) without trying it
		register "$bad"
		case $body in
		sdp) args=(-H 'Content-Type: application/sdp' --data-binary @"$OFFER") ;;
		json) args=(--data-binary @"$WORK/legacy.json") ;;
		frag) args=(-H 'Content-Type: application/trickle-ice-sdpfrag' --data-binary $'a=end-of-candidates\r\n') ;;
		*) args=() ;;
		esac
		code=$(hcurl -X "$m" "${args[@]}" "$url")
		[ "$code" = 502 ] || fail "$m $url with origin $bad: status $code ($(cat "$WORK/b"))"
		# issue 13: the client is told, but never where the origin is
		[[ $(cat "$WORK/b") != *"${bad%:*}"* ]] || fail "$m $url: the error names the origin's address: $(cat "$WORK/b")"
		echo "   $m ${url#http://127.0.0.1:} -> 502 $(cat "$WORK/b")"
		alive || fail "$m $url with origin $bad: the appliance died"
		versions_ok || fail "after $m $url with origin $bad: the next request was not served"
	done
	pass "origin at $bad (connect fails at once): 502 on WHIP, WHEP, legacy publish/play, DELETE, PATCH, HTTP-FLV, none naming the origin's address; still serving"
	stop
	pass "origin at $bad: the appliance stops cleanly afterwards (no crash)"
done

# --- item 9: auth before existence; CONNECT closed ---
# A tiny origin answering a WHIP offer with SRS's answer and a Location outside /rtc/v1/, so the
# resource exists at the appliance only because it recorded it.
cat >"$WORK/origin.py" <<'PY'
import http.server, sys
ans = open(sys.argv[2], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, code, body=b"", extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(201, ans, [("Content-Type", "application/sdp"), ("Location", "/res/cam2")])
    def do_DELETE(self):
        self.reply(200)
    def do_GET(self):
        if self.path.startswith("/live/cut.flv"):  # an FLV header, then a tag that claims 1 MB and stops
            body = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00" + b"\x09\x10\x00\x00" + b"\x00" * 7 + b"\x17" * 100
        else:  # not FLV at all
            body = b"this is not an FLV stream\n" * 40
        self.reply(200, body, [("Content-Type", "video/x-flv")])
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
netns_bg "$NS" python3 "$WORK/origin.py" $ORIGIN "$DATA/srs7-whip-answer.sdp"
wait_until 60 in_ns curl -s -m 1 -o /dev/null "http://127.0.0.1:$ORIGIN/" || fail "test origin did not start"
start --api-auth-enabled=on --api-auth-token=s3cret
SYS_TOKEN=s3cret
TOKEN=(-H 'Authorization: Bearer s3cret')
out=$(in_ns curl -sf -m 5 -X POST -H 'Content-Type: application/json' "${TOKEN[@]}" "http://127.0.0.1:$SYS/api/v1/srs/register" -d "{\"device_id\":\"o\",
	\"ip\":\"127.0.0.1\",\"server\":\"good\",\"service\":\"s\",\"pid\":\"2\",\"rtmp\":[\"1935\"],
	\"api\":[\"127.0.0.1:$ORIGIN\"],\"http\":[\"127.0.0.1:$ORIGIN\"],\"rtc\":[\"udp://198.18.6.2:8000\"]}") \
	|| fail "register the test origin: $out"
code=$(hcurl -X POST "${TOKEN[@]}" -H 'Content-Type: application/sdp' --data-binary @"$OFFER" \
	"http://127.0.0.1:$API/rtc/v1/whip/?app=live&stream=cam2")
[ "$code" = 201 ] || fail "WHIP through the test origin: $code $(cat "$WORK/b")"
for m in DELETE PATCH; do
	for path in /res/cam2 /res/nothing-here; do
		code=$(hcurl -X "$m" "http://127.0.0.1:$API$path")
		[ "$code" = 401 ] || fail "$m $path without a token: $code (the answer must not depend on what exists)"
	done
done
code=$(hcurl -X DELETE "${TOKEN[@]}" "http://127.0.0.1:$API/res/nothing-here")
[ "$code" = 404 ] || fail "DELETE of an unknown resource with the token: $code"
code=$(hcurl -X DELETE "${TOKEN[@]}" "http://127.0.0.1:$API/res/cam2")
[ "$code" = 200 ] || fail "DELETE of the recorded resource with the token: $code $(cat "$WORK/b")"
pass "DELETE/PATCH without a token: 401 for a recorded resource and for none (with it: 200 / 404)"

# --- item 7: an origin's 200 with a Content-Length and a body that is not a whole FLV stream ---
rc=0
in_ns curl -s -m 20 -o "$WORK/cut" "http://127.0.0.1:$HTTP/live/cut.flv" || rc=$?
[ "$rc" != 28 ] || fail "HTTP-FLV player of an origin whose body ends inside a tag: still hanging after 20 s"
[ "$rc" != 0 ] || fail "HTTP-FLV cut inside a tag ended as if whole"
cut_rc=$rc
rc=0
in_ns curl -s -m 20 -o "$WORK/notflv" "http://127.0.0.1:$HTTP/live/notflv.flv" || rc=$?
[ "$rc" = 0 ] || fail "HTTP-FLV of a body that is not FLV: curl exit $rc"
[ "$(wc -c <"$WORK/notflv")" = 1040 ] || fail "the non-FLV body was not passed through whole: $(wc -c <"$WORK/notflv") bytes"
p=$(sysapi /api/v1/players)
[ "$(json "$p" stats.origin_flv_cut)" -ge 1 ] || fail "origin_flv_cut not counted: $p"
[ "$(python3 -c 'import json,sys; print(len(json.loads(sys.argv[1])["players"]))' "$p")" = 0 ] || fail "players left: $p"
wait_until 60 sh -c "[ \"\$(ip netns exec $NS curl -sf -m 5 -H 'Authorization: Bearer s3cret' http://127.0.0.1:$SYS/api/v1/connections | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"listeners\"][\"HTTP stream\"][\"open\"])')\" = 0 ]" \
	|| fail "HTTP stream connections still open after the bodies ended: $(sysapi /api/v1/connections)"
pass "HTTP-FLV: a body cut inside a tag closes the player (curl exit $cut_rc, counted in origin_flv_cut), a non-FLV body passes through whole and ends; no player or connection left"

# CONNECT: answered, then the server closes the connection (it would stay open for a next request)
for port in $SYS $API $HTTP; do
	res=$(in_ns python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
data = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            print("closed", data.split(b"\r\n")[0].decode())
            break
        data += b
except socket.timeout:
    print("open", data.split(b"\r\n")[0].decode())
PY
)
	[[ $res == "closed HTTP/1.1 40"* || $res == "closed HTTP/1.1 50"* ]] || fail "CONNECT on port $port: $res"
done
pass "CONNECT on the System API, HTTP API and HTTP stream ports: refused ($res) and the connection closed"
stop
SYS_TOKEN=

# --- item 4: per-address cap; another address is still served ---
start --conn-max-per-ip=20
in_ns python3 - $API 30 127.0.0.1 >"$WORK/held" <<'PY' &
import socket, sys, time
conns = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), source_address=(sys.argv[3], 0)) for _ in range(int(sys.argv[2]))]
print("held", flush=True)
time.sleep(8)
PY
HOLDER=$!
wait_until 60 grep -q held "$WORK/held" || fail "could not open 30 connections"
wait_until 60 sh -c "[ \"\$(ip netns exec $NS curl -sf -m 5 http://127.0.0.1:$SYS/api/v1/connections | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"listeners\"][\"HTTP API\"][\"refused_per_ip\"])')\" -ge 10 ]" \
	|| fail "per-address refusals not counted: $(sysapi /api/v1/connections)"
refused=$(hcurl --interface 127.0.0.1 "http://127.0.0.1:$API/api/v1/versions")
[ "$refused" = 503 ] || [ "$refused" = 000 ] || fail "21st connection from 127.0.0.1: $refused"
code=$(hcurl --interface 127.0.0.2 "http://127.0.0.1:$API/api/v1/versions")
[ "$code" = 200 ] || fail "a request from 127.0.0.2 while 127.0.0.1 is at its cap: $code"
pass "per-address cap: 127.0.0.1 past 20 connections refused (a request from it: $refused), 127.0.0.2 served"
wait "$HOLDER" || true

# --- item 4: 40 x 10 MB unterminated headers: 413, RSS bounded ---
rss() { awk '/VmRSS/ { print $2 }' "/proc/$APPLIANCE_PID/status"; }
before=$(rss)
res=$(in_ns python3 - $API <<'PY'
import select, socket, sys, threading
codes = []
def one():
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
    s.sendall(b"GET /api/v1/versions HTTP/1.1\r\nHost: x\r\nX-Big: ")
    chunk = b"a" * 65536
    got = b""
    try:
        for _ in range(160):  # 10 MB, never a line end; the answer is read as soon as it comes
            if select.select([s], [], [], 0)[0]:
                got = s.recv(200)
                break
            s.sendall(chunk)
        if not got:
            got = s.recv(200)
    except OSError:
        pass
    codes.append(got.split(b" ")[1].decode() if got.startswith(b"HTTP/") else "closed")
    s.close()
t = [threading.Thread(target=one) for _ in range(40)]
[x.start() for x in t]
[x.join() for x in t]
print(" ".join("%s x%d" % (c, codes.count(c)) for c in sorted(set(codes))))
PY
)
after=$(rss)
alive || fail "the appliance died under large headers"
[[ $res == *400* || $res == *413* || $res == *431* ]] || fail "large headers: answers $res"
[ $((after - before)) -lt 65536 ] || fail "RSS grew from $before to $after kB under 40 x 10 MB headers"
versions_ok || fail "not serving after large headers"
pass "40 x 10 MB unterminated headers: answers: $res (libevent: 400 past http_max_header_size, then closed); RSS $before -> $after kB"
stop

# --- item 4: 1100 idle connections under a 1024-descriptor limit ---
ULIMIT=1024 start --conn-max-per-ip=0 --http-header-timeout=3s
grep -q "open files limit (RLIMIT_NOFILE): 1024" "$APPLIANCE_LOG" || fail "the descriptor limit is not logged"
lines_before=$(wc -l <"$APPLIANCE_LOG")
in_ns python3 - $HTTP 1100 >"$WORK/idle" <<'PY' &
import socket, sys, time, resource
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
conns = []
for _ in range(int(sys.argv[2])):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", int(sys.argv[1])))
    conns.append(s)
print("opened", flush=True)
time.sleep(20)
PY
IDLE=$!
wait_until 60 grep -q opened "$WORK/idle" || fail "could not open 1100 connections"
wait_until 60 sh -c "ip netns exec $NS curl -sf -m 5 http://127.0.0.1:$SYS/api/v1/connections | grep -q '\"accept_errors\":[1-9]'" \
	|| fail "no accept error counted: $(sysapi /api/v1/connections)"
alive || fail "died with descriptors exhausted"
wait_until 30 sh -c "[ \"\$(ip netns exec $NS curl -s -m 5 -o /dev/null -w '%{http_code}' http://127.0.0.1:$HTTP/live/none.flv)\" = 503 ]" \
	|| fail "the HTTP stream listener does not answer after the idle connections timed out: $(sysapi /api/v1/connections)"
versions_ok || fail "the HTTP API does not answer"
[ -n "$(sysapi /api/v1/versions)" ] || fail "the System API does not answer"
c=$(sysapi /api/v1/connections)
lines=$(($(wc -l <"$APPLIANCE_LOG") - lines_before))
[ "$lines" -lt 100 ] || fail "$lines log lines while descriptors ran out: $(tail -5 "$APPLIANCE_LOG")"
pass "1100 idle connections, 1024 descriptors: accept errors $(json "$c" listeners.HTTP\ stream.accept_errors) in $(json "$c" listeners.HTTP\ stream.accept_backoffs) back-off episode(s), $(json "$c" listeners.HTTP\ stream.header_timeouts) header timeouts, $lines log lines; all listeners answer again"
kill "$IDLE" 2>/dev/null || true
wait "$IDLE" 2>/dev/null || true
stop
echo "passed $passed"
