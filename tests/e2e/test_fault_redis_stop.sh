#!/usr/bin/env bash
# test_fault_redis_stop.sh: a Redis that stops answering (SIGSTOP, 10 s, then SIGCONT) costs nothing
# (issue 14 item 1): a live SRT and a live WebRTC stream keep growing at the origin during the stop
# and lose nothing, the System API answers all along, a registration is taken, and new SRT and
# WebRTC sessions are created from the pins already mirrored from Redis; Redis is used again after.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
RPORT=12767
RPID=""
STOP_S=10
redis_up() { [[ $(redis-cli -p "$RPORT" ping 2>/dev/null) == PONG ]]; }
rcli() { redis-cli -p "$RPORT" "$@"; }
# streams_pinned PATTERN: GET /api/v1/streams matches PATTERN (a [[ ]] pattern)
streams_pinned() { [[ $(sysapi /api/v1/streams) == $1 ]]; }
# pin NAME ORIGIN: pin live/NAME to ORIGIN in Redis, as another appliance would have
pin() { rcli set "srs-proxy-url:__defaultVhost__/live/$1" "srs-proxy-server:srv-$2-svc-$(v ORIGIN_API_$2)" >/dev/null; }
cont_redis() { [ -n "$RPID" ] && kill -CONT "$RPID" 2>/dev/null || true; }
netns_at_exit cont_redis

mph_up
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$FWORK/redis.log" 2>&1 &
RPID=$!
NETNS_PIDS+=("$RPID")
wait_until 30 redis_up || fail "redis-server did not start"
fault_appliance_start --lb-type=redis --redis-host=127.0.0.1 --redis-port=$RPORT || fail "start"
origin_start oA 13210 10091
origin_start oB 13211 10092
origin_register oA || fail "register A"
origin_register oB || fail "register B"
# Every stream of this test pinned in Redis (by "another appliance"): s1/w1 on A now, s2/w2 on B
# during the stop. The appliance mirrors the pins within a sync.
pin s1 oA; pin w1 oA; pin s2 oB; pin w2 oB
wait_until 30 streams_pinned "*live/s2*srv-oB-svc-13211*" || fail "pins not mirrored: $(sysapi /api/v1/streams)"
wait_until 30 streams_pinned "*live/w2*srv-oB-svc-13211*" || fail "pins not mirrored: $(sysapi /api/v1/streams)"
srt_live_start s1 oA
rtc_live_start w1 oA
pass "Redis mode: pins mirrored from Redis, live SRT and WebRTC streams reach origin A"

kill -STOP "$RPID"
stopped_at=$SECONDS
# A stopped Redis takes TCP connections and never answers: the appliance must notice on its own.
srt_flows s1 || fail "SRT stopped flowing with Redis stopped"
rtc_flows w1 || fail "WebRTC stopped flowing with Redis stopped"
origin_register oA || fail "registration refused with Redis stopped"
pass "Redis stopped: SRT and WebRTC keep growing at the origin, a registration is taken"
srt_live_start s2 oB
rtc_live_start w2 oB
pass "Redis stopped: new SRT and WebRTC sessions to origin B from the mirrored pins"
answers=0 slowest=0
until [ $((SECONDS - stopped_at)) -ge "$STOP_S" ] && [ "$answers" -ge 10 ]; do
	out=$(curl -s -m 5 -w ' %{time_total}' "http://127.0.0.1:$SYS_PORT/api/v1/versions") || out=""
	[[ $out == *major* ]] || fail "System API did not answer with Redis stopped"
	slowest=$(awk -v a="$slowest" -v b="${out##* }" 'BEGIN { print (b > a ? b : a) }') # reported, not asserted
	[[ $(sysapi /api/v1/origins) == *srv-oA* ]] || fail "System API origins did not answer with Redis stopped"
	answers=$((answers + 1))
	sleep 0.2
done
[[ $(ps -o stat= -p "$RPID") == T* ]] || fail "redis-server was not stopped all along"
srt_flows s1 || fail "SRT stopped flowing with Redis stopped"
pass "Redis stopped $((SECONDS - stopped_at)) s: the System API answered all $((answers * 2)) requests (slowest /api/v1/versions ${slowest} s)"
kill -CONT "$RPID"
grep -E "lb redis: .*(lost|back after)" "$APPLIANCE_LOG" || true

wait_until 60 redis_up || fail "redis-server does not answer after SIGCONT"
srt_flows s1 || fail "SRT stopped flowing after Redis continued"
rtc_flows w1 || fail "WebRTC stopped flowing after Redis continued"
# Redis is used again: a new origin's registration reaches it.
curl -s -f -m 10 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" \
	-d '{"device_id":"late","ip":"198.18.2.9","server":"srv-late","service":"svc","pid":"1","rtmp":["1935"]}' >/dev/null ||
	fail "registration after SIGCONT"
late_written() { [[ $(rcli exists srs-proxy-server:srv-late-svc-1) == 1 ]]; }
wait_until 60 late_written || fail "the appliance does not write to Redis after SIGCONT"
pass "Redis continued: streams still flowing, new registrations written to Redis"

srt_live_end s1
srt_live_end s2
pass "SRT: every message of both live streams reached the origins"
rtc_live_end w1
rtc_live_end w2
pass "WebRTC: no RTP of either live stream lost at the origins"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
