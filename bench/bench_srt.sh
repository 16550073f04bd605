#!/usr/bin/env bash
# bench_srt.sh: SRT forwarding through the real worker loop (1 worker) replaying the ffmpeg capture's 1316-byte
# data and its ACKs from a pcap (net_pcap infinite_rx), against dpdk-testpmd macswap on the same pcap in the same
# run (the ratio), then SRT handshakes per second completed against a responding origin. Best of RUNS each.
# Usage: bench/bench_srt.sh [BUILD_DIR] [SECONDS] [RUNS]   (root; hugepages not needed)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
secs=${2:-3}
runs=${3:-3}
export MP_TEST_DATA=$here/../tests/data
pcap=$(mktemp /tmp/mps-bench-srt.XXXXXX.pcap)
prefix=mps-bench-tp-$$
trap 'rm -f "$pcap"; rm -rf "/var/run/dpdk/$prefix"' EXIT

best() { sort -g | tail -1; }

mp=()
for _ in $(seq 1 "$runs"); do
	line=$("$build/bench/bench_srt" replay "$pcap" "$secs" | tee /dev/stderr | grep "srt forward")
	mp+=("$(echo "$line" | awk '{print $4}')")
done
tp=()
for _ in $(seq 1 "$runs"); do
	# --total-num-mbufs: two DPDK processes may share hugepages; --no-huge needs -m >= 64 and --no-shconf.
	out=$(timeout -s INT $((secs + 2)) dpdk-testpmd --no-pci --no-huge -m 512 --no-shconf --file-prefix "$prefix" \
		-l 0-1 --log-level=error --vdev "net_pcap0,rx_pcap=$pcap,infinite_rx=1" -- --forward-mode=macswap \
		--port-topology=loop --total-num-mbufs=32768 --stats-period=1 2>&1 || true)
	tp+=("$(echo "$out" | awk '/Tx-pps:/ {print $2}' | sort -g | tail -1)")
done
mp_best=$(printf '%s\n' "${mp[@]}" | best)
tp_best=$(printf '%s\n' "${tp[@]}" | best)
python3 - "$mp_best" "$tp_best" <<'PY'
import sys
mp, tp = float(sys.argv[1]), float(sys.argv[2]) / 1e6
print(f"srt forward (1316 B data + ACKs): mediaplane {mp:.3f} Mpps, testpmd macswap {tp:.3f} Mpps on the same pcap: ratio {mp / tp:.3f}")
PY
hs=()
for _ in $(seq 1 "$runs"); do
	hs+=("$("$build/bench/bench_srt" handshakes "$secs" | awk '/handshakes:/ {print $4}')")
done
echo "srt handshakes completed against a responding origin: $(printf '%s\n' "${hs[@]}" | best) per second (1 worker, 64 in flight)"
