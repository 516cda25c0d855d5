#!/bin/bash
# Self-test of the test-host runner, without QEMU: runs the in-host harness
# on fixture scenarios (selftest/*.sh, one deliberately broken) under each
# POSIX shell available (sh and busybox sh), feeds its output and made-up
# serial logs to parse-results.sh, and checks the device table helpers,
# the disk images' pattern (disk-pattern) and the backing-file check of
# BACKING-EXPECT lines.
# Prints TAP lines ("ok N - name"); exits non-zero when a check fails.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
harness=$here/hostfs/testhost/harness.sh
scenario_lib=$here/hostfs/testhost/lib.sh
parser=$here/parse-results.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0 failures=0
# check NAME COMMAND...: one TAP line for whether COMMAND succeeds.
check() {
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/check.out" 2>&1; then
		echo "ok $n - $name"
	else
		failures=$((failures + 1))
		echo "not ok $n - $name"
		sed 's/^/#   /' "$tmp/check.out"
	fi
}
# has FILE REGEX: FILE has a line matching the extended REGEX.
has() {
	grep -qE -- "$2" "$1" || { echo "no line matching '$2' in:"; cat "$1"; return 1; }
}
hasnt() {
	! grep -qE -- "$2" "$1" || { echo "unexpected line matching '$2' in:"; cat "$1"; return 1; }
}
# process_gone PIDFILE: the process is dead (a zombie counts: here the
# orphan's new parent may not reap it at once).
process_gone() {
	local pid state
	pid=$(cat "$1") || return 1
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 0
	[ -z "$state" ] || [ "$state" = Z ] || { echo "process $pid still runs (state $state)"; return 1; }
}
fails() {
	! "$@"
}
status_is() {
	[ "$(cat "$1")" = "$2" ] || { echo "exit status $(cat "$1"), expected $2"; return 1; }
}

# --- the harness, under each shell
shells=(sh)
command -v busybox >/dev/null && shells+=("busybox sh")
for shell in "${shells[@]}"; do
	out=$tmp/harness-${shell// /-}.log
	printf '%s\n' passes broken errexit hangs missing hung-boot hung-twice >"$tmp/list"
	rm -f "$tmp"/hung-*.tried
	status=0
	SELFTEST_PIDFILE=$tmp/leftover.pid SELFTEST_MARKS=$tmp HARNESS_TIMEOUT=20 \
		$shell "$harness" "$scenario_lib" "$tmp/list" "$here/selftest" >"$out" 2>&1 || status=$?
	echo "$status" >"$tmp/status"

	check "$shell: passing scenario reports PASS" \
		has "$out" '^SCENARIO-RESULT passes PASS [0-9]+s$'
	check "$shell: scenario output is shown between the markers" \
		has "$out" '^all good$'
	check "$shell: broken scenario fails with its own reason" \
		has "$out" "^SCENARIO-RESULT broken FAIL [0-9]+s the guest did not print 'hello from the airlock test guest'$"
	check "$shell: a failing command fails the scenario, naming the error" \
		has "$out" '^SCENARIO-RESULT errexit FAIL [0-9]+s exit status [1-9][0-9]*; last output: .*nonexistent/airlock-selftest-file'
	check "$shell: set -e stops the scenario at the failing command" \
		hasnt "$out" '^not reached$'
	check "$shell: a hanging scenario fails at its own timeout" \
		has "$out" '^SCENARIO-RESULT hangs FAIL [0-9]+s timed out after 2s$'
	check "$shell: what a timed-out scenario left running is killed" \
		process_gone "$tmp/leftover.pid"
	check "$shell: a missing scenario fails" \
		has "$out" '^SCENARIO-RESULT missing FAIL 0s no such scenario: '
	check "$shell: a guest kernel stopped in its boot gets one more run, said as it starts" \
		has "$out" '^SCENARIO-RETRY hung-boot: a guest kernel stopped in its boot, before its init ran; running it once more$'
	check "$shell: which then passes" has "$out" '^SCENARIO-RESULT hung-boot PASS [0-9]+s$'
	check "$shell: a second such failure stands" \
		has "$out" "^SCENARIO-RESULT hung-twice FAIL [0-9]+s no 'GUEST-PROMPT# ' from the guest within 1 s$"
	check "$shell: a failure with the guest's init on its console gets no second run" \
		hasnt "$out" '^SCENARIO-RETRY (broken|errexit|hangs|missing)'
	check "$shell: the harness counts results" \
		has "$out" '^SCENARIOS-DONE 2 passed, 5 failed$'
	check "$shell: the harness exits non-zero on failure" \
		status_is "$tmp/status" 1
done

# --- scenario helpers of hostfs/testhost/lib.sh, under each shell
printf 'GUEST-IRQ 24 10 PCI-MSI 81920-edge nvme0q0\r\nGUEST-IRQ 25 125 PCI-MSI 81921-edge nvme0q1\r\n' >"$tmp/irqs"
printf '[ 9.1] x GUEST-IRQ 26 7 IR-PCI-MSI 81922-edge nvme0q2\r\nGUEST-IRQ 20 101 IO-APIC 20-fasteoi airlock_edu\r\n' >>"$tmp/irqs"
for shell in "${shells[@]}"; do
	helper() {
		# shellcheck disable=SC2016 # $1 and $@ expand in the inner shell
		TESTHOST_DEVICES_CONF=$here/devices.conf $shell -c '. "$1"; shift; "$@"' sh "$scenario_lib" "$@"
	}
	check "$shell: irq_sum adds up the vectors whose name matches" \
		test "$(helper irq_sum "$tmp/irqs" 'nvme0q[1-9][0-9]*')" = 132
	check "$shell: irq_sum keeps to the chip asked for" \
		test "$(helper irq_sum "$tmp/irqs" 'nvme0q[0-9]+' PCI-MSI) $(helper irq_sum "$tmp/irqs" airlock_edu PCI-MSI)" = "142 0"
	check "$shell: device_drive names a device's disk image" \
		test "$(helper device_drive nvme-xbar):$(helper device_drive edu)" = "nvmexbar:"
done

# --- the result parser, on the harness's own output
out=$tmp/harness-sh.log
parsed=$tmp/parsed.txt
status=0
"$parser" "$out" passes broken errexit hangs missing >"$parsed" 2>&1 || status=$?
echo "$status" >"$tmp/status"
check "parser: PASS line for a passing scenario" has "$parsed" '^PASS  passes \([0-9]+s\)$'
check "parser: FAIL line carries the reason" \
	has "$parsed" "^FAIL  broken \([0-9]+s\): the guest did not print 'hello from the airlock test guest'$"
check "parser: a failure shows the tail of the scenario's output" \
	has "$parsed" "^    FAIL-REASON: the guest did not print"
check "parser: the tail names the whole log" \
	has "$parsed" "^--- broken: last [0-9]+ lines of its output \(whole serial log: $out\)$"
check "parser: closing line" has "$parsed" '^1 passed, 4 failed$'
check "parser: closing line is the last line" \
	test "$(tail -n 1 "$parsed")" = "1 passed, 4 failed"
check "parser: exits non-zero when a scenario failed" status_is "$tmp/status" 1

# --- the result parser, on made-up serial logs
printf '\033c\033[?7l\033[2JSCENARIO-BEGIN a\r\nhello\r\nSCENARIO-RESULT a PASS 2s\r\n' >"$tmp/serial.log"
printf 'SCENARIO-BEGIN b\r\nSCENARIO-RESULT b PASS 1s\r\n' >>"$tmp/serial.log"
status=0
"$parser" "$tmp/serial.log" a b >"$parsed" 2>&1 || status=$?
echo "$status" >"$tmp/status"
check "parser: reads serial logs (CR LF, terminal resets)" has "$parsed" '^PASS  a \(2s\)$'
check "parser: all passed" has "$parsed" '^2 passed, 0 failed$'
check "parser: exits 0 when all passed" status_is "$tmp/status" 0

printf 'SCENARIO-BEGIN a\nSCENARIO-RESULT a PASS 1s\nSCENARIO-BEGIN b\nworking on it\n' >"$tmp/crash.log"
printf '[    6.35] Kernel panic - not syncing: sysrq triggered crash\n[    6.36] Call Trace:\n' >>"$tmp/crash.log"
"$parser" "$tmp/crash.log" a b c >"$parsed" 2>&1
check "parser: a scenario cut short by a crash fails" \
	has "$parsed" '^FAIL  b \(-\): no result: the test host stopped or the run timed out during this scenario \(Kernel panic - not syncing: sysrq triggered crash\)$'
check "parser: the crash's last lines are shown" has "$parsed" '^    \[    6.36\] Call Trace:$'
check "parser: scenarios after the crash fail as not run" \
	has "$parsed" '^FAIL  c \(-\): not run: the test host never started it$'
check "parser: counts a crash as failures" has "$parsed" '^1 passed, 2 failed$'

printf 'SeaBIOS\nBooting from ROM..\n' >"$tmp/noboot.log"
status=0
"$parser" "$tmp/noboot.log" a >"$parsed" 2>&1 || status=$?
echo "$status" >"$tmp/status"
check "parser: nothing ran when the test host did not boot" \
	has "$parsed" '^FAIL  a \(-\): not run: '
check "parser: exits non-zero when the test host did not boot" status_is "$tmp/status" 1

# --- the device table helpers
# shellcheck source=lib.sh
source "$here/lib.sh"
qemu_device_args nvme "$tmp/images" >"$tmp/args" 2>&1
check "devices: nvme gets its drive and slot" \
	has "$tmp/args" '^nvme,serial=airlock-nvme,drive=nvme,addr=05\.0$'
check "devices: a drive gets a raw image that names it" \
	test "$(head -c 18 "$tmp/images/nvme.img")" = "AIRLOCK-DISK nvme"
check "devices: the image is 128 MiB" test "$(stat -c %s "$tmp/images/nvme.img")" = 134217728
check "devices: the -drive argument names the image" \
	bash -c "source '$here/lib.sh'; qemu_device_args nvme '$tmp/images' | grep -qx 'file=$tmp/images/nvme.img,if=none,format=raw,id=nvme'"
check "devices: a NIC gets an isolated network" \
	bash -c "source '$here/lib.sh'; qemu_device_args e1000e '$tmp/images' | grep -qx 'user,id=nic0,restrict=on'"
check "devices: an unknown device is refused" \
	fails bash -c "source '$here/lib.sh'; qemu_device_args no-such-device '$tmp/images'"

# --- disk-pattern, on the image qemu_device_args made
pattern=$(build_disk_pattern)
img=$tmp/images/nvme.img
"$pattern" check "$img" nvme 64M >"$tmp/dp.out" 2>&1
check "disk-pattern: the fresh image's pattern checks out" \
	has "$tmp/dp.out" '^GUEST-DISK nvme.img read 67108864 ok [0-9.]+ MiB/s$'
cp "$img" "$tmp/changed.img"
printf 'X' | dd of="$tmp/changed.img" bs=1 seek=$((77 * 512 + 100)) conv=notrunc 2>/dev/null
"$pattern" check "$tmp/changed.img" nvme 64M >"$tmp/dp.out" 2>&1
check "disk-pattern: one changed byte is found, with its sector" \
	has "$tmp/dp.out" '^GUEST-DISK changed.img read 67108864 bad 1 of 131072 sectors differ, the first at lba 77$'
"$pattern" check "$img" nvmexbar 1M >"$tmp/dp.out" 2>&1
check "disk-pattern: another disk's id does not check out" \
	has "$tmp/dp.out" '^GUEST-DISK nvme.img read 1048576 bad 2048 of 2048 sectors differ, the first at lba 0$'
"$pattern" write "$tmp/changed.img" $((64 << 20)) tok-1 >"$tmp/dp.out" 2>&1
check "disk-pattern: write reports the block it wrote" \
	has "$tmp/dp.out" '^GUEST-DISK changed.img wrote 67108864 tok-1$'
check "disk-pattern: the written block holds the token and a newline" \
	test "$(tail -c +$(((64 << 20) + 1)) "$tmp/changed.img" | head -c 6 | od -A n -c | tr -s ' ')" = " t o k - 1 \n"
check "disk-pattern: no write into the pattern" fails "$pattern" write "$tmp/changed.img" 4096 tok-2
check "disk-pattern: no unaligned write" fails "$pattern" write "$tmp/changed.img" $(((64 << 20) + 512)) tok-2

# --- backing_check: BACKING-EXPECT lines against the disk images
{
	printf 'SCENARIO-BEGIN wrote\r\nBACKING-EXPECT nvme 67108864 tok-1\r\nSCENARIO-RESULT wrote PASS 3s\r\n'
	printf 'SCENARIO-BEGIN lost\r\nBACKING-EXPECT nvme 67112960 tok-2\r\nSCENARIO-RESULT lost PASS 2s\r\n'
	printf 'SCENARIO-BEGIN broke\r\nBACKING-EXPECT nvmexbar 67108864 tok-3\r\nSCENARIO-RESULT broke FAIL 1s its own reason\r\n'
	printf 'SCENARIO-BEGIN plain\r\nSCENARIO-RESULT plain PASS 1s\r\n'
} >"$tmp/backing.log"
mkdir -p "$tmp/backing"
cp "$tmp/changed.img" "$tmp/backing/nvme.img"
(backing_check "$tmp/backing.log" "$tmp/backing") >"$tmp/backing.out" 2>&1
"$parser" "$tmp/backing.log" wrote lost broke plain >"$parsed" 2>&1
check "backing: a token in the image is reported found" \
	has "$tmp/backing.log" "^BACKING-FOUND nvme 67108864 tok-1 in $tmp/backing/nvme.img\$"
check "backing: the scenario whose token is there still passes" has "$parsed" '^PASS  wrote \(3s\)$'
check "backing: a token not in the image fails its scenario" \
	has "$parsed" "^FAIL  lost \(2s\): the guest's write to nvme at 67112960 is not in the backing file\$"
check "backing: the failure shows what the image holds there" \
	has "$parsed" "^    BACKING-MISSING nvme 67112960 tok-2: $tmp/backing/nvme.img holds 0{32} there\$"
check "backing: a failed scenario keeps its own reason" has "$parsed" '^FAIL  broke \(1s\): its own reason$'
check "backing: a missing image is named" \
	has "$tmp/backing.log" "^BACKING-MISSING nvmexbar 67108864 tok-3: there is no backing file $tmp/backing/nvmexbar.img\$"
check "backing: other scenarios are untouched" has "$parsed" '^PASS  plain \(1s\)$'
check "backing: the runner says what it found" has "$tmp/backing.out" '^\[testhost\] lost: BACKING-MISSING nvme 67112960 tok-2'
printf 'SCENARIO-BEGIN plain\r\nSCENARIO-RESULT plain PASS 1s\r\n' >"$tmp/plain.log"
cp "$tmp/plain.log" "$tmp/plain.orig"
(backing_check "$tmp/plain.log" "$tmp/backing") >/dev/null 2>&1
check "backing: a log without BACKING-EXPECT is left as it was" cmp "$tmp/plain.orig" "$tmp/plain.log"

# --- the counts for make check e2e's total (write_results, tests/total.sh)
{
	printf 'SCENARIO-BEGIN host-tier\r\nok 1 - a\r\nok 2 - b\r\nnot ok 3 - c\r\n'
	printf 'SCENARIO-RESULT host-tier FAIL 9s 1 of 3 host tests failed\r\n'
	printf 'SCENARIO-BEGIN tiny\r\nok 1 - not a host test\r\nSCENARIO-RESULT tiny PASS 1s\r\n'
} >"$tmp/tier.log"
"$parser" "$tmp/tier.log" tiny host-tier >"$tmp/tier.parsed" 2>&1
write_results "$tmp/tier.parsed" "$tmp/tier.log" "$tmp/results/e2e" 0
check "results: the scenarios but host-tier" has "$tmp/results/e2e" '^scenarios 1 0 0$'
check "results: host-tier's own test lines, and no other scenario's" has "$tmp/results/e2e" '^host-tier 2 1 0$'
printf 'SCENARIO-BEGIN host-tier\r\nok 1 - a\r\n' >"$tmp/froze.log"
"$parser" "$tmp/froze.log" host-tier >"$tmp/froze.parsed" 2>&1
write_results "$tmp/froze.parsed" "$tmp/froze.log" "$tmp/froze/e2e" 1
check "results: a host-tier without a result counts a failure" has "$tmp/froze/e2e" '^host-tier 1 1 0$'
check "results: host-tier left out counts as skipped" has "$tmp/froze/e2e" '^scenarios 0 0 1$'
# --- which scenarios another boot runs, after boots that died
{
	printf 'TESTHOST-READY\r\nSCENARIO-BEGIN a\r\nSCENARIO-RESULT a PASS 1s\r\nSCENARIO-BEGIN b\r\n'
	printf '\033cSeaBIOS\r\nSCENARIO-BEGIN c\r\nSCENARIO-RESULT c FAIL 1s why\r\nSCENARIO-BEGIN d\r\n'
	printf 'SeaBIOS\r\nSCENARIO-BEGIN b\r\n'
} >"$tmp/boots.log"
scenarios_for_another_boot "$tmp/boots.log" a b c d e f | paste -sd' ' >"$tmp/again"
check "another boot: those never begun, then one the test host died in once; not one it died in twice" \
	has "$tmp/again" '^e f d$'
scenarios_for_another_boot "$tmp/boots.log" a c >"$tmp/again"
check "another boot: none when each has a result" test ! -s "$tmp/again"
printf 'unit:test_a 10 0 2\nhost:kvm 0 0 1\n' >"$tmp/results/check"
check "total: a failure in either fails it" fails "$here/../total.sh" "$tmp/results" check e2e
"$here/../total.sh" "$tmp/results" check e2e >"$tmp/total.out" 2>&1
check "total: every test counted once, skips apart" has "$tmp/total.out" '^tests run in all: 14 \(make check 10; make e2e 4\), 3 skipped$'
check "total: ends with the passed and failed line" has "$tmp/total.out" '^13 passed, 1 failed$'
check "total: a make that left no results is named" fails "$here/../total.sh" "$tmp/results" check nope

echo "1..$n"
[ "$failures" -eq 0 ]
