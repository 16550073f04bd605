#!/usr/bin/env bash
# test_two_ports.sh: the appliance on two net_af_packet ports (client side and origin side, veth pairs
# into network namespaces) answers ARP and ping on each of its addresses, and the client has no path
# to the origin except through the appliance.
set -euo pipefail
. "$(dirname "$0")/topo.sh"

topo_up
appliance_start || fail "start"
grep -q "port 0 (net_af_packet0): public 198.18.1.2/24" "$APPLIANCE_LOG" || fail "public port line"
grep -q "port 1 (net_af_packet1): private 198.18.2.2/24" "$APPLIANCE_LOG" || fail "private port line"
pass "two ports configured"

ip netns exec "$NS_C" ping -c 3 -i 0.2 -W 2 "$PUBLIC_IP" >/dev/null || fail "client cannot ping the public address"
pass "client pings 198.18.1.2 through af_packet"
ip netns exec "$NS_O" ping -c 3 -i 0.2 -W 2 "$PRIVATE_IP" >/dev/null || fail "origin cannot ping the private address"
pass "origin pings 198.18.2.2"
if ip netns exec "$NS_C" ping -c 1 -W 1 "$ORIGIN_IP" >/dev/null 2>&1; then fail "client reached the origin directly"; fi
pass "no path from client to origin except the appliance"
ip netns exec "$NS_C" ping -c 1 -W 1 "$PRIVATE_IP" >/dev/null 2>&1 && fail "the private address answered on the public port"
pass "each address answers only on its own port"

stats=$(curl -s "http://127.0.0.1:$(system_api_port)/api/v1/dataplane")
python3 - "$stats" <<'PY' || fail "counters: $stats"
import json, sys
t = json.loads(sys.argv[1])["data"]["total"]
assert t["icmp_echo_replies"] >= 6, t
assert t["arp_replies"] >= 2, t
assert t["drop_reasons"]["not_us"] >= 1, t
PY
pass "counters: echo replies, ARP replies and not_us drops"
appliance_stop || fail "exit status on SIGTERM"
pass "stops cleanly"
echo "$passed passed, 0 failed"
