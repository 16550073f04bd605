#!/usr/bin/env bash
# test_fault_sighup.sh: SIGHUP (reload) to the appliance during a live SRT stream and a live WebRTC
# stream: it keeps running, re-reads its config file (live keys applied, the others named in one
# warning), and every packet of both streams reaches the origin (SRT: no message missing or damaged;
# WebRTC: no RTP sequence gap, at least what was sent).
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"

mph_up
conf=$FWORK/mediaplane.conf
printf 'origin_ttl = 300s\n' >"$conf"
fault_appliance_start -c "$conf" || fail "start"
origin_start oA 13210 10091
origin_register oA || fail "register"
srt_live_start s1 oA
rtc_live_start w1 oA
pass "live SRT and WebRTC streams reach the origin"

# First reload: a live key (origin_ttl, log_levels) and one that needs a restart (workers) change.
printf 'origin_ttl = 200s\nlog_levels = srt=debug\nworkers = 2\n' >"$conf"
for i in 1 2; do
	kill -HUP "$APPLIANCE_PID"
	reloads() { [ "$(grep -c 'SIGHUP: reloading the configuration' "$APPLIANCE_LOG")" -ge "$1" ] &&
		grep -q "reload: \(applied\|.*nothing changed\)" "$APPLIANCE_LOG"; }
	wait_until 30 reloads "$i" || true
	appliance_alive || fail "the appliance died on SIGHUP $i"
	srt_flows s1 || fail "SRT stopped flowing after SIGHUP $i"
	rtc_flows w1 || fail "WebRTC stopped flowing after SIGHUP $i"
done
[ "$(grep -c 'SIGHUP: reloading the configuration' "$APPLIANCE_LOG")" = 2 ] || fail "SIGHUP not logged once each"
grep "reload: applied " "$APPLIANCE_LOG" | grep "origin_ttl" | grep -q "log_levels" || fail "first reload did not apply the live keys"
grep -q "reload: changed but applied only by a restart: workers" "$APPLIANCE_LOG" || fail "workers not named"
grep -q "reload: .*: nothing changed" "$APPLIANCE_LOG" || fail "second reload did not find the file unchanged"
pass "two SIGHUPs reload the config file (live keys applied, workers named), both streams keep flowing"

srt_live_end s1
pass "SRT: every message reached the origin"
rtc_live_end w1
pass "WebRTC: no RTP lost at the origin"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
