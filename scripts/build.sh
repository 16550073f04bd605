#!/usr/bin/env bash
# build.sh: configures and compiles mediaplane. No argument: build/ (gcc) as it is configured;
# "tests": build/ with the cmocka tests required; "fuzz": build-fuzz/ (clang, libFuzzer);
# "asan": build-asan/ (gcc, AddressSanitizer and UBSan, tests required).
# A build directory configured earlier with other values for these options (e.g. by run.sh before
# cmocka was installed, when the 'tests' feature resolved to disabled) is reconfigured.
set -euo pipefail
cd "$(dirname "$0")/.."
cc=
case "${1:-}" in
'') dir=build opts=() ;;
tests) dir=build opts=(-Dtests=enabled) ;;
fuzz) dir=build-fuzz opts=(-Dfuzz=true -Db_lundef=false) cc=clang ;;
asan) dir=build-asan opts=(-Dtests=enabled -Db_sanitize=address,undefined -Db_lundef=false
	-Dc_args=-fno-sanitize-recover=undefined) ;; # a UBSan finding fails the test, as an ASan one does
*) echo "usage: $0 [tests|fuzz|asan]" >&2; exit 2 ;;
esac

# The options in "$@" (-Dname=value) whose recorded value in $dir differs.
options_differ() {
	meson introspect "$dir" --buildoptions | python3 -c '
import json, sys
have = {o["name"]: o["value"] for o in json.load(sys.stdin)}
def text(v):
    return ("true" if v else "false") if isinstance(v, bool) else ",".join(v) if isinstance(v, list) else str(v)
for a in sys.argv[1:]:
    name, _, want = a[2:].partition("=")
    if text(have.get(name)) != want:
        print(f"{name}={text(have.get(name))} (want {want})")
' "$@"
}

if [ ! -f "$dir/build.ninja" ]; then
	[ -z "$cc" ] || export CC=$cc
	meson setup "$dir" ${opts[@]+"${opts[@]}"}
elif [ ${#opts[@]} -gt 0 ] && differ=$(options_differ "${opts[@]}") && [ -n "$differ" ]; then
	echo "build.sh: $dir was configured with ${differ//$'\n'/, }: reconfiguring"
	meson configure "$dir" "${opts[@]}" # (meson 1.0's setup --reconfigure ignores -Dc_args)
	meson setup --reconfigure "$dir"     # looks for dependencies again (cmocka)
fi
meson compile -C "$dir"
