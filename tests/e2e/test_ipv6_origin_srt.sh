#!/usr/bin/env bash
# test_ipv6_origin_srt.sh: SRT publishers reach an origin that has only IPv6 (issue 16: IPv6 origins on
# the data plane) through the appliance (2 workers, af_packet, public_ip6 and private_ip6): the origin
# registers "ip":"2001:db8:2::1" and srt_origin listens on [2001:db8:2::1]:10081 IPv6 only, in a
# namespace without any IPv4 address; ffmpeg publishes from the client's IPv4 address and from its
# IPv6 address; the origin names the appliance's private IPv6 address as the caller and writes what
# arrived, ffprobe finds H.264 and AAC of the duration sent in each stream; the appliance counts the
# frames translated both ways.
set -euo pipefail
export TOPO_PREFIX=mp6o-e2e TOPO_QPAIRS=2 TOPO_API_PORT=${TOPO_API_PORT:-13177}
. "$(dirname "$0")/topo.sh"
. "$(dirname "$0")/lib/srt_media.sh"
TOPO_EXC_TAP=mp6o$TOPO_ID
netns_workdir mp6o-srt
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$TOPO_API_PORT
CLIENT_IP6=2001:db8:1::1
PUBLIC_IP6=2001:db8:1::2
ORIGIN_IP6=2001:db8:2::1
PRIVATE_IP6=2001:db8:2::2

# publish URL_HOST STREAM: 4 s of H.264 + AAC from the client namespace by SRT through the appliance.
publish() {
	ip netns exec "$NS_C" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
		-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p \
		-c:a aac -b:a 64k -f mpegts "srt://$1:10080?streamid=#!::r=live/$2,m=publish&pkt_size=1316" \
		>"$WORK/ffpub-$2.log" 2>&1
}
# check_stream STREAM WHAT: the origin's file of STREAM holds H.264 and AAC of >= 3 s.
check_stream() {
	local f=$WORK/origin/live_$1.ts dur
	wait_until 30 duration_at_least "$f" 3.0 || true
	srt_recording_ok "$f"
	pass "$2 -> IPv6-only SRT origin: H.264 + AAC, ${dur}s"
}

topo_up
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
# the origin has IPv6 only: no IPv4 address at all, so nothing can reach it over IPv4
ip -n "$NS_O" -4 addr flush dev o0
netns_ip6 "$NS_O" o0 "$ORIGIN_IP6/64"
appliance_start --workers=2 --public-ip6="$PUBLIC_IP6/64" --private-ip6="$PRIVATE_IP6/64" || fail "start"

curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
	-d "{\"device_id\":\"o6\",\"ip\":\"$ORIGIN_IP6\",\"server\":\"srs-e2e-v6o\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"10081\"]}" \
	>/dev/null || fail "register the IPv6 origin"
mkdir "$WORK/origin"
netns_bg "$NS_O" "$MP_BUILD_DIR/tests/e2e/test_e2e_srt_origin" 10081 "$WORK/origin" "$ORIGIN_IP6" >"$WORK/origin.log" 2>&1
wait_until 30 udp_listening "$NS_O" 10081 || fail "srt_origin does not listen"
[ -z "$(ip netns exec "$NS_O" ss -Hlun4 "sport = :10081")" ] || fail "srt_origin listens on IPv4 too"

publish "$PUBLIC_IP" v4pub || fail "ffmpeg publish from IPv4"
check_stream v4pub "ffmpeg SRT publish from an IPv4 client"
publish "[$PUBLIC_IP6]" v6pub || fail "ffmpeg publish from IPv6"
check_stream v6pub "ffmpeg SRT publish from an IPv6 client"

# the origin saw the appliance's private IPv6 address as the caller, once per publish
n=$(grep -c "^accepted #!::r=live/v[46]pub,m=publish from \[$PRIVATE_IP6\]:" "$WORK/origin.log" || true)
[ "$n" = 2 ] || fail "origin's callers: $(cat "$WORK/origin.log")"
pass "the origin's callers: the appliance's private IPv6 address, from its NAT ports"

stats=$(curl -s "$API/api/v1/dataplane")
python3 - "$stats" <<'PY' || fail "counters: $stats"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
assert t["srt_handshakes"] >= 2, t
# the origin's answers (handshakes, ACKs) in; every datagram to the origin out
assert t["ip6_translated_in"] >= 200, t
assert t["ip6_translated_out"] >= 200, t
assert t["drop_reasons"]["ip6_clients_full"] == 0, t
PY
pass "counters: both SRT handshakes through the IPv6 origin, frames translated both ways"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
