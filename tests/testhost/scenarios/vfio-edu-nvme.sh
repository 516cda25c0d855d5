# shellcheck shell=sh
# Two host devices bound to vfio-pci, edu and an NVMe controller, each
# behind its own root port of one VM. The guest lists them with their real
# IDs, and drives edu through BAR0: identification, liveness, factorial,
# and a DMA round trip guest RAM -> edu -> guest RAM checked byte for byte,
# which only works if the broker mapped guest RAM with IOVA == GPA. Run
# twice: with BAR0 mapped into the guest, and with every access trapped.
# The guest's nvme driver binds to the controller (vfio-nvme checks its I/O).
# timeout: 240

edu=$(device_bdf edu)
nvme=$(device_bdf nvme)

boot() {
	# The console goes to the log as it comes, so a hang shows where.
	{
		status=0
		"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
			--cmdline "console=ttyS0 panic=-1 guest.wait=1" --com1 console --memory 256M --processors 2 \
			--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
			--vfio "rp0:$edu$1" --vfio "rp1:$nvme" 2>&1 </dev/null || status=$?
		echo "airlock-status $status"
	} | tee output
	status=$(sed -n 's/^airlock-status //p' output)
	[ "$status" = 0 ] || fail "airlock exited with status $status"
	expect_line output "GUEST-PCI 0000:01:00.0 1234:11e8:00ff00"
	expect_line output "GUEST-PCI 0000:02:00.0 1b36:0010:010802 nvme"
	expect_line output "GUEST-EDU 0000:01:00.0 id 0x010000ed"
	expect_line output "GUEST-EDU 0000:01:00.0 live ok"
	expect_line output "GUEST-EDU 0000:01:00.0 fact 10 3628800"
	expect_line output "GUEST-EDU 0000:01:00.0 dma 2048 ok"
	expect_line output "the guest powered off"
}

step "airlock run ... --vfio rp0:$edu --vfio rp1:$nvme (BAR0 mapped into the guest)"
boot ""

step "the same with --vfio rp0:$edu,trap (every BAR access forwarded by the VMM)"
boot ",trap"

step "both devices are back with vfio-pci and their groups are free"
for bdf in "$edu" "$nvme"; do
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")" = vfio-pci ] ||
		fail "$bdf is no longer bound to vfio-pci"
done
