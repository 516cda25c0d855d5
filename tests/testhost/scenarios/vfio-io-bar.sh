# shellcheck shell=sh
# An e1000e assigned with no guest driver: the guest reaches its registers
# through memory BAR0 (mapped into the guest) and through its I/O BAR (every
# access forwarded by the VMM), and both paths agree, reads and writes.
# timeout: 120

e1000e=$(device_bdf e1000e)
step "airlock run ... --vfio rp0:$e1000e (guest without the e1000e driver)"
: >output
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
	--cmdline "console=ttyS0 panic=-1 guest.wait=1 guest.noload=e1000e" --com1 console --memory 256M \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$e1000e" >output 2>&1 || status=$?
grep -E "GUEST-(PCI|IOBAR)|airlock" output
[ "$status" = 0 ] || fail "airlock exited with status $status"
expect_line output "GUEST-PCI 0000:01:00.0 8086:10d3:020000 -"
expect_line output "GUEST-IOBAR 0000:01:00.0 status mmio"
grep -q "GUEST-IOBAR 0000:01:00.0 status .* same" output || fail "STATUS differs between BAR0 and the I/O BAR"
expect_line output "GUEST-IOBAR 0000:01:00.0 rdbal io->mmio ok mmio->io ok"
