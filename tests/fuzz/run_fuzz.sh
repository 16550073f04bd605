#!/usr/bin/env bash
# run_fuzz.sh: builds a seed corpus from tests/data and runs one fuzz target on it.
# usage: run_fuzz.sh TARGET SECONDS PCAP_TO_CORPUS UNIT SEED...
#   SECONDS 0: replay build (runs every seed and its prefixes); >0: libFuzzer for that long.
#   UNIT: payload|frame (pcap seeds are split into UDP/TCP payloads or frames) or file.
# MP_FUZZ_WORK=DIR (scripts/fuzz-long.sh): the corpus is DIR/corpus and kept (seeded when empty),
# crash files are DIR/crash-*; MP_FUZZ_ARGS: more libFuzzer options.
set -euo pipefail
target=$1 seconds=$2 splitter=$3 unit=$4
shift 4
data=${MP_TEST_DATA:?MP_TEST_DATA not set}
if [ -n "${MP_FUZZ_WORK:-}" ]; then
	corpus=$MP_FUZZ_WORK/corpus artifacts=$MP_FUZZ_WORK/
	mkdir -p "$corpus"
	[ -z "$(ls -A "$corpus")" ] || set -- # seeded on an earlier run
else
	corpus=$(mktemp -d /tmp/mp-fuzz-corpus.XXXXXX) artifacts=$corpus/crash-
	trap 'rm -rf "$corpus"' EXIT
fi
for seed in "$@"; do
	case "$seed" in
	*.pcap)
		if [ "$unit" = file ]; then cp "$data/$seed" "$corpus/"; else "$splitter" "$data/$seed" "$unit" "$corpus"; mkdir -p "$corpus"; fi
		# pcap_to_corpus names files 0000..; keep seeds from several pcaps apart
		for f in "$corpus"/[0-9]*; do [ -e "$f" ] && mv "$f" "$corpus/$(basename "$seed").$(basename "$f")"; done
		;;
	*) cp "$data/$seed" "$corpus/" ;;
	esac
done
if [ "$seconds" = 0 ]; then
	exec "$target" "$corpus"
fi
# -rss_limit_mb keeps a leak from eating the machine; crashes are written to the temp dir.
# libFuzzer exits 77 on a crash by default, which meson reads as "skipped": make it a failure.
exec "$target" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=10 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-artifact_prefix="$artifacts" -print_final_stats=1 ${MP_FUZZ_ARGS:-} "$corpus"
