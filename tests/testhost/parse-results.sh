#!/bin/bash
# Reads a serial log written by harness.sh (SCENARIO-BEGIN / SCENARIO-RESULT
# markers) and reports the given scenarios: one line each, then for each
# failure the tail of its output, then "N passed, N failed".
# Exits 0 only when every scenario passed.
#
# Usage: parse-results.sh [--tail N] LOG NAME...
# A scenario that began but has no result failed (the test host died or the
# run timed out during it; a kernel panic or QEMU error in its output is
# quoted); one that never began failed as "not run".
set -euo pipefail

tail_lines=40
if [ "${1:-}" = --tail ]; then
	tail_lines=$2
	shift 2
fi
[ $# -ge 1 ] || { echo "usage: parse-results.sh [--tail N] LOG NAME..." >&2; exit 2; }
log=$1
shift
[ -r "$log" ] || { echo "parse-results.sh: cannot read $log" >&2; exit 2; }

# Console text: drop carriage returns and terminal control sequences.
sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc/\n/g' -e 's/\r//g' "$log" | awk -v names="$*" -v tail_lines="$tail_lines" -v logfile="$log" '
function add_output(name, line) {
	nout[name]++
	out[name, nout[name]] = line
}
BEGIN {
	n = split(names, order, " ")
	for (i = 1; i <= n; i++) wanted[order[i]] = 1
}
$1 == "SCENARIO-BEGIN" && ($2 in wanted) {
	current = $2
	began[current] = 1
	nout[current] = 0
	next
}
$1 == "SCENARIO-RESULT" && ($2 in wanted) && ($3 == "PASS" || $3 == "FAIL") {
	verdict[$2] = $3
	time[$2] = $4
	reason = $0
	sub(/^[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ */, "", reason)
	why[$2] = reason
	if ($2 == current) current = ""
	next
}
$1 == "HARNESS-ALIVE" { next }
current != "" {
	add_output(current, $0)
	if (!(current in crash) && $0 ~ /Kernel panic - not syncing|qemu-system-x86_64: |BUG: |Oops: |TESTHOST-RUNNER: /) {
		crash[current] = $0
		sub(/^\[ *[0-9.]+\] /, "", crash[current])
	}
}
END {
	passed = failed = 0
	for (i = 1; i <= n; i++) {
		s = order[i]
		if (verdict[s] == "") {
			verdict[s] = "FAIL"
			time[s] = "-"
			if (s in began)
				why[s] = "no result: the test host stopped or the run timed out during this scenario" \
					(s in crash ? " (" crash[s] ")" : "")
			else
				why[s] = "not run: the test host never started it"
		}
		if (verdict[s] == "PASS") {
			passed++
			printf "PASS  %s (%s)\n", s, time[s]
		} else {
			failed++
			printf "FAIL  %s (%s): %s\n", s, time[s], why[s] == "" ? "no reason given" : why[s]
		}
	}
	for (i = 1; i <= n; i++) {
		s = order[i]
		if (verdict[s] != "FAIL" || !(s in began)) continue
		first = nout[s] - tail_lines + 1
		if (first < 1) first = 1
		printf "\n--- %s: last %d lines of its output (whole serial log: %s)\n", s, nout[s] - first + 1, logfile
		for (j = first; j <= nout[s]; j++) print "    " out[s, j]
	}
	if (failed) print ""
	printf "%d passed, %d failed\n", passed, failed
	exit (failed > 0)
}'
