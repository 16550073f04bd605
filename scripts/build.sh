#!/usr/bin/env bash
# build.sh: configures (once) and compiles mediaplane into build/ (and build-fuzz/ with "fuzz").
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = fuzz ]; then
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -Db_lundef=false
	meson compile -C build-fuzz
	exit 0
fi
[ -f build/build.ninja ] || meson setup build
meson compile -C build
