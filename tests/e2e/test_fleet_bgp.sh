#!/usr/bin/env bash
# test_fleet_bgp.sh: issue 14 item 3 — one service address for the fleet. Two appliances announce the same
# /32 over BGP (BIRD on each exception TAP's kernel side, BFD) to a router namespace (BIRD, ECMP); the
# router's table holds both next hops, the client reaches the service address through both appliances
# (echo, SRT INDUCTIONs answered from it, TCP through the exception path), and the announcement goes
# away on drain (System API), when the workers stop (CLI stop), when the appliance hangs (SIGSTOP), on
# SIGTERM and on kill -9 — each time measured and printed.
set -euo pipefail
. "$(dirname "$0")/fleet_topo.sh"

FAIL_LOGS+=("$FLEET_WORK/a.log" "$FLEET_WORK/b.log")
fail_more() {
	for x in a b router; do echo "--- BIRD $x"; birdc_in $x show protocols all || true; done
	echo "--- router"; ip -n "$NS_R" route || true
}
# measure WHAT EXPECTED: wait (60 s at most) until the router's next hops are EXPECTED; print the time
# since $t0 (ms) as a figure for docs/fleet.md.
measure() {
	wait_until 60 nexthops_are "$2" || fail "$1: router next hops '$(router_nexthops)', expected '$2'"
	echo "figure: $1: $(($(now_ms) - t0)) ms"
}
both="${FLEET_IP[a]} ${FLEET_IP[b]}"

fleet_up || fail "topology"
fleet_appliance a || fail "appliance a"
fleet_appliance b || fail "appliance b"
wait_until 90 nexthops_are "$both" || fail "no ECMP route to $FLEET_VIP: '$(router_nexthops)'"
ip -n "$NS_R" -4 route show "$FLEET_VIP/32"
pass "both appliances announce $FLEET_VIP; the router holds an ECMP route over both"

out=$(fleet_api a http://127.0.0.1:12025/api/v1/health) || fail "health a: $out"
[[ $out == *'"state":"up"'* && $out == *'"announced":true'* ]] || fail "health a: $out"
ip netns exec "$NS_CL" ping -c 3 -i 0.2 -W 2 "$FLEET_VIP" >/dev/null || fail "ping $FLEET_VIP from the client"
# SRT INDUCTIONs to the service address from 32 source ports are answered by the data plane from
# that address (connected sockets: a datagram from any other source is not received), and ECMP
# spreads those flows over both appliances (each counts some).
out=$(ip netns exec "$NS_CL" env PYTHONPATH="$(dirname "$0")" python3 -c '
import socket, sys
import srt_flood
ind, _ = srt_flood.pcap_handshakes(sys.argv[1])
answered = 0
for port in range(40001, 40033):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    s.connect((sys.argv[2], 10080))
    s.settimeout(0.5)
    for _ in range(10):
        s.send(srt_flood.with_ids(ind, port, 0))
        try:
            b = s.recv(2000)
        except socket.timeout:
            continue
        if srt_flood.hs_type(b) == srt_flood.INDUCTION:
            answered += 1
            break
    s.close()
print("answered %d of 32" % answered)' "$MP_TEST_DATA/srt-ffmpeg-publish.pcap" "$FLEET_VIP") || fail "SRT INDUCTIONs: $out"
echo "$out"
[[ $out == "answered 32 of 32" ]] || fail "SRT INDUCTIONs to $FLEET_VIP not all answered from it: $out"
inductions() { fleet_api "$1" http://127.0.0.1:12025/api/v1/dataplane | python3 -c '
import json, sys
def find(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "srt_inductions":
                return v
            r = find(v)
            if r is not None:
                return r
    return None
print(int(find(json.load(sys.stdin)) or 0))'; }
ia=$(inductions a) ib=$(inductions b)
echo "SRT INDUCTIONs answered: appliance a $ia, appliance b $ib"
[ "$ia" -gt 0 ] && [ "$ib" -gt 0 ] || fail "ECMP did not spread the 32 flows over both appliances (a $ia, b $ib)"
# TCP to the service address goes through the exception path to the kernel, where the control plane
# listens (the System API here; RTMP, HTTP and WHIP the same way).
# (tried until it answers: on a loaded machine a BFD flap can withdraw the route for a moment)
vip_api() { out=$(ip netns exec "$NS_CL" curl -s -m 10 "http://$FLEET_VIP:12025/api/v1/versions") && [[ $out == *major* ]]; }
out=
wait_until 60 vip_api || fail "System API on $FLEET_VIP: '$out'"
pass "the client reaches the service address through both appliances (echo, SRT INDUCTIONs answered from it, TCP through the exception path)"

# Drain (System API): a withdrawal, then back.
t0=$(now_ms)
out=$(fleet_api a -X POST http://127.0.0.1:12025/api/v1/drain) || fail "drain a: $out"
measure "drain: route via a withdrawn" "${FLEET_IP[b]}"
code=$(fleet_api a -o /dev/null -w '%{http_code}' http://127.0.0.1:12025/api/v1/health) || true
[ "$code" = 503 ] || fail "health of a drained appliance answered $code, expected 503"
out=$(fleet_cli a show health) || fail "show health: $out"
[[ $out == *"reason"*"draining"* ]] || fail "show health: $out"
t0=$(now_ms)
fleet_api a -X DELETE http://127.0.0.1:12025/api/v1/drain >/dev/null || fail "undrain a"
measure "drain off: route via a back" "$both"
pass "drain withdraws the service address, drain off announces it again (health 503 meanwhile)"

# The workers stop (CLI stop): the health check withdraws the address, and BFD over the now silent
# exception path takes the session down at the router.
t0=$(now_ms)
out=$(fleet_cli a stop) && [[ $out == *"forwarding stopped"* ]] || fail "stop: $out"
measure "workers stopped: route via a withdrawn" "${FLEET_IP[b]}"
out=$(fleet_cli a show health) || fail "show health: $out"
[[ $out == *"workers stopped"* ]] || fail "show health after stop: $out"
t0=$(now_ms)
out=$(fleet_cli a start) && [[ $out == *"forwarding started"* ]] || fail "start: $out"
measure "workers started: route via a back" "$both"
pass "stopped workers withdraw the service address; started again, it comes back"

# The whole appliance hangs (SIGSTOP): nothing of it runs to withdraw anything; BFD over its silent
# exception path does. SIGCONT: it announces again.
t0=$(now_ms)
kill -STOP "${FLEET_PID[a]}"
measure "appliance hung (SIGSTOP): route via a withdrawn" "${FLEET_IP[b]}"
t0=$(now_ms)
kill -CONT "${FLEET_PID[a]}"
measure "appliance resumed (SIGCONT): route via a back" "$both"
pass "a hung appliance is withdrawn by BFD and comes back when it runs again"

# SIGTERM: withdrawn before the appliance goes; it exits cleanly.
t0=$(now_ms)
kill -TERM "${FLEET_PID[b]}"
measure "SIGTERM: route via b withdrawn" "${FLEET_IP[a]}"
rc=0
wait "${FLEET_PID[b]}" || rc=$?
[ "$rc" = 0 ] || fail "appliance b exited $rc after SIGTERM"
grep -q "fleet: stopping: service address $FLEET_VIP withdrawn" "$FLEET_WORK/b.log" || fail "no withdrawal logged by b"
pass "SIGTERM withdraws the service address first, then the appliance exits 0"
ip netns exec "$NS_CL" ping -c 2 -i 0.2 -W 2 "$FLEET_VIP" >/dev/null || fail "ping $FLEET_VIP through a alone"

# kill -9: nothing withdraws it but the TAP going away with the process and BFD at the router.
t0=$(now_ms)
kill -9 "${FLEET_PID[a]}"
measure "kill -9: route via a gone" ""
pass "kill -9 takes the route away (BFD)"
echo "PASS"
