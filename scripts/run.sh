#!/usr/bin/env bash
# run.sh: quick start 1 — install, build and run the appliance in its default mode (foreground).
# Arguments are passed to build/mediaplane (EAL options, then -- and mediaplane options).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
scripts/build.sh
exec build/mediaplane "$@"
