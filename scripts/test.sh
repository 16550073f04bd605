#!/usr/bin/env bash
# test.sh: quick start 2 — install what the tests need, build, and run the whole test suite: unit,
# packet, end-to-end and fuzz-replay (build/), every fuzz target for a few seconds under libFuzzer
# (build-fuzz/), unit and packet again under AddressSanitizer and UBSan (build-asan/).
# --under-load: the same with `stress-ng --cpu 2` running beside the tests (stopped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
load=false
case "${1:-}" in
'') ;;
--under-load) load=true ;;
*) echo "usage: $0 [--under-load]" >&2; exit 2 ;;
esac
scripts/install-deps.sh test
scripts/build.sh tests # reconfigures a build/ that run.sh configured before cmocka was installed
scripts/build.sh fuzz
scripts/build.sh asan
rm -f build/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json build-asan/meson-logs/testlog.json

if $load; then
	stress-ng --cpu 2 --timeout 2h --quiet &
	load_pid=$!
	trap 'kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null || true' EXIT
	echo "test.sh: stress-ng --cpu 2 running beside the tests (pid $load_pid)"
fi

meson test -C build --print-errorlogs --num-processes 2 || true
meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2 || true
# Default sanitizer options: an ASan report, a leak (LeakSanitizer) or a UBSan report (built with
# -fno-sanitize-recover) fails the test. The e2e suite is not run here: under ASan it takes as long
# as in build/ (~5 min) but the appliance's own reports land in per-test log files the scripts delete.
meson test -C build-asan --suite unit --suite packet --print-errorlogs --num-processes 2 || true
rc=0
scripts/test-summary.py build/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json \
	asan=build-asan/meson-logs/testlog.json --expect asan/unit --expect asan/packet || rc=$?
exit "$rc"
