# wait.sh: waiting on a condition with a deadline, for the end-to-end test scripts (sourced). Tests
# wait for what they need to have happened, never for a fixed time, and give the deadline room for a
# loaded machine.

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds (returns 0) or SECONDS have passed
# (returns 1).
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}
