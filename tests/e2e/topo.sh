# topo.sh: the end-to-end test topology (sourced by tests): a client and an origin network namespace,
# each joined by a veth pair to a DPDK net_af_packet port of the appliance, addresses from
# 198.18.0.0/15, and no route between client and origin, so media can only cross the appliance.
#
#   client ns mpc-$ID: c0 198.18.1.1/24 ──veth── mpc$ID (af_packet: appliance public 198.18.1.2)
#   origin ns mpo-$ID: o0 198.18.2.1/24 ──veth── mpo$ID (af_packet: appliance private 198.18.2.2)
#
# topo_up creates it; lib/netns.sh's EXIT trap removes namespaces, links, processes started with
# netns_bg and the appliance, even when a test fails.
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

TOPO_ID=${TOPO_ID:-$$}
TOPO_ID=$((TOPO_ID % 100000))
NS_C=mpc-$TOPO_ID
NS_O=mpo-$TOPO_ID
IF_C=mpc$TOPO_ID
IF_O=mpo$TOPO_ID
CLIENT_IP=198.18.1.1
PUBLIC_IP=198.18.1.2
ORIGIN_IP=198.18.2.1
PRIVATE_IP=198.18.2.2
TOPO_QPAIRS=${TOPO_QPAIRS:-1}
TOPO_PREFIX=${TOPO_PREFIX:-mp-e2e}
TOPO_API_PORT=${TOPO_API_PORT:-$((20000 + TOPO_ID % 10000))}
TOPO_EXC_TAP=${TOPO_EXC_TAP:-mpx$TOPO_ID}

topo_up() {
	netns_add "$NS_C"
	netns_add "$NS_O"
	# The root-namespace ends carry no address: they belong to the appliance (af_packet reads them).
	netns_veth "$IF_C" - "$NS_C" c0 "$CLIENT_IP/24"
	netns_veth "$IF_O" - "$NS_O" o0 "$ORIGIN_IP/24"
	for ifc in "$IF_C" "$IF_O"; do
		# veth computes checksums lazily; the frames af_packet reads must carry real ones.
		ethtool -K "$ifc" tx off rx off >/dev/null 2>&1 || true
		sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" || true
		# The host's own stack must not answer what arrives there, as it would for the appliance's
		# address once the exception path gives that address to a kernel TAP. Strict reverse-path
		# filtering drops it (the client's address routes through the TAP, not this end); no ARP here.
		sysctl -qw "net.ipv4.conf.$ifc.rp_filter=1" || true
		ip link set "$ifc" arp off
	done
	ip -n "$NS_C" route add default via "$PUBLIC_IP"
	ip netns exec "$NS_C" ethtool -K c0 tx off >/dev/null 2>&1 || true
	ip netns exec "$NS_O" ethtool -K o0 tx off >/dev/null 2>&1 || true
}

# appliance_start [extra mediaplane options...]: the appliance on the two af_packet ports.
# TOPO_QPAIRS (queues per port, default 1: give --workers=N with N queues), TOPO_PREFIX (EAL file
# prefix, default mp-e2e), TOPO_API_PORT (System API port) and TOPO_EXC_TAP (exception-path TAP
# name prefix) may be set by the test.
appliance_start() {
	appliance_run "$TOPO_PREFIX-$TOPO_ID" --vdev="net_af_packet0,iface=$IF_C,qpairs=$TOPO_QPAIRS" \
		--vdev="net_af_packet1,iface=$IF_O,qpairs=$TOPO_QPAIRS" -- \
		--public-port=net_af_packet0 --public-ip="$PUBLIC_IP/24" --public-gateway=0.0.0.0 \
		--private-port=net_af_packet1 --private-ip="$PRIVATE_IP/24" --exception-tap="$TOPO_EXC_TAP" \
		--system-api-listen=127.0.0.1:$TOPO_API_PORT --api-listen=off --http-listen=off --rtmp-listen=off \
		--idle-sleep-us=50 "$@"
}

system_api_port() { echo "$TOPO_API_PORT"; }
