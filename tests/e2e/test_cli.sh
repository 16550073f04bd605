#!/usr/bin/env bash
# test_cli.sh: the operator CLI: a command file at start, commands over the Unix socket with
# mediaplane-cli (exit status per command, --json, --help without an appliance, discovery skipping a
# stale socket), log levels at run time, reload, and the interactive prompt on stdin with quit — all
# through the one cmdline grammar.
set -euo pipefail
. "$(dirname "$0")/lib/wait.sh"
. "$(dirname "$0")/lib/report.sh"
build=${MP_BUILD_DIR:?}
log=$(mktemp /tmp/mp-test-cli.XXXXXX) cmds=$(mktemp /tmp/mp-test-cli-cmds.XXXXXX) conf=$(mktemp /tmp/mp-test-cli-conf.XXXXXX)
stale=/var/run/dpdk/mp-cli-stale-$$ notify=/tmp/mp-test-cli-notify-$$ notes=$(mktemp /tmp/mp-test-cli-notes.XXXXXX)
npid=""
sock=/tmp/mp-test-cli-$$.sock
pid=""
cleanup() {
	if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; rm -rf "/var/run/dpdk/mediaplane-$pid"; fi
	if [ -n "$npid" ]; then kill "$npid" 2>/dev/null || true; fi
	rm -f "$log" "$cmds" "$sock" "$conf" "$notify" "$notes"
	rm -rf "$stale"
}
trap cleanup EXIT
FAIL_LOGS=("$log")
opts=(--tap-name=mpcli1 --tap-host-ip=198.18.62.1/24 --public-ip=198.18.62.2/24 --public-gateway=198.18.62.1
	--system-api-listen=127.0.0.1:12625 --api-listen=off --http-listen=off --rtmp-listen=off --idle-sleep-us=200)

out=$("$build/mediaplane-cli" --help) || fail "--help exit status"
[[ $out == *"usage: mediaplane-cli"* && $out == *"--json"* ]] || fail "--help: $out"
pass "mediaplane-cli --help is answered locally"

printf 'origin_ttl = 300s\nlog_level = info\n' >"$conf"
printf 'origin add edge1 198.18.2.1 rtmp=1935 srt=udp://10080\n# a comment\norigin drain edge1-cli-0 on\n' >"$cmds"
# systemd's notify socket (Type=notify): what the appliance sends there, one datagram a line.
python3 -u -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])
while True: print(s.recv(4096).decode().replace("\n", " "), flush=True)' "$notify" >"$notes" &
npid=$!
wait_until 10 test -S "$notify" || fail "notify socket"
NOTIFY_SOCKET=$notify "$build/mediaplane" -- -c "$conf" "${opts[@]}" --cli-socket="$sock" --cmdline-file="$cmds" >"$log" 2>&1 &
pid=$!
started() { grep -q "origin edge1-cli-0 added" "$log" || ! kill -0 "$pid" 2>/dev/null; }
wait_until 60 started || true
grep -q "origin edge1-cli-0 added" "$log" || fail "command file did not run"
pass "command file runs at start"
ready() { grep -q "^READY=1 STATUS=running" "$notes"; }
wait_until 30 ready || fail "no READY=1 on \$NOTIFY_SOCKET: $(cat "$notes")"
pass "systemd notify: READY=1 once up"

out=$("$build/mediaplane-cli" -s "$sock" show origins) || fail "show origins exit status"
grep -q "edge1-cli-0 .*198.18.2.1 .*drain .*rtmp=198.18.2.1:1935 srt=198.18.2.1:10080" <<<"$out" || fail "show origins: $out"
pass "show origins over the socket"
cli() { "$build/mediaplane-cli" -s "$sock" "$@"; }
out=$(cli set origin weight 198.18.2.1:1935 0) && [[ $out == *"origin edge1-cli-0: weight 0 (drain"* ]] || fail "set weight by endpoint: $out"
out=$(cli show origins) && grep -q "edge1-cli-0 .*drain .* 0  *- " <<<"$out" || fail "show origins after weight 0: $out"
out=$(cli set origin weight 0 250) && [[ $out == *"origin edge1-cli-0: weight 250"* ]] || fail "set weight by id: $out"
if out=$(cli set origin weight nobody 5); then fail "weight of an unknown origin accepted"; fi
[[ $out == *"set origin weight nobody:"* ]] || fail "unknown origin message: $out"
if out=$(cli set origin weight 0 -1); then fail "a negative weight accepted"; fi
[[ $out == *"is not a weight 0-"* ]] || fail "bad weight message: $out"
pass "set origin weight by endpoint and id, refused for unknown origins and bad weights"
api=http://127.0.0.1:12625/api/v1/origins
out=$(curl -s -m 10 -X POST -d '{"weight":7}' "$api/edge1-cli-0/weight") && [[ $out == *'"code":0'*'"weight":7'* ]] || fail "System API weight: $out"
out=$(curl -s -m 10 "$api") && [[ $out == *'"weight":7'* ]] || fail "origins listing after weight 7: $out"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d '{"weight":7}' "$api/nobody/weight")
[ "$code" = 404 ] || fail "weight of an unknown origin: HTTP $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d '{"weight":-3}' "$api/0/weight")
[ "$code" = 400 ] || fail "negative weight: HTTP $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$api/0/weight")
[ "$code" = 405 ] || fail "GET on the weight route: HTTP $code"
pass "POST /api/v1/origins/<origin>/weight sets it (404 unknown, 400 bad body, 405 not POST)"
out=$("$build/mediaplane-cli" -s "$sock" show lcore stats) || fail "lcore stats"
grep -q "all lcores:" <<<"$out" || fail "lcore stats: $out"
out=$("$build/mediaplane-cli" -s "$sock" show port stats all) || fail "port stats"
grep -q "NIC statistics for port 0 (net_tap0)" <<<"$out" || fail "port stats: $out"
pass "lcore and port stats"
out=$("$build/mediaplane-cli" -s "$sock" stop) && [[ $out == *"forwarding stopped"* ]] || fail "stop: $out"
if "$build/mediaplane-cli" -s "$sock" stop >/dev/null; then fail "second stop succeeded"; fi
out=$("$build/mediaplane-cli" -s "$sock" start) && [[ $out == *"forwarding started"* ]] || fail "start: $out"
pass "stop and start forwarding, with an error for a repeated stop"
if out=$("$build/mediaplane-cli" -s "$sock" show sessions tcp); then fail "bad argument accepted"; fi
grep -q "'tcp' is not webrtc, srt or a count" <<<"$out" || fail "bad argument message: $out"
if "$build/mediaplane-cli" -s "$sock" frobnicate >/dev/null; then fail "unknown command accepted"; fi
pass "bad commands fail with a reason and exit status 1"
tel=$(echo /mediaplane/lb | dpdk-telemetry.py -f "mediaplane-$pid" 2>/dev/null | tail -1)
grep -q '"origins_entries": 1' <<<"$tel" || fail "telemetry /mediaplane/lb: $tel"
tel=$(echo /mediaplane/dataplane | dpdk-telemetry.py -f "mediaplane-$pid" 2>/dev/null | tail -1)
grep -q '"rx_packets"' <<<"$tel" || fail "telemetry /mediaplane/dataplane: $tel"
pass "DPDK telemetry commands /mediaplane/lb and /mediaplane/dataplane"
out=$("$build/mediaplane-cli" -s "$sock" --json show origins) || fail "--json show origins"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); o=d["data"]["origins"][0]
assert d["ok"] and o["key"]=="edge1-cli-0" and o["draining"] and o["endpoints"]["srt"]==["198.18.2.1:10080"], d' "$out" ||
	fail "--json show origins: $out"
out=$("$build/mediaplane-cli" -s "$sock" --json frobnicate) && fail "--json unknown command accepted"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert not d["ok"] and "unknown command" in d["error"], d' "$out" ||
	fail "--json error: $out"
out=$("$build/mediaplane-cli" -s "$sock" --json start) && fail "--json repeated start accepted"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert not d["ok"] and "already started" in d["error"], d' "$out" ||
	fail "--json start: $out"
pass "--json: structured data, and errors as JSON with exit status 1"

out=$("$build/mediaplane-cli" -s "$sock" set log level lb debug) || fail "set log level: $out"
out=$("$build/mediaplane-cli" -s "$sock" show log) || fail "show log"
grep -q "mediaplane.lb *debug" <<<"$out" && grep -q "mediaplane.dp *info" <<<"$out" || fail "show log: $out"
"$build/mediaplane-cli" -s "$sock" origin add dbg1 198.18.2.7 rtmp=1935 >/dev/null || fail "origin add dbg1"
"$build/mediaplane-cli" -s "$sock" origin del dbg1-cli-0 >/dev/null || fail "origin del dbg1"
if "$build/mediaplane-cli" -s "$sock" set log level lb loud >/dev/null; then fail "bad level accepted"; fi
pass "set log level MODULE LEVEL at run time (show log)"

# Discovery: a socket nobody answers (a killed appliance's) is skipped; ours is found.
mkdir -p "$stale"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$stale/cli.sock"
ln -sf "$sock" "/var/run/dpdk/mediaplane-$pid/cli.sock" 2>/dev/null || true
out=$("$build/mediaplane-cli" --list 2>&1) || true
[[ $out == *"$stale/cli.sock: stale"* ]] || fail "--list did not name the stale socket: $out"
[[ $out == *"/var/run/dpdk/mediaplane-$pid/cli.sock"* ]] || fail "--list did not find the running appliance: $out"
pass "discovery lists the running appliance and skips a stale socket"
# With two appliances answering, mediaplane-cli without -s names both and runs nothing.
other=/var/run/dpdk/mp-cli-other-$$
mkdir -p "$other"
python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
while True: s.accept()[0].close()' "$other/cli.sock" &
opid=$!
wait_until 10 test -S "$other/cli.sock" || fail "second socket"
if out=$("$build/mediaplane-cli" show origins 2>&1); then fail "ran with two appliances: $out"; fi
kill "$opid"; wait "$opid" 2>/dev/null || true; rm -rf "$other"
[[ $out == *"appliances run; choose one with -s"* && $out == *"$other/cli.sock"* &&
	$out == *"/var/run/dpdk/mediaplane-$pid/cli.sock"* ]] || fail "two appliances: $out"
pass "with several appliances, mediaplane-cli lists them and asks for -s"

# reload: a live key (origin_ttl) applied, one needing a restart (workers) named in one warning.
printf 'origin_ttl = 7s\nlog_level = info\nworkers = 2\n' >"$conf"
out=$("$build/mediaplane-cli" -s "$sock" reload) || fail "reload: $out"
[[ $out == *"applied origin_ttl"* && $out == *"applied only by a restart: workers"* ]] || fail "reload: $out"
out=$("$build/mediaplane-cli" -s "$sock" --json show config) || fail "show config"
python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; assert d["origin_ttl"] in ("7s", "7000ms"), d["origin_ttl"]; assert d["workers"]=="1", d["workers"]' "$out" ||
	fail "config after reload: $out"
grep -q "warn mediaplane.app: reload: changed but applied only by a restart: workers" "$log" || fail "no reload warning in the log"
printf 'origin_ttl = nonsense\n' >"$conf"
if out=$("$build/mediaplane-cli" -s "$sock" reload); then fail "bad config reload accepted"; fi
[[ $out == *"configuration unchanged"* ]] || fail "bad reload: $out"
printf 'origin_ttl = 9s\n' >"$conf"
kill -HUP "$pid"
reloaded() { grep -q "reload: origin_ttl = 9000ms (was 7000ms)" "$log"; }
wait_until 30 reloaded || fail "SIGHUP did not reload"
reready() { grep -q "^RELOADING=1" "$notes" && grep -q "configuration reloaded" "$notes"; }
wait_until 30 reready || fail "no RELOADING=1 / READY=1 on SIGHUP: $(cat "$notes")"
pass "reload (CLI and SIGHUP): live keys applied, the rest named, a bad file changes nothing; systemd told"

out=$("$build/mediaplane-cli" -s "$sock" origin del edge1-cli-0) && [[ $out == *removed* ]] || fail "origin del: $out"
out=$("$build/mediaplane-cli" -s "$sock" show origins) && [[ $out == *"0 origin(s)"* ]] || fail "origin still there: $out"
pass "origin del"
kill -TERM "$pid"; wait "$pid" || fail "exit status"; pid=""
[ -e "$sock" ] && fail "socket file left behind"
grep -q "^STOPPING=1" "$notes" || fail "no STOPPING=1: $(cat "$notes")"
pass "socket removed on stop"

printf 'origin add e2 198.18.2.9 rtc=udp://8000\nset origin weight e2-cli-0 0\nshow origins\nquit\n' |
	timeout 60 "$build/mediaplane" -- -i "${opts[@]}" >"$log" 2>&1 || fail "interactive exit status"
grep -q "mediaplane> " "$log" || fail "no prompt"
grep -q "e2-cli-0 .*rtc=198.18.2.9:8000" "$log" || fail "interactive show origins"
grep -q "origin e2-cli-0: weight 0 (drain" "$log" || fail "interactive set origin weight"
grep -q "stopped cleanly" "$log" || fail "quit did not stop cleanly"
pass "interactive prompt runs commands and quit stops the appliance"

# In a real terminal (tmux): TAB completes the command words, as in testpmd.
tmx=mpcli-$$
tmux new-session -d -s "$tmx" -x 160 -y 40 \
	"$build/mediaplane -- -i ${opts[*]} --cli-socket=off 2>/dev/null"
pane_has() { [[ $(tmux capture-pane -t "$tmx" -p) == *"$1"* ]]; }
wait_until 60 pane_has "mediaplane> " || true
tmux send-keys -t "$tmx" "sho" Tab "lc" Tab "st" Tab Enter
wait_until 30 pane_has "all lcores:" || true
pane=$(tmux capture-pane -t "$tmx" -p)
tmux send-keys -t "$tmx" "quit" Enter
for _ in $(seq 1 100); do tmux has-session -t "$tmx" 2>/dev/null || break; sleep 0.1; done
tmux kill-session -t "$tmx" 2>/dev/null || true
grep -q "mediaplane> show lcore stats" <<<"$pane" && grep -q "all lcores:" <<<"$pane" || fail "TAB completion: $pane"
pass "TAB completes command words at the interactive prompt (tmux)"

printf 'show origins\nnot a command\n' >"$cmds"
if "$build/mediaplane" -- "${opts[@]}" --cmdline-file="$cmds" >"$log" 2>&1; then fail "bad command file accepted"; fi
grep -q "command file $cmds:2: the command above failed" "$log" || fail "bad command file message"
pass "a failing command file stops start-up and names the line"
echo "$passed passed, 0 failed"
