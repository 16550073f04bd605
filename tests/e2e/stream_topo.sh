# stream_topo.sh: topology for the HTTP stream tests (sourced): the appliance's control plane runs on the
# root namespace's kernel stack, so players and origins sit in two namespaces joined to the root
# namespace by veth pairs (198.18.4.0/30 origin side, 198.18.4.4/30 client side). The client
# namespace has only its /30 route and the root namespace does not forward, so a player can reach
# the appliance but not the origin. The appliance's DPDK port is a TAP (mpf<ID>) on 198.18.4.128/30.
#
#   client ns mpf-c-$ID: c0 198.18.4.6 ──veth── mpfc$ID 198.18.4.5 (root: HTTP stream listener)
#   origin ns mpf-o-$ID: o0 198.18.4.2 ──veth── mpfo$ID 198.18.4.1 (root: the appliance's origin side)
#
# st_up creates it; lib/netns.sh's EXIT trap removes namespaces, links, processes started with
# netns_bg, the appliance and $ST_DIR, even when a test fails.
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

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
ST_DIR=$(mktemp -d /tmp/mpf-e2e.XXXXXX)
chmod 755 "$ST_DIR"
netns_at_exit 'rm -rf "$ST_DIR"'

st_up() {
	netns_add "$NS_C"
	netns_add "$NS_O"
	netns_veth "$IF_C" "$APP_C_IP/30" "$NS_C" c0 "$CLIENT_IP/30"
	netns_veth "$IF_O" "$APP_O_IP/30" "$NS_O" o0 "$ORIGIN_IP/30"
}

# st_appliance_start SYSAPI_PORT HTTP_PORT [mediaplane options...]
st_appliance_start() {
	local sys=$1 http=$2
	shift 2
	appliance_run "mpf-$ST_ID" --no-huge -m 512 -- \
		--tap-name="$TAP" --tap-host-ip=198.18.4.129/30 --public-ip=198.18.4.130/30 --public-gateway=0.0.0.0 \
		--system-api-listen="127.0.0.1:$sys" --api-listen=off --rtmp-listen=off --http-listen="0.0.0.0:$http" \
		--idle-sleep-us=1000 --max-sessions=4096 --max-streams=1024 --max-origins=64 "$@"
}

# st_register SYSAPI_PORT JSON: register an origin through the System API (expects code 0).
st_register() {
	local out
	out=$(curl -sf -m 5 -X POST -H 'Content-Type: application/json' "http://127.0.0.1:$1/api/v1/srs/register" -d "$2") && [[ $out == *'"code":0'* ]]
}
