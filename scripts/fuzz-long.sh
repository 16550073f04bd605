#!/usr/bin/env bash
# fuzz-long.sh: runs the libFuzzer targets of build-fuzz/ (scripts/build.sh fuzz) for a long time, one
# after the other, each on its own corpus kept between runs, and prints per target the executions
# reached (libFuzzer's stat::number_of_executed_units) and any crash, leak, timeout or OOM file.
# Not part of the test suite. Exit status 1 when any target found something (or failed to run).
#
# usage: scripts/fuzz-long.sh [MINUTES] [TARGET...]     (default 10 minutes each, every target)
#   TARGET: a target name as in tests/fuzz/meson.build (classify, sdp, srt, ...).
#   FUZZ_WORK: work dir (default build-fuzz/fuzz-long): FUZZ_WORK/TARGET/corpus is kept, crash files
#     are FUZZ_WORK/TARGET/{crash,leak,timeout,oom}-*, logs FUZZ_WORK/TARGET/last.log.
#   FUZZ_ARGS: more libFuzzer options (e.g. "-jobs=2 -workers=2"; with -jobs the stats are in fuzz-*.log).
# Targets, seeds and units come from the suite's own definitions (meson introspect of build-fuzz),
# run through tests/fuzz/run_fuzz.sh, so the seeds are the ones the 'fuzz' suite uses.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
[ $# -eq 0 ] || shift
[[ $minutes =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "usage: $0 [MINUTES] [TARGET...]" >&2; exit 2; }
seconds=$(python3 -c "import sys; print(max(1, round(float(sys.argv[1]) * 60)))" "$minutes")
build=build-fuzz
work=${FUZZ_WORK:-$build/fuzz-long}
[ -f "$build/build.ninja" ] || { echo "no $build: run scripts/build.sh fuzz first" >&2; exit 2; }
meson compile -C "$build" >/dev/null
mkdir -p "$work"
work=$(cd "$work" && pwd)

# One line per fuzz test: name, then the run_fuzz.sh command (tab separated), then its environment.
tests=$(meson introspect "$build" --tests | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["name"].startswith("fuzz ") and any(s.split(":")[-1] == "fuzz" for s in t["suite"]):
        env = " ".join("%s=%s" % kv for kv in t["env"].items())
        print(t["name"][5:] + "\t" + "\t".join(t["cmd"]) + "\t|" + env)
')
[ -n "$tests" ] || { echo "no libFuzzer targets in $build (configured with -Dfuzz=true?)" >&2; exit 2; }
if [ $# -gt 0 ]; then
	for want in "$@"; do grep -q "^$want	" <<<"$tests" || { echo "no fuzz target '$want'" >&2; exit 2; }; done
fi

found=0
summary=()
while IFS=$'\t' read -r -a row; do
	name=${row[0]}
	if [ $# -gt 0 ]; then
		hit=0
		for want in "$@"; do [ "$want" = "$name" ] && hit=1; done
		[ $hit = 1 ] || continue
	fi
	envs=${row[-1]#|}
	cmd=("${row[@]:1:${#row[@]}-2}")
	cmd[2]=$seconds # run_fuzz.sh TARGET SECONDS ...
	dir=$work/$name
	mkdir -p "$dir"
	before=$(ls "$dir" | grep -cE '^(crash|leak|timeout|oom)-' || true)
	echo "== $name: ${seconds}s (corpus $dir/corpus)"
	rc=0
	# (meson runs tests in the build dir: the command's paths are relative to it)
	(cd "$build" && env $envs MP_FUZZ_WORK="$dir" MP_FUZZ_ARGS="${FUZZ_ARGS:-}" "${cmd[@]}") >"$dir/last.log" 2>&1 || rc=$?
	logs=("$dir/last.log")
	for f in "$build"/fuzz-*.log; do [ -f "$f" ] && { mv "$f" "$dir/"; logs+=("$dir/${f##*/}"); }; done
	execs=$(cat "${logs[@]}" | sed -n 's/^stat::number_of_executed_units: *//p' | awk '{s += $1} END {print s + 0}')
	rate=$(cat "${logs[@]}" | sed -n 's/^stat::average_exec_per_sec: *//p' | awk '{s += $1} END {print s + 0}')
	cov=$(grep -hoE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "${logs[@]}" | tail -1 || true)
	after=$(ls "$dir" | grep -cE '^(crash|leak|timeout|oom)-' || true)
	files=$(ls -t "$dir" | grep -E '^(crash|leak|timeout|oom)-' | head -n $((after - before)) || true)
	verdict="no finding"
	if [ "$after" -gt "$before" ] || [ "$rc" != 0 ]; then
		found=1
		verdict="FINDING (exit $rc): $files"
		[ -n "$files" ] || verdict="ERROR (exit $rc, no crash file): see $dir/last.log"
		grep -hE '^==[0-9]+==ERROR|^SUMMARY|deadly signal|Timeout|out-of-memory' "${logs[@]}" | head -5 || true
	fi
	line=$(printf '%-16s %12s execs %8s/s  %-28s %s' "$name" "$execs" "$rate" "${cov:-}" "$verdict")
	echo "$line"
	summary+=("$line")
done <<<"$tests"

echo
echo "== summary (${seconds}s per target; work dir $work)"
printf '%s\n' "${summary[@]}"
exit $found
