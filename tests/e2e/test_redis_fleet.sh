#!/usr/bin/env bash
# test_redis_fleet.sh: two appliances on one real redis-server act as one: an origin registered on
# one is known to the other, the keys are the SRS proxy's, and Redis going away and coming back
# keeps both running and writes local state back.
set -euo pipefail
. "$(dirname "$0")/lib/wait.sh"
. "$(dirname "$0")/lib/report.sh"
build=${MP_BUILD_DIR:?}
rport=12763
dir=$(mktemp -d /tmp/mp-test-redis.XXXXXX)
pids=() rpid=""
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; rm -rf "/var/run/dpdk/mediaplane-$p"; done
	[ -n "$rpid" ] && kill -9 "$rpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
FAIL_LOGS=("$dir/*.log")

start_redis() {
	redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$dir/redis.log" 2>&1 &
	rpid=$!
	wait_until 30 redis_is 'PONG' ping || fail "redis-server did not start"
}
# redis_is ANSWER COMMAND...: redis-cli COMMAND answers ANSWER (a [[ ]] pattern)
redis_is() {
	local want=$1 out
	shift
	out=$(redis-cli -p "$rport" "$@" 2>/dev/null) && [[ $out == $want ]]
}
# origins_has API_PORT PATTERN: GET /api/v1/origins on that appliance matches PATTERN (a [[ ]] pattern)
origins_has() {
	local out
	out=$(curl -s "http://127.0.0.1:$1/api/v1/origins") && [[ $out == $2 ]]
}
registered() { # api_port: the origin's registration answers code 0
	local out
	out=$(curl -sf -XPOST -H 'Content-Type: application/json' -d "$body" "http://127.0.0.1:$1/api/v1/srs/register") && [[ $out == *'"code":0'* ]]
}
start_appliance() { # name api_port net
	PROXY_LOAD_BALANCER_TYPE=redis PROXY_REDIS_HOST=127.0.0.1 PROXY_REDIS_PORT=$rport \
		"$build/mediaplane" -- --tap-name="$1" --tap-host-ip="198.18.$3.1/24" --public-ip="198.18.$3.2/24" \
		--public-gateway="198.18.$3.1" --system-api-listen="127.0.0.1:$2" --api-listen=off --http-listen=off \
		--rtmp-listen=off --idle-sleep-us=200 --max-sessions=4096 --cli-socket=off >"$dir/$1.log" 2>&1 &
	pids+=($!)
	wait_until 60 grep -q "running (pid" "$dir/$1.log" || fail "appliance $1 did not start"
}

start_redis
start_appliance mprA 12771 63
start_appliance mprB 12772 64
grep -q "balancer: Redis at 127.0.0.1:$rport" "$dir/mprA.log" || fail "A not on Redis"
pass "two appliances on one Redis"

body='{"device_id":"o1","ip":"198.18.2.1","server":"srv1","service":"svc1","pid":"77","rtmp":["1935"],"srt":["udp://0.0.0.0:10081"],"rtc":["udp://8000"]}'
registered 12771 || fail "register on A"
# Written by the Redis thread, a few ms after the answer.
wait_until 30 redis_is '*"server_id":"srv1"*' get srs-proxy-server:srv1-svc1-77 || fail "srs-proxy-server key"
wait_until 30 redis_is '*srs-proxy-server:srv1-svc1-77*' get srs-proxy-all-servers || fail "all-servers key"
pass "registration on A is written with the SRS proxy's keys"
wait_until 30 origins_has 12772 '*"key":"srv1-svc1-77"*"alive":true*' || fail "B does not know the origin"
pass "B knows the origin A registered"

# An SRS proxy (Go) wrote this origin: the appliance reads it back.
now=$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)
go='{"ip":"198.18.2.7","device_id":"go","server_id":"gos","service_id":"gov","pid":"9","rtmp":["19350"],"http":["8080"],"api":["1985"],"srt":["10080"],"rtc":["udp://0.0.0.0:8000"],"update_at":"'$now'"}'
redis-cli -p "$rport" set srs-proxy-server:gos-gov-9 "$go" ex 300 >/dev/null
redis-cli -p "$rport" set srs-proxy-all-servers '["srs-proxy-server:srv1-svc1-77","srs-proxy-server:gos-gov-9"]' >/dev/null
wait_until 30 origins_has 12771 '*"key":"gos-gov-9"*"rtmp":\["198.18.2.7:19350"\]*' || fail "Go proxy record not read"
pass "a record in the SRS proxy's JSON is read back"

kill -9 "$rpid"; rpid=""
wait_until 30 grep -q "lb redis: 127.0.0.1:$rport lost .*reconnecting with backoff" "$dir/mprA.log" || fail "no Redis-down line"
curl -sf http://127.0.0.1:12771/api/v1/versions >/dev/null || fail "A stopped answering with Redis down"
registered 12771 || fail "register with Redis down"
pass "Redis down: the appliances keep serving and say so once"
start_redis
wait_until 60 redis_is 1 exists srs-proxy-server:srv1-svc1-77 || fail "local state not written back"
pass "Redis back: local state written back"
wait_until 30 grep -q "lb redis: 127.0.0.1:$rport back after" "$dir/mprA.log" || fail "no Redis-back line"
[ "$(grep -c 'reconnecting with backoff' "$dir/mprA.log")" = 1 ] || fail "down logged more than once"
pass "each transition logged once"
for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "exit status of $p"; done
pids=()
pass "both stop cleanly"
echo "$passed passed, 0 failed"
