# shellcheck shell=sh
# Self-test fixture: a Linux guest whose kernel stops in its boot every
# time: the second failure stands.
# timeout: 30
echo "[    4.020055] pci 0000:00:01.0: bridge window [mem 0xc0000000-0xc00fffff]: assigned"
fail "no 'GUEST-PROMPT# ' from the guest within 1 s"
