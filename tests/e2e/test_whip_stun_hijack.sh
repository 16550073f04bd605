#!/usr/bin/env bash
# test_whip_stun_hijack.sh: issue 11 item 10 against the real binary. An aiortc WHIP publisher and an aiortc WHEP
# player run through the appliance to an aiortc origin; an attacker on another address reads their ICE USERNAMEs
# from the System API and sends STUN Binding requests naming them with USE-CANDIDATE, (a) without
# MESSAGE-INTEGRITY, (b) with one keyed by a wrong password. Checks: both are dropped as stun_integrity, the
# sessions stay on the clients' addresses (none re-bound), the attacker receives nothing, and media keeps arriving
# (RTP at the origin from the publisher, at the player from the origin) after the attack, which also proves the
# real clients' own checks keep working.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
netns_workdir mph-stun
FAIL_LOGS+=("$WORK/*.log")
sysapi() { curl -s "http://127.0.0.1:$SYS_PORT$1"; }
ATTACKER_IP=198.18.1.3
dp_total() { sysapi /api/v1/dataplane | "$PY" -c 'import json, sys
t = json.load(sys.stdin)["data"]["total"]
print(t["drop_reasons"][sys.argv[1]] if sys.argv[1] in t["drop_reasons"] else t[sys.argv[1]])' "$1"; }
origin_rtp() { curl -s "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats" | "$PY" -c 'import json, sys
print(json.load(sys.stdin)["inbound_rtp_packets"])'; }
player_rtp() { [ -f "$WORK/play.json" ] && "$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["rtp_received"])' "$WORK/play.json" || echo 0; }
# at_least CMD N: CMD prints a number >= N
at_least() { [ "$($1)" -ge "$2" ]; }
two_sessions() { [ "$(sysapi '/api/v1/sessions?kind=webrtc' | "$PY" -c 'import json, sys; print(len(json.load(sys.stdin)["sessions"]))')" = 2 ]; }
sessions() { sysapi '/api/v1/sessions?kind=webrtc' | "$PY" -c 'import json, sys
print(json.dumps(sorted((s["username"], s["client"], s["nat_port"]) for s in json.load(sys.stdin)["sessions"])))'; }

mph_up
ip -n "$NS_C" addr add "$ATTACKER_IP/24" dev c0 # the attacker: the clients' network, another address
mph_appliance_start || fail "start"
mph_origin_start || fail "origin start"
mph_register || fail "register"

# The publisher and the player run until the test is done with them.
netns_bg "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --ip "$CLIENT_IP" --until "$WORK/stop" \
	--progress "$WORK/pub.json" --url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=hijack" \
	>"$WORK/pub.out" 2>"$WORK/pub.log"
PUB_PID=$!
netns_bg "$NS_C" "$PY" "$(dirname "$0")/whip_client.py" --play --ip "$CLIENT_IP" --until "$WORK/stop" \
	--progress "$WORK/play.json" --url "http://$MGMT_HOST_C:$API_PORT/rtc/v1/whep/?app=live&stream=hijack" \
	>"$WORK/play.out" 2>"$WORK/play.log"
PLAY_PID=$!
wait_until 90 two_sessions || fail "no two WebRTC sessions: $(sysapi '/api/v1/sessions?kind=webrtc')"
wait_until 60 at_least origin_rtp 50 || fail "the origin gets no RTP: $(origin_rtp)"
wait_until 60 at_least player_rtp 50 || fail "the player gets no RTP: $(player_rtp)"
before=$(sessions)
mapfile -t users < <("$PY" -c 'import json, sys; [print(u) for u, c, n in json.loads(sys.argv[1])]' "$before")
pass "publisher and player connected through the appliance: $before; origin RTP $(origin_rtp), player RTP $(player_rtp)"

rebound0=$(dp_total sessions_rebound)
for mode in none wrong; do
	integ0=$(dp_total stun_integrity)
	o0=$(origin_rtp) p0=$(player_rtp)
	out=$(ip netns exec "$NS_C" "$PY" "$(dirname "$0")/stun_attack.py" --src "$ATTACKER_IP" --dst "$PUBLIC_IP:$WEBRTC_PORT" \
		--username "${users[0]}" --username "${users[1]}" --integrity "$mode" --count 5) || fail "attack $mode: $out"
	# The media goes on to the right parties after the attack, as long as it takes to see 50 more packets each.
	wait_until 60 at_least origin_rtp $((o0 + 50)) || fail "($mode) the origin's RTP stopped at $(origin_rtp)"
	wait_until 60 at_least player_rtp $((p0 + 50)) || fail "($mode) the player's RTP stopped at $(player_rtp)"
	integ1=$(dp_total stun_integrity)
	echo "attack ($mode MESSAGE-INTEGRITY): $out; stun_integrity $integ0 -> $integ1"
	"$PY" - "$out" <<'PY' || fail "($mode) the attacker got something: $out"
import json, sys
o = json.loads(sys.argv[1])
assert o["sent"] == 10 and o["received"] == 0, o
PY
	[ "$integ1" -gt "$integ0" ] || fail "($mode) no stun_integrity drop ($integ0 -> $integ1)"
	[ "$(sessions)" = "$before" ] || fail "($mode) sessions moved: $before -> $(sessions)"
	[ "$(dp_total sessions_rebound)" = "$rebound0" ] || fail "($mode) sessions_rebound $rebound0 -> $(dp_total sessions_rebound)"
	pass "USE-CANDIDATE with $mode MESSAGE-INTEGRITY from $ATTACKER_IP: $((integ1 - integ0)) of 10 dropped as stun_integrity (the rest, if any, lost before the appliance counted them), sessions unmoved, attacker got 0 packets; origin RTP $o0 -> $(origin_rtp), player RTP $p0 -> $(player_rtp)"
done

touch "$WORK/stop"
wait "$PUB_PID" || fail "publisher: $(cat "$WORK/pub.out")"
wait "$PLAY_PID" || fail "player: $(cat "$WORK/play.out")"
pass "publisher $(cat "$WORK/pub.out"); player $(cat "$WORK/play.out")"
[ "$(dp_total session_rate)" = 0 ] || echo "note: session_rate drops $(dp_total session_rate)"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
