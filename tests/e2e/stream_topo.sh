# stream_topo.sh: topology for the HTTP stream tests (sourced): the appliance's control plane runs on the
# root namespace's kernel stack, so players and origins sit in two namespaces joined to the root
# namespace by veth pairs (198.18.4.0/30 origin side, 198.18.4.4/30 client side). The client
# namespace has only its /30 route and the root namespace does not forward, so a player can reach
# the appliance but not the origin. The appliance's DPDK port is a TAP (mpf<ID>) on 198.18.4.128/30.
#
#   client ns mpf-c-$ID: c0 198.18.4.6 ──veth── mpfc$ID 198.18.4.5 (root: HTTP stream listener)
#   origin ns mpf-o-$ID: o0 198.18.4.2 ──veth── mpfo$ID 198.18.4.1 (root: the appliance's origin side)
#
# st_up creates it; st_down (the EXIT trap) removes namespaces, links, processes started with st_bg
# and the appliance, even when a test fails.

ST_ID=${ST_ID:-$$}
ST_ID=$((ST_ID % 10000))
NS_C=mpf-c-$ST_ID
NS_O=mpf-o-$ST_ID
IF_C=mpfc$ST_ID
IF_O=mpfo$ST_ID
TAP=mpf$ST_ID
APP_C_IP=198.18.4.5
CLIENT_IP=198.18.4.6
APP_O_IP=198.18.4.1
ORIGIN_IP=198.18.4.2
ST_PIDS=()
APPLIANCE_PID=""
ST_DIR=$(mktemp -d /tmp/mpf-e2e.XXXXXX)
chmod 755 "$ST_DIR"
APPLIANCE_LOG=$ST_DIR/appliance.log

st_up() {
	ip netns add "$NS_C"
	ip netns add "$NS_O"
	ip link add "$IF_C" type veth peer name c0 netns "$NS_C"
	ip link add "$IF_O" type veth peer name o0 netns "$NS_O"
	ip addr add "$APP_C_IP/30" dev "$IF_C"
	ip addr add "$APP_O_IP/30" dev "$IF_O"
	ip link set "$IF_C" up
	ip link set "$IF_O" up
	ip -n "$NS_C" addr add "$CLIENT_IP/30" dev c0
	ip -n "$NS_C" link set c0 up
	ip -n "$NS_C" link set lo up
	ip -n "$NS_O" addr add "$ORIGIN_IP/30" dev o0
	ip -n "$NS_O" link set o0 up
	ip -n "$NS_O" link set lo up
}

# st_bg NS CMD...: run CMD in namespace NS (or the root one for "-") in the background, for cleanup.
st_bg() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@" & else ip netns exec "$ns" "$@" & fi
	ST_PIDS+=($!)
}

# st_appliance_start SYSAPI_PORT HTTP_PORT [mediaplane options...]
st_appliance_start() {
	local sys=$1 http=$2
	shift 2
	"${MP_BUILD_DIR:?}/mediaplane" --no-huge -m 512 --file-prefix="mpf-$ST_ID" -- \
		--tap-name="$TAP" --tap-host-ip=198.18.4.129/30 --public-ip=198.18.4.130/30 --public-gateway=0.0.0.0 \
		--system-api-listen="127.0.0.1:$sys" --api-listen=off --rtmp-listen=off --http-listen="0.0.0.0:$http" \
		--idle-sleep-us=1000 --max-sessions=4096 --max-streams=1024 --max-origins=64 "$@" >"$APPLIANCE_LOG" 2>&1 &
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

st_appliance_stop() {
	[ -n "$APPLIANCE_PID" ] || return 0
	kill -TERM "$APPLIANCE_PID" 2>/dev/null || true
	local rc=0
	wait "$APPLIANCE_PID" || rc=$?
	APPLIANCE_PID=""
	return $rc
}

# st_register SYSAPI_PORT JSON: register an origin through the System API (expects code 0).
st_register() {
	curl -sf -m 5 -X POST "http://127.0.0.1:$1/api/v1/srs/register" -d "$2" | grep -q '"code":0'
}

st_down() {
	local p
	for p in "${ST_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in "${ST_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$APPLIANCE_PID" ] && kill -9 "$APPLIANCE_PID" 2>/dev/null
	ip netns pids "$NS_C" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns pids "$NS_O" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_O" 2>/dev/null || true
	ip link del "$IF_C" 2>/dev/null || true
	ip link del "$IF_O" 2>/dev/null || true
	rm -rf "/var/run/dpdk/mpf-$ST_ID"
	rm -rf "$ST_DIR"
}

trap st_down EXIT
