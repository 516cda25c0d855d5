# shellcheck shell=sh
# An NVMe controller assigned to a Linux guest that drives it with its own
# nvme driver, through MSI-X: once with the MSI-X table in BAR0 beside the
# registers (nvme), once in a BAR of its own (nvme-xbar). The guest sees
# its 128 MiB namespace, reads the disk image's whole 64 MiB pattern back
# with O_DIRECT and checks every sector, and writes a token past it, which
# the runner finds in the disk image after the test host has shut down
# (BACKING-EXPECT). Its queues' MSI-X vectors count interrupts.
# timeout: 360

# One token per run: the disk images are made afresh for each test host,
# and no other scenario writes at this offset.
offset=$((65 << 20))
token=vfio-nvme-$(head -c 8 /proc/sys/kernel/random/uuid)
# The first 16 bytes of each disk image, "AIRLOCK-DISK nvm", in hex.
head=4149524c4f434b2d4449534b206e766d

for name in nvme nvme-xbar; do
	bdf=$(device_bdf "$name")
	drive=$(device_drive "$name")
	step "airlock run ... --vfio rp0:$bdf ($name; guest.disk=check guest.diskwrite=$offset:$token-$drive)"
	linux_guest "output-$name" "guest.disk=check guest.diskwrite=$offset:$token-$drive" \
		--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$bdf"
	out=output-$name
	expect_line "$out" "GUEST-PCI 0000:01:00.0 1b36:0010:010802 nvme"
	expect_line "$out" "GUEST-BLOCK nvme0n1 262144 $head"
	expect_line "$out" "GUEST-DISK nvme0n1 read 67108864 ok"
	expect_line "$out" "GUEST-DISK nvme0n1 wrote $offset $token-$drive"
	echo "BACKING-EXPECT $drive $offset $token-$drive"
	expect_line "$out" "GUEST-MSI 0000:01:00.0 msix"
	admin=$(irq_sum "$out" nvme0q0 PCI-MSI)
	io=$(irq_sum "$out" 'nvme0q[1-9][0-9]*' PCI-MSI)
	echo "$name: MSI-X interrupts: admin queue $admin, I/O queues $io"
	[ "$admin" -gt 0 ] || fail "$name: no interrupt on the admin queue's MSI-X vector (GUEST-IRQ ... nvme0q0)"
	# 64 MiB read in 1 MiB requests: at least 64 completions, fewer
	# interrupts only if the device coalesced them.
	[ "$io" -ge 16 ] || fail "$name: only $io interrupts on the I/O queues' MSI-X vectors for a 64 MiB read"
done

step "both controllers are back with vfio-pci"
for name in nvme nvme-xbar; do
	bdf=$(device_bdf "$name")
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")" = vfio-pci ] ||
		fail "$bdf ($name) is no longer bound to vfio-pci"
done
