#!/bin/sh
# Runs scenarios one after the other and reports each on stdout:
#
#   SCENARIO-BEGIN name
#   ...everything the scenario printed...
#   SCENARIO-RESULT name PASS 3s
#   SCENARIO-RESULT name FAIL 12s reason
#
# and at the end "SCENARIOS-DONE N passed, N failed".
#
# Usage: harness.sh LIB LIST DIR
#   LIB   shell library sourced before each scenario
#   LIST  file naming the scenarios to run, one a line, in order
#   DIR   directory holding NAME.sh for each scenario
#
# A scenario passes when it exits 0. The reason of a failure is the last
# line it printed starting with "FAIL-REASON: " (lib.sh's fail() prints
# it), else its exit status and last line of output. A scenario runs in
# its own session with a time limit, "# timeout: SECONDS" in its header or
# HARNESS_TIMEOUT (default 120); when it ends, whatever it left running in
# that session is killed. With HARNESS_DMESG=1 a failure also shows the kernel log's tail.
#
# Runs under busybox sh in the test host and under any POSIX sh elsewhere
# (tests/testhost/selftest.sh runs it on the build host).

set -u

# Internal: the body of one scenario, run as the leader of a new session.
if [ "${1:-}" = --exec-one ]; then
	lib=$2 script=$3 work=$4
	echo $$ >"$work/pgid"
	mkdir "$work/scratch" && cd "$work/scratch" || exit 1
	{
		sh -c '. "$1" && . "$2"' sh "$lib" "$script" </dev/null
		echo $? >"$work/rc"
	} 2>&1 | tee "$work/out"
	: >"$work/done"
	exit 0
fi

abspath() {
	echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

[ $# -eq 3 ] || { echo "usage: harness.sh LIB LIST DIR" >&2; exit 2; }
lib=$(abspath "$1") list=$2 dir=$(abspath "$3")
self=$(abspath "$0")
default_timeout=${HARNESS_TIMEOUT:-120}
workroot=$(mktemp -d "${TMPDIR:-/tmp}/harness.XXXXXX") || exit 1

scenario_timeout() {
	t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$default_timeout}"
}

kill_session() {
	[ -s "$1/pgid" ] || return 0
	pg=$(cat "$1/pgid")
	kill -TERM -"$pg" 2>/dev/null || return 0
	sleep 1
	kill -KILL -"$pg" 2>/dev/null || true
}

# Why a finished scenario failed, on one line.
failure_reason() {
	work=$1 rc=$2
	reason=$(sed -n 's/^FAIL-REASON: //p' "$work/out" | tail -n 1)
	if [ -z "$reason" ]; then
		last=$(grep -v '^[[:space:]]*$' "$work/out" | tail -n 1)
		reason="exit status $rc${last:+; last output: $last}"
	fi
	printf '%s\n' "$reason" | tr -d '\r'
}

# kernel_log_since UPTIME: the kernel's messages since then (at most 40).
kernel_log_since() {
	echo "--- kernel messages during the scenario:"
	dmesg | awk -v since="$1" '
		match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
			t = substr($0, 2, RLENGTH - 2) + 0
			if (t >= since) { print; n++ }
		}
		END { if (!n) print "(none)" }' | tail -n 40
}

# run_one NAME: runs DIR/NAME.sh and prints its markers; returns 0 on PASS.
run_one() {
	name=$1 script=$dir/$1.sh work=$workroot/$1
	echo "SCENARIO-BEGIN $name"
	if [ ! -f "$script" ]; then
		echo "SCENARIO-RESULT $name FAIL 0s no such scenario: $script"
		return 1
	fi
	mkdir -p "$work"
	limit=$(scenario_timeout "$script")
	start=$(date +%s)
	start_uptime=$(cut -d' ' -f1 /proc/uptime)
	setsid sh "$self" --exec-one "$lib" "$script" "$work" </dev/null &
	runner=$!
	timed_out=0 ended=
	# Wait for the scenario's end and for its output to drain ("done"),
	# but only 5 s for the latter: a process it left behind may hold the
	# output open.
	alive=$start
	while [ ! -e "$work/done" ]; do
		now=$(date +%s)
		# The runner takes a console silent for long for a frozen test host.
		if [ $((now - alive)) -ge 30 ]; then
			echo "HARNESS-ALIVE $name $((now - start))s"
			alive=$now
		fi
		if [ -e "$work/rc" ]; then
			[ -n "$ended" ] || ended=$now
			[ $((now - ended)) -lt 5 ] || break
		elif [ $((now - start)) -ge "$limit" ]; then
			timed_out=1
			break
		fi
		sleep 0.2
	done
	if [ -e "$work/done" ]; then
		wait "$runner" 2>/dev/null
		kill_session "$work"
	else
		kill_session "$work"
		wait "$runner" 2>/dev/null
	fi
	secs=$(($(date +%s) - start))
	rc=$(cat "$work/rc" 2>/dev/null || echo none)
	if [ "$timed_out" = 1 ]; then
		verdict="FAIL ${secs}s timed out after ${limit}s"
	elif [ "$rc" = 0 ]; then
		verdict="PASS ${secs}s"
	elif [ "$rc" = none ]; then
		verdict="FAIL ${secs}s scenario was killed before it finished"
	else
		verdict="FAIL ${secs}s $(failure_reason "$work" "$rc")"
	fi
	case $verdict in
	FAIL*)
		[ "${HARNESS_DMESG:-0}" != 1 ] || kernel_log_since "$start_uptime"
		;;
	esac
	echo "SCENARIO-RESULT $name $verdict"
	[ "${verdict%% *}" = PASS ]
}

# A nested Linux guest that panicked with a corrupt stack in interrupt
# entry met the emulator's nested-virtualization bug (docs/testing.md),
# not airlock's: such a failure gets one more run, said as it starts; a
# second failure stands.
emulator_crash() {
	grep -q 'stack guard page was hit' "$workroot/$1/out" 2>/dev/null
}

# So did a nested Linux guest whose kernel stopped in its boot (its clock
# stops: seen with the guest on the jiffies clocksource, at PCI resource
# assignment): its console shows kernel lines and not one line of the
# guest's init ("GUEST-...").
guest_hung_in_boot() {
	out=$workroot/$1/out
	grep -q '^\[ *[0-9][0-9]*\.[0-9]*\] ' "$out" 2>/dev/null && ! grep -q '^GUEST-' "$out"
}

# retry_reason NAME: why a failed scenario runs once more, or nothing.
retry_reason() {
	if emulator_crash "$1"; then
		echo "a guest kernel crashed in interrupt entry"
	elif guest_hung_in_boot "$1"; then
		echo "a guest kernel stopped in its boot, before its init ran"
	fi
}

passed=0 failed=0
while read -r name; do
	case $name in '' | '#'*) continue ;; esac
	if run_one "$name" || { why=$(retry_reason "$name") && [ -n "$why" ] &&
		echo "SCENARIO-RETRY $name: $why; running it once more" &&
		rm -rf "${workroot:?}/$name" && run_one "$name"; }; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done <"$list"
rm -rf "$workroot"
echo "SCENARIOS-DONE $passed passed, $failed failed"
[ "$failed" -eq 0 ]
