#!/usr/bin/env bash
# test_fault_client.sh: clients that vanish (kill -9 of a live SRT caller and a live WebRTC publisher:
# no SHUTDOWN, no DELETE): their data-plane sessions and NAT ports are freed by the idle timeouts
# (srt_idle_timeout 3s, webrtc_idle_timeout 4s here), seen in the System API (/api/v1/sessions,
# /metrics natports) and the CLI; the appliance keeps serving, and a new stream afterwards flows with
# nothing lost at the origin.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
cli() { "$MP_BUILD_DIR/mediaplane-cli" -s "/var/run/dpdk/$MPH_PREFIX/cli.sock" "$@"; }

mph_up
fault_appliance_start || fail "start"
origin_start oA 13210 10091
origin_register oA || fail "register"
[ "$(sessions_active)" = 0 ] && [ "$(natports_used)" = 0 ] || fail "sessions or NAT ports in use at start"
srt_live_start s1 oA
rtc_live_start w1 oA
wait_until 30 sessions_are 2 || fail "sessions: $(sysapi /api/v1/sessions)"
natports_are 2 || fail "NAT ports in use: $(natports_used), want 2"
out=$(cli show sessions) || fail "CLI show sessions"
[[ $out == *srt*webrtc* || $out == *webrtc*srt* ]] || fail "CLI show sessions: $out"
pass "two live sessions (SRT, WebRTC), two NAT ports in use, listed by the CLI"

t0=$SECONDS
kill -9 "${SRC_PID[s1]}" "${RTC_PID[w1]}"
wait "${SRC_PID[s1]}" "${RTC_PID[w1]}" 2>/dev/null || true
# deadlines: far above the idle timeouts. The origins go on sending to the vanished clients (the
# aiortc origin until its ICE consent fails, ~30 s): that must not keep the sessions.
wait_until 60 no_sessions_of srt || fail "SRT session not freed: $(sysapi /api/v1/sessions)"
t_srt=$((SECONDS - t0))
wait_until 60 no_sessions_of webrtc || fail "WebRTC session not freed: $(sysapi /api/v1/sessions)"
t_rtc=$((SECONDS - t0))
# the origin has not given up on the vanished client yet (its ICE consent lasts ~30 s): the session
# went although the origin was still sending to it
st=$(origin_stats oA)
[[ $st == *'"ice": ["completed"]'* || $st == *'"ice": ["connected"]'* ]] ||
	fail "the WebRTC session lasted until the origin gave up (origin: $st)"
wait_until 60 sessions_are 0 || fail "sessions not freed: $(sysapi /api/v1/sessions)"
wait_until 60 natports_are 0 || fail "NAT ports not returned: $(natports_used) in use"
t_nat=$((SECONDS - t0))
out=$(cli show sessions) || fail "CLI show sessions"
[[ $out != *srt* && $out != *webrtc* ]] || fail "CLI still lists a session: $out"
echo "# SRT session gone after ~${t_srt}s, WebRTC after ~${t_rtc}s, NAT ports back after ~${t_nat}s (idle timeouts 3s / 4s; 1s granularity)"
pass "vanished clients: sessions and NAT ports freed by the idle timeouts, the origin still sending"
appliance_alive || fail "the appliance stopped answering"
wait "${SINK_PID[oA]}" 2>/dev/null || true
grep -q "end marker no" "$FWORK/oA.sink" || fail "the origin's sink saw an end: $(cat "$FWORK/oA.sink")"

# A new stream on the same origin flows, nothing lost.
sink_start oA
srt_live_start s2 oA
rtc_live_start w2 oA
srt_flows s2 || fail "new SRT stream does not flow"
srt_live_end s2
rtc_live_end w2
pass "new SRT and WebRTC streams after the vanished ones: nothing lost at the origin"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
