#!/usr/bin/env bash
# test_whip_signalling.sh: WHIP/WHEP and legacy offers through the appliance's HTTP API reach an aiortc
# origin with the client's query and headers; the client gets the origin's status and headers with
# candidates moved to the appliance; the ICE username is stored; DELETE/PATCH reach the same origin;
# 503 without an origin, 502 when it is down, CORS preflight, refusals passed through.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
DATA=$(cd "$(dirname "$0")/../data" && pwd)
netns_workdir mph-whip
API="http://$MGMT_HOST_C:$API_PORT"

# client CURL-ARGS...: curl in the client namespace; headers to $WORK/h, body to $WORK/b; prints the status.
client() { ip netns exec "$NS_C" curl -s -m 20 -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$@"; }
header() { grep -i -m 1 "^$1:" "$WORK/h" | cut -d' ' -f2- | tr -d '\r'; }
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }
origin_requests() { curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/requests"; }

mph_up
mph_appliance_start || fail "start"
grep -q "HTTP API listening on 0.0.0.0:$API_PORT/tcp" "$APPLIANCE_LOG" || fail "HTTP API not listening"
OFFER="$DATA/chromium156-whip-offer.sdp"

code=$(client -X POST -H 'Content-Type: application/sdp' --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=none")
[ "$code" = 503 ] || fail "no origin: status $code"
grep -q 'no origin for __defaultVhost__/live/none' "$WORK/b" || fail "no origin: reason $(cat "$WORK/b")"
[ "$(header Access-Control-Allow-Origin)" = "*" ] || fail "no CORS header on the 503"
pass "no origin: 503 with the reason ($(cat "$WORK/b"))"

mph_origin_start || fail "origin start"
mph_register || fail "register"

code=$(client -X OPTIONS -H 'Origin: https://player.example' -H 'Access-Control-Request-Method: POST' \
	-H 'Access-Control-Request-Headers: authorization, content-type' "$API/rtc/v1/whip/?app=live&stream=cam1")
[ "$code" = 200 ] || fail "preflight status $code"
[ "$(header Access-Control-Allow-Origin)" = "*" ] || fail "preflight Allow-Origin"
[ "$(header Access-Control-Allow-Methods)" = "*" ] || fail "preflight Allow-Methods"
[ "$(header Access-Control-Allow-Headers)" = "authorization, content-type" ] || fail "preflight Allow-Headers"
[ "$(header Access-Control-Expose-Headers)" = "*" ] || fail "preflight Expose-Headers"
[ "$(origin_requests)" = "[]" ] || fail "the preflight reached the origin"
pass "CORS preflight answered by the appliance (Allow-Origin/Methods *, asked headers named back)"

code=$(client -X POST -H 'Content-Type: application/sdp' -H 'X-Client-Test: hello' -H 'Authorization: Bearer origin-token' \
	--data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam1&token=abc")
[ "$code" = 201 ] || fail "WHIP status $code: $(cat "$WORK/b")"
loc=$(header Location)
case "$loc" in "/rtc/v1/whip/?action=delete&token=tok1&app=live&stream=cam1&session="*) ;; *) fail "Location '$loc'" ;; esac
[ "$(header Content-Type)" = "application/sdp" ] || fail "Content-Type"
[ "$(header ETag)" = '"session-1"' ] || fail "ETag '$(header ETag)'"
[ "$(header X-Origin-Test)" = whip ] || fail "origin's own header dropped"
[ "$(header Access-Control-Allow-Origin)" = "*" ] || fail "origin's CORS header not replaced: $(header Access-Control-Allow-Origin)"
pass "WHIP: 201 with the origin's Location, Content-Type, ETag and other headers"

"$PY" - "$WORK/b" "$PUBLIC_IP" "$WEBRTC_PORT" <<'PY' || fail "answer candidates: $(cat "$WORK/b")"
import sys
sdp = open(sys.argv[1], newline="").read()
cands = [l for l in sdp.splitlines() if l.startswith("a=candidate:")]
assert cands, "no candidate"
for c in cands:
    f = c.split()
    assert f[4] == sys.argv[2] and f[5] == sys.argv[3] and f[7] == "host", c
assert not any("198.18.2.1" in l for l in sdp.splitlines() if l.startswith("a=candidate")), "origin candidate left"
assert "\r\n" in sdp
PY
pass "answer candidates rewritten to $PUBLIC_IP:$WEBRTC_PORT"

session=${loc##*session=}
"$PY" - "$(sysapi /api/v1/webrtc)" "$session" "$ORIGIN_IP" <<'PY' || fail "ICE username: $(sysapi /api/v1/webrtc)"
import json, sys
o = json.loads(sys.argv[1])
e = {u["username"]: u for u in o["usernames"]}[sys.argv[2]]
assert sys.argv[2].endswith(":oZ0b"), sys.argv[2]  # answerUfrag:offerUfrag, the offer's ufrag is oZ0b
assert e["stream"] == "__defaultVhost__/live/cam1", e
assert e["origin"] == "vid-origin-svc1-4242", e
assert e["media"].startswith(sys.argv[3] + ":") and not e["media"].endswith(":8000"), e  # from the answer
assert o["http_api"]["answers"] == 1 and o["http_api"]["no_origin"] == 1, o
PY
pass "ICE username $session stored with the origin's media address from its answer (GET /api/v1/webrtc)"

"$PY" - "$(origin_requests)" "$OFFER" "$MGMT_HOST_C:$API_PORT" "$MGMT_CLIENT" <<'PY' || fail "origin requests: $(origin_requests)"
import json, sys
r = json.loads(sys.argv[1])[-1]
h = {k.lower(): v for k, v in r["headers"]}
assert r["method"] == "POST" and r["target"] == "/rtc/v1/whip/?app=live&stream=cam1&token=abc", r["target"]
assert h["x-client-test"] == "hello" and h["authorization"] == "Bearer origin-token", h
assert h["content-type"] == "application/sdp" and h["host"] == sys.argv[3], h
assert h["x-forwarded-for"] == sys.argv[4], h
assert r["body"] == open(sys.argv[2], newline="").read(), "offer changed"
PY
pass "the origin got the client's target with its query, its headers, Host, X-Forwarded-For and the offer as sent"

code=$(client -X PATCH -H 'Content-Type: application/trickle-ice-sdpfrag' -H 'If-Match: "session-1"' \
	--data-binary $'a=ice-ufrag:oZ0b\r\na=end-of-candidates\r\n' "$API$loc")
[ "$code" = 204 ] || fail "PATCH status $code"
[ "$(header X-Origin-Test)" = patched ] || fail "PATCH answer headers"
"$PY" - "$(origin_requests)" "$loc" <<'PY' || fail "PATCH at the origin: $(origin_requests)"
import json, sys
r = json.loads(sys.argv[1])[-1]
h = {k.lower(): v for k, v in r["headers"]}
assert r["method"] == "PATCH" and r["target"] == sys.argv[2], r
assert h["if-match"] == '"session-1"' and r["body"] == "a=ice-ufrag:oZ0b\r\na=end-of-candidates\r\n", r
PY
pass "PATCH on the resource reached the same origin with its headers and body (204 passed back)"

code=$(client -X DELETE "$API$loc")
[ "$code" = 200 ] || fail "DELETE status $code: $(cat "$WORK/b")"
[ "$(header X-Origin-Test)" = deleted ] || fail "DELETE answer headers"
[ "$("$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[-1]["method"])' "$(origin_requests)")" = DELETE ] || fail "DELETE not at the origin"
[[ $(sysapi /api/v1/webrtc) == *"$session"* ]] && fail "username still stored after DELETE"
pass "DELETE on the resource reached the same origin; the ICE username is gone"

code=$(client -X DELETE "$API/rtc/v1/whip/?action=delete&app=live&stream=nosuch&session=a:b")
[ "$code" = 404 ] || fail "DELETE of an unknown session: $code"
pass "DELETE of a session no origin holds: 404 ($(cat "$WORK/b"))"

code=$(client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whep/?app=live&stream=cam1&refuse=1")
[ "$code" = 403 ] || fail "refusal status $code"
[ "$(cat "$WORK/b")" = "stream refused by origin" ] && [ "$(header X-Origin-Reason)" = refused ] || fail "refusal body/headers"
pass "WHEP: the origin's 403 passed through with its body and headers"

"$PY" - "$OFFER" >"$WORK/legacy.json" <<'PY'
import json, sys
print(json.dumps({"api": "http://198.19.132.5:13201/rtc/v1/publish/", "streamurl": "webrtc://198.19.132.5/live/legacy1",
                  "clientip": None, "sdp": open(sys.argv[1]).read()}))
PY
code=$(client -X POST -H 'Content-Type: application/json' --data-binary @"$WORK/legacy.json" "$API/rtc/v1/publish/")
[ "$code" = 200 ] || fail "legacy status $code: $(cat "$WORK/b")"
"$PY" - "$WORK/b" "$(sysapi /api/v1/webrtc)" "$PUBLIC_IP $WEBRTC_PORT typ host" <<'PY' || fail "legacy answer: $(cat "$WORK/b")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["code"] == 0 and a["server"] == "vid-test" and a["sessionid"].endswith(":oZ0b"), a
assert sys.argv[3] in a["sdp"] and "198.18.2.1 " not in a["sdp"], a["sdp"]
names = {u["username"]: u["stream"] for u in json.loads(sys.argv[2])["usernames"]}
assert names[a["sessionid"]] == "__defaultVhost__/live/legacy1", names
PY
pass "legacy /rtc/v1/publish/: JSON envelope kept, its sdp rewritten, username stored for the streamurl"

# An origin whose answer has no candidate: the registered rtc endpoint is the media address.
mph_origin_stop
mph_origin_start --no-candidates || fail "origin restart"
mph_register 9999 || fail "register"
code=$(client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam2")
[ "$code" = 201 ] || fail "no-candidate answer: $code $(cat "$WORK/b")"
"$PY" - "$(sysapi /api/v1/webrtc)" <<'PY' || fail "fallback media: $(sysapi /api/v1/webrtc)"
import json, sys
e = [u for u in json.loads(sys.argv[1])["usernames"] if u["stream"].endswith("/cam2")][0]
assert e["media"] == "198.18.2.1:9999", e
PY
pass "answer without candidates: the registered rtc endpoint 198.18.2.1:9999 is the media address"

mph_origin_stop
code=$(client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam3")
[ "$code" = 502 ] || fail "origin down: $code"
# the reason says what failed but not where the origin is (issue 13): the log has its address
grep -q "cannot connect" "$WORK/b" || fail "origin down reason: $(cat "$WORK/b")"
! grep -q "$MGMT_ORIGIN" "$WORK/b" || fail "the 502 names the origin's address: $(cat "$WORK/b")"
pass "origin down: 502 with the reason ($(cat "$WORK/b"))"

# An origin that accepts and never answers: a client that gives up leaves nothing behind, and the
# next one gets 502 after the relay's 10 s timeout; the control plane serves others meanwhile.
netns_bg "$NS_O" "$PY" -c 'import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", '"$ORIGIN_API_PORT"')); s.listen(16); held = []
while True: held.append(s.accept())'
silent_listens() { [ -n "$(ip netns exec "$NS_O" ss -Hltn "sport = :$ORIGIN_API_PORT")" ]; }
wait_until 30 silent_listens || fail "the silent origin does not listen"
# The refused connect above marked the origin down until it registers again (issue 13): it does,
# as a restarted origin would.
grep -q "origin vid-origin-svc1-4242 (id [0-9]*) down: cannot connect" "$APPLIANCE_LOG" || fail "refused connect did not mark the origin down"
mph_register || fail "register again"
code=$(client -m 1 -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam4") || true
[ "$code" = 000 ] || fail "client that gave up: $code"
client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam5" >"$WORK/code" &
sleep 1
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SYS_PORT/api/v1/webrtc")" = 200 ] || fail "System API blocked"
wait $!
[ "$(cat "$WORK/code")" = 502 ] || fail "silent origin: $(cat "$WORK/code")"
grep -q "timed out" "$WORK/b" || fail "silent origin reason: $(cat "$WORK/b")"
pass "silent origin: a client that leaves is forgotten, the next gets 502 ($(cat "$WORK/b")), nothing blocks"

client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=cam6" >/dev/null &
sleep 0.5
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly, with a request still waiting for the origin"
wait $! || true
mph_origin_stop # the silent one

# With PROXY_HTTP_API_AUTH_*: offers need the bearer token, preflights do not. The HTTP API's HTTPS
# twin is on too (a test CA and certificate made here): WHIP over HTTPS reaches the same origin.
openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=mph test CA" -days 2 -keyout "$WORK/ca.key" \
	-out "$WORK/ca.crt" 2>/dev/null || fail "openssl: CA"
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$MGMT_HOST_C" -keyout "$WORK/tls.key" -out "$WORK/tls.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:%s\n' "$MGMT_HOST_C" >"$WORK/tls.ext" &&
	openssl x509 -req -in "$WORK/tls.csr" -CA "$WORK/ca.crt" -CAkey "$WORK/ca.key" -set_serial 7 -days 2 \
		-extfile "$WORK/tls.ext" -out "$WORK/tls.crt" 2>/dev/null || fail "openssl: server certificate"
mph_appliance_start --api-auth-enabled=on --api-auth-token=s3cret --https-api-listen=0.0.0.0:$HTTPS_API_PORT \
	--tls-cert="$WORK/tls.crt" --tls-key="$WORK/tls.key" || fail "start with auth"
mph_origin_start || fail "origin start"
MPH_TOKEN=s3cret mph_register || fail "register with the token"
code=$(client -X POST --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=auth1")
[ "$code" = 401 ] && [ "$(header WWW-Authenticate)" = Bearer ] || fail "no token: $code"
[ "$(header Access-Control-Allow-Origin)" = "*" ] || fail "no CORS header on the 401"
code=$(client -X POST -H 'Authorization: Bearer wrong' --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=auth1")
[ "$code" = 401 ] || fail "wrong token: $code"
code=$(client -X OPTIONS -H 'Access-Control-Request-Method: POST' "$API/rtc/v1/whip/?app=live&stream=auth1")
[ "$code" = 200 ] || fail "preflight with auth on: $code"
code=$(client -X POST -H 'Authorization: Bearer s3cret' --data-binary @"$OFFER" "$API/rtc/v1/whip/?app=live&stream=auth1")
[ "$code" = 201 ] || fail "with the token: $code $(cat "$WORK/b")"
"$PY" - "$(origin_requests)" <<'PY' || fail "the appliance's own token reached the origin: $(origin_requests)"
import json, sys
h = {k.lower(): v for k, v in json.loads(sys.argv[1])[-1]["headers"]}
assert "authorization" not in h, h
PY
code=$(client -X DELETE "$API$(header Location)")
[ "$code" = 401 ] || fail "DELETE without the token: $code"
pass "bearer auth on WHIP/WHEP (401 + WWW-Authenticate without it, 201 with it, not passed on to the origin), preflight open"
code=$(client --cacert "$WORK/ca.crt" -X POST -H 'Authorization: Bearer s3cret' -H 'Content-Type: application/sdp' \
	--data-binary @"$OFFER" "https://$MGMT_HOST_C:$HTTPS_API_PORT/rtc/v1/whip/?app=live&stream=tls1&token=t1")
[ "$code" = 201 ] || fail "WHIP over HTTPS: $code $(cat "$WORK/b")"
grep -q "^a=candidate:.* $PUBLIC_IP $WEBRTC_PORT " "$WORK/b" || fail "WHIP over HTTPS: answer candidates $(cat "$WORK/b")"
"$PY" - "$(origin_requests)" <<'PY' || fail "WHIP over HTTPS did not reach the origin: $(origin_requests)"
import json, sys
r = json.loads(sys.argv[1])[-1]
assert "stream=tls1" in r["target"] and "token=t1" in r["target"] and r["body"].startswith("v=0"), r
PY
pass "WHIP over HTTPS (curl --cacert with the test CA): 201, candidates on the appliance, the origin got the offer in plain HTTP"
appliance_stop || fail "exit status on SIGTERM"
echo "$passed passed, 0 failed"
