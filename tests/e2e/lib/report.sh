# report.sh: the e2e tests' one pass and fail (sourced by netns.sh, or by a test without namespaces):
# "ok - MSG" counted in $passed; "FAIL: MSG" with the tails of the appliance log and of the test's
# FAIL_LOGS, then exit 1.
passed=0
FAIL_LOGS=() # files or globs (expanded when fail runs) whose tails fail prints after the appliance log
FAIL_TAIL=60 # lines of each log fail prints; a test may set more

# pass MSG: "ok - MSG", counted in $passed.
pass() {
	echo "ok - $*"
	passed=$((passed + 1))
}

# fail MSG: "FAIL: MSG", then for $APPLIANCE_LOG and each file FAIL_LOGS names (a glob: each file it
# matches; files that do not exist left out, each file once) a line "--- FILE" and its last $FAIL_TAIL
# lines; then the test's fail_more if it defines one (more state worth seeing); exit 1.
fail() {
	local pat f seen=" "
	echo "FAIL: $*"
	for pat in "${APPLIANCE_LOG:-}" ${FAIL_LOGS[@]+"${FAIL_LOGS[@]}"}; do
		[ -n "$pat" ] || continue
		while IFS= read -r f; do
			if [ ! -f "$f" ] || [[ $seen == *" $f "* ]]; then continue; fi
			seen+="$f "
			echo "--- $f"
			tail -n "$FAIL_TAIL" "$f" || true
		done < <(compgen -G "$pat" | sort || true)
	done
	if declare -F fail_more >/dev/null; then fail_more || true; fi
	exit 1
}
