#!/usr/bin/env bash
# install-deps.sh: installs with apt-get what mediaplane needs to build (build) or to test (test).
# Idempotent: packages already present are skipped without touching the network.
set -euo pipefail
what=${1:-build}
build_pkgs=(meson ninja-build pkg-config gcc libc6-dev libdpdk-dev dpdk libhiredis-dev libcjson-dev
	libsrt-openssl-dev libevent-dev libssl-dev iproute2 kmod)
# dpdk-dev brings dpdk-testpmd and dpdk-telemetry.py (telemetry tests); gnuplot-nox draws
# docs/performance.png (bench/run --doc); libnginx-mod-stream: the TLS front of an RTMP origin (e2e ipv6 edge).
test_pkgs=(libcmocka-dev iputils-ping clang libclang-rt-14-dev redis-server curl ethtool procps python3
	dpdk-dev util-linux tmux ffmpeg srt-tools python3-aiortc nginx-light libnginx-mod-rtmp libnginx-mod-stream tcpdump
	stress-ng gnuplot-nox redis-sentinel chromium chromium-driver)
case "$what" in
build) pkgs=("${build_pkgs[@]}") ;;
test) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" bird2) ;; # bird2: the fleet tests' BGP (docs/fleet.md)
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (apt-get needs it)" >&2
	exit 1
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js with npm (node-media-server for the HTTP-FLV tests): Debian's nodejs + npm, unless a
# Node.js that brings its own npm is already installed (it conflicts with Debian's npm package).
if [ "$what" = test ] && ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
