#!/usr/bin/env bash
# test_srt_lockout.sh: issue 11 item 2 against the real binary. From ONE source port, one INDUCTION then 1500
# CONCLUSIONs reusing its cookie with a new socket id each (raw UDP built from a real ffmpeg CONCLUSION), against
# an appliance with an 8-port NAT range and the per-source rate limits off (so only the session replacement is
# tested: before it, each CONCLUSION took a fresh NAT port held 60 s, and 8 of them locked the range). Checks that
# the flood's connections really reached the origin, that they held at most the one NAT port of the session they
# kept replacing, and that a legitimate ffmpeg caller from another address then publishes through the appliance:
# its H.264 + AAC arrives at the origin (srt_origin, which accepts every caller).
set -euo pipefail
export TOPO_PREFIX=mpl-e2e TOPO_QPAIRS=2 TOPO_API_PORT=13120
. "$(dirname "$0")/srt_attack_lib.sh"
NAT_MIN=40000 NAT_MAX=40007

topo_up
ip -n "$NS_C" addr add "$ATTACKER_IP/24" dev c0 # the attacker: same network as the client, another address
appliance_start --workers=2 --system-api-listen=0.0.0.0:$TOPO_API_PORT --nat-port-min=$NAT_MIN --nat-port-max=$NAT_MAX \
	--session-rate=0 --srt-handshake-rate=0 || fail "start"

mkdir "$WORK/origin"
netns_bg "$NS_O" "$ORIGIN" 10081 "$WORK/origin" >"$WORK/origin.log" 2>&1
wait_until 30 udp_listening "$NS_O" 10081 || fail "srt_origin does not listen"
curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
	-d "{\"device_id\":\"o1\",\"ip\":\"$ORIGIN_IP\",\"server\":\"srs-e2e\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"$ORIGIN_IP:10081\"]}" \
	>/dev/null || fail "register origin"

# flood ROUND ARGS...: srt_flood.py replace from the attacker's port 40404; then checks, on the appliance's
# counters, that the sessions it made outnumber the NAT range at least MIN_MADE times over and that of all of
# them at most the one it kept replacing is left, on a port of the range.
flood() {
	local round=$1 min_made=$2 before after out dp
	shift 2
	before=$(curl -s "$API/api/v1/sessions")
	out=$(ip netns exec "$NS_C" python3 "$(dirname "$0")/srt_flood.py" replace --pcap "$PCAP" --src "$ATTACKER_IP" \
		--sport 40404 --dst "$PUBLIC_IP:10080" "$@") || fail "flood $round: $out"
	after=$(curl -s "$API/api/v1/sessions?kind=srt")
	dp=$(curl -s "$API/api/v1/dataplane")
	echo "flood $round: $out"
	echo "sessions after it: $after"
	python3 - "$before" "$after" "$out" "$dp" $((NAT_MAX - NAT_MIN + 1)) "$min_made" <<'PY' || fail "flood $round figures"
import json, sys
before, after, flood, dp = (json.loads(a) for a in sys.argv[1:5])
nports, min_made = int(sys.argv[5]), int(sys.argv[6])
made = after["created"] - before["created"]
mine = [s for s in after["sessions"] if s["client"] == "198.18.1.3:40404"]
t = dp["data"]["total"]
print("%d CONCLUSIONs sent, %d sessions made by the appliance, %d connections answered (origin's CONCLUSION), "
      "%d rejections; the attacker's port holds NAT ports %s; sessions active %d"
      % (flood["conclusions_sent"], made, flood["socket_ids_answered"], flood["rejections"],
         [s["nat_port"] for s in mine], after["active"]))
print("data plane:", {k: v for k, v in t.items() if v and k != "drop_reasons"}, "drops:",
      {k: v for k, v in t["drop_reasons"].items() if v})
assert made >= min_made * nports, ("too few sessions made to test anything", made)
assert flood["rejections"] == 0, flood
assert len(mine) <= 1, mine
assert all(40000 <= s["nat_port"] <= 40007 for s in mine), mine
assert after["active"] <= 1, after
PY
	LAST_FLOOD=$out
}

# Round 1, as the issue did it: 1500 CONCLUSIONs as fast as they go (before the fix the 9th found no NAT port).
flood 1 10 --count 1500
pass "1500 CONCLUSIONs from one port: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["conclusions_sent"])' "$LAST_FLOOD") sent, the sessions replaced one another on one NAT port of 8"
# Round 2: 200 more, each waiting for the origin's answer, so every connection is set up at the origin before
# the next replaces it; the origin's side of the replaced ones (keep-alives, SHUTDOWN) comes back on the same port.
flood 2 2 --count 200 --first-id 0x100000 --wait-answer --linger 3
answered=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["socket_ids_answered"])' "$LAST_FLOOD")
[ "$answered" -gt $((NAT_MAX - NAT_MIN + 1)) ] || fail "only $answered flood connections were set up"
pass "200 connections one after another from the same port: $answered set up through the origin, on one NAT port"

wait_until 30 grep -q "live/livestream" "$WORK/origin.log" || fail "the origin saw no flood connection"
n_acc=$(grep -c "accepted #!::r=live/livestream" "$WORK/origin.log" || true)
pass "the origin accepted $n_acc of the flood's connections"

# A legitimate caller from another address publishes through the appliance while the flood's session lingers.
SID='#!::r=live/legit,m=publish'
ip netns exec "$NS_C" ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
	-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p \
	-c:a aac -b:a 64k -f mpegts "srt://$PUBLIC_IP:10080?streamid=$SID&pkt_size=1316" >"$WORK/ffpub.log" 2>&1 ||
	fail "ffmpeg publish after the flood (locked out?)"
wait_until 30 duration_at_least "$WORK/origin/live_legit.ts" 3.0 || true
srt_recording_ok "$WORK/origin/live_legit.ts"
pass "after the flood, ffmpeg from $CLIENT_IP publishes: the origin got H.264 + AAC, ${dur}s, $(stat -c %s "$WORK/origin/live_legit.ts") bytes"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
