#!/usr/bin/env bash
# `make lint`: every shell script in the tree through shellcheck, warnings
# and notes alike. A script is a tracked file named *.sh or starting with a
# #!/bin/sh or bash line. One without a #! line is sourced: it must say
# which shell sources it (# shellcheck shell=sh for busybox's, in the test
# host and the guest; shell=bash for the build host's scripts).
# Ends with "N passed, N failed", a script each.
set -u
cd "$(dirname "$0")/.." || exit 1

scripts() {
	git ls-files | while read -r f; do
		case $f in
		*.sh) echo "$f" ;;
		*) head -n 1 "$f" | grep -Eq '^#!(/usr/bin/env |/bin/)(ba)?sh' && echo "$f" ;;
		esac
	done
}

passed=0 failed=0
while read -r f; do
	if ! head -n 1 "$f" | grep -q '^#!' && ! grep -q '^# shellcheck shell=' "$f"; then
		echo "$f: no #! line and no '# shellcheck shell=' directive: say which shell sources it"
		failed=$((failed + 1))
	elif shellcheck -x -P SCRIPTDIR "$f"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done < <(scripts)
echo "shellcheck: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
