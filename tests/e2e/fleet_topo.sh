# fleet_topo.sh: a two-appliance PoP for the fleet e2e tests (sourced; docs/fleet.md draws it): a router
# namespace running BIRD with ECMP, two appliance namespaces (each a mediaplane on an af_packet port
# with its exception TAP and a BIRD on that TAP's kernel side announcing the service address over BGP,
# BFD on), and a client namespace behind the router. Addresses from 198.18.0.0/15:
#
#   client ns mpfc-$ID  c0 198.18.12.2/24 ── rc0 198.18.12.1/24 ┐
#   appliance ns mpfa-$ID  fa (af_packet) 198.18.10.2/24 ── ra0 198.18.10.1/24 ├ router ns mpfr-$ID (BIRD, AS 65000,
#   appliance ns mpfb-$ID  fb (af_packet) 198.18.11.2/24 ── rb0 198.18.11.1/24 ┘  ECMP: merge paths, L4 hash)
#   service address 198.18.100.1/32: announced by both appliances (AS 65001), next hop their own address
#   origin ns mpfo-$ID  o0 198.18.13.2/24 ── ro0 198.18.13.1/24 (fleet_origin_up; appliances reach it
#                       through the router, from their own address)
#
# Everything is removed by lib/netns.sh's EXIT trap (namespaces, processes by PID, EAL runtime files).
#
# Set before sourcing: FLEET_TAG (namespace name prefix, default mpf) and FLEET_EAL_PREFIX (default
# mp-fleet) give a test names of its own; FLEET_NAT_SHARES="LO-HI LO-HI" (the NAT port shares of a
# and b, fleet_size = 2) makes the router send an origin's datagrams to the service address and a
# port of appliance X's share to X while X announces it, and by ECMP to the others once it does not
# (policy rules on the destination port, a kernel table per BGP peer: docs/fleet.md).
#
# The failover tests' steps (at the end): a Redis for the fleet, both appliances on it, which one carries
# the client's session, kill -9 of it, what reached the origin after, what the survivor took over.
. "$(dirname "${BASH_SOURCE[0]}")/lib/netns.sh"

FLEET_ID=$(($$ % 100000))
FLEET_TAG=${FLEET_TAG:-mpf}
FLEET_EAL_PREFIX=${FLEET_EAL_PREFIX:-mp-fleet}
FLEET_NAT_SHARES=${FLEET_NAT_SHARES:-}
NS_R=${FLEET_TAG}r-$FLEET_ID
NS_CL=${FLEET_TAG}c-$FLEET_ID
NS_OR=${FLEET_TAG}o-$FLEET_ID
FLEET_ORIGIN=198.18.13.2
FLEET_VIP=198.18.100.1
FLEET_WORK=$(mktemp -d /tmp/mp-fleet.XXXXXX)
netns_at_exit "rm -rf '$FLEET_WORK'"
declare -A FLEET_NS FLEET_IP FLEET_GW FLEET_PID FLEET_RIF
FLEET_NS=([a]=${FLEET_TAG}a-$FLEET_ID [b]=${FLEET_TAG}b-$FLEET_ID)
FLEET_IP=([a]=198.18.10.2 [b]=198.18.11.2)
FLEET_GW=([a]=198.18.10.1 [b]=198.18.11.1)
FLEET_RIF=([a]=ra0 [b]=rb0)

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# veth_between NS1 IF1 ADDR1 NS2 IF2 ADDR2 ("-": no address)
veth_between() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
	[ "$3" = - ] || ip -n "$1" addr add "$3" dev "$2"
	[ "$6" = - ] || ip -n "$4" addr add "$6" dev "$5"
	ip -n "$1" link set "$2" up
	ip -n "$4" link set "$5" up
}

birdc_in() { local n=$1; shift; birdc -s "$FLEET_WORK/$n.ctl" "$@"; }
# bird_start NS NAME: BIRD in NS with $FLEET_WORK/NAME.conf, its socket $FLEET_WORK/NAME.ctl; returns
# once it answers on that socket (1 if it does not within 20 s).
bird_start() {
	netns_bg "$1" bird -f -c "$FLEET_WORK/$2.conf" -s "$FLEET_WORK/$2.ctl" -P "$FLEET_WORK/$2.pid"
	wait_until 20 birdc_in "$2" show status >/dev/null 2>&1 || { echo "BIRD $2 did not start"; return 1; }
}

fleet_up() {
	local x
	netns_add "$NS_R"
	netns_add "$NS_CL"
	for x in a b; do netns_add "${FLEET_NS[$x]}"; done
	ip netns exec "$NS_R" sysctl -qw net.ipv4.ip_forward=1
	# ECMP by the 5-tuple: each client flow sticks to one appliance while both are up
	ip netns exec "$NS_R" sysctl -qw net.ipv4.fib_multipath_hash_policy=1
	veth_between "$NS_CL" c0 198.18.12.2/24 "$NS_R" rc0 198.18.12.1/24
	ip -n "$NS_CL" route add default via 198.18.12.1
	for x in a b; do
		veth_between "${FLEET_NS[$x]}" "f$x" - "$NS_R" "${FLEET_RIF[$x]}" "${FLEET_GW[$x]}/24"
		# The appliance's namespace must not answer what arrives on the af_packet end itself (its
		# address lives on the exception TAP there): strict rp_filter drops it, no ARP, no IPv6.
		ip netns exec "${FLEET_NS[$x]}" sh -c "ethtool -K f$x tx off rx off >/dev/null 2>&1; \
			sysctl -qw net.ipv6.conf.f$x.disable_ipv6=1 net.ipv4.conf.f$x.rp_filter=1"
		ip -n "${FLEET_NS[$x]}" link set "f$x" arp off
		ip netns exec "$NS_R" ethtool -K "${FLEET_RIF[$x]}" tx off >/dev/null 2>&1 || true
	done
	ip netns exec "$NS_CL" ethtool -K c0 tx off >/dev/null 2>&1 || true
	if [ -n "$FLEET_NAT_SHARES" ]; then
		fleet_router_shares
		bird_start "$NS_R" router
		return
	fi
	cat >"$FLEET_WORK/router.conf" <<-EOF
		router id 198.18.12.1;
		protocol device { scan time 1; }
		protocol kernel { ipv4 { import none; export all; }; merge paths on; }
		protocol bfd { interface "r*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
		template bgp appliance {
			local as 65000; hold time 3; keepalive time 1; bfd on;
			connect delay time 1; connect retry time 1; error wait time 1, 2;
			ipv4 { import all; export none; };
		}
		protocol bgp a from appliance { neighbor ${FLEET_IP[a]} as 65001; }
		protocol bgp b from appliance { neighbor ${FLEET_IP[b]} as 65001; }
	EOF
	bird_start "$NS_R" router
}

# The router of FLEET_NAT_SHARES: each BGP peer's routes in a table of their own (ta, tb), exported to
# kernel tables 101 and 102 and piped into the main table (merged there into the ECMP route); a rule
# per share looks UDP to the service address on the share's ports up in its appliance's table first.
# While that appliance announces the address its table has the route; when it stops (BFD, withdrawal)
# the table is empty and the lookup goes on to the main table: the appliances still announcing.
fleet_router_shares() {
	local shares=($FLEET_NAT_SHARES)
	cat >"$FLEET_WORK/router.conf" <<-EOF
		router id 198.18.12.1;
		ipv4 table ta;
		ipv4 table tb;
		protocol device { scan time 1; }
		protocol kernel { ipv4 { import none; export all; }; merge paths on; }
		protocol kernel ka { ipv4 { table ta; import none; export all; }; kernel table 101; }
		protocol kernel kb { ipv4 { table tb; import none; export all; }; kernel table 102; }
		protocol pipe pa { table ta; peer table master4; import none; export all; }
		protocol pipe pb { table tb; peer table master4; import none; export all; }
		protocol bfd { interface "r*" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
		template bgp appliance {
			local as 65000; hold time 3; keepalive time 1; bfd on;
			connect delay time 1; connect retry time 1; error wait time 1, 2;
		}
		protocol bgp a from appliance { neighbor ${FLEET_IP[a]} as 65001; ipv4 { table ta; import all; export none; }; }
		protocol bgp b from appliance { neighbor ${FLEET_IP[b]} as 65001; ipv4 { table tb; import all; export none; }; }
	EOF
	ip -n "$NS_R" rule add pref 100 to "$FLEET_VIP/32" ipproto udp dport "${shares[0]}" lookup 101
	ip -n "$NS_R" rule add pref 101 to "$FLEET_VIP/32" ipproto udp dport "${shares[1]}" lookup 102
}

# fleet_origin_up: the origin namespace behind the router.
fleet_origin_up() {
	netns_add "$NS_OR"
	veth_between "$NS_OR" o0 "$FLEET_ORIGIN/24" "$NS_R" ro0 198.18.13.1/24
	ip -n "$NS_OR" route add default via 198.18.13.1
	ip netns exec "$NS_OR" ethtool -K o0 tx off >/dev/null 2>&1 || true
}

# fleet_appliance X [mediaplane options...]: appliance X (a or b) in its namespace, then its BIRD on the
# exception TAP's kernel side. Its worker-stall limit is 5 s, not the default 1 s: on a loaded test machine
# a worker lcore can wait over a second for a CPU, and a withdrawal then is not what these tests check. Returns when both run; its PID is ${FLEET_PID[X]}, its log $FLEET_WORK/X.log.
fleet_appliance() {
	local x=$1 ns=${FLEET_NS[$1]} end=$((SECONDS + 60))
	shift
	NETNS_PREFIXES+=("$FLEET_EAL_PREFIX-$x-$FLEET_ID")
	netns_bg "$ns" "${MP_BUILD_DIR:?}/mediaplane" --file-prefix="$FLEET_EAL_PREFIX-$x-$FLEET_ID" \
		--vdev="net_af_packet0,iface=f$x" -- --public-port=net_af_packet0 --public-ip="${FLEET_IP[$x]}/24" \
		--public-gateway="${FLEET_GW[$x]}" --service-ip="$FLEET_VIP" --exception-path=on --exception-tap=mpx \
		--system-api-listen=0.0.0.0:12025 --api-listen=off --http-listen=off --rtmp-listen=off \
		--cli-socket="$FLEET_WORK/$x.cli" --idle-sleep-us=50 --worker-stall-timeout=5s "$@" >"$FLEET_WORK/$x.log" 2>&1
	FLEET_PID[$x]=$!
	until grep -q "running (pid" "$FLEET_WORK/$x.log"; do
		if ! kill -0 "${FLEET_PID[$x]}" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
			echo "appliance $x did not start:"
			cat "$FLEET_WORK/$x.log"
			return 1
		fi
		sleep 0.1
	done
	ip -n "$ns" route add default via "${FLEET_GW[$x]}" dev mpx0
	cat >"$FLEET_WORK/$x.conf" <<-EOF
		router id ${FLEET_IP[$x]};
		protocol device { scan time 1; }
		# what the appliance puts on its exception TAP while healthy (app/fleet_health.c)
		protocol direct service { ipv4; interface "mpx0"; }
		protocol bfd { interface "mpx0" { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; }; }
		protocol bgp uplink {
			local ${FLEET_IP[$x]} as 65001; neighbor ${FLEET_GW[$x]} as 65000;
			hold time 3; keepalive time 1; bfd on;
			connect delay time 1; connect retry time 1; error wait time 1, 2;
			ipv4 { import none; export where net = $FLEET_VIP/32; next hop self; };
		}
	EOF
	bird_start "$ns" "$x"
}

fleet_cli() { local x=$1; shift; "$MP_BUILD_DIR/mediaplane-cli" -s "$FLEET_WORK/$x.cli" "$@"; }
fleet_api() { local x=$1; shift; ip netns exec "${FLEET_NS[$x]}" curl -s -m 5 "$@"; }

# The router's next hops for the service address, sorted, space-separated ("" when it has no route).
router_nexthops() {
	ip -n "$NS_R" -4 route show "$FLEET_VIP/32" | grep -o 'via [0-9.]*' | cut -d' ' -f2 | sort | tr '\n' ' ' |
		sed 's/ $//'
}
nexthops_are() { [ "$(router_nexthops)" = "$1" ]; }

# fleet_redis_up PORT: redis-server for the fleet in the origin namespace on FLEET_ORIGIN:PORT (log
# $FLEET_WORK/redis.log); rcli runs redis-cli against it. Calls the test's fail if it does not answer.
fleet_redis_up() {
	FLEET_RPORT=$1
	netns_bg "$NS_OR" redis-server --port "$FLEET_RPORT" --bind "$FLEET_ORIGIN" --protected-mode no --save '' \
		--appendonly no --daemonize no >"$FLEET_WORK/redis.log" 2>&1
	wait_until 30 fleet_redis_answers || fail "redis-server did not start"
}
rcli() { ip netns exec "$NS_OR" redis-cli -h "$FLEET_ORIGIN" -p "$FLEET_RPORT" "$@"; }
fleet_redis_answers() { [ "$(rcli ping 2>/dev/null)" = PONG ]; }

# fleet_appliances_on_redis [mediaplane options...]: appliances a and b, a fleet of 2 on fleet_redis_up's
# Redis; returns once each has reached it. Calls the test's fail otherwise.
fleet_appliances_on_redis() {
	local x i=0
	for x in a b; do
		fleet_appliance "$x" --lb-type=redis --redis-host="$FLEET_ORIGIN" --redis-port="$FLEET_RPORT" \
			--fleet-size=2 --fleet-index=$((i++)) "$@" || fail "appliance $x"
	done
	for x in a b; do
		# The appliance's first connect to Redis precedes its kernel route (through its exception TAP).
		wait_until 60 fleet_redis_seen "$x" || fail "appliance $x did not reach Redis"
	done
}
fleet_redis_seen() { grep -qE "lb redis: (connected to|.* back after)" "$FLEET_WORK/$1.log"; }

# fleet_carrier KIND: the appliance holding the client's (198.18.12.2) session of KIND (srt, webrtc) in
# $carrier, the other one in $other, its /api/v1/sessions answer in $sess; 1 when neither holds one.
fleet_carrier() {
	local x j
	for x in a b; do
		j=$(fleet_api "$x" "http://127.0.0.1:12025/api/v1/sessions?kind=$1") || true
		if [[ $j == *198.18.12.2* ]]; then
			carrier=$x sess=$j other=a
			[ "$x" = a ] && other=b
			return 0
		fi
	done
	return 1
}

# fleet_kill_carrier: kill -9 of appliance $carrier at $t_kill (ns since the epoch; $t0 in ms); returns
# once the router's route to the service address is through $other alone, printing how long that took.
fleet_kill_carrier() {
	t_kill=$(date +%s%N)
	kill -9 "${FLEET_PID[$carrier]}"
	t0=$(now_ms)
	wait_until 60 nexthops_are "${FLEET_IP[$other]}" || fail "route via $carrier not withdrawn"
	echo "figure: kill -9 of $carrier: route withdrawn after $(($(now_ms) - t0)) ms"
}

# fleet_srt_resumed: a datagram that fleet_seq.py ($SEQ) sent after the kill is in the origin's recording
# $ts_file.
fleet_srt_resumed() { [ "$(python3 "$SEQ" last "$ts_file" 2>/dev/null || echo 0)" -gt "$t_kill" ]; }

# fleet_srt_count: stop the numbered sender ($sender), then count at the origin what arrived after the kill
# ($sum, fleet_seq.py's summary) and the SRT connections it accepted ($conns); prints both.
fleet_srt_count() {
	kill -TERM "$sender"
	sleep 1
	sum=$(python3 "$SEQ" count "$ts_file" "$t_kill")
	conns=$(grep -c "^accepted" "$FLEET_WORK/origin.out" || true)
	echo "figure: at the origin: $sum, SRT connections accepted: $conns"
}

# fleet_survivor_took_one_over: appliance $other's health counts one session taken over (fail otherwise);
# prints it and its BGP session as the router sees it.
fleet_survivor_took_one_over() {
	local h
	h=$(fleet_api "$other" http://127.0.0.1:12025/api/v1/health)
	[[ $h == *'"taken_over":1,'* ]] || fail "appliance $other's health does not count one session taken over: $h"
	echo "survivor's /api/v1/health: $h"
	# A BGP session of the survivor that went down after the kill (BFD under load) shows as a later "since".
	echo "router: $(birdc_in router show protocols "$other" | grep BGP | tr -s ' ') (kill at $(date -u -d @$((t_kill / 1000000000)) +%T))"
}
