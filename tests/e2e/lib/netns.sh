# netns.sh: what every end-to-end namespace topology is made of (sourced by topo.sh, stream_topo.sh,
# whip_topo.sh and tests): network namespaces, veth pairs with addresses, processes in the background,
# the appliance with its own EAL file prefix, and one EXIT trap that removes all of it (processes by
# PID, namespaces, links, DPDK runtime files) even when a test fails. The tests' pass and fail are
# lib/report.sh's; netns_workdir makes their work directory.
. "$(dirname "${BASH_SOURCE[0]}")/wait.sh"
. "$(dirname "${BASH_SOURCE[0]}")/report.sh"

# Namespaces an earlier e2e run left behind when it was killed before its EXIT trap ran (SIGKILL by a
# test timeout): ours by name, nobody inside, older than two minutes. Their veth pairs go with them,
# so their subnets no longer collide with this run's (netns_veth refuses a routed subnet).
netns_sweep_stale() {
	local ns f mtime
	for f in /var/run/netns/mp*; do
		[ -e "$f" ] || continue
		ns=${f##*/}
		[[ $ns =~ ^mp[a-z]*-?[a-z]*-?[0-9]+$ ]] || continue
		[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || continue
		mtime=$(command stat -c %Y "$f" 2>/dev/null) || continue # its own run may delete it meanwhile
		[ $(($(date +%s) - mtime)) -gt 120 ] || continue
		echo "netns: removing $ns, left behind by an earlier run" >&2
		ip netns del "$ns" 2>/dev/null || true
	done
}
netns_sweep_stale

NETNS_LIST=()     # namespaces made by netns_add
NETNS_LINKS=()    # root-namespace ends of the veth pairs made by netns_veth
NETNS_PIDS=()     # processes started by netns_bg, last one last
NETNS_PREFIXES=() # EAL file prefixes of the appliances started by appliance_run
NETNS_AT_EXIT=()  # commands the test adds with netns_at_exit, run last
APPLIANCE_PID=""
APPLIANCE_LOG=$(mktemp /tmp/mp-e2e-appliance.XXXXXX)

# netns_add NS: a network namespace with its loopback up.
netns_add() {
	ip netns add "$1"
	NETNS_LIST+=("$1")
	ip -n "$1" link set lo up
}

# netns_veth HOSTIF HOSTADDR NS PEERIF [PEERADDR]: a veth pair, HOSTIF in the root namespace and PEERIF
# in NS, both up; addresses as ADDR/LEN ("-" or none: no address).
netns_veth() {
	local hif=$1 haddr=$2 ns=$3 pif=$4 paddr=${5:--}
	# a subnet another topology (a test still running, or one that left it behind) already routes
	# would take our replies: say so instead of failing later with timeouts
	if [ "$haddr" != - ] && [ -n "$(ip route show "$(python3 -c 'import ipaddress, sys
print(ipaddress.ip_interface(sys.argv[1]).network)' "$haddr")")" ]; then
		echo "netns_veth: $haddr is already routed here: $(ip route show match "$haddr")"
		return 1
	fi
	ip link add "$hif" type veth peer name "$pif" netns "$ns"
	NETNS_LINKS+=("$hif")
	[ "$haddr" = - ] || ip addr add "$haddr" dev "$hif"
	ip link set "$hif" up
	[ "$paddr" = - ] || ip -n "$ns" addr add "$paddr" dev "$pif"
	ip -n "$ns" link set "$pif" up
}

# netns_ip6 NS IF ADDR/LEN: IPv6 on link IF in namespace NS ("-": the root namespace): enabled, and
# the address without duplicate address detection (the tests' links are theirs alone).
netns_ip6() {
	local in=()
	[ "$1" = - ] || in=(ip netns exec "$1")
	"${in[@]}" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0"
	"${in[@]}" ip -6 addr add "$3" dev "$2" nodad
}

# netns_bg NS CMD...: CMD in namespace NS ("-": the root namespace) in the background, stopped at exit;
# its PID is in $! and ${NETNS_PIDS[-1]}.
netns_bg() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@" & else ip netns exec "$ns" "$@" & fi
	NETNS_PIDS+=($!)
}

# netns_at_exit COMMAND: run COMMAND (a string, evaluated then) at exit, after the processes are gone.
netns_at_exit() { NETNS_AT_EXIT+=("$1"); }

# netns_workdir NAME: a new directory /tmp/NAME.XXXXXX in $WORK, removed at exit.
netns_workdir() {
	WORK=$(mktemp -d "/tmp/$1.XXXXXX")
	netns_at_exit "rm -rf '$WORK'"
}

# appliance_run PREFIX ARGS...: the appliance with EAL file prefix PREFIX and ARGS (EAL options, --,
# mediaplane options), output in $APPLIANCE_LOG; returns when it says it is running (1 if it exits or
# has not started within 60 s). Its PID is $APPLIANCE_PID.
appliance_run() {
	local prefix=$1 end=$((SECONDS + 60))
	shift
	NETNS_PREFIXES+=("$prefix")
	"${MP_BUILD_DIR:?}/mediaplane" --file-prefix="$prefix" "$@" >"$APPLIANCE_LOG" 2>&1 &
	APPLIANCE_PID=$!
	until grep -q "running (pid" "$APPLIANCE_LOG"; do
		if ! kill -0 "$APPLIANCE_PID" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
			echo "appliance did not start:"
			cat "$APPLIANCE_LOG"
			return 1
		fi
		sleep 0.1
	done
}

# appliance_stop: SIGTERM to the appliance; returns its exit status.
appliance_stop() {
	[ -n "$APPLIANCE_PID" ] || return 0
	kill -TERM "$APPLIANCE_PID" 2>/dev/null || true
	local rc=0
	wait "$APPLIANCE_PID" || rc=$?
	APPLIANCE_PID=""
	return $rc
}

netns_down() {
	local p ns l c
	for p in "${NETNS_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in "${NETNS_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	[ -n "$APPLIANCE_PID" ] && kill -9 "$APPLIANCE_PID" 2>/dev/null
	# anything else still running inside our namespaces
	for ns in "${NETNS_LIST[@]}"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	done
	for ns in "${NETNS_LIST[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	for l in "${NETNS_LINKS[@]}"; do ip link del "$l" 2>/dev/null || true; done
	for p in "${NETNS_PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	rm -f "$APPLIANCE_LOG"
	for c in "${NETNS_AT_EXIT[@]}"; do eval "$c" || true; done
	return 0
}
trap netns_down EXIT
