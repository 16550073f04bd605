#!/usr/bin/env bash
# test_fault_redis.sh: the appliance in Redis mode with a live SRT stream and a live WebRTC stream;
# redis-server is killed (SIGKILL) and started again: every packet of both live streams reaches the
# origin (SRT: no message missing or damaged; WebRTC: no RTP sequence gap, at least what was sent),
# the loss and the return of Redis are logged, and new SRT and WebRTC sessions work once it is back.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
RPORT=12765
RPID=""
start_redis() {
	redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$FWORK/redis.log" 2>&1 &
	RPID=$!
	NETNS_PIDS+=("$RPID")
	wait_until 30 redis_up || fail "redis-server did not start"
}
redis_up() { [[ $(redis-cli -p "$RPORT" ping 2>/dev/null) == PONG ]]; }

mph_up
start_redis
fault_appliance_start --lb-type=redis --redis-host=127.0.0.1 --redis-port=$RPORT || fail "start"
grep -q "balancer: Redis at 127.0.0.1:$RPORT" "$APPLIANCE_LOG" || fail "not on Redis"
origin_start oA 13210 10091
origin_register oA || fail "register"
srt_live_start s1 oA
rtc_live_start w1 oA
[ -n "$(redis-cli -p "$RPORT" keys 'srs-proxy-*')" ] || fail "nothing in Redis"
pass "Redis mode: live SRT and WebRTC streams reach the origin, state in Redis"

kill -9 "$RPID"
wait "$RPID" 2>/dev/null || true
wait_until 60 grep -q "lb redis: 127.0.0.1:$RPORT lost" "$APPLIANCE_LOG" || fail "Redis loss not logged"
appliance_alive || fail "the appliance died with Redis"
srt_flows s1 || fail "SRT stopped flowing with Redis down"
rtc_flows w1 || fail "WebRTC stopped flowing with Redis down"
pass "redis-server killed: the appliance says so and both streams keep flowing"

start_redis
wait_until 60 grep -q "lb redis: 127.0.0.1:$RPORT back after" "$APPLIANCE_LOG" || fail "Redis return not logged"
srt_flows s1 || fail "SRT stopped flowing after Redis came back"
rtc_flows w1 || fail "WebRTC stopped flowing after Redis came back"
pass "redis-server back: logged, both streams still flowing"

srt_live_end s1
pass "SRT: every message of the live stream reached the origin"
rtc_live_end w1
pass "WebRTC: no RTP of the live stream lost at the origin"

# New sessions once Redis is back (new stream names: new picks, written to Redis).
sink_start oA
srt_live_start s2 oA
rtc_live_start w2 oA
srt_flows s2 || fail "new SRT stream does not flow"
srt_live_end s2
rtc_live_end w2
pass "new SRT and WebRTC sessions after Redis came back: nothing lost at the origin"

appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
