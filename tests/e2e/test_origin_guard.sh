#!/usr/bin/env bash
# test_origin_guard.sh: issue 11 items 3, 5, 6 and 8 against the real binary (Redis backend, listeners on
# 0.0.0.0): an origin naming the appliance's own listeners is refused at registration and ignored from
# Redis (update_at far ahead) while a co-located one on other ports registers; a request carrying our
# own Via gets 508 (another appliance's passes); an HTTP-FLV play and an RTMP publish looping back through
# a TCP forwarder stop at the second pass (one forwarded connection each); text/plain and form POSTs
# register nothing; ESC/CR LF/NUL names are refused and `show origins` stays clean; listings are paged;
# a flood of 10240 registrations from one source is rate-limited while a real origin from another
# source registers.
set -euo pipefail
. "$(dirname "$0")/lib/wait.sh"
. "$(dirname "$0")/lib/report.sh"
build=${MP_BUILD_DIR:?}
here=$(dirname "$0")
RTMP=13651 HTTP=13652 API=13653 SYS=13654 COLOC=13661 FWD_HTTP=13662 FWD_RTMP=13663 rport=13664
dir=$(mktemp -d /tmp/mp-test-guard.XXXXXX)
sock=$dir/cli.sock
pids=() app="" rpid=""
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$rpid" ] && kill -9 "$rpid" 2>/dev/null
	if [ -n "$app" ]; then kill -9 "$app" 2>/dev/null; rm -rf "/var/run/dpdk/mediaplane-$app"; fi
	rm -rf "$dir"
}
trap cleanup EXIT
FAIL_LOGS=("$dir/app.log")

# reg BODY [curl options...]: POST a registration; prints the status code then the body
reg() {
	local body=$1
	shift
	curl -s -m 5 -o "$dir/resp" -w '%{http_code}' -XPOST "$@" "http://127.0.0.1:$SYS/api/v1/srs/register" -d "$body" || true
	echo " $(cat "$dir/resp" 2>/dev/null)"
}
json_reg() { reg "$1" -H 'Content-Type: application/json'; }
metric() { curl -s -m 5 "http://127.0.0.1:$SYS/metrics" | awk -v k="mediaplane_$1_total" '$1 == k { print $2 }'; }
origins() { curl -s -m 5 "http://127.0.0.1:$SYS/api/v1/origins?limit=1000"; }

redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$dir/redis.log" 2>&1 &
rpid=$!
wait_until 30 sh -c "redis-cli -p $rport ping 2>/dev/null | grep -q PONG" || fail "redis-server did not start"
PROXY_LOAD_BALANCER_TYPE=redis PROXY_REDIS_HOST=127.0.0.1 PROXY_REDIS_PORT=$rport \
	"$build/mediaplane" -- --tap-name=mpog0 --tap-host-ip=198.18.66.1/24 --public-ip=198.18.66.2/24 \
	--public-gateway=198.18.66.1 --rtmp-listen=0.0.0.0:$RTMP --http-listen=0.0.0.0:$HTTP \
	--api-listen=0.0.0.0:$API --system-api-listen=0.0.0.0:$SYS --node-id=og-test --register-rate=20 \
	--idle-sleep-us=200 --max-sessions=65536 --cli-socket="$sock" >"$dir/app.log" 2>&1 &
app=$!
wait_until 60 grep -q "running (pid" "$dir/app.log" || fail "appliance did not start"
grep -q "Via: 1.1 mediaplane-og-test" "$dir/app.log" || fail "hop marker not announced"

# --- item 3a: self endpoints refused, co-located allowed
out=$(json_reg "{\"ip\":\"127.0.0.1\",\"server\":\"self\",\"service\":\"s\",\"pid\":\"1\",\"rtmp\":[\"127.0.0.1:$RTMP\"]}")
[[ $out == 400* && $out == *"rtmp[0] 127.0.0.1:$RTMP is this appliance's own listener"* ]] || fail "self rtmp: $out"
out=$(json_reg "{\"ip\":\"198.18.66.1\",\"server\":\"self\",\"service\":\"s\",\"pid\":\"2\",\"http\":[\"$HTTP\"]}")
[[ $out == 400* && $out == *"loop"* ]] || fail "self http on a host address: $out"
out=$(json_reg "{\"ip\":\"198.18.66.2\",\"server\":\"self\",\"service\":\"s\",\"pid\":\"3\",\"rtmp\":[\"1936\"],\"api\":[\"$API\"]}")
[[ $out == 400* && $out == *"api[0] 198.18.66.2:$API"* ]] || fail "self api on public_ip: $out"
out=$(json_reg "{\"ip\":\"127.0.0.1\",\"server\":\"coloc\",\"service\":\"s\",\"pid\":\"4\",\"api\":[\"127.0.0.1:$COLOC\"]}")
[[ $out == 200* ]] || fail "co-located origin on another port: $out"
o=$(origins)
[[ $o == *'"key":"coloc-s-4"'* && $o != *'"self-'* ]] || fail "origins after self registrations: $o"
[ "$(metric register_self)" = 3 ] || fail "register_self = $(metric register_self)"
pass "an origin on the appliance's own listeners is refused (127/8, host address, public_ip); one on another port registers"

# --- item 3a: the same injected through Redis (update_at far ahead), and a name with ESC
evil='{"ip":"127.0.0.1","device_id":"x","server_id":"evil","service_id":"s","pid":"1","rtmp":["127.0.0.1:'$RTMP'"],"http":["127.0.0.1:'$HTTP'"],"api":[],"srt":[],"rtc":[],"update_at":"2099-01-01T00:00:00.000Z"}'
esc=$(printf '{"ip":"198.18.9.8","device_id":"x","server_id":"esc\\u001b[2J","service_id":"s","pid":"1","rtmp":["1935"],"http":[],"api":[],"srt":[],"rtc":[],"update_at":"2099-01-01T00:00:00.000Z"}')
redis-cli -p $rport set srs-proxy-server:evil-s-1 "$evil" >/dev/null
redis-cli -p $rport set 'srs-proxy-server:esc-s-1' "$esc" >/dev/null
all=$(redis-cli -p $rport get srs-proxy-all-servers)
all=$(python3 -c 'import json,sys; a=json.loads(sys.argv[1] or "[]"); a+=["srs-proxy-server:evil-s-1","srs-proxy-server:esc-s-1"]; print(json.dumps(a))' "$all")
redis-cli -p $rport set srs-proxy-all-servers "$all" >/dev/null
ignored() { [ "$(metric origins_ignored)" -ge 2 ] 2>/dev/null; }
wait_until 60 ignored || fail "Redis origins not looked at: origins_ignored=$(metric origins_ignored)"
o=$(origins)
[[ $o != *'"evil-s-1"'* && $o != *esc* ]] || fail "a Redis origin naming the appliance (or with ESC) was recorded: $o"
[ "$(grep -c "ignored" "$dir/app.log")" -lt 10 ] || fail "ignored origins flood the log"
pass "an origin injected in Redis naming the appliance, or with ESC in its name, is ignored (counted, logged at most once a second)"

# --- item 6: no CORS-simple POST registers
good='{"ip":"198.18.9.7","server":"simple","service":"s","pid":"1","rtmp":["1935"]}'
out=$(reg "$good" -H 'Content-Type: text/plain'); [[ $out == 415* ]] || fail "text/plain: $out"
out=$(reg "$good" -H 'Content-Type: application/x-www-form-urlencoded'); [[ $out == 415* ]] || fail "form: $out"
out=$(reg "$good" -H 'Content-Type: multipart/form-data; boundary=x'); [[ $out == 415* ]] || fail "multipart: $out"
out=$(reg "$good" -H 'Content-Type:'); [[ $out == 415* ]] || fail "no type: $out"
[[ $(origins) != *simple* ]] || fail "a simple POST registered"
out=$(reg "$good" -H 'Content-Type: application/json; charset=utf-8'); [[ $out == 200* ]] || fail "json with charset: $out"
[ "$(metric register_bad_type)" = 4 ] || fail "register_bad_type = $(metric register_bad_type)"
pass "text/plain, form and untyped POSTs register nothing (415); application/json does"

# --- item 8: control characters in names
out=$(json_reg "$(printf '{"ip":"198.18.9.6","server":"srv\\u001b[31mred","service":"s","pid":"1"}')")
[[ $out == 400* && $out == *"field 'server' holds a control character"* ]] || fail "ESC: $out"
out=$(json_reg "$(printf '{"ip":"198.18.9.6","server":"s","service":"x\\r\\n2024 error forged","pid":"1"}')")
[[ $out == 400* && $out == *"field 'service' holds a control character"* ]] || fail "CRLF: $out"
out=$(json_reg "$(printf '{"ip":"198.18.9.6","server":"s","service":"s","pid":"1\\u0000hidden"}')")
[[ $out == 400* && $out == *NUL* ]] || fail "NUL: $out"
cli=$("$build/mediaplane-cli" -s "$sock" show origins) || fail "show origins"
[[ $cli == *coloc-s-4* ]] || fail "show origins: $cli"
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$cli"; then fail "control bytes in show origins"; fi
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$dir/app.log"; then fail "control bytes in the log"; fi
pass "ESC, CR LF and NUL in names are refused (400 with the field); show origins and the log hold no control byte"

# --- item 3b: Via with our own marker is a loop; another appliance's is not
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Via: 1.1 proxy, 1.1 mediaplane-og-test' "http://127.0.0.1:$HTTP/live/x.flv")
[ "$code" = 508 ] || fail "FLV with our Via: $code"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H 'Via: 1.1 mediaplane-other' "http://127.0.0.1:$HTTP/live/x.flv")
[ "$code" != 508 ] || fail "FLV with another appliance's Via was refused"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -XPOST -H 'Content-Type: application/sdp' \
	-H 'Via: 1.1 mediaplane-og-test' "http://127.0.0.1:$API/rtc/v1/whip/?app=live&stream=x" -d 'v=0')
[ "$code" = 508 ] || fail "WHIP with our Via: $code"
pass "a request carrying our own Via gets 508 Loop Detected (HTTP stream, HTTP API); another appliance's passes"

# --- item 3b: real loops through a forwarder the registration check cannot see
python3 "$here/origin_guard.py" forward $FWD_HTTP $HTTP "$dir/fwd_http" & pids+=($!)
python3 "$here/origin_guard.py" forward $FWD_RTMP $RTMP "$dir/fwd_rtmp" & pids+=($!)
# each forwarder is probed until it answers; its count after that is the baseline, a loop adds to it
probe() { bash -c "(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"; }
wait_until 60 probe $FWD_HTTP || fail "HTTP forwarder did not start"
wait_until 60 probe $FWD_RTMP || fail "RTMP forwarder did not start"
wait_until 60 test -s "$dir/fwd_http" -a -s "$dir/fwd_rtmp" || fail "forwarders count nothing"
sleep 0.2 # a probe still in the backlog is counted now, not during the loop
base_http=$(cat "$dir/fwd_http") base_rtmp=$(cat "$dir/fwd_rtmp")
out=$(json_reg "{\"ip\":\"127.0.0.1\",\"server\":\"fwd\",\"service\":\"s\",\"pid\":\"1\",\"rtmp\":[\"127.0.0.1:$FWD_RTMP\"],\"http\":[\"127.0.0.1:$FWD_HTTP\"]}")
[[ $out == 200* ]] || fail "forwarder origin: $out"
before=$(metric loops_refused)
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/live/loop.flv")
[ "$code" = 508 ] || fail "FLV play looping through a forwarder: $code"
[ "$(cat "$dir/fwd_http")" = $((base_http + 1)) ] || fail "the FLV loop went round $(($(cat "$dir/fwd_http") - base_http)) times"
timeout 30 ffmpeg -nostdin -loglevel error -re -f lavfi -i testsrc=size=160x120:rate=10 -t 5 -c:v libx264 \
	-f flv "rtmp://127.0.0.1:$RTMP/live/loop" >"$dir/ffmpeg.log" 2>&1 && fail "the RTMP publish through a loop succeeded"
[ "$(cat "$dir/fwd_rtmp")" = $((base_rtmp + 1)) ] || fail "the RTMP loop went round $(($(cat "$dir/fwd_rtmp") - base_rtmp)) times"
after=$(metric loops_refused)
[ "$after" -ge $((before + 2)) ] || fail "loops_refused $before -> $after"
rtmp_sessions=$(curl -s "http://127.0.0.1:$SYS/api/v1/rtmp" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["rtmp"]["sessions"]))')
[ "$rtmp_sessions" -le 2 ] || fail "$rtmp_sessions RTMP sessions left open"
pass "an HTTP-FLV play and an RTMP publish looping through a forwarder stop at the second pass (1 connection each, 508 / connect refused)"

# --- item 5: paged listings
for i in $(seq 1 12); do json_reg "{\"ip\":\"198.18.9.$i\",\"server\":\"page$i\",\"service\":\"s\",\"pid\":\"1\",\"rtmp\":[\"1935\"]}" >/dev/null; sleep 0.06; done
p1=$(curl -s "http://127.0.0.1:$SYS/api/v1/origins?limit=5")
read -r n1 total next < <(python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(len(o["origins"]), o["total"], o["next_cursor"])' "$p1")
[ "$n1" = 5 ] && [ "$total" -ge 14 ] && [ "$next" != None ] || fail "origins page 1: $p1"
p2=$(curl -s "http://127.0.0.1:$SYS/api/v1/origins?limit=5&cursor=$next")
python3 -c 'import json,sys; a=json.loads(sys.argv[1])["origins"]; b=json.loads(sys.argv[2])["origins"]; assert len(b)==5 and not {x["key"] for x in a} & {x["key"] for x in b}' "$p1" "$p2" || fail "origins page 2 overlaps: $p2"
for bad in 0 1001 -3 x; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SYS/api/v1/origins?limit=$bad")
	[ "$code" = 400 ] || fail "limit=$bad answered $code"
done
s=$(curl -s "http://127.0.0.1:$SYS/api/v1/sessions?limit=10")
[[ $s == *'"total":0'* && $s == *'"next_cursor":null'* && $s == *'"capacity":65536'* ]] || fail "sessions: $s"
s=$(curl -s "http://127.0.0.1:$SYS/api/v1/streams?limit=2"); [[ $s == *'"total":'* ]] || fail "streams: $s"
cli=$("$build/mediaplane-cli" -s "$sock" show origins 3) || fail "show origins 3"
[[ $cli == *"first 3 shown"* ]] || fail "show origins 3: $cli"
pass "origins, streams and sessions are paged (limit 1-1000, cursor, total from counters); the CLI takes a count"

# --- item 6: a registration flood from one source is rate-limited; a real origin from another registers
python3 "$here/origin_guard.py" flood $SYS 10240 127.0.0.1 >"$dir/flood" &
fpid=$!
sleep 0.5
out=$(reg '{"ip":"198.18.9.200","server":"real","service":"s","pid":"1","rtmp":["1935"]}' -H 'Content-Type: application/json' --interface 127.0.0.2)
[[ $out == 200* ]] || fail "the real origin from 127.0.0.2 during the flood: $out"
wait $fpid || fail "flood client"
ok=$(awk '$1 == 200 { print $2 }' "$dir/flood") limited=$(awk '$1 == 429 { print $2 }' "$dir/flood")
[ "${limited:-0}" -ge 9000 ] || fail "flood: $(cat "$dir/flood")"
total=$(curl -s "http://127.0.0.1:$SYS/api/v1/origins?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$total" -lt 2000 ] || fail "the flood filled the table: $total origins"
[[ $(origins) == *'"key":"real-s-1"'* ]] || fail "the real origin is missing"
[ "$(metric register_rate_limited)" -ge "${limited:-0}" ] || fail "register_rate_limited not counted"
pass "10240 registrations from one source: ${ok:-0} accepted, $limited refused 429 ($total origins in all); the real origin from another source registered"

echo "all $passed passed"
