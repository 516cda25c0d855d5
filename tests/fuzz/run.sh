#!/usr/bin/env bash
# `make fuzz`: each libFuzzer binary given as an argument for FUZZ_TIME
# seconds, from a copy of its seed corpus (tests/fuzz/corpus/NAME, never
# written to) and its dictionary (tests/fuzz/NAME.dict) if it has one.
# One line a target, "fuzz NAME: N executions in S s, 0 crashes", then
# "N passed, N failed". A crash, leak or hang fails its target, with the
# first line that says why (a sanitizer's, or the target's own "NAME: ..."
# for a broken invariant); the input that caused it is kept in
# $BUILD/fuzz/crashes/. Exit status: 0 only when no target failed.
set -u
cd "$(dirname "$0")/../.." || exit 1

time=${FUZZ_TIME:-60}
out=${BUILD:-build}/fuzz
passed=0
failed=0

for bin in "$@"; do
	name=${bin##*/}
	work=$out/run/$name
	rm -rf "$work"
	mkdir -p "$work/corpus" "$out/crashes"
	cp tests/fuzz/corpus/"$name"/* "$work/corpus/"
	dict=()
	[ -f tests/fuzz/"$name".dict ] && dict=(-dict=tests/fuzz/"$name".dict)
	"$bin" -max_total_time="$time" -timeout=10 -print_final_stats=1 "${dict[@]}" \
		-artifact_prefix="$out/crashes/$name-" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$work/log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
	artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -1)
	if [ "$rc" = 0 ] && [ -z "$artifact" ]; then
		echo "fuzz $name: ${runs:-0} executions in ${secs:-$time} s, 0 crashes"
		passed=$((passed + 1))
	else
		echo "fuzz $name: ${runs:-0} executions, 1 crash (exit $rc): input in ${artifact:-none}, log in $work/log"
		grep -m1 -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|$name: )" "$work/log" | sed 's/^/  /'
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
