#!/usr/bin/env bash
# bench_webrtc.sh: WebRTC forwarding of the real worker loop (one worker lcore, net_pcap infinite_rx=1)
# at 1k, 100k and 1M live sessions, each beside dpdk-testpmd macswap on the same pcap in the same run.
#
# The pcap is the client side of tests/data/webrtc-aiortc-whip.pcap (STUN consent checks, DTLS, SRTP
# and SRTCP, sizes as captured) cloned to N client addresses, FRAMES frames each from a client drawn
# uniformly from the N; every client has its session installed in lb before the run. net_pcap keeps
# the whole pcap in mbufs, so FRAMES (default 16384) bounds the distinct sessions touched per replay
# cycle; the table itself holds N. Each figure is the best one-second window, and the two programs
# alternate ROUNDS times per size (best of each kept): on a shared machine other loads only slow a
# run down. Prints figures only (no assertion on time).
# Usage: bench/bench_webrtc.sh [BUILD_DIR]   (as root; env SIZES, FRAMES, RUN_SECONDS, ROUNDS override)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bin="$build/bench/bench_webrtc"
export MP_TEST_DATA=${MP_TEST_DATA:-$here/../tests/data}
SIZES=${SIZES:-"1000 100000 1000000"}
FRAMES=${FRAMES:-16384}
SECONDS_RUN=${RUN_SECONDS:-3}
ROUNDS=${ROUNDS:-2}
TESTPMD=$(command -v dpdk-testpmd || true)
[ -x "$bin" ] || { echo "bench_webrtc: build first ($bin missing)"; exit 1; }
[ -n "$TESTPMD" ] || { echo "bench_webrtc: dpdk-testpmd missing (Debian package dpdk-dev)"; exit 1; }
work=$(mktemp -d /tmp/mpw-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$work" /var/run/dpdk/mpw-bench-$$ /var/run/dpdk/mpw-tpmd-$$
}
trap cleanup EXIT
ncpu=$(nproc)
worker_cpu=$((ncpu > 1 ? 1 : 0))
lcores="0@0,1@$worker_cpu"
eal_common=(--no-pci --no-huge --no-shconf --lcores "$lcores" --log-level error)

# testpmd macswap on the same pcap: the best Tx-pps of its one-second periods after the first.
testpmd_pps() {
	local pcap=$1 log="$work/testpmd.log"
	timeout -s INT $((SECONDS_RUN + 3)) "$TESTPMD" "${eal_common[@]}" -m 512 --file-prefix "mpw-tpmd-$$" \
		--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1,tx_pcap=/dev/null" -- \
		--forward-mode=macswap --port-topology=loop --nb-cores=1 --total-num-mbufs=32768 \
		--stats-period=1 >"$log" 2>&1 || true
	grep 'Tx-pps:' "$log" | awk '{ print $2 }' | tail -n +3 | sort -n | tail -1
}

echo "bench_webrtc: $FRAMES frames per pcap, ${SECONDS_RUN}s per figure, 1 worker lcore on CPU $worker_cpu of $ncpu"
printf "%-9s %-4s %12s %12s %14s %14s %8s\n" sessions nat mediaplane testpmd "cyc/pkt mp" "cyc/pkt tpmd" ratio
for n in $SIZES; do
	pcap="$work/webrtc-$n.pcap"
	"$bin" gen "$pcap" "$n" "$FRAMES" >"$work/gen.log"
	mem=$((512 + n / 1000 * 2)) # lb needs ~0.45 KB per session of capacity at 1M (bytes_per_session)
	mp=0 cyc=0 tp=0 out=""
	for _ in $(seq 1 "$ROUNDS"); do
		o=$("$bin" run "$n" "$SECONDS_RUN" "${eal_common[@]}" -m "$mem" --file-prefix "mpw-bench-$$" \
			--vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1,tx_pcap=/dev/null" 2>&1 | grep '^sessions=' || true)
		[ -n "$o" ] || { echo "bench_webrtc: run with $n sessions failed"; continue; }
		get() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$o"; }
		if python3 -c "import sys; sys.exit(0 if float('$(get fwd_mpps)') > float('$mp') else 1)"; then
			out=$o mp=$(get fwd_mpps) cyc=$(get cycles_per_pkt)
		fi
		t=$(testpmd_pps "$pcap")
		[ "${t:-0}" -gt "$tp" ] && tp=$t
	done
	[ -n "$out" ] || continue
	hz=$(sed -n 's/.*tsc_hz=\([^ ]*\).*/\1/p' <<<"$out") nat=$(sed -n 's/.*nat_ports=\([^ ]*\).*/\1/p' <<<"$out")
	python3 - "$n" "$nat" "$mp" "$cyc" "$tp" "$hz" <<'PY'
import sys
n, nat, mp, cyc, tp, hz = sys.argv[1:]
mp, cyc, tp, hz = float(mp), float(cyc), float(tp) / 1e6, float(hz)
tcyc = hz / (tp * 1e6) if tp else 0
print("%-9s %-4s %9.3f Mpps %7.3f Mpps %14.0f %14.0f %8.2f" % (n, nat, mp, tp, cyc, tcyc, mp / tp if tp else 0))
PY
	echo "   ($(head -1 "$work/gen.log"); $out)"
done
echo "goal: ratio >= 0.5 at 1M sessions. nat=no: more live sessions than NAT ports (32768..65535);"
echo "those sessions forward client -> origin alike but have no return path (needs more private addresses)."
