# whip_topo.sh: topo.sh plus what the WHIP/WHEP tests need (sourced): management veths from the
# host (where the control plane's kernel sockets live) into each namespace, since TCP to the
# appliance's DPDK addresses has no exception path yet; names and ports of this suite (mph*,
# 13200-13299), and the appliance with the HTTP API on.
#
#   host mphm$ID 198.19.132.1/30 ──veth── origin ns m0 198.19.132.2/30 (the origin's HTTP API)
#   host mphk$ID 198.19.132.5/30 ──veth── client ns k0 198.19.132.6/30 (the client's signalling)
# Media still goes client 198.18.1.1 -> appliance 198.18.1.2:8000 -> origin 198.18.2.1, and the
# origin has no route to the client.

. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
NS_C=mphc-$TOPO_ID
NS_O=mpho-$TOPO_ID
IF_C=mphc$TOPO_ID
IF_O=mpho$TOPO_ID
IF_MO=mphm$TOPO_ID
IF_MC=mphk$TOPO_ID
MGMT_HOST_O=198.19.132.1
MGMT_ORIGIN=198.19.132.2
MGMT_HOST_C=198.19.132.5
MGMT_CLIENT=198.19.132.6
API_PORT=13201
SYS_PORT=13202
HTTPS_API_PORT=13209 # the HTTP API's TLS twin (test_whip_signalling)
ORIGIN_API_PORT=13210
WEBRTC_PORT=8000
MPH_PREFIX=mph-e2e-$TOPO_ID
PY=/usr/bin/python3 # Debian's python3-aiortc
ORIGIN_LOG=""
netns_at_exit '[ -z "$ORIGIN_LOG" ] || rm -f "$ORIGIN_LOG"'

# mph_names TAG NET HOST PORT: names, subnets, ports and EAL prefix of a test of its own instead of the
# ones above (this file's functions read them): namespaces TAGc-$ID and TAGo-$ID, their media links
# TAGc$ID and TAGo$ID, management links TAGm$ID (origin: NET.HOST+1 host, NET.HOST+2 origin) and
# TAGk$ID (client: NET.HOST+5 host, NET.HOST+6 client), HTTP API, System API and origin API ports PORT,
# PORT+1 and PORT+2, EAL prefix TAG-e2e-$ID.
mph_names() {
	local tag=$1 net=$2 host=$3 port=$4
	NS_C=${tag}c-$TOPO_ID
	NS_O=${tag}o-$TOPO_ID
	IF_C=${tag}c$TOPO_ID
	IF_O=${tag}o$TOPO_ID
	IF_MO=${tag}m$TOPO_ID
	IF_MC=${tag}k$TOPO_ID
	MGMT_HOST_O=$net.$((host + 1))
	MGMT_ORIGIN=$net.$((host + 2))
	MGMT_HOST_C=$net.$((host + 5))
	MGMT_CLIENT=$net.$((host + 6))
	API_PORT=$port
	SYS_PORT=$((port + 1))
	ORIGIN_API_PORT=$((port + 2))
	MPH_PREFIX=$tag-e2e-$TOPO_ID
}

mph_up() {
	topo_up
	netns_veth "$IF_MO" "$MGMT_HOST_O/30" "$NS_O" m0 "$MGMT_ORIGIN/30"
	netns_veth "$IF_MC" "$MGMT_HOST_C/30" "$NS_C" k0 "$MGMT_CLIENT/30"
}

# mph_appliance_start [extra options]: the appliance on the two af_packet ports, HTTP API on.
mph_appliance_start() {
	appliance_run "$MPH_PREFIX" --vdev="net_af_packet0,iface=$IF_C" --vdev="net_af_packet1,iface=$IF_O" -- \
		--public-port=net_af_packet0 --public-ip="$PUBLIC_IP/24" --public-gateway=0.0.0.0 \
		--private-port=net_af_packet1 --private-ip="$PRIVATE_IP/24" \
		--system-api-listen=127.0.0.1:$SYS_PORT --api-listen=0.0.0.0:$API_PORT --http-listen=off --rtmp-listen=off \
		--webrtc-port=$WEBRTC_PORT --idle-sleep-us=50 --log-level=debug "$@"
}

origin_listens() { curl -s -m 2 -o /dev/null "http://$MGMT_ORIGIN:$ORIGIN_API_PORT/test/stats"; }

# mph_origin_start [options]: the aiortc origin in the origin namespace; waits until it listens.
mph_origin_start() {
	[ -z "$ORIGIN_LOG" ] || rm -f "$ORIGIN_LOG"
	ORIGIN_LOG=$(mktemp /tmp/mph-origin.XXXXXX)
	FAIL_LOGS+=("$ORIGIN_LOG") # the test's fail prints its tail
	netns_bg "$NS_O" "$PY" "$(dirname "$0")/whip_origin.py" --listen "0.0.0.0:$ORIGIN_API_PORT" \
		--media-ip "$ORIGIN_IP" "$@" 2>"$ORIGIN_LOG"
	wait_until 60 origin_listens && return 0
	echo "origin did not start:"
	cat "$ORIGIN_LOG"
	return 1
}

# mph_origin_stop: stop the origin started last.
mph_origin_stop() {
	local pid=${NETNS_PIDS[-1]}
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# mph_register: the origin registers through the System API (api on the management address, rtc on
# the media address). With MPH_TOKEN set, as the bearer token.
mph_register() {
	curl -s -f -X POST -H 'Content-Type: application/json' ${MPH_TOKEN:+-H "Authorization: Bearer $MPH_TOKEN"} "http://127.0.0.1:$SYS_PORT/api/v1/srs/register" -d "{\"device_id\":\"t\",\"ip\":\"$ORIGIN_IP\",
		\"server\":\"vid-origin\",\"service\":\"svc1\",\"pid\":\"4242\",\"rtmp\":[\"1935\"],
		\"api\":[\"$MGMT_ORIGIN:$ORIGIN_API_PORT\"],\"rtc\":[\"udp://$ORIGIN_IP:${1:-8000}\"]}" >/dev/null
}
