#!/usr/bin/env bash
# test_ipv6_ping.sh: a client on IPv6 finds the appliance by neighbour discovery and pings it: the
# data plane (net_af_packet port, public_ip6) answers the kernel's neighbour solicitation and its echo
# requests; an address that is not the appliance's gets no answer.
set -euo pipefail
TOPO_PREFIX=${TOPO_PREFIX:-mp-e2e-v6ping}
. "$(dirname "$0")/topo.sh"
CLIENT_IP6=2001:db8:1::1
PUBLIC_IP6=2001:db8:1::2

topo_up
netns_ip6 "$NS_C" c0 "$CLIENT_IP6/64"
appliance_start --public-ip6="$PUBLIC_IP6/64" || fail "start"
grep -q "IPv6 $PUBLIC_IP6/64" "$APPLIANCE_LOG" || fail "the start log names the IPv6 address"
pass "public port carries $PUBLIC_IP6/64"

ip netns exec "$NS_C" ping -6 -c 3 -i 0.2 -W 2 "$PUBLIC_IP6" >/dev/null || fail "client cannot ping6 the appliance"
pass "client resolves the appliance by NDP and pings it"
neigh=$(ip -n "$NS_C" -6 neigh show "$PUBLIC_IP6")
[[ $neigh == *lladdr* ]] || fail "no neighbour entry for the appliance: $neigh"
pass "the client's neighbour entry has the appliance's MAC"
if ip netns exec "$NS_C" ping -6 -c 1 -W 1 2001:db8:1::99 >/dev/null 2>&1; then fail "another address answered"; fi
pass "another address on the prefix gets no answer"

stats=$(curl -s "http://127.0.0.1:$(system_api_port)/api/v1/dataplane")
python3 - "$stats" <<'PY' || fail "counters: $stats"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
assert t["nd_advertisements"] >= 1, t
assert t["icmp_echo_replies"] >= 3, t
PY
pass "counters: neighbour advertisements and echo replies"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
