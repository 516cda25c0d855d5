# shellcheck shell=sh
# Two PCIe root complexes, each its own PCI segment with one root port.
# timeout: 150

step "airlock run ... --pcie-root-complex rc0 --pcie-root-complex rc1 (one port each)"
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
	--cmdline "console=ttyS0 panic=-1 guest.wait=1" --com1 console --memory 256M --processors 1 \
	--pcie-root-complex rc0 --pcie-root-complex rc1 \
	--pcie-root-port rc0:rp0 --pcie-root-port rc1:rp1 \
	>output 2>&1 || status=$?
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "GUEST-CPUS 1"
expect_line output "GUEST-PCI 0000:00:00.0 1b36:0008:060000"
expect_line output "GUEST-PCI 0000:00:01.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-PCI 0001:00:00.0 1b36:0008:060000"
expect_line output "GUEST-PCI 0001:00:01.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-END"
