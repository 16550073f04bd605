# topo.sh: the end-to-end test topology (sourced by tests): a client and an origin network namespace,
# each joined by a veth pair to a DPDK net_af_packet port of the appliance, addresses from
# 198.18.0.0/15, and no route between client and origin, so media can only cross the appliance.
#
#   client ns mpc-$ID: c0 198.18.1.1/24 ──veth── mpc$ID (af_packet: appliance public 198.18.1.2)
#   origin ns mpo-$ID: o0 198.18.2.1/24 ──veth── mpo$ID (af_packet: appliance private 198.18.2.2)
#
# topo_up creates it; topo_down (also run by the EXIT trap) removes namespaces, links, processes
# started with topo_bg and the appliance, even when a test fails.

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
TOPO_PIDS=()
APPLIANCE_PID=""
APPLIANCE_LOG=$(mktemp /tmp/mp-e2e-appliance.XXXXXX)

topo_up() {
	ip netns add "$NS_C"
	ip netns add "$NS_O"
	ip link add "$IF_C" type veth peer name c0 netns "$NS_C"
	ip link add "$IF_O" type veth peer name o0 netns "$NS_O"
	for ifc in "$IF_C" "$IF_O"; do
		ip link set "$ifc" up
		# veth computes checksums lazily; the frames af_packet reads must carry real ones.
		ethtool -K "$ifc" tx off rx off >/dev/null 2>&1 || true
		sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1" || true
		# These ends belong to the appliance (af_packet reads them): the host's own stack must not
		# answer what arrives there, as it would for the appliance's address once the exception
		# path gives that address to a kernel TAP. Strict reverse-path filtering drops it (the
		# client's address routes through the TAP, not this end); no ARP from the host here.
		sysctl -qw "net.ipv4.conf.$ifc.rp_filter=1" || true
		ip link set "$ifc" arp off
	done
	ip -n "$NS_C" addr add "$CLIENT_IP/24" dev c0
	ip -n "$NS_C" link set c0 up
	ip -n "$NS_C" link set lo up
	ip -n "$NS_C" route add default via "$PUBLIC_IP"
	ip netns exec "$NS_C" ethtool -K c0 tx off >/dev/null 2>&1 || true
	ip -n "$NS_O" addr add "$ORIGIN_IP/24" dev o0
	ip -n "$NS_O" link set o0 up
	ip -n "$NS_O" link set lo up
	ip netns exec "$NS_O" ethtool -K o0 tx off >/dev/null 2>&1 || true
}

# topo_bg NS CMD...: run CMD in namespace NS in the background, remembered for cleanup.
topo_bg() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	TOPO_PIDS+=($!)
}

# appliance_start [extra mediaplane options...]: the appliance on the two af_packet ports.
# TOPO_QPAIRS (queues per port, default 1: give --workers=N with N queues), TOPO_PREFIX (EAL file
# prefix, default mp-e2e), TOPO_API_PORT (System API port) and TOPO_EXC_TAP (exception-path TAP
# name prefix) may be set by the test.
appliance_start() {
	"${MP_BUILD_DIR:?}/mediaplane" --vdev="net_af_packet0,iface=$IF_C,qpairs=$TOPO_QPAIRS" \
		--vdev="net_af_packet1,iface=$IF_O,qpairs=$TOPO_QPAIRS" \
		--file-prefix="$TOPO_PREFIX-$TOPO_ID" -- \
		--public-port=net_af_packet0 --public-ip="$PUBLIC_IP/24" --public-gateway=0.0.0.0 \
		--private-port=net_af_packet1 --private-ip="$PRIVATE_IP/24" --exception-tap="$TOPO_EXC_TAP" \
		--system-api-listen=127.0.0.1:$TOPO_API_PORT --api-listen=off --http-listen=off --rtmp-listen=off \
		--idle-sleep-us=50 "$@" >"$APPLIANCE_LOG" 2>&1 &
	APPLIANCE_PID=$!
	for _ in $(seq 1 300); do
		grep -q "running (pid" "$APPLIANCE_LOG" && return 0
		kill -0 "$APPLIANCE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "appliance did not start:"
	cat "$APPLIANCE_LOG"
	return 1
}

system_api_port() { echo "$TOPO_API_PORT"; }

appliance_stop() {
	[ -n "$APPLIANCE_PID" ] || return 0
	kill -TERM "$APPLIANCE_PID" 2>/dev/null || true
	local rc=0
	wait "$APPLIANCE_PID" || rc=$?
	APPLIANCE_PID=""
	return $rc
}

topo_down() {
	local p
	for p in "${TOPO_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 0.2
	for p in "${TOPO_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$APPLIANCE_PID" ] && kill -9 "$APPLIANCE_PID" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_O" 2>/dev/null || true
	ip link del "$IF_C" 2>/dev/null || true
	ip link del "$IF_O" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$TOPO_PREFIX-$TOPO_ID"
	rm -f "$APPLIANCE_LOG"
}

trap topo_down EXIT
