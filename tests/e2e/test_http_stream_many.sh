#!/usr/bin/env bash
# test_http_stream_many.sh: 2000 concurrent HTTP-FLV players of one stream through the appliance, each with
# its own origin connection: every one gets a 200 and, all of them connected at once, every one receives
# 48 KB more after its first bytes; none is dropped. Prints when players connected, got their status
# line and their first bytes, and the appliance's CPU time and memory for the run.
# It waits for what must happen (with a generous deadline), not for a fixed moment: on a loaded machine
# the players' and the origin's Python event loops (4000 sockets between them) fall behind, so ramp-up
# and the origin's pace stretch (see the commit that made it so for the figures).
set -euo pipefail
. "$(dirname "$0")/stream_topo.sh"
SYS=13430
HTTP=13431
HTTP_O=13433
N=${MPF_PLAYERS:-2000}
MORE=$((8192 * 6)) # six seconds of this origin's stream, after each player's first bytes
DEADLINE=150
HERE=$(dirname "$0")/stream
# players_open N: the appliance relays N players now
players_open() {
	[ "$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stats"]["players"])')" = "$1" ]
}

st_up
# 2 KB every 0.25 s per player: 8 KB/s each, 16 MB/s in and out of the appliance for 2000 players
netns_bg "$NS_O" python3 "$HERE/many_origin.py" "$ORIGIN_IP" $HTTP_O 2048 0.25
ORIGIN_PID=$!
# every player comes from the one client address: no per-address cap (conn_max_per_ip) for this load
st_appliance_start $SYS $HTTP --conn-max-per-ip=0 || fail "start"
st_register $SYS "{\"ip\":\"$ORIGIN_IP\",\"server\":\"many\",\"service\":\"flv\",\"pid\":\"1\",\"http\":[\"$HTTP_O\"]}" || fail "register"
ticks() { awk '{print $14 + $15}' "/proc/$APPLIANCE_PID/stat"; }
t0=$(ticks)
s0=$SECONDS
res=$(ip netns exec "$NS_C" python3 "$HERE/many_players.py" "$APP_C_IP" $HTTP "$N" $MORE $DEADLINE)
t1=$(ticks)
stats=$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players")
rss=$(awk '/VmHWM/ {print $2}' "/proc/$APPLIANCE_PID/status")
echo "players: $res"
echo "appliance: $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) ms CPU over $((SECONDS - s0)) s, peak RSS ${rss} kB (with a 512 MB DPDK heap)"
python3 - "$res" "$stats" "$N" <<'PY' || fail "players: $res stats: $stats"
import json, sys
r, s, n = json.loads(sys.argv[1]), json.loads(sys.argv[2])["stats"], int(sys.argv[3])
print("appliance stats:", json.dumps(s))
assert r["ok200"] == n and not r["errors"], r
assert r["open_peak"] == n, r
assert r["received_more"] == n, r
assert s["players_peak"] >= n and s["slow_dropped"] == 0 and s["origin_failed"] == 0, s
PY
pass "$N concurrent players all got 200 and each received $MORE bytes after its first; none dropped"

# The origin dies under 50 players: every relay ends (this origin's bodies end at close, so that is
# a normal end in HTTP terms) and the next player gets 502 with the reason.
ip netns exec "$NS_C" python3 "$HERE/many_players.py" "$APP_C_IP" $HTTP 50 $((1 << 40)) 60 >"$ST_DIR/cut.json" &
CUT=$!
wait_until 60 players_open 50 || fail "50 players did not open: $(curl -s "http://127.0.0.1:$SYS/api/v1/players")"
kill -9 "$ORIGIN_PID"
wait $CUT || true
body=$(ip netns exec "$NS_C" curl -s -m 5 -w ' %{http_code}' "http://$APP_C_IP:$HTTP/live/many.flv" || true)
stats=$(curl -sf -m 5 "http://127.0.0.1:$SYS/api/v1/players")
python3 - "$stats" "$body" <<'PY' || fail "origin death: $stats / $body"
import json, sys
s = json.loads(sys.argv[1])["stats"]
assert s["players"] == 0 and s["origin_failed"] == 1, s
assert sys.argv[2].endswith(" 502") and "refused" in sys.argv[2], sys.argv[2]
PY
pass "origin death: the 50 open relays end, the next player gets 502 with a reason ($body)"
# SIGTERM with 200 players open: every relay is closed and the appliance exits 0.
netns_bg "$NS_O" python3 "$HERE/many_origin.py" "$ORIGIN_IP" $HTTP_O 2048 0.25
origin_listens() { [ -n "$(ip netns exec "$NS_O" ss -Hltn "sport = :$HTTP_O")" ]; }
wait_until 60 origin_listens || fail "the origin did not come back"
# the refused connect marked it down until it registers again (as SRS's heartbeat does)
st_register $SYS "{\"ip\":\"$ORIGIN_IP\",\"server\":\"many\",\"service\":\"flv\",\"pid\":\"1\",\"http\":[\"$HTTP_O\"]}" ||
	fail "register again"
ip netns exec "$NS_C" python3 "$HERE/many_players.py" "$APP_C_IP" $HTTP 200 $((1 << 40)) 120 >"$ST_DIR/open.json" &
OPEN=$!
wait_until 60 players_open 200 || fail "200 players did not open: $(curl -s "http://127.0.0.1:$SYS/api/v1/players")"
appliance_stop || fail "exit status on SIGTERM with 200 players open"
wait $OPEN || true
pass "stops cleanly with 200 players open"
echo "$passed passed, 0 failed"
