#!/usr/bin/env bash
# test_fault_sighup.sh: SIGHUP to the appliance during a live SRT stream and a live WebRTC stream: it
# keeps running, logs that a reload is not supported yet, and every packet of both streams reaches the
# origin (SRT: no message missing or damaged; WebRTC: no RTP sequence gap, at least what was sent).
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"

mph_up
fault_appliance_start || fail "start"
origin_start oA 13210 10091
origin_register oA || fail "register"
srt_live_start s1 oA
rtc_live_start w1 oA
pass "live SRT and WebRTC streams reach the origin"

for i in 1 2; do
	kill -HUP "$APPLIANCE_PID"
	wait_until 30 grep -q "SIGHUP" "$APPLIANCE_LOG" || true
	appliance_alive || fail "the appliance died on SIGHUP $i"
	srt_flows s1 || fail "SRT stopped flowing after SIGHUP $i"
	rtc_flows w1 || fail "WebRTC stopped flowing after SIGHUP $i"
done
[ "$(grep -c 'SIGHUP: reload not supported yet' "$APPLIANCE_LOG")" = 2 ] || fail "SIGHUP not logged once each"
pass "two SIGHUPs: the appliance logs each, keeps running, both streams keep flowing"

srt_live_end s1
pass "SRT: every message reached the origin"
rtc_live_end w1
pass "WebRTC: no RTP lost at the origin"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
