#!/usr/bin/env bash
# test_two_origins.sh: two nginx-rtmp origins registered by heartbeat: RTMP streams through the
# appliance spread over both, a stream sticks to its origin, and when one origin's heartbeat stops
# its streams and all new ones go to the other after the TTL (the SRS proxy keeps using a dead one).
set -euo pipefail
. "$(dirname "$0")/lib/wait.sh"
. "$(dirname "$0")/lib/report.sh"
build=${MP_BUILD_DIR:?}
DIR=$(mktemp -d /tmp/mp-test-2origins.XXXXXX)
RTMP=13531 API=13532 OA=13541 OB=13542
MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so
pids=() app="" hbA="" hbB=""
cleanup() {
	for p in $hbA $hbB "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	if [ -n "$app" ]; then kill -9 "$app" 2>/dev/null; rm -rf "/var/run/dpdk/mediaplane-$app"; fi
	rm -rf "$DIR"
}
trap cleanup EXIT
FAIL_LOGS=("$DIR/app.log")
[ -f "$MODULE" ] || fail "libnginx-mod-rtmp is not installed"

origin() { # name port
	mkdir -p "$DIR/$1"
	cat >"$DIR/$1/nginx.conf" <<CONF
load_module $MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $DIR/$1/nginx.pid;
error_log $DIR/$1/error.log;
events { worker_connections 64; }
rtmp { access_log $DIR/$1/access.log; server { listen 127.0.0.1:$2; application live { live on; } } }
CONF
	nginx -c "$DIR/$1/nginx.conf" -p "$DIR/$1" >"$DIR/$1/out" 2>&1 &
	pids+=($!)
}
heartbeat() { # name port: register every second, as SRS's heartbeat does
	while true; do
		curl -s -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$API/api/v1/srs/register" \
			-d "{\"device_id\":\"$1\",\"ip\":\"127.0.0.1\",\"server\":\"$1\",\"service\":\"svc\",\"pid\":\"1\",\"rtmp\":[\"127.0.0.1:$2\"]}" >/dev/null || true
		sleep 1
	done
}
publish() { # stream: one second of H.264 through the appliance
	timeout 30 ffmpeg -hide_banner -nostdin -loglevel error -re -f lavfi -i "testsrc=size=160x120:rate=15" -t 1 \
		-c:v libx264 -preset ultrafast -g 15 -f flv "rtmp://127.0.0.1:$RTMP/live/$1" >"$DIR/pub-$1.log" 2>&1
}
origin_of() { # stream -> origin name, from the System API
	curl -s "http://127.0.0.1:$API/api/v1/streams" | python3 -c "
import json, sys
for s in json.load(sys.stdin)['streams']:
    if s['stream'] == '__defaultVhost__/live/$1': print(s['origin'].split('-')[0])"
}

origin A $OA
origin B $OB
"$build/mediaplane" -- --tap-name=mp2o0 --tap-host-ip=198.18.65.1/24 --public-ip=198.18.65.2/24 \
	--public-gateway=198.18.65.1 --system-api-listen=127.0.0.1:$API --rtmp-listen=127.0.0.1:$RTMP \
	--api-listen=off --http-listen=off --idle-sleep-us=200 --max-sessions=4096 --origin-ttl=10s \
	--cli-socket=off >"$DIR/app.log" 2>&1 &
app=$!
wait_until 60 grep -q "running (pid" "$DIR/app.log" || fail "the appliance did not start"
# origin_alive NAME yes|no: the System API reports origin NAME alive (yes) or dead (no)
origin_alive() {
	local out
	out=$(curl -s "http://127.0.0.1:$API/api/v1/origins") || return 1
	if [ "$2" = yes ]; then [[ $out =~ \"key\":\"$1-svc-1\"[^}]*\"alive\":true ]]; else [[ $out =~ \"key\":\"$1-svc-1\"[^}]*\"alive\":false ]]; fi
}
heartbeat A $OA & hbA=$!
heartbeat B $OB & hbB=$!
wait_until 30 origin_alive A yes && wait_until 30 origin_alive B yes || fail "the origins did not register"

publish_all() { # streams...: in parallel, wait for them all
	local p=() s
	for s in "$@"; do publish "$s" & p+=($!); done
	for s in "${p[@]}"; do wait "$s" || true; done
}
publish_all s0 s1 s2 s3 s4 s5 s6 s7
publish_all s8 s9 s10 s11 s12 s13 s14 s15
a=0 b=0
for k in $(seq 0 15); do
	case "$(origin_of "s$k")" in A) a=$((a + 1)) ;; B) b=$((b + 1)) ;; *) fail "stream s$k has no origin" ;; esac
done
[ $a -ge 1 ] && [ $b -ge 1 ] || fail "16 streams did not spread: A $a, B $b"
pass "16 streams spread over both origins (A $a, B $b)"
[ "$(grep -c 'PUBLISH "live"' "$DIR/A/access.log")" = "$a" ] || fail "origin A saw $(grep -c PUBLISH "$DIR/A/access.log") publishes, expected $a"
pass "each origin received exactly the streams pinned to it"

first=$(origin_of s0)
publish s0
[ "$(origin_of s0)" = "$first" ] || fail "s0 moved from $first without reason"
pass "a stream sticks to its origin ($first)"

# Origin A stops its heartbeat: after the TTL it is dead, and nothing goes there any more.
kill $hbA; hbA=""
wait_until 60 origin_alive A no || fail "A not reported dead after its heartbeat stopped"
onA=""
for k in $(seq 0 15); do [ "$(origin_of "s$k")" = A ] && { onA=s$k; break; }; done
[ -n "$onA" ] || fail "no stream was on A"
publish "$onA"
[ "$(origin_of "$onA")" = B ] || fail "$onA stayed on dead origin A"
grep -q "re-pick" "$DIR/app.log" || fail "the re-pick was not logged"
pass "a stream pinned to the dead origin is re-picked to the live one, and logged"
publish_all s20 s21 s22 s23 s24 s25
for k in $(seq 20 25); do [ "$(origin_of "s$k")" = B ] || fail "new stream s$k went to the dead origin"; done
pass "after the TTL every new stream goes to the live origin"
origin_alive A no || fail "A not reported dead"
pass "the System API reports the dead origin"
kill -TERM $app; wait $app || fail "exit status"; app=""
echo "$passed passed, 0 failed"
