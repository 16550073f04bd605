#!/usr/bin/env bash
# test_srt_source_rate.sh: the per-source token buckets (issue 11) against the real binary. One source opens new
# SRT connections from new ports as fast as it can (INDUCTION, then CONCLUSION with the cookie answered; raw UDP
# from the ffmpeg capture); the appliance refuses its excess (drops srt_handshake_rate and session_rate, one
# summary line naming it), while a legitimate ffmpeg caller from another address publishes at the same time and
# its H.264 + AAC arrives at the origin (srt_origin, which accepts every caller).
set -euo pipefail
export TOPO_PREFIX=mpr-e2e TOPO_QPAIRS=2 TOPO_API_PORT=13121
. "$(dirname "$0")/srt_attack_lib.sh"

# drop REASON: the appliance's count of drops for REASON
drop() {
	curl -s "$API/api/v1/dataplane" | python3 -c 'import json, sys
print(json.load(sys.stdin)["data"]["total"]["drop_reasons"][sys.argv[1]])' "$1"
}
both_refused() { [ "$(drop srt_handshake_rate)" -gt 0 ] && [ "$(drop session_rate)" -gt 0 ]; }

topo_up
ip -n "$NS_C" addr add "$ATTACKER_IP/24" dev c0
# session_rate 5/s (default 20) so that, behind the 50/s handshake bucket, CONCLUSIONs meet the session bucket too.
appliance_start --workers=2 --system-api-listen=0.0.0.0:$TOPO_API_PORT --session-rate=5 --srt-handshake-rate=50 ||
	fail "start"
mkdir "$WORK/origin"
netns_bg "$NS_O" "$ORIGIN" 10081 "$WORK/origin" >"$WORK/origin.log" 2>&1
wait_until 30 udp_listening "$NS_O" 10081 || fail "srt_origin does not listen"
curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
	-d "{\"device_id\":\"o1\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srs-e2e\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:10081\"]}" \
	>/dev/null || fail "register origin"

netns_bg "$NS_C" python3 "$(dirname "$0")/srt_flood.py" ports --pcap "$PCAP" --src "$ATTACKER_IP" \
	--dst "$PUBLIC_IP:10080" --rate 300 >"$WORK/flood.out" 2>"$WORK/flood.log"
FLOOD_PID=$!
wait_until 60 both_refused || fail "the flood was not refused: $(curl -s "$API/api/v1/dataplane")"
pass "a source opening new connections from new ports meets both buckets: srt_handshake_rate $(drop srt_handshake_rate), session_rate $(drop session_rate)"

# While it goes on, a legitimate caller from another address publishes.
hs0=$(drop srt_handshake_rate) sr0=$(drop session_rate)
SID='#!::r=live/legit,m=publish'
ip netns exec "$NS_C" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p \
	-c:a aac -b:a 64k -f mpegts "srt://$PUBLIC_IP:10080?streamid=$SID&pkt_size=1316" >"$WORK/ffpub.log" 2>&1 ||
	fail "ffmpeg publish during the flood"
hs1=$(drop srt_handshake_rate) sr1=$(drop session_rate)
kill -TERM "$FLOOD_PID"
wait "$FLOOD_PID" || true
flood=$(cat "$WORK/flood.out")
echo "flood: $flood"
[ "$hs1" -gt "$hs0" ] || fail "the flood was not refused while ffmpeg published ($hs0 -> $hs1)"
pass "the flood went on being refused while ffmpeg published: srt_handshake_rate $hs0 -> $hs1, session_rate $sr0 -> $sr1"

wait_until 30 duration_at_least "$WORK/origin/live_legit.ts" 3.0 || true
srt_recording_ok "$WORK/origin/live_legit.ts"
pass "ffmpeg from $CLIENT_IP during the flood: the origin got H.264 + AAC, ${dur}s, $(stat -c %s "$WORK/origin/live_legit.ts") bytes"

dp=$(curl -s "$API/api/v1/dataplane")
sess=$(curl -s "$API/api/v1/sessions?kind=srt")
python3 - "$dp" "$sess" "$flood" "$(grep -c 'accepted #!::r=live/livestream' "$WORK/origin.log" || true)" <<'PY' || fail "figures"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
sess, flood, accepted = json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4])
print("flood: %d INDUCTIONs sent, %d answered, %d CONCLUSIONs sent, %d answered; the origin accepted %d of its "
      "connections; sessions made in all %d; drops %s"
      % (flood["inductions_sent"], flood["induction_answers"], flood["conclusions_sent"], flood["conclusion_answers"],
         accepted, sess["created"], {k: v for k, v in t["drop_reasons"].items() if v}))
# The refused are many: most of what the source sent never started a session.
assert flood["induction_answers"] < flood["inductions_sent"], flood
assert sess["created"] < flood["conclusions_sent"], (sess["created"], flood)
PY
pass "most of the flood's handshakes started nothing"
# The control thread's summary (every 10 s while the counters grow) names the refused source.
wait_until 30 grep -q "last source refused $ATTACKER_IP" "$APPLIANCE_LOG" || fail "no summary line naming $ATTACKER_IP"
pass "logged: $(grep -m1 'last source refused' "$APPLIANCE_LOG" | cut -c1-200)"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
