#!/usr/bin/env bash
# test_tls.sh: the TLS listeners (issue 16 item 3) with a CA and a server certificate the test makes
# with openssl. ffmpeg publishes H.264 + AAC over rtmps:// (verifying the certificate against the test
# CA) through the appliance to an nginx-rtmp origin that speaks plain RTMP; ffprobe plays it back over
# rtmps:// and finds both streams; the origin's HLS of it plays through the HTTPS stream listener
# (curl --cacert and ffprobe); the HTTP API and System API answer over HTTPS exactly as over HTTP;
# a client that does not trust the CA is refused; plain HTTP on a TLS port gets no HTTP answer; and
# SIGHUP reads a renewed certificate (new connections see the new serial).
# Topology (the control plane is on the kernel stack: plain veths):
#   client ns mptc-$ID: c0 198.18.141.2/24 ──veth── mptc$ID 198.18.141.1 (root ns: the listeners)
#   origin ns mpto-$ID: o0 198.18.142.2/24 ──veth── mpto$ID 198.18.142.1 (root ns: proxy -> origin)
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
. "$(dirname "$0")/lib/nginx_rtmp.sh"
. "$(dirname "$0")/lib/test_ca.sh"

ID=$(($$ % 10000))
NS_C=mptc-$ID
NS_O=mpto-$ID
IF_C=mptc$ID
IF_O=mpto$ID
PROXY_IP=198.18.141.1
CLIENT_IP=198.18.141.2
ORIGIN_GW=198.18.142.1
ORIGIN_IP=198.18.142.2
RTMPS_PORT=13711
SYS_PORT=13712
HTTP_PORT=13713
HTTPS_PORT=13714
API_PORT=13715
HTTPS_API_PORT=13716
HTTPS_SYS_PORT=13717
ORIGIN_PORT=13718
ORIGIN_HTTP=13719
PREFIX=mpt-tls-$ID
netns_workdir mpt-tls
chmod 755 "$WORK"
FAIL_LOGS+=("$WORK/error.log" "$WORK/*.out")

for p in ffmpeg ffprobe nginx curl openssl; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
nginx_rtmp_require
ffmpeg -hide_banner -protocols 2>/dev/null | grep -q '^ *rtmps$' || { echo "SKIP: ffmpeg has no rtmps"; exit 77; }

# --- a test CA and a server certificate for the appliance's address (and a second one, for SIGHUP)
test_ca "$WORK" ca "mediaplane test CA $ID" || fail "openssl: test CA"
test_ca "$WORK" other "another CA" || fail "openssl: other CA"
test_ca_cert "$WORK" ca server "$PROXY_IP" 4097 || fail "openssl: server certificate"
test_ca_cert "$WORK" ca renewed "$PROXY_IP" 8193 || fail "openssl: renewed certificate"
cp "$WORK/server.crt" "$WORK/live.crt"
cp "$WORK/server.key" "$WORK/live.key"

# --- namespaces
netns_add "$NS_C"
netns_add "$NS_O"
netns_veth "$IF_C" "$PROXY_IP/24" "$NS_C" c0 "$CLIENT_IP/24"
netns_veth "$IF_O" "$ORIGIN_GW/24" "$NS_O" o0 "$ORIGIN_IP/24"
ip netns exec "$NS_C" ping -c 1 -W 2 "$PROXY_IP" >/dev/null || fail "client namespace cannot reach the proxy address"

# --- origin: nginx-rtmp (plain RTMP) making HLS, served over plain HTTP
nginx_rtmp_start "$NS_O" "$WORK" "$ORIGIN_IP:$ORIGIN_PORT" \
	"live on; hls on; hls_path $WORK/hls; hls_fragment 1s; hls_playlist_length 6s;" "$ORIGIN_IP:$ORIGIN_HTTP" \
	"location /live/ { alias $WORK/hls/; types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; } }" ||
	fail "nginx does not listen"

# --- the appliance: plain RTMP off, RTMPS, HTTP and HTTPS stream, HTTP and HTTPS API, System API both
appliance_run "$PREFIX" --no-huge -m 512 -- --tap-name=mpt$ID --tap-host-ip=198.18.241.1/24 \
	--public-ip=198.18.241.2/24 --public-gateway=198.18.241.1 \
	--system-api-listen=127.0.0.1:$SYS_PORT --https-system-api-listen=$PROXY_IP:$HTTPS_SYS_PORT \
	--api-listen=$PROXY_IP:$API_PORT --https-api-listen=$PROXY_IP:$HTTPS_API_PORT \
	--http-listen=$PROXY_IP:$HTTP_PORT --https-stream-listen=$PROXY_IP:$HTTPS_PORT \
	--rtmp-listen=off --rtmps-listen=$PROXY_IP:$RTMPS_PORT \
	--tls-cert="$WORK/live.crt" --tls-key="$WORK/live.key" \
	--idle-sleep-us=1000 --max-sessions=4096 || fail "appliance did not start"
grep -q "listening on $PROXY_IP:$RTMPS_PORT/tcp over TLS" "$APPLIANCE_LOG" || fail "no RTMPS listening line"

C() { ip netns exec "$NS_C" "$@"; }

# --- the HTTP API and System API over HTTPS: the same answers as over HTTP
v_plain=$(C curl -sf -m 10 "http://$PROXY_IP:$API_PORT/api/v1/versions") || fail "HTTP API over HTTP"
v_tls=$(C curl -sf -m 10 --cacert "$WORK/ca.crt" "https://$PROXY_IP:$HTTPS_API_PORT/api/v1/versions") ||
	fail "HTTP API over HTTPS (curl --cacert)"
[ "$v_plain" = "$v_tls" ] || fail "versions differ: http '$v_plain' https '$v_tls'"
# a WHIP offer with no WebRTC origin: the same refusal over both
w_plain=$(C curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/sdp' \
	--data-binary 'v=0' "http://$PROXY_IP:$API_PORT/rtc/v1/whip/?app=live&stream=x") || true
w_tls=$(C curl -s -m 10 --cacert "$WORK/ca.crt" -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/sdp' --data-binary 'v=0' "https://$PROXY_IP:$HTTPS_API_PORT/rtc/v1/whip/?app=live&stream=x") || true
[[ $w_tls =~ ^[1-5][0-9][0-9]$ && $w_tls == "$w_plain" ]] || fail "WHIP POST: http $w_plain, https $w_tls"
pass "HTTP API over HTTPS: versions '$v_tls', WHIP POST $w_tls as over HTTP"
C curl -sf -m 10 --cacert "$WORK/ca.crt" "https://$PROXY_IP:$HTTPS_SYS_PORT/api/v1/versions" >/dev/null ||
	fail "System API over HTTPS"
pass "System API over HTTPS"

# --- trust: a client without the CA is refused; plain HTTP on a TLS port gets no HTTP answer
rc=0
C curl -s -m 10 --cacert "$WORK/other.crt" -o /dev/null "https://$PROXY_IP:$HTTPS_API_PORT/api/v1/versions" || rc=$?
[ "$rc" = 60 ] || fail "curl trusting another CA: exit $rc (want 60, certificate not verified)"
out=$(C curl -s -m 10 "http://$PROXY_IP:$HTTPS_API_PORT/api/v1/versions" 2>&1) || true
[[ $out != *'"code"'* ]] || fail "plain HTTP on the HTTPS port was answered: $out"
pass "curl with another CA fails verification (60); plain HTTP on the TLS port gets no answer"

# --- register the origin (plain RTMP and HTTP: TLS ends at the appliance)
curl -sf -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" \
	-d "{\"device_id\":\"mpt\",\"ip\":\"$ORIGIN_IP\",\"server\":\"nginx\",\"service\":\"rtmp\",\"pid\":\"$NGINX_PID\",\"rtmp\":[\"$ORIGIN_PORT\"],\"http\":[\"$ORIGIN_HTTP\"],\"api\":[],\"srt\":[],\"rtc\":[]}" \
	>/dev/null || fail "registration"

publishing() {
	python3 -c 'import json, sys
r = json.loads(sys.argv[1])["rtmp"]
sys.exit(0 if any(s["role"] == "publish" and s["state"] == "relay" and s["stream"].endswith("/" + sys.argv[2])
                  for s in r["sessions"]) else 1)' "$(curl -sf "http://127.0.0.1:$SYS_PORT/api/v1/rtmp")" "$1" 2>/dev/null
}
URL=rtmps://$PROXY_IP:$RTMPS_PORT/live
netns_bg "$NS_C" timeout 60 ffmpeg -hide_banner -nostdin -loglevel error -re \
	-f lavfi -i "testsrc=size=320x240:rate=25" -f lavfi -i "sine=frequency=440:sample_rate=44100" \
	-t 25 -c:v libx264 -preset ultrafast -tune zerolatency -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k \
	-tls_verify 1 -ca_file "$WORK/ca.crt" -f flv "$URL/livestream?token=tls1" >"$WORK/publish.out" 2>&1
PUB=$!
wait_until 60 publishing livestream || fail "the rtmps publish never reached the relay state"
pass "ffmpeg publishes over rtmps:// (certificate verified against the test CA); the proxy relays it"
C timeout 20 ffprobe -hide_banner -v error -tls_verify 1 -ca_file "$WORK/ca.crt" \
	-show_entries stream=codec_name,codec_type -of csv=p=0 "$URL/livestream" >"$WORK/probe.out" 2>&1 ||
	fail "ffprobe over rtmps://"
grep -q "^h264,video" "$WORK/probe.out" && grep -q "^aac,audio" "$WORK/probe.out" || fail "rtmps play: $(cat "$WORK/probe.out")"
pass "ffprobe plays it back over rtmps://: H.264 + AAC"

# HLS made by the origin from what arrived, through the HTTPS stream listener
hls_ready() { [ -s "$WORK/hls/livestream.m3u8" ] && grep -q '\.ts' "$WORK/hls/livestream.m3u8"; }
wait_until 60 hls_ready || fail "the origin made no HLS of the stream"
pl=$(C curl -sf -m 10 --cacert "$WORK/ca.crt" "https://$PROXY_IP:$HTTPS_PORT/live/livestream.m3u8") ||
	fail "HLS playlist over HTTPS"
[[ $pl == *'#EXTM3U'* && $pl == *spbhid=* ]] || fail "playlist over HTTPS: $pl"
C timeout 30 ffprobe -hide_banner -v error -ca_file "$WORK/ca.crt" -tls_verify 1 \
	-show_entries stream=codec_name,codec_type -of csv=p=0 "https://$PROXY_IP:$HTTPS_PORT/live/livestream.m3u8" \
	>"$WORK/hls.out" 2>&1 || fail "ffprobe HLS over HTTPS"
grep -q "^h264,video" "$WORK/hls.out" && grep -q "^aac,audio" "$WORK/hls.out" || fail "HLS over HTTPS: $(cat "$WORK/hls.out")"
pass "HLS of it through the HTTPS stream listener: playlist rewritten with spbhid, ffprobe finds H.264 + AAC"

# --- SIGHUP: the renewed certificate for new connections
serial() { C bash -c "openssl s_client -connect $PROXY_IP:$HTTPS_API_PORT -CAfile $WORK/ca.crt </dev/null 2>/dev/null |
	openssl x509 -noout -serial"; }
[ "$(serial)" = "serial=1001" ] || fail "serial before SIGHUP: $(serial)"
cp "$WORK/renewed.crt" "$WORK/live.crt"
cp "$WORK/renewed.key" "$WORK/live.key"
kill -HUP "$APPLIANCE_PID"
wait_until 30 grep -q "reload: TLS certificate .* read again" "$APPLIANCE_LOG" || fail "no log line for the reload"
[ "$(serial)" = "serial=2001" ] || fail "serial after SIGHUP: $(serial)"
pass "SIGHUP: new TLS connections get the renewed certificate"

wait "$PUB" || fail "the rtmps publisher failed: $(cat "$WORK/publish.out")"
# nginx-rtmp logs a publish when its connection closes, which may be a moment after the publisher ended
wait_until 30 grep -q 'PUBLISH "live" "livestream" "token=tls1&client_ip=' "$WORK/access.log" || fail "origin access log: $(cat "$WORK/access.log")"
pass "the publish ran to its end over rtmps://; the origin saw it over plain RTMP with its query"
conns=$(curl -sf "http://127.0.0.1:$SYS_PORT/api/v1/connections") || fail "GET /api/v1/connections"
[[ $conns == *'"RTMP TLS"'* && $conns == *'"HTTP API TLS"'* ]] || fail "no TLS listeners in /api/v1/connections: $conns"
pass "the TLS listeners' connection counters are in /api/v1/connections"
rc=0
appliance_stop || rc=$?
[ "$rc" = 0 ] || fail "appliance exit status $rc after SIGTERM"
pass "SIGTERM: the appliance stops cleanly (exit 0) with its TLS listeners"
echo "$passed passed, 0 failed"
