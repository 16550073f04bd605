#!/usr/bin/env bash
# test_tx_offload_tap.sh: TX checksum offload on a port that has it (net_tap, the default TAP mode):
# with tx_csum_offload = on the port is logged with TX ipv4+udp, and a libsrt caller and an origin
# on this host exchange 2000 x 1316 bytes each way through the appliance byte for byte, while the
# kernel, which checks every checksum of what the TAP hands it, counts no UDP checksum error and no
# IPv4 header error; with tx_csum_offload = off, and with auto (which skips net_tap's software offload),
# the same holds with the software update (logged so).
# Own TAP name, subnet, ports and file prefix.
set -euo pipefail
. "$(dirname "$0")/lib/netns.sh"
TAP=mpq0
HOST_IP=198.18.68.1
US=198.18.68.2
SYS=13161
ORIGIN_PORT=10097
N=2000
PAYLOAD=${MP_BUILD_DIR:?}/tests/e2e/test_e2e_srt_payload
netns_workdir mpq-txoff
netns_at_exit 'ip link del "$TAP" 2>/dev/null || true'
FAIL_LOGS+=("$WORK/*.log")
API=http://127.0.0.1:$SYS

# snmp PROTO FIELD: the kernel's counter (/proc/net/snmp) in this network namespace
snmp() {
	awk -v p="$1:" -v f="$2" '$1 == p && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == p && h { print $c[f]; exit }' /proc/net/snmp
}

# exchange MODE: the appliance with tx_csum_offload = MODE, the origin registered with 127.0.0.1
# (reached at the TAP's kernel side), N messages each way checked byte for byte at both ends
exchange() {
	local mode=$1 csum0 hdr0 csum1 hdr1
	appliance_run "mpq-e2e-$$" -- --tap-name=$TAP --tap-host-ip=$HOST_IP/24 --public-ip=$US/24 \
		--public-gateway=$HOST_IP --system-api-listen=127.0.0.1:$SYS --api-listen=off --http-listen=off \
		--rtmp-listen=off --idle-sleep-us=50 --tx-csum-offload="$mode" || fail "the appliance did not start ($mode)"
	grep -q "default mode: TAP $TAP" "$APPLIANCE_LOG" || fail "not in the default TAP mode"
	curl -sf -X POST "$API/api/v1/srs/register" -H 'Content-Type: application/json' \
		-d "{\"device_id\":\"q1\",\"ip\":\"127.0.0.1\",\"server\":\"srs-q\",\"service\":\"e2e\",\"pid\":\"1\",\"srt\":[\"127.0.0.1:$ORIGIN_PORT\"]}" \
		>/dev/null || fail "register origin"
	csum0=$(snmp Udp InCsumErrors)
	hdr0=$(snmp Ip InHdrErrors)
	netns_bg - "$PAYLOAD" listen $ORIGIN_PORT $N >"$WORK/listener-$mode.log" 2>&1
	wait_until 30 grep -q listening "$WORK/listener-$mode.log" || fail "listener did not start"
	"$PAYLOAD" call $US 10080 '#!::r=live/txoff,m=publish' $N >"$WORK/caller-$mode.log" 2>&1 ||
		fail "caller ($mode): $(cat "$WORK/caller-$mode.log")"
	wait "${NETNS_PIDS[-1]}" || fail "listener ($mode): $(cat "$WORK/listener-$mode.log")"
	grep -q "received $N intact, 0 damaged" "$WORK/caller-$mode.log" || fail "caller got: $(cat "$WORK/caller-$mode.log")"
	grep -q "received $N intact, 0 damaged" "$WORK/listener-$mode.log" || fail "listener got: $(cat "$WORK/listener-$mode.log")"
	csum1=$(snmp Udp InCsumErrors)
	hdr1=$(snmp Ip InHdrErrors)
	[ "$csum1" = "$csum0" ] || fail "$mode: the kernel counted $((csum1 - csum0)) UDP checksum errors"
	[ "$hdr1" = "$hdr0" ] || fail "$mode: the kernel counted $((hdr1 - hdr0)) IPv4 header errors"
	appliance_stop || fail "exit status $? on SIGTERM"
}

exchange on
grep -qE "port [0-9]+ \(.*\): checksum offload: RX ipv4\+udp, TX ipv4\+udp$" "$APPLIANCE_LOG" ||
	fail "net_tap not logged with RX and TX ipv4+udp: $(grep 'checksum offload' "$APPLIANCE_LOG")"
pass "tx_csum_offload = on on net_tap: logged TX ipv4+udp; $N x 1316 bytes each way intact, no checksum error at the kernel"
exchange off
grep -q "checksum offload: RX ipv4+udp, TX none (tx_csum_offload = off" "$APPLIANCE_LOG" ||
	fail "off not logged: $(grep 'checksum offload' "$APPLIANCE_LOG")"
pass "tx_csum_offload = off: logged; $N x 1316 bytes each way intact, no checksum error at the kernel"
exchange auto
grep -q "checksum offload: RX ipv4+udp, TX none (tx_csum_offload = auto: net_tap's offload is a software sum" "$APPLIANCE_LOG" ||
	fail "auto on net_tap not logged as software: $(grep 'checksum offload' "$APPLIANCE_LOG")"
pass "tx_csum_offload = auto skips net_tap's offload: logged; $N x 1316 bytes each way intact, no checksum error"
echo "$passed passed, 0 failed"
