#!/usr/bin/env bash
# test_hugepages.sh: scripts/hugepages reserves, shows and releases pages with clear errors, and the
# appliance uses reserved hugepages (--in-memory, no --no-huge notice) and leaves none in use.
set -euo pipefail
. "$(dirname "$0")/lib/report.sh"
src=${MP_SOURCE_DIR:?} build=${MP_BUILD_DIR:?}
hp="$src/scripts/hugepages/hugepages.sh"
before=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
log=$(mktemp /tmp/mp-test-hp.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	echo "$before" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	rm -f "$log"
}
trap cleanup EXIT
FAIL_LOGS=("$log")

out=$("$hp" reserve abc 2>&1) && fail "reserve abc succeeded"
grep -q "'abc' is not a number" <<<"$out" || fail "reserve abc: $out"
pass "a non-number count is refused with its reason"
out=$("$hp" reserve 4 --size 3M 2>&1) && fail "3M pages accepted"
grep -q "unknown page size '3M'" <<<"$out" || fail "3M: $out"
pass "an unknown page size is refused"
# The source tree may sit under /root, out of an unprivileged user's reach: run a copy.
cp "$hp" "$log.sh" && chmod 755 "$log.sh"
out=$(setpriv --reuid 65534 --regid 65534 --clear-groups "$log.sh" reserve 4 2>&1) && fail "non-root reserved"
rm -f "$log.sh"
grep -q "must run as root" <<<"$out" || fail "non-root: $out"
pass "non-root is refused"

out=$("$hp" reserve 600) && grep -q "reserved 600 pages of 2048 kB" <<<"$out" || fail "reserve 600: $out"
out=$("$hp" show) && grep -q "2048 kB pages: 600 reserved" <<<"$out" || fail "show after reserve: $out"
pass "reserve and show"

"$build/mediaplane" -- --tap-name=mphp0 --system-api-listen=127.0.0.1:12225 --api-listen=12285 \
	--http-listen=12280 --rtmp-listen=12235 --idle-sleep-us=100 >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q "running (pid" "$log" && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
grep -q "running (pid" "$log" || fail "appliance did not start on hugepages"
grep -q "no-huge" "$log" && fail "appliance fell back to --no-huge with pages reserved"
free_now=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)
[ "$free_now" -lt 600 ] || fail "appliance uses no hugepage (free $free_now of 600)"
pass "the appliance runs on reserved hugepages (free $free_now of 600)"
kill -TERM "$pid"
wait "$pid" || fail "exit status $? on SIGTERM"
pid=""
[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" = 600 ] || fail "hugepages still in use after stop"
pass "every hugepage is free again after SIGTERM"
out=$("$hp" release) && grep -q "released" <<<"$out" || fail "release: $out"
[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" = 0 ] || fail "pages left after release"
pass "release"
echo "$passed passed, 0 failed"
