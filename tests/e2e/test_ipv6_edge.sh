#!/usr/bin/env bash
# test_ipv6_edge.sh: the control plane on IPv6 (issue 16 item 2). ffmpeg publishes RTMP over IPv6 to
# the appliance's default dual-stack listener; the appliance relays one stream to an nginx-rtmp origin
# on IPv4 and another to an nginx-rtmp origin on IPv6 (registered with "ip":"fd00:...", an endpoint
# "[fd00:...]:port" and a bare port); each origin's RTMP log shows the IPv6 client in client_ip=.
# Players over IPv6 get the IPv6 origin's stream through the HTTP stream relay (HLS rewritten with
# spbhid, and HTTP-FLV), ffprobe finds H.264 + AAC in what arrived, and the origin's HTTP log has the
# client in X-Forwarded-For and Forwarded (for="[...]", RFC 7239); an IPv4 player on the same
# dual-stack listener is named as IPv4 (not ::ffff:...). curl reaches an HTTPS listener bound to an
# IPv6 address, verifying a certificate for that address made by the test's CA. An origin registered
# with TLS endpoints ("rtmps://[v6]:port", "https://port"; nginx's stream module terminates TLS in
# front of nginx-rtmp) receives a third stream over RTMPS and serves it back over HTTPS: the relays
# verify its certificate against origin_tls_ca, and an endpoint whose certificate comes from another CA
# is refused (the RTMP relay goes on to the origin's next endpoint). A player whose stream lands on an
# IPv6 origin that refuses connections gets a 502 that does not name the origin's address (the
# operator's log names the origin).
# Topology (the control plane is on the kernel stack: plain veths, no route between the namespaces):
#   client ns   mpsixc-$ID: c0 fd00:198:18:161::2/64, 198.18.161.2/24 ── mpsixc$ID ::1 / .1 (root ns)
#   v4 origin   mpsixo-$ID: o0 198.18.162.2/24                         ── mpsixo$ID 198.18.162.1
#   v6 origin   mpsixp-$ID: p0 fd00:198:18:163::2/64                   ── mpsixp$ID fd00:198:18:163::1
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/test_ca.sh"

ID=$(($$ % 10000))
NS_C=mpsixc-$ID
NS_O=mpsixo-$ID
NS_P=mpsixp-$ID
APP6=fd00:198:18:161::1
CLIENT6=fd00:198:18:161::2
APP4=198.18.161.1
CLIENT4=198.18.161.2
ORIGIN4_GW=198.18.162.1
ORIGIN4=198.18.162.2
ORIGIN6_GW=fd00:198:18:163::1
ORIGIN6=fd00:198:18:163::2
SYS_PORT=13761
RTMP_PORT=13762
HTTP_PORT=13763
HTTPS_API_PORT=13764
O4_RTMP=13765
O6_RTMP=13766
O6_HTTP=13767
O6_HTTPS=13768
O6_RTMPS=13769
O6_RTMPS_BAD=13770
O6_DEAD=13771
PREFIX=mpt-six-$ID
netns_workdir mpt-six
chmod 755 "$WORK"
FAIL_LOGS+=("$WORK/*/error.log" "$WORK/*.out")

for p in ffmpeg ffprobe nginx curl openssl; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
[ -f "$RTMP_MODULE" ] || { echo "SKIP: libnginx-mod-rtmp is not installed"; exit 77; }
STREAM_MODULE=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$STREAM_MODULE" ] || { echo "SKIP: libnginx-mod-stream is not installed"; exit 77; }
[ -e /proc/net/if_inet6 ] || { echo "SKIP: no IPv6 in this kernel"; exit 77; }

# --- a test CA and a certificate for the appliance's IPv6 address
test_ca "$WORK" ca "mediaplane IPv6 test CA $ID" || fail "openssl: test CA"
test_ca_cert "$WORK" ca server "$APP6" 61 || fail "openssl: server certificate"
# the TLS origin's certificate for its IPv6 address, from the same CA, and one from a CA nobody trusts
test_ca_cert "$WORK" ca origin "$ORIGIN6" 63 || fail "openssl: origin certificate"
test_ca "$WORK" stranger "$ORIGIN6" "$ORIGIN6" || fail "openssl: a certificate of another CA"

# --- namespaces: IPv6 addresses without duplicate address detection (usable at once)
netns_add "$NS_C"
netns_add "$NS_O"
netns_add "$NS_P"
netns_veth "mpsixc$ID" "$APP4/24" "$NS_C" c0 "$CLIENT4/24"
netns_veth "mpsixo$ID" "$ORIGIN4_GW/24" "$NS_O" o0 "$ORIGIN4/24"
netns_veth "mpsixp$ID" - "$NS_P" p0 -
ip addr add "$APP6/64" dev "mpsixc$ID" nodad
ip -n "$NS_C" addr add "$CLIENT6/64" dev c0 nodad
ip addr add "$ORIGIN6_GW/64" dev "mpsixp$ID" nodad
ip -n "$NS_P" addr add "$ORIGIN6/64" dev p0 nodad
ip netns exec "$NS_C" ping -6 -c 1 -W 2 "$APP6" >/dev/null || fail "client namespace cannot reach $APP6"
ping -6 -c 1 -W 2 "$ORIGIN6" >/dev/null || fail "no IPv6 path to the IPv6 origin"

# --- origins: nginx-rtmp on IPv4 (RTMP), and on IPv6 (RTMP, HLS and a recording served over HTTP)
nginx_conf() { # nginx_conf NAME RTMP_LISTEN [HTTP_LISTEN HTTPS_LISTEN RTMPS_LISTEN RTMPS_BAD_LISTEN]
	local d=$WORK/$1 http= stream=
	mkdir -p "$d/media"
	[ -z "${3:-}" ] || http="http {
	log_format fwd '\$scheme \$remote_addr \"\$request\" xff=\"\$http_x_forwarded_for\" fwd=\"\$http_forwarded\" real=\"\$http_x_real_ip\"';
	access_log $d/http_access.log fwd;
	server {
		listen $3;
		listen $4 ssl;
		ssl_certificate $WORK/origin.crt;
		ssl_certificate_key $WORK/origin.key;
		location /live/ { alias $d/media/; types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; video/x-flv flv; } }
	}
}
stream {
	server { listen $5 ssl; ssl_certificate $WORK/origin.crt; ssl_certificate_key $WORK/origin.key; proxy_pass $2; }
	server { listen $6 ssl; ssl_certificate $WORK/stranger.crt; ssl_certificate_key $WORK/stranger.key; proxy_pass $2; }
}"
	[ -z "${3:-}" ] || stream="load_module $STREAM_MODULE;"
	cat >"$d/nginx.conf" <<EOF
load_module $RTMP_MODULE;
$stream
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log info;
events { worker_connections 256; }
rtmp {
	access_log $d/access.log;
	server {
		listen $2;
		application live {
			live on;
			hls on; hls_path $d/media; hls_fragment 1s; hls_playlist_length 6s;
			record all; record_path $d/media; record_unique off;
		}
	}
}
$http
EOF
}
nginx_conf o4 "$ORIGIN4:$O4_RTMP"
nginx_conf o6 "[$ORIGIN6]:$O6_RTMP" "[$ORIGIN6]:$O6_HTTP" "[$ORIGIN6]:$O6_HTTPS" "[$ORIGIN6]:$O6_RTMPS" \
	"[$ORIGIN6]:$O6_RTMPS_BAD"
netns_bg "$NS_O" nginx -c "$WORK/o4/nginx.conf" -p "$WORK/o4" >"$WORK/nginx-o4.out" 2>&1
O4_PID=$!
netns_bg "$NS_P" nginx -c "$WORK/o6/nginx.conf" -p "$WORK/o6" >"$WORK/nginx-o6.out" 2>&1
O6_PID=$!
listens() { ip netns exec "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }
wait_until 60 listens "$NS_O" "$ORIGIN4" "$O4_RTMP" || fail "the IPv4 nginx does not listen"
wait_until 60 listens "$NS_P" "$ORIGIN6" "$O6_RTMP" || fail "the IPv6 nginx does not listen (RTMP)"
wait_until 60 listens "$NS_P" "$ORIGIN6" "$O6_HTTP" || fail "the IPv6 nginx does not listen (HTTP)"
wait_until 60 listens "$NS_P" "$ORIGIN6" "$O6_RTMPS" || fail "the IPv6 nginx does not listen (RTMPS)"

# --- the appliance: RTMP and HTTP stream on a bare port (all addresses, dual stack by default), HTTPS
# API on the IPv6 address alone, System API on loopback
appliance_run "$PREFIX" --no-huge -m 512 -- --tap-name=mpsix$ID --tap-host-ip=198.18.246.1/24 \
	--public-ip=198.18.246.2/24 --public-gateway=198.18.246.1 \
	--system-api-listen=127.0.0.1:$SYS_PORT --api-listen=off --https-api-listen="[$APP6]:$HTTPS_API_PORT" \
	--rtmp-listen=$RTMP_PORT --http-listen=$HTTP_PORT \
	--tls-cert="$WORK/server.crt" --tls-key="$WORK/server.key" --origin-tls-ca="$WORK/ca.crt" \
	--idle-sleep-us=1000 --max-sessions=4096 || fail "appliance did not start"
grep -q "HTTP API listening on \[$APP6\]:$HTTPS_API_PORT/tcp over TLS" "$APPLIANCE_LOG" || fail "no HTTPS listening line for [$APP6]"
pass "the appliance listens on [$APP6]:$HTTPS_API_PORT (HTTPS) and on both families on bare ports"

C() { ip netns exec "$NS_C" "$@"; }
SYS=http://127.0.0.1:$SYS_PORT
register() { # register JSON: through the System API, code 0
	local out
	out=$(curl -sf -m 5 -X POST -H 'Content-Type: application/json' "$SYS/api/v1/srs/register" -d "$1") &&
		[[ $out == *'"code":0'* ]]
}
# relaying STREAM: the origin address the RTMP session of STREAM relays to, once it relays
relaying() {
	python3 -c 'import json, sys
r = json.loads(sys.argv[1])["rtmp"]
for s in r["sessions"]:
    if s["role"] == "publish" and s["state"] == "relay" and s["stream"].endswith("/" + sys.argv[2]):
        print(s["origin"]); sys.exit(0)
sys.exit(1)' "$(curl -sf -m 5 "$SYS/api/v1/rtmp")" "$1" 2>/dev/null
}
publish() { # publish STREAM URL_HOST: 30 s of H.264 + AAC from the client namespace over RTMP
	netns_bg "$NS_C" timeout 90 ffmpeg -hide_banner -nostdin -loglevel error -re \
		-f lavfi -i "testsrc=size=320x240:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
		-t 30 -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k \
		-f flv "rtmp://$2:$RTMP_PORT/live/$1?token=six" >"$WORK/publish-$1.out" 2>&1
}

# --- HTTPS to the IPv6 listener, certificate verified against the test CA
v=$(C curl -sf -m 10 -g --cacert "$WORK/ca.crt" "https://[$APP6]:$HTTPS_API_PORT/api/v1/versions") ||
	fail "curl https://[$APP6]:$HTTPS_API_PORT/api/v1/versions"
[[ $v == *'"code":0'* ]] || fail "versions over HTTPS/IPv6: $v"
pass "curl over HTTPS to [$APP6]:$HTTPS_API_PORT: certificate for the IPv6 address verified, versions answered"

# --- publish over IPv6, relayed to the IPv4 origin
register "{\"ip\":\"$ORIGIN4\",\"server\":\"o4\",\"service\":\"rtmp\",\"pid\":\"$O4_PID\",\"rtmp\":[\"$O4_RTMP\"]}" ||
	fail "registration of the IPv4 origin"
publish fourstream "[$APP6]"
PUB4=$!
wait_until 60 relaying fourstream >/dev/null || fail "the IPv6 publish to the IPv4 origin never relayed"
o=$(relaying fourstream)
[ "$o" = "$ORIGIN4:$O4_RTMP" ] || fail "fourstream relays to $o"
pass "ffmpeg publishes rtmp://[$APP6]:$RTMP_PORT over IPv6; the appliance relays it to the IPv4 origin $o"

# --- an IPv6 origin: "ip" IPv6, RTMP as "[addr]:port", HTTP as a bare port (the origin's address);
# the IPv4 origin takes no new streams (weight 0), so the next stream goes to the IPv6 one
register "{\"ip\":\"$ORIGIN6\",\"server\":\"o6\",\"service\":\"rtmp\",\"pid\":\"$O6_PID\",\"rtmp\":[\"[$ORIGIN6]:$O6_RTMP\"],\"http\":[\"$O6_HTTP\"]}" ||
	fail "registration of the IPv6 origin"
origins=$(curl -sf -m 5 "$SYS/api/v1/origins") || fail "GET /api/v1/origins"
[[ $origins == *"\"[$ORIGIN6]:$O6_RTMP\""* && $origins == *"\"[$ORIGIN6]:$O6_HTTP\""* ]] ||
	fail "the IPv6 origin's endpoints in /api/v1/origins: $origins"
curl -sf -m 5 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"weight":0}' "$SYS/api/v1/origins/o4-rtmp-$O4_PID/weight" ||
	fail "weight 0 for the IPv4 origin"
pass "an origin registers with \"ip\":\"$ORIGIN6\" and endpoints [$ORIGIN6]:$O6_RTMP, $O6_HTTP (listed bracketed)"
publish sixstream "[$APP6]"
PUB6=$!
wait_until 60 relaying sixstream >/dev/null || fail "the IPv6 publish to the IPv6 origin never relayed"
o=$(relaying sixstream)
[ "$o" = "[$ORIGIN6]:$O6_RTMP" ] || fail "sixstream relays to $o"
pass "a second IPv6 publish is relayed to the IPv6 origin $o"

# the origins' RTMP logs: each publish carries the IPv6 client in client_ip=
logged() { grep -q "PUBLISH \"live\" \"$2\" \"token=six&client_ip=$CLIENT6\"" "$WORK/$1/access.log"; }
wait_until 60 logged o4 fourstream || fail "IPv4 origin's log: $(cat "$WORK/o4/access.log" 2>/dev/null)"
wait_until 60 logged o6 sixstream || fail "IPv6 origin's log: $(cat "$WORK/o6/access.log" 2>/dev/null)"
pass "both origins saw their publish with client_ip=$CLIENT6"

# --- players over IPv6, through the HTTP stream relay, from the IPv6 origin
hls_ready() { [ -s "$WORK/o6/media/sixstream.m3u8" ] && grep -q '\.ts' "$WORK/o6/media/sixstream.m3u8"; }
wait_until 60 hls_ready || fail "the IPv6 origin made no HLS of sixstream"
pl=$(C curl -sf -m 10 -g "http://[$APP6]:$HTTP_PORT/live/sixstream.m3u8") || fail "HLS playlist over IPv6"
[[ $pl == *'#EXTM3U'* && $pl == *spbhid=* ]] || fail "playlist over IPv6: $pl"
C timeout 30 ffprobe -hide_banner -v error -show_entries stream=codec_name,codec_type -of csv=p=0 \
	"http://[$APP6]:$HTTP_PORT/live/sixstream.m3u8" >"$WORK/hls.out" 2>&1 || fail "ffprobe HLS over IPv6"
grep -q "^h264,video" "$WORK/hls.out" && grep -q "^aac,audio" "$WORK/hls.out" || fail "HLS over IPv6: $(cat "$WORK/hls.out")"
pass "HLS over IPv6 from the IPv6 origin: playlist rewritten with spbhid, ffprobe finds H.264 + AAC"
flv_ready() { [ "$(stat -c %s "$WORK/o6/media/sixstream.flv" 2>/dev/null || echo 0)" -gt 100000 ]; }
wait_until 60 flv_ready || fail "the IPv6 origin recorded no FLV of sixstream"
C timeout 30 ffprobe -hide_banner -v error -show_entries stream=codec_name,codec_type -of csv=p=0 \
	"http://[$APP6]:$HTTP_PORT/live/sixstream.flv" >"$WORK/flv.out" 2>&1 || fail "ffprobe HTTP-FLV over IPv6"
grep -q "^h264,video" "$WORK/flv.out" && grep -q "^aac,audio" "$WORK/flv.out" || fail "HTTP-FLV over IPv6: $(cat "$WORK/flv.out")"
pass "an HTTP-FLV player over IPv6 gets the IPv6 origin's stream: ffprobe finds H.264 + AAC"
# (nginx writes a '"' inside a logged value as \x22)
grep -qF "http $ORIGIN6_GW \"GET /live/sixstream.flv HTTP/1.1\" xff=\"$CLIENT6\" fwd=\"for=\\x22[$CLIENT6]\\x22\" real=\"$CLIENT6\"" "$WORK/o6/http_access.log" ||
	fail "the IPv6 origin's HTTP log: $(tail -5 "$WORK/o6/http_access.log")"
pass "the origin saw X-Forwarded-For: $CLIENT6, Forwarded: for=\"[$CLIENT6]\", X-Real-IP: $CLIENT6"
# an IPv4 player on the same dual-stack listener is named as IPv4
C curl -sf -m 10 -o /dev/null "http://$APP4:$HTTP_PORT/live/sixstream.m3u8" || fail "HLS playlist over IPv4"
grep -qF "xff=\"$CLIENT4\" fwd=\"for=$CLIENT4\" real=\"$CLIENT4\"" "$WORK/o6/http_access.log" ||
	fail "the IPv4 player through the dual-stack listener: $(tail -3 "$WORK/o6/http_access.log")"
pass "an IPv4 player on the dual-stack listener reaches the origin as $CLIENT4 (not ::ffff:$CLIENT4)"

# --- an origin reached over TLS: RTMPS endpoints (one with a certificate of a CA the appliance does not
# trust, then the good one) and an HTTPS endpoint; the other origins take no new streams
register "{\"ip\":\"$ORIGIN6\",\"server\":\"o6tls\",\"service\":\"rtmp\",\"pid\":\"$O6_PID\",\"rtmp\":[\"rtmps://[$ORIGIN6]:$O6_RTMPS_BAD\",\"rtmps://[$ORIGIN6]:$O6_RTMPS\"],\"http\":[\"https://$O6_HTTPS\"]}" ||
	fail "registration of the TLS origin"
curl -sf -m 5 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"weight":0}' "$SYS/api/v1/origins/o6-rtmp-$O6_PID/weight" ||
	fail "weight 0 for the plain IPv6 origin"
publish tlsstream "[$APP6]"
PUBT=$!
wait_until 60 relaying tlsstream >/dev/null || fail "the publish to the TLS origin never relayed"
o=$(relaying tlsstream)
[ "$o" = "[$ORIGIN6]:$O6_RTMPS" ] || fail "tlsstream relays to $o"
grep -q "RTMP: origin \[$ORIGIN6\]:$O6_RTMPS_BAD for .*tlsstream" "$APPLIANCE_LOG" ||
	fail "no refusal of the endpoint whose certificate comes from another CA"
wait_until 60 logged o6 tlsstream || fail "the TLS origin's RTMP log: $(cat "$WORK/o6/access.log")"
pass "RTMPS to the origin: the endpoint with another CA's certificate is refused, the one signed by origin_tls_ca relays $o"
tls_flv_ready() { [ "$(stat -c %s "$WORK/o6/media/tlsstream.flv" 2>/dev/null || echo 0)" -gt 100000 ]; }
wait_until 60 tls_flv_ready || fail "the TLS origin recorded no FLV of tlsstream"
C timeout 30 ffprobe -hide_banner -v error -show_entries stream=codec_name,codec_type -of csv=p=0 \
	"http://[$APP6]:$HTTP_PORT/live/tlsstream.flv" >"$WORK/tlsflv.out" 2>&1 || fail "ffprobe HTTP-FLV from the TLS origin"
grep -q "^h264,video" "$WORK/tlsflv.out" && grep -q "^aac,audio" "$WORK/tlsflv.out" || fail "HTTP-FLV from the TLS origin: $(cat "$WORK/tlsflv.out")"
grep -qF "https $ORIGIN6_GW \"GET /live/tlsstream.flv" "$WORK/o6/http_access.log" ||
	fail "the TLS origin's HTTP log has no https request: $(tail -5 "$WORK/o6/http_access.log")"
pass "an HTTP-FLV player over IPv6 gets tlsstream, which the appliance fetched from the origin over HTTPS"

# --- a client-facing error about an IPv6 origin withholds its address (the operator's log names it)
register "{\"ip\":\"$ORIGIN6\",\"server\":\"o6dead\",\"service\":\"http\",\"pid\":\"$O6_PID\",\"http\":[\"$O6_DEAD\"]}" ||
	fail "registration of the dead origin"
curl -sf -m 5 -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"weight":0}' "$SYS/api/v1/origins/o6tls-rtmp-$O6_PID/weight" ||
	fail "weight 0 for the TLS origin"
code=$(C curl -s -m 20 -g -o "$WORK/dead.out" -w '%{http_code}' "http://[$APP6]:$HTTP_PORT/live/deadstream.flv") || true
[ "$code" = 502 ] || fail "a player for a stream on a dead IPv6 origin: HTTP $code $(cat "$WORK/dead.out")"
body=$(cat "$WORK/dead.out")
[[ $body == *'(address withheld)'* && $body != *fd00:198:18:163* && $body != *"$O6_DEAD"* ]] ||
	fail "the 502 names the origin: $body"
grep -q "origin o6dead-http-$O6_PID (id [0-9]*) down" "$APPLIANCE_LOG" || fail "the appliance log does not name the dead origin"
pass "502 for a stream on a dead IPv6 origin: the client reads '(address withheld)'; the operator's log names the origin"

wait "$PUBT" || fail "the publisher to the TLS origin failed: $(cat "$WORK/publish-tlsstream.out")"
wait "$PUB4" || fail "the publisher to the IPv4 origin failed: $(cat "$WORK/publish-fourstream.out")"
wait "$PUB6" || fail "the publisher to the IPv6 origin failed: $(cat "$WORK/publish-sixstream.out")"
pass "both IPv6 publishers ran to their end"
rc=0
appliance_stop || rc=$?
[ "$rc" = 0 ] || fail "appliance exit status $rc after SIGTERM"
pass "SIGTERM: the appliance stops cleanly"
echo "$passed passed, 0 failed"
