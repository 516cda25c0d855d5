# shellcheck shell=sh
# Self-test fixture: a Linux guest whose kernel stops in its boot the first
# time (its console ends in kernel lines), then boots: the harness runs it
# once more and it passes.
# timeout: 30
mark=$SELFTEST_MARKS/hung-boot.tried
if [ ! -e "$mark" ]; then
	: >"$mark"
	echo "[    4.020055] pci 0000:00:01.0: bridge window [mem 0xc0000000-0xc00fffff]: assigned"
	fail "no 'GUEST-PROMPT# ' from the guest within 1 s"
fi
echo "GUEST-BEGIN kernel 6.1.0-selftest"
