#!/usr/bin/env bash
# `make check`: the cmocka unit tests given as arguments, the host
# integration tests and the test-host runner's self-test. Every test prints
# a TAP line; this counts them and ends with "N passed, N failed".
# Exit status: 0 only when nothing failed.
set -u
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

suite() {	# NAME COMMAND...
	local name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee -a "$log"
	# A suite that dies before reporting must not pass silently.
	[ "${PIPESTATUS[0]}" = 0 ] || echo "not ok - $name exited with status ${PIPESTATUS[0]}" | tee -a "$log"
}

for t in "$@"; do
	CMOCKA_MESSAGE_OUTPUT=TAP suite "unit: ${t##*/}" "$t"
done
suite "host: /dev/kvm integration" tests/host/run.sh
suite "testhost: runner self-test" tests/testhost/selftest.sh

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok' "$log")
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
