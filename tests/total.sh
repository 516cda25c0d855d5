#!/usr/bin/env bash
# The end of `make check e2e`: how many tests ran in all, so that machines
# which run a tier in different places (the host tier on the build
# machine's /dev/kvm, or in the test host) can be compared.
#
# Usage: total.sh RESULTS_DIR NAME...
#   reads RESULTS_DIR/NAME for each NAME: lines "SUITE PASSED FAILED SKIPPED"
#   (tests/run-check.sh writes "check", tests/testhost/run.sh "e2e").
# Ends with "N passed, N failed"; exits non-zero when a file is missing or
# a test failed.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: total.sh RESULTS_DIR NAME..." >&2; exit 2; }
dir=$1
shift
for name in "$@"; do
	[ -s "$dir/$name" ] || { echo "total.sh: no results from make $name in $dir" >&2; exit 1; }
done
echo
awk -v names="$*" '
	FNR == 1 { file = FILENAME; sub(/.*\//, "", file) }
	{
		ran[file] += $2 + $3
		p += $2; f += $3; s += $4
		unit = $1 ~ /^unit:/
		if (unit) { units += $2 + $3; uskip += $4; next }
		part[file] = part[file] sep[file] $1 " " ($2 + $3) ($4 ? " (" $4 " skipped)" : "")
		sep[file] = ", "
	}
	END {
		n = split(names, order, " ")
		for (i = 1; i <= n; i++) {
			line = line (i > 1 ? "; " : "") "make " order[i] " " ran[order[i]]
			detail = detail "  make " order[i] ": " (order[i] == "check" ? "unit tests " units (uskip ? " (" uskip " skipped)" : "") ", " : "") part[order[i]] "\n"
		}
		printf "tests run in all: %d (%s), %d skipped\n%s", p + f, line, s, detail
		printf "%d passed, %d failed\n", p, f
		exit (f > 0)
	}' "${@/#/$dir/}"
