#!/usr/bin/env bash
# test_srt_edge.sh: SRT details of issue 13 through the appliance's handshake relay, with real origins:
# an encrypted ffmpeg publish (passphrase, pbkeylen=16) arrives whole at an srt-live-transmit origin that
# requires the passphrase (the KMREQ/KMRSP cross the relay untouched: the appliance knows no key); a wrong
# passphrase is rejected by the origin (REJ_BADSECRET reaches the caller, nothing arrives) and logged with
# the stream; a caller without a stream id publishes to srt_default_stream and the origin is asked for that
# very stream id; an origin that never answers is a logged handshake timeout.
set -euo pipefail
export TOPO_PREFIX=mpk-e2e TOPO_QPAIRS=1 TOPO_API_PORT=13130
. "$(dirname "$0")/srt_attack_lib.sh"
PAYLOAD=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_payload
SECRET=edge-secret-13
DEFAULT_SID='#!::r=live/livestream,m=publish'

for p in ffmpeg ffprobe srt-live-transmit; do
	command -v "$p" >/dev/null || { echo "SKIP: $p is not installed"; exit 77; }
done
# register PORT: the one origin (same identity: its SRT endpoint moves, the stream picks stay on it)
register() {
	curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
		-d "{\"device_id\":\"o1\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srs-e2e\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:$1\"]}" \
		>/dev/null || fail "register origin port $1"
}
# publish URL LOG: 4 s of H.264 + AAC in MPEG-TS over SRT from the client namespace; its exit status
publish() {
	ip netns exec "$NS_C" timeout 60 ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi \
		-i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 \
		-preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac -b:a 64k -f mpegts "$1" >"$2" 2>&1
}
# h264_aac FILE MIN_SECONDS: FILE holds H.264 and AAC, at least MIN_SECONDS long
h264_aac() {
	local probe dur
	probe=$(ffprobe -v error -show_entries stream=codec_name:format=duration -of default=nw=1 "$1" 2>&1) || return 1
	[[ $probe == *codec_name=h264* && $probe == *codec_name=aac* ]] || return 1
	dur=$(sed -n 's/^duration=//p' <<<"$probe")
	python3 -c "import sys; sys.exit(0 if float('$dur') >= $2 else 1)"
}
# stop_last: SIGINT to the last background process, and wait for it (an origin writing its file)
stop_last() {
	kill -INT "${NETNS_PIDS[-1]}" 2>/dev/null || true
	wait "${NETNS_PIDS[-1]}" 2>/dev/null || true
}

topo_up
appliance_start --system-api-listen=0.0.0.0:$TOPO_API_PORT --srt-default-stream="$DEFAULT_SID" || fail "start"

# (1) encrypted publish, the origin requires the passphrase
register 10081
netns_bg "$NS_O" srt-live-transmit -q "srt://:10081?mode=listener&passphrase=$SECRET&pbkeylen=16" "file://con" \
	>"$WORK/enc.ts" 2>"$WORK/slt-enc.log"
wait_until 30 udp_listening "$NS_O" 10081 || fail "srt-live-transmit (passphrase) does not listen"
publish "srt://$PUBLIC_IP:10080?streamid=#!::r=live/secret,m=publish&passphrase=$SECRET&pbkeylen=16&pkt_size=1316" \
	"$WORK/pub-enc.log" || fail "encrypted publish: $(cat "$WORK/pub-enc.log")"
wait_until 30 h264_aac "$WORK/enc.ts" 3.0 || true
stop_last
h264_aac "$WORK/enc.ts" 3.0 || fail "the origin did not get 3 s of H.264 + AAC: $(ffprobe -v error -show_format "$WORK/enc.ts" 2>&1 | tail -3)"
pass "encrypted SRT publish (passphrase, AES-128) through the handshake relay: H.264 + AAC at the origin"

# (2) wrong passphrase: the origin rejects, the caller hears it, nothing arrives, the appliance logs it
register 10082
netns_bg "$NS_O" srt-live-transmit -q "srt://:10082?mode=listener&passphrase=$SECRET&pbkeylen=16" "file://con" \
	>"$WORK/bad.ts" 2>"$WORK/slt-bad.log"
wait_until 30 udp_listening "$NS_O" 10082 || fail "srt-live-transmit (passphrase) does not listen"
rc=0
publish "srt://$PUBLIC_IP:10080?streamid=#!::r=live/wrongkey,m=publish&passphrase=not-the-secret&pbkeylen=16&pkt_size=1316" \
	"$WORK/pub-bad.log" || rc=$?
[ "$rc" != 0 ] || fail "a publish with the wrong passphrase succeeded"
[ "$rc" != 124 ] || fail "a publish with the wrong passphrase was left waiting"
sleep 1
[ ! -s "$WORK/bad.ts" ] || fail "$(stat -c %s "$WORK/bad.ts") bytes reached the origin with a wrong passphrase"
wait_until 15 grep -q "stream '__defaultVhost__/live/wrongkey' rejected by the origin: REJ_BADSECRET" "$APPLIANCE_LOG" ||
	fail "no log line for the origin's rejection"
stop_last
pass "wrong passphrase: the caller is rejected (ffmpeg exit $rc), 0 bytes at the origin, logged as REJ_BADSECRET"

# the caller itself hears the origin's reason (libsrt caller with the wrong key, no ffmpeg in between)
register 10085
netns_bg "$NS_O" srt-live-transmit -q "srt://:10085?mode=listener&passphrase=$SECRET&pbkeylen=16" "file://con" \
	>"$WORK/bad2.ts" 2>"$WORK/slt-bad2.log"
wait_until 30 udp_listening "$NS_O" 10085 || fail "srt-live-transmit (passphrase) does not listen"
rc=0
ip netns exec "$NS_C" "$PAYLOAD" call "$PUBLIC_IP" 10080 '#!::r=live/nokey,m=publish' 1 >"$WORK/nokey.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "unencrypted caller to an encrypted origin: rc $rc: $(cat "$WORK/nokey.log")"
grep -q "reject reason 11" "$WORK/nokey.log" || fail "unencrypted caller: $(cat "$WORK/nokey.log")"
stop_last
pass "a caller without the passphrase gets the origin's REJ_UNSECURE (11) through the relay"

# (3) no stream id: srt_default_stream, and the origin is asked for it
mkdir "$WORK/origin"
register 10083
netns_bg "$NS_O" "$ORIGIN" 10083 "$WORK/origin" >"$WORK/origin.log" 2>&1
wait_until 30 udp_listening "$NS_O" 10083 || fail "srt_origin does not listen"
publish "srt://$PUBLIC_IP:10080?pkt_size=1316" "$WORK/pub-default.log" || fail "publish without a stream id: $(cat "$WORK/pub-default.log")"
grep -qF "accepted $DEFAULT_SID from " "$WORK/origin.log" || fail "the origin was not asked for the default stream: $(cat "$WORK/origin.log")"
wait_until 30 h264_aac "$WORK/origin/live_livestream.ts" 3.0 || fail "no media under the default stream at the origin"
streams=$(curl -s "$API/api/v1/streams")
[[ $streams == *__defaultVhost__/live/livestream* ]] || fail "the default stream is not in the picks: $streams"
pass "a caller without a stream id published to srt_default_stream ($DEFAULT_SID), the origin saw that stream id"

# (4) an origin that never answers: the caller is rejected with REJ_TIMEOUT, and the appliance logs it
register 10084
rc=0
ip netns exec "$NS_C" "$PAYLOAD" call "$PUBLIC_IP" 10080 '#!::r=live/silent,m=publish' 1 >"$WORK/silent.log" 2>&1 || rc=$?
[ "$rc" = 3 ] || fail "silent origin: rc $rc: $(cat "$WORK/silent.log")"
wait_until 15 grep -q "stream '__defaultVhost__/live/silent' origin did not answer (handshake timeout): REJ_TIMEOUT" \
	"$APPLIANCE_LOG" || fail "no log line for the handshake timeout"
pass "a silent origin: the caller is rejected, the appliance logs the timeout with the stream"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
