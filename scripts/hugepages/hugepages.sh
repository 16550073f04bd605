#!/usr/bin/env bash
# hugepages.sh: reserve, mount, show and release hugepages for mediaplane (what dpdk-hugepages.py does).
#   hugepages.sh reserve N [--size 2M|1G] [--node NODE]   reserve N pages (all NUMA nodes unless --node)
#   hugepages.sh mount [DIR] [--size 2M|1G]                mount hugetlbfs (default /dev/hugepages)
#   hugepages.sh umount [DIR]
#   hugepages.sh show                                      pages per size and node, mounts, files in use
#   hugepages.sh release [--size 2M|1G]                    give every page back (0 reserved)
# mediaplane itself needs no mount: it runs with --in-memory when pages are reserved.
set -euo pipefail

die() { echo "hugepages: $*" >&2; exit 1; }

size_kb() {
	case "$1" in
	2M|2m|2048k|2048K|2048) echo 2048 ;;
	1G|1g|1048576k|1048576K|1048576) echo 1048576 ;;
	*) die "unknown page size '$1' (use 2M or 1G)" ;;
	esac
}

need_root() { [ "$(id -u)" = 0 ] || die "must run as root to $1 hugepages"; }

sysdir_for() { # size_kb [node]
	if [ -n "${2:-}" ]; then
		echo "/sys/devices/system/node/node$2/hugepages/hugepages-${1}kB"
	else
		echo "/sys/kernel/mm/hugepages/hugepages-${1}kB"
	fi
}

reserve() {
	local n=$1 kb=$2 node=$3 dir got
	[[ "$n" =~ ^[0-9]+$ ]] || die "reserve: '$n' is not a number of pages"
	need_root reserve
	dir=$(sysdir_for "$kb" "$node")
	[ -d "$dir" ] || die "the kernel has no ${kb} kB pages${node:+ on node $node} ($dir missing)"
	echo "$n" > "$dir/nr_hugepages" 2>/dev/null || die "the kernel refused to reserve $n pages of ${kb} kB"
	got=$(cat "$dir/nr_hugepages")
	if [ "$got" -lt "$n" ]; then
		die "asked for $n pages of ${kb} kB, the kernel gave $got (memory fragmented or too small)"
	fi
	echo "reserved $got pages of ${kb} kB${node:+ on node $node}"
}

show() {
	local d kb
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*hugepages-}; kb=${kb%kB}
		printf '%8s kB pages: %s reserved, %s free, %s surplus\n' "$kb" "$(cat "$d/nr_hugepages")" \
			"$(cat "$d/free_hugepages")" "$(cat "$d/surplus_hugepages")"
	done
	for d in /sys/devices/system/node/node*/hugepages/hugepages-*kB; do
		[ -d "$d" ] || continue
		printf '   %s: %s reserved, %s free\n' "${d#/sys/devices/system/node/}" "$(cat "$d/nr_hugepages")" "$(cat "$d/free_hugepages")"
	done
	echo "mounts:"
	grep -q hugetlbfs /proc/mounts || echo "   none"
	grep hugetlbfs /proc/mounts | awk '{print "   " $2 " (" $4 ")"}' || true
	grep hugetlbfs /proc/mounts | awk '{print $2}' | while read -r m; do
		local files
		files=$(find "$m" -maxdepth 2 -type f 2>/dev/null | wc -l)
		echo "   $m: $files file(s) in use"
	done || true
}

cmd=${1:-show}
shift || true
size=2M node="" dir=/dev/hugepages
args=()
while [ $# -gt 0 ]; do
	case "$1" in
	--size) size=$2; shift 2 ;;
	--node) node=$2; shift 2 ;;
	-h|--help) sed -n '2,9p' "$0"; exit 0 ;;
	*) args+=("$1"); shift ;;
	esac
done
kb=$(size_kb "$size")
case "$cmd" in
reserve)
	[ ${#args[@]} -eq 1 ] || die "usage: hugepages.sh reserve N [--size 2M|1G] [--node NODE]"
	reserve "${args[0]}" "$kb" "$node" ;;
mount)
	need_root mount
	dir=${args[0]:-$dir}
	mkdir -p "$dir"
	if grep -q " $dir hugetlbfs " /proc/mounts; then echo "$dir already mounted"; exit 0; fi
	mount -t hugetlbfs -o "pagesize=$size" nodev "$dir" || die "the kernel refused to mount hugetlbfs on $dir"
	echo "mounted hugetlbfs ($size pages) on $dir" ;;
umount)
	need_root umount
	dir=${args[0]:-$dir}
	umount "$dir" || die "cannot unmount $dir (in use?)"
	echo "unmounted $dir" ;;
release)
	need_root release
	reserve 0 "$kb" "" >/dev/null
	echo "released every ${kb} kB page" ;;
show) show ;;
*) die "unknown command '$cmd' (reserve, mount, umount, show, release)" ;;
esac
