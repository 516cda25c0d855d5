#!/usr/bin/env bash
# `make check`: the cmocka unit tests given as arguments, the host
# integration tests and the test-host runner's self-test. Every test prints
# a TAP line; this counts them and ends with "N passed, N failed".
# A test that cannot run on this machine says "skipped: why" and counts as
# skipped, not passed. The counts per suite go to $BUILD/results/check,
# for tests/total.sh. Exit status: 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.." || exit 1
results=${BUILD:-build}/results
mkdir -p "$results"
: >"$results/check"

# count LOG: "PASSED FAILED SKIPPED" of the TAP lines in LOG.
count() {
	# cmocka 1.1.5 prints a skipped test as "not ok N # SKIP name".
	awk '/^(not )?ok [0-9]+ # SKIP/ { s++; next } /^ok / { p++ } /^not ok/ { f++ }
		END { print p + 0, f + 0, s + 0 }' "$1"
}

suite() {	# NAME COMMAND...
	local name=$1 one status
	shift
	one=$(mktemp)
	echo "== $name"
	"$@" 2>&1 | tee "$one"
	status=${PIPESTATUS[0]}
	# A suite that dies before reporting must not pass silently.
	case $status in
	0) ;;
	137) echo "not ok - $name was killed (SIGKILL: more than ${UNIT_TIMEOUT}s for a unit test, or killed from outside)" | tee -a "$one" ;;
	*) echo "not ok - $name exited with status $status" | tee -a "$one" ;;
	esac
	echo "$name $(count "$one")" >>"$results/check"
	rm -f "$one"
}

skipped() {	# NAME WHY
	echo "== $1"
	echo "skipped: $2"
	echo "$1 0 0 1" >>"$results/check"
}

# A unit test that hangs fails after this long, and the run goes on. KILL:
# a test may block SIGTERM, as the broker's monitor does for its signalfd.
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP suite "unit:${t##*/}" timeout --signal=KILL "$UNIT_TIMEOUT" "$t"
done
if tests/host/run.sh --probe; then
	suite "host:kvm" tests/host/run.sh
else
	skipped "host:kvm" "this machine has no usable /dev/kvm; make e2e runs the host tier in the test host (scenario host-tier)"
fi
suite "identity" tests/identity/run.sh
suite "install" tests/install/run.sh
suite "testhost:selftest" tests/testhost/selftest.sh

read -r passed failed skipped < <(awk '{ p += $2; f += $3; s += $4 } END { print p + 0, f + 0, s + 0 }' "$results/check")
[ "$skipped" = 0 ] || echo "$skipped skipped, in $(awk '$4 > 0 { printf "%s%s", sep, $1; sep = ", " }' "$results/check")"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
