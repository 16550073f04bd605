#!/usr/bin/env bash
# test_fault_origin.sh: an origin killed (SIGKILL: its WHIP/WebRTC server and its SRT listener) in the
# middle of a live SRT stream and a live WebRTC stream. The appliance stays up; the SRT caller's
# connection ends (broken, no hang) and the WebRTC client's ICE fails (consent lost); both sessions and
# their NAT ports are freed; a WHIP offer for the dead origin's stream is refused (5xx), not left
# hanging; and once the dead origin's registration has lapsed (origin_ttl 4s here) while a second
# origin keeps its heartbeat, new SRT and WebRTC streams go to the live one with nothing lost.
# (Moving a stream within a second is issue 13; this checks no crash, no leak, sessions freed.)
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"

mph_up
fault_appliance_start --origin-ttl=4s || fail "start"
origin_start oA 13210 10091
netns_bg - heartbeat_loop oA
HB_A=$!
wait_until 30 origin_register oA || fail "register A"
srt_live_start s1 oA
rtc_live_start w1 oA
origin_start oB 13211 10092
netns_bg - heartbeat_loop oB
wait_until 30 sessions_are 2 || fail "sessions: $(sysapi /api/v1/sessions)"
pass "live SRT and WebRTC streams on origin A; origin B registered"

whip_offer >"$FWORK/offer.sdp" || fail "no offer"
# Origin A dies: its processes and its heartbeat.
t0=$SECONDS
kill -9 "$HB_A" "${ORIGIN_PID[oA]}" "${SINK_PID[oA]}"
wait "$HB_A" "${ORIGIN_PID[oA]}" "${SINK_PID[oA]}" 2>/dev/null || true
# A WHIP offer for the dead origin's stream (its pick stays on A until A's registration lapses, 4 s): refused
# (5xx) or moved to B (201), answered within the client's deadline, never hung.
code=$(ip netns exec "$NS_C" curl -s -m 30 -o "$FWORK/whip.answer" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/sdp' --data-binary @"$FWORK/offer.sdp" \
	"http://$MGMT_HOST_C:$API_PORT/rtc/v1/whip/?app=live&stream=w1") || true
[[ $code == 5?? || $code == 201 ]] || fail "WHIP to the dead origin's stream: HTTP $code $(cat "$FWORK/whip.answer")"
appliance_alive || fail "the appliance died on a WHIP offer for a dead origin"
pass "WHIP offer for the dead origin's stream answered $code"

wait_until 60 grep -q "connection broken" "$FWORK/s1.source" ||
	fail "the SRT caller was not told: $(cat "$FWORK/s1.source")"
wait "${SRC_PID[s1]}" && fail "the SRT caller ended cleanly?" || true
t_srt=$((SECONDS - t0))
appliance_alive || fail "the appliance died with the origin"
pass "SRT caller: connection broken after ~${t_srt}s ($(tail -n 1 "$FWORK/s1.source"))"

# WebRTC: the client's consent checks go unanswered; aioice gives up after ~30 s.
wait "${RTC_PID[w1]}" || true
out=$(cat "$FWORK/w1.rtc")
[[ $out == *'"ice_final": "failed"'* || $out == *'"ice_final": "closed"'* ]] || fail "WebRTC client: $out"
t_rtc=$((SECONDS - t0))
pass "WebRTC client: ICE failed after ~${t_rtc}s, DELETE answered $(sed -n 's/.*"delete_status": \([0-9]*\).*/\1/p' <<<"$out")"
appliance_alive || fail "the appliance died"

wait_until 60 sessions_are 0 || fail "sessions not freed: $(sysapi /api/v1/sessions)"
wait_until 60 natports_are 0 || fail "NAT ports not returned: $(natports_used) in use"
echo "# sessions and NAT ports free ~$((SECONDS - t0))s after the origin died"
pass "both sessions and their NAT ports freed"

# A's registration lapses (no heartbeat): new streams go to B.
wait_until 60 origin_dead oA || fail "origin A still alive: $(sysapi /api/v1/origins)"
srt_live_start s2 oB
rtc_live_start w2 oB
srt_flows s2 || fail "new SRT stream on B does not flow"
srt_live_end s2
rtc_live_end w2
pass "new SRT and WebRTC streams go to the live origin B, nothing lost"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
