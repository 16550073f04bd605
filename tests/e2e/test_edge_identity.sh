#!/usr/bin/env bash
# test_edge_identity.sh: issue 13 items 3 and 5 against the real binary, with an origin that records what
# reaches it (identity_origin.py). HTTP-FLV from a client in trusted_proxies: its X-Forwarded-For,
# Forwarded and X-Real-IP chain reaches the origin with the client appended; from any other client the
# forged headers are replaced by its own address. WHIP redirect mode: an offer is answered 307 with the
# picked origin's WHIP URL (same path and query), the origin is not asked, and curl following the
# redirect (as RFC 9725 clients do) posts the offer to the origin itself.
set -euo pipefail
. "$(dirname "$0")/stream_topo.sh"
SYS=13440
HTTP=13441
API=13442
HTTP_O=13443
FAIL_LOGS+=("$ST_DIR/seen.jsonl")
OFFER=${MP_TEST_DATA:?}/chromium156-whip-offer.sdp

# last_request: the origin's last recorded request (one JSON line)
last_request() { tail -n 1 "$ST_DIR/seen.jsonl"; }
# headers_are JSON NAME=VALUE...: the recorded request has exactly these values (one field of each name)
headers_are() {
	python3 - "$@" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
h = {}
for k, v in r["headers"]:
    h.setdefault(k.lower(), []).append(v)
for want in sys.argv[2:]:
    k, v = want.split("=", 1)
    got = h.get(k.lower())
    if got != [v]:
        sys.exit("%s: %r, want %r" % (k, got, v))
PY
}
requests_seen() { [ -s "$ST_DIR/seen.jsonl" ] && wc -l <"$ST_DIR/seen.jsonl" || echo 0; }

st_up
netns_bg "$NS_O" python3 "$(dirname "$0")/identity_origin.py" "$ORIGIN_IP" $HTTP_O "$ST_DIR/seen.jsonl"
origin_listens() { ip netns exec "$NS_O" bash -c "exec 3<>/dev/tcp/$ORIGIN_IP/$HTTP_O" 2>/dev/null; }
wait_until 30 origin_listens || fail "the test origin does not listen"
REG="{\"ip\":\"$ORIGIN_IP\",\"server\":\"idt\",\"service\":\"o\",\"pid\":\"1\",\"http\":[\"$HTTP_O\"],\"api\":[\"$HTTP_O\"]}"

# --- client identity: the client namespace's address is a trusted proxy, the root namespace's is not
st_appliance_start $SYS $HTTP --trusted-proxies="$CLIENT_IP/32" --api-listen="0.0.0.0:$API" || fail "start"
st_register $SYS "$REG" || fail "register the origin"

ip netns exec "$NS_C" curl -sf -m 10 -o /dev/null -H 'X-Forwarded-For: 203.0.113.7' \
	-H 'Forwarded: for=203.0.113.7;proto=https' -H 'X-Real-IP: 203.0.113.7' \
	"http://$APP_C_IP:$HTTP/live/idt.flv" || fail "FLV from the trusted client"
r=$(last_request)
headers_are "$r" "X-Forwarded-For=203.0.113.7, $CLIENT_IP" "Forwarded=for=203.0.113.7;proto=https, for=$CLIENT_IP" \
	"X-Real-IP=203.0.113.7" || fail "trusted proxy's chain at the origin: $r"
pass "from a trusted proxy ($CLIENT_IP): X-Forwarded-For, Forwarded chain kept and the proxy appended, X-Real-IP kept"

curl -sf -m 10 -o /dev/null -H 'X-Forwarded-For: 10.6.6.6' -H 'Forwarded: for=10.6.6.6' -H 'X-Real-IP: 10.6.6.6' \
	"http://127.0.0.1:$HTTP/live/idt.flv" || fail "FLV from the untrusted client"
r=$(last_request)
headers_are "$r" "X-Forwarded-For=127.0.0.1" "Forwarded=for=127.0.0.1" "X-Real-IP=127.0.0.1" ||
	fail "untrusted client's forgery at the origin: $r"
[[ $r != *10.6.6.6* ]] || fail "the forged address reached the origin: $r"
pass "from any other client: its forged X-Forwarded-For/Forwarded/X-Real-IP replaced by its real address (127.0.0.1)"

# the WHIP relay (the same header policy): the client's address reaches the origin with the offer
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/sdp' -H 'X-Forwarded-For: 10.6.6.6' \
	--data-binary @"$OFFER" "http://127.0.0.1:$API/rtc/v1/whip/?app=live&stream=idt")
[ "$code" = 201 ] || fail "WHIP relay: status $code"
r=$(last_request)
headers_are "$r" "X-Forwarded-For=127.0.0.1" "Forwarded=for=127.0.0.1" "X-Real-IP=127.0.0.1" || fail "WHIP at the origin: $r"
pass "WHIP relay: the origin got the offer with the client's real address, not its forged one"
appliance_stop || fail "exit status on SIGTERM"

# --- WHIP/WHEP redirect mode
st_appliance_start $SYS $HTTP --api-listen="0.0.0.0:$API" --whip-redirect=on || fail "start with whip_redirect"
st_register $SYS "$REG" || fail "register the origin"
before=$(requests_seen)
for kind in whip whep; do
	hdr=$(curl -s -m 10 -o /dev/null -D - -H 'Content-Type: application/sdp' --data-binary @"$OFFER" \
		"http://127.0.0.1:$API/rtc/v1/$kind/?app=live&stream=cam1&token=abc" | tr -d '\r')
	[[ $hdr == "HTTP/1.1 307 "* ]] || fail "$kind redirect: $hdr"
	grep -qx "Location: http://$ORIGIN_IP:$HTTP_O/rtc/v1/$kind/?app=live&stream=cam1&token=abc" <<<"$hdr" ||
		fail "$kind Location: $hdr"
done
[ "$(requests_seen)" = "$before" ] || fail "in redirect mode the appliance asked the origin: $(last_request)"
pass "whip_redirect: WHIP and WHEP offers answered 307, Location = the origin's URL with the same path and query; the origin not asked"

# a client that follows the redirect (curl -L keeps POST and the body on 307) reaches the origin itself
code=$(curl -s -m 10 -L -o "$ST_DIR/answer.sdp" -w '%{http_code}' -H 'Content-Type: application/sdp' \
	--data-binary @"$OFFER" "http://127.0.0.1:$API/rtc/v1/whip/?app=live&stream=cam1")
[ "$code" = 201 ] || fail "following the redirect: status $code"
r=$(last_request)
python3 - "$r" "$OFFER" <<'PY' || fail "what the origin got after the redirect: $r"
import json, sys
r = json.loads(sys.argv[1])
assert r["method"] == "POST" and r["target"] == "/rtc/v1/whip/?app=live&stream=cam1", r
assert r["body"] == open(sys.argv[2], newline="").read(), "the offer changed"
PY
grep -q "a=ice-ufrag:orig" "$ST_DIR/answer.sdp" || fail "the answer is not the origin's"
counters=$(curl -sf "http://127.0.0.1:$SYS/api/v1/webrtc") || fail "GET /api/v1/webrtc"
[[ $counters == *'"redirected":3'* ]] || fail "redirected counter: $counters"
pass "curl -L follows the 307 and POSTs the offer to the origin (201 with the origin's answer); 3 counted as redirected"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
