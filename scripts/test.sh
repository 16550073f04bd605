#!/usr/bin/env bash
# test.sh: quick start 2 — install what the tests need, build, and run the whole test suite
# (unit, packet, end-to-end, and every fuzz target for a few seconds under libFuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
scripts/build.sh
scripts/build.sh fuzz
rm -f build/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json
meson test -C build --print-errorlogs --num-processes 2 || true
meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2 || true
exec scripts/test-summary.py build/meson-logs/testlog.json build-fuzz/meson-logs/testlog.json
