#!/usr/bin/env bash
# test_chromium_whip.sh: headless Chromium publishes by WHIP from an https page (issue 16 item 4): the
# test makes a CA and a server certificate (openssl), the appliance serves the HTTPS API with it, a
# small https page (whip_page.py) takes Chromium's fake camera and microphone and POSTs its offer to
# the appliance's https WHIP endpoint; Chromium trusts the certificate by its SPKI hash only. The
# aiortc origin (IPv4) counts the RTP that arrived. First over IPv4, then with IPv6 only in the client's
# namespace: the page and the WHIP POST over the management veth's IPv6 addresses, the media to the
# answer's public_ip6 candidate (the data plane translates towards the origin).
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/lib/test_ca.sh"
# Names, ports, subnets and EAL prefix of this test alone (whip_topo.sh's functions read them).
mph_names mpwc 198.19.146 8 13861
HTTPS_API_PORT=13864
PAGE_PORT=13865
CLIENT_IP6=2001:db8:7::1
PUBLIC_IP6=2001:db8:7::2
netns_workdir mpwc-chromium
FAIL_LOGS+=("$WORK/*.log")
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }
for p in chromium openssl curl; do command -v "$p" >/dev/null || { echo "SKIP: no $p"; exit 77; }; done

test_ca "$WORK" ca "mpwc test CA $TOPO_ID" || fail "openssl: CA"
test_ca_cert "$WORK" ca tls "$MGMT_HOST_C" 11 || fail "openssl: server certificate"
# Chromium trusts the server's key alone (--ignore-certificate-errors-spki-list, with a user data dir).
SPKI=$(openssl x509 -in "$WORK/tls.crt" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)

mph_up
ip netns exec "$NS_C" sysctl -qw net.ipv6.conf.c0.disable_ipv6=1 # phase 1: the media link is IPv4 only
ip -n "$NS_O" -6 addr flush dev o0 2>/dev/null || true
mph_appliance_start --public-ip6="$PUBLIC_IP6/64" --https-api-listen=0.0.0.0:$HTTPS_API_PORT \
	--tls-cert="$WORK/tls.crt" --tls-key="$WORK/tls.key" || fail "start"
mph_origin_start || fail "origin start"
mph_register || fail "register"
netns_bg - "$PY" "$(dirname "$0")/whip_page.py" --listen "$MGMT_HOST_C:$PAGE_PORT" --cert "$WORK/tls.crt" \
	--key "$WORK/tls.key" --whip "https://$MGMT_HOST_C:$HTTPS_API_PORT/rtc/v1/whip/?app=live&stream=chrome" \
	2>"$WORK/page.log"
PAGE_URL="https://$MGMT_HOST_C:$PAGE_PORT" # the page Chromium loads; reports are read from it
PAGE_TLS=(--cacert "$WORK/ca.crt")
page_up() { curl -s "${PAGE_TLS[@]}" -o /dev/null "$PAGE_URL/test/report"; }
wait_until 30 page_up || fail "the https page server does not answer"
ip netns exec "$NS_C" curl -sf -o /dev/null --cacert "$WORK/ca.crt" -X OPTIONS \
	"https://$MGMT_HOST_C:$HTTPS_API_PORT/rtc/v1/whip/?app=live&stream=chrome" || fail "the appliance's HTTPS API does not answer"
pass "https page and the appliance's HTTPS API up with the test CA's certificate"

origin_rtp() { curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats" | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["inbound_rtp_packets"])'; }
report() { curl -s "${PAGE_TLS[@]}" "$PAGE_URL/test/report"; }
state() { "$PY" -c 'import json, sys; r = json.loads(sys.argv[1]); print("ice %s, status %s, rtp_sent %s" % (r["ice"], r["status"], r["rtp_sent"]))' "$1"; }
dp_total() { sysapi /api/v1/dataplane | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["data"]["total"]["'"$1"'"])'; }

# chromium_publish NAME: Chromium in the client namespace loads the page until the origin has counted
# 100 more RTP packets and the page says it sent RTP; then Chromium stops.
chromium_publish() {
	local before=$1 profile=$WORK/profile-$2 pid
	mkdir -p "$profile"
	netns_bg "$NS_C" env HOME="$WORK" chromium --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--no-first-run --user-data-dir="$profile" --ignore-certificate-errors-spki-list="$SPKI" \
		--use-fake-device-for-media-stream --use-fake-ui-for-media-stream \
		"$PAGE_URL/" >"$WORK/chromium-$2.log" 2>&1
	pid=${NETNS_PIDS[-1]}
	arrived() {
		local r n
		r=$(report) && n=$(origin_rtp) || return 1
		[ "$n" -ge $((before + 100)) ] && [[ $r == *'"rtp_sent": '[1-9]* || $r == *'"rtp_sent":'[1-9]* ]]
	}
	local ok=0
	wait_until 90 arrived || ok=1
	kill -TERM "$pid" 2>/dev/null || true
	for p in $(ip netns pids "$NS_C" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	wait "$pid" 2>/dev/null || true
	return $ok
}

rtp0=$(origin_rtp)
chromium_publish "$rtp0" v4 || fail "Chromium over IPv4: page $(report); origin $(curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats")"
r=$(report)
rtp1=$(origin_rtp)
[[ $r == *"$PUBLIC_IP 8000 typ host"* ]] || fail "no appliance candidate in the answer the page got: $r"
[ "$(dp_total ip6_translated_in)" -eq 0 ] || fail "IPv6 frames on an IPv4-only link"
pass "Chromium published by WHIP from https over IPv4: the origin counted $((rtp1 - rtp0)) RTP packets (page: $(state "$r"))"

# Phase 2: the client's namespace has only IPv6: its media link, and its management link, where a second
# page server on the host's IPv6 address points the page at the appliance's HTTPS API over IPv6 (the
# certificates name the IPv4 address; Chromium trusts the key by its SPKI hash, the test reads reports
# with -k).
ip -n "$NS_C" route del default 2>/dev/null || true
ip -n "$NS_C" -4 addr flush dev c0
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
ip -n "$NS_C" -6 route add default via "$PUBLIC_IP6" dev c0
MGMT6_HOST=2001:db8:7:1::5
netns_ip6 - "$IF_MC" "$MGMT6_HOST/64"
netns_ip6 "$NS_C" k0 2001:db8:7:1::6/64
ip -n "$NS_C" -4 addr flush dev k0
[ -z "$(ip -n "$NS_C" -4 addr show scope global)" ] || fail "the client namespace still has an IPv4 address"
wait_until 20 ip netns exec "$NS_C" ping -6 -c 1 -W 1 "$PUBLIC_IP6" >/dev/null 2>&1 || fail "no IPv6 to the appliance"
wait_until 20 ip netns exec "$NS_C" ping -6 -c 1 -W 1 "$MGMT6_HOST" >/dev/null 2>&1 || fail "no IPv6 to the control plane"
PAGE6_PORT=$((PAGE_PORT + 1))
netns_bg - "$PY" "$(dirname "$0")/whip_page.py" --listen "[$MGMT6_HOST]:$PAGE6_PORT" --cert "$WORK/tls.crt" \
	--key "$WORK/tls.key" --whip "https://[$MGMT6_HOST]:$HTTPS_API_PORT/rtc/v1/whip/?app=live&stream=chrome6" \
	2>"$WORK/page6.log"
PAGE_URL="https://[$MGMT6_HOST]:$PAGE6_PORT"
PAGE_TLS=(-k)
wait_until 30 page_up || fail "the IPv6 page server does not answer"
in6=$(dp_total ip6_translated_in)
chromium_publish "$rtp1" v6 || fail "Chromium over IPv6: page $(report); origin $(curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats"); dataplane $(sysapi /api/v1/dataplane)"
r=$(report)
rtp2=$(origin_rtp)
[[ $r == *"$PUBLIC_IP6 8000 typ host"* ]] || fail "no IPv6 candidate in the answer the page got: $r"
in6b=$(dp_total ip6_translated_in)
[ $((in6b - in6)) -ge $((rtp2 - rtp1)) ] || fail "only $((in6b - in6)) frames from IPv6 for $((rtp2 - rtp1)) RTP packets at the origin"
pass "Chromium published over IPv6 only (page and WHIP POST to [$MGMT6_HOST], media to $PUBLIC_IP6) to the IPv4 origin: $((rtp2 - rtp1)) RTP packets arrived, $((in6b - in6)) frames translated from IPv6 (page: $(state "$r"))"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
