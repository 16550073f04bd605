#!/usr/bin/env bash
# test_redis_sentinel.sh: Redis without a single point of failure (issue 14 item 4). A master, a
# replica and three sentinels (all started here, loopback, own ports and directories); the appliance
# knows only the sentinels. Live SRT and WebRTC streams run; the master is killed (SIGKILL); the
# sentinels promote the replica; the appliance follows it on its own: a new registration and a new
# stream's pin land in the new master, and the live streams lose nothing at the origin.
set -euo pipefail
. "$(dirname "$0")/whip_topo.sh"
. "$(dirname "$0")/fault_lib.sh"
P_MASTER=12781 P_REPLICA=12782 SENTINELS=(12783 12784 12785)
MPID=""
rcli() { local p=$1; shift; redis-cli -p "$p" "$@" 2>/dev/null; }
is_up() { [[ $(rcli "$1" ping) == PONG ]]; }
# master_by_sentinel PORT: what sentinel PORT names the master's port now
master_by_sentinel() { rcli "$1" sentinel get-master-addr-by-name mymaster | sed -n 2p; }
sentinels_name() { local s; for s in "${SENTINELS[@]}"; do [ "$(master_by_sentinel "$s")" = "$1" ] || return 1; done; }
replica_synced() { [[ $(rcli $P_REPLICA info replication) == *master_link_status:up* ]]; }
sentinels_see_replica() { [[ $(rcli "${SENTINELS[0]}" sentinel replicas mymaster) == *$P_REPLICA* ]]; }
sentinels_see_each_other() { [[ $(rcli "${SENTINELS[0]}" sentinel master mymaster | tr '\n' ' ') == *num-other-sentinels\ 2* ]]; }

mph_up
redis_at() { # PORT [options]: a redis-server on loopback
	local port=$1
	shift
	mkdir -p "$FWORK/r$port"
	netns_bg - redis-server --port "$port" --bind 127.0.0.1 --dir "$FWORK/r$port" --save '' --appendonly no \
		--daemonize no "$@" >"$FWORK/redis-$port.log" 2>&1
	wait_until 30 is_up "$port" || fail "redis-server $port did not start"
}
redis_at $P_MASTER
MPID=${NETNS_PIDS[-1]}
redis_at $P_REPLICA --replicaof 127.0.0.1 $P_MASTER
wait_until 30 replica_synced || fail "the replica does not follow the master"
for s in "${SENTINELS[@]}"; do
	cat >"$FWORK/sentinel-$s.conf" <<CONF
port $s
bind 127.0.0.1
daemonize no
dir $FWORK
sentinel monitor mymaster 127.0.0.1 $P_MASTER 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 10000
sentinel parallel-syncs mymaster 1
CONF
	netns_bg - redis-sentinel "$FWORK/sentinel-$s.conf" >"$FWORK/sentinel-$s.log" 2>&1
	wait_until 30 is_up "$s" || fail "sentinel $s did not start"
done
wait_until 60 sentinels_name $P_MASTER || fail "the sentinels do not name the master"
wait_until 60 sentinels_see_replica || fail "the sentinels do not see the replica"
wait_until 60 sentinels_see_each_other || fail "the sentinels do not see each other"
pass "master $P_MASTER, replica $P_REPLICA, sentinels ${SENTINELS[*]}"

list=$(printf '127.0.0.1:%s,' "${SENTINELS[@]}")
fault_appliance_start --lb-type=redis --redis-sentinels="${list%,}" --redis-master-name=mymaster || fail "start"
grep -q "Sentinel names 127.0.0.1:$P_MASTER master of mymaster" "$APPLIANCE_LOG" || fail "the appliance did not ask the sentinels"
origin_start oA 13210 10091
origin_register oA || fail "register"
srt_live_start s1 oA
rtc_live_start w1 oA
key_in() { [[ $(rcli "$1" exists "$2") == 1 ]]; }
wait_until 30 key_in $P_MASTER srs-proxy-server:srv-oA-svc-13210 || fail "registration not in the master"
pass "the appliance found the master through the sentinels; live SRT and WebRTC streams on origin A"

ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }
t_kill=$(ms)
kill -9 "$MPID"
wait_until 60 sentinels_name $P_REPLICA || fail "the sentinels did not promote the replica"
t_promoted=$(ms)
pass "master killed: the sentinels promoted $P_REPLICA"
wait_until 60 grep -q "Sentinel .*$P_REPLICA" "$APPLIANCE_LOG" || fail "the appliance did not follow the new master"
wait_until 60 grep -q "lb redis: 127.0.0.1:$P_REPLICA back after\|lb redis: connected to 127.0.0.1:$P_REPLICA" "$APPLIANCE_LOG" ||
	fail "the appliance is not connected to the new master"
t_followed=$(ms)
# Figures (reported, not asserted; polled every 0.1 s): kill -> promotion -> appliance on the new master.
echo "failover: sentinels named the new master $((t_promoted - t_kill)) ms after the kill, the appliance was on it $((t_followed - t_kill)) ms after"
grep "lb redis" "$APPLIANCE_LOG" || true
srt_flows s1 || fail "SRT stopped flowing across the failover"
rtc_flows w1 || fail "WebRTC stopped flowing across the failover"
pass "the appliance follows the new master; both live streams keep flowing"

# New state lands in the new master: a registration, and the pin of a new stream (an SRT caller;
# its pick is published whichever origin it lands on).
ORIGIN_API_oB=13211 ORIGIN_SRT_oB=10092
origin_register oB || fail "register B"
wait_until 30 key_in $P_REPLICA srs-proxy-server:srv-oB-svc-13211 || fail "new registration not in the new master"
pinned_in_new() { [[ -n $(rcli $P_REPLICA keys 'srs-proxy-url:*live/s2') ]]; }
netns_bg "$NS_C" "$PAYLOAD" source "$PUBLIC_IP" 10080 "#!::r=live/s2,m=publish" >"$FWORK/s2.source" 2>&1
S2=$!
wait_until 30 pinned_in_new || fail "the new stream's pin is not in the new master"
kill "$S2" 2>/dev/null || true
pass "after the failover: a new registration and a new stream's pin are in the new master"

srt_live_end s1
pass "SRT: every message of the live stream reached the origin across the failover"
rtc_live_end w1
pass "WebRTC: no RTP of the live stream lost across the failover"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
