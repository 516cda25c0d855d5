# shellcheck shell=sh
# edu assigned to a Linux guest whose airlock_edu module (guest.edu=) takes
# one interrupt of edu's and checks it arrives: the factorial's completion
# interrupt and 100 raised one at a time, each acknowledged by the handler.
# First through MSI (the VMM's MSI capability, an irqfd route to the vCPU),
# then through INTx (the line through the root port to the I/O APIC). edu-
# test still drives edu beside the module, DMA round trip included.
# timeout: 300

edu=$(device_bdf edu)

for mode in msi intx; do
	step "airlock run ... --vfio rp0:$edu (guest.edu=$mode)"
	linux_guest "output-$mode" "guest.wait=1 guest.edu=$mode" \
		--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu"
	out=output-$mode
	expect_line "$out" "GUEST-PCI 0000:01:00.0 1234:11e8:00ff00 airlock_edu"
	expect_line "$out" "GUEST-EDUIRQ 0000:01:00.0 $mode factorial 3628800 irqs 100/100"
	expect_line "$out" "GUEST-EDU 0000:01:00.0 dma 2048 ok"
	case $mode in
	msi)
		expect_line "$out" "GUEST-MSI 0000:01:00.0 msi"
		chip=PCI-MSI
		;;
	intx)
		! grep -q "GUEST-MSI 0000:01:00.0" "$out" || fail "guest.edu=intx, yet edu has MSI enabled"
		chip=IO-APIC
		;;
	esac
	n=$(irq_sum "$out" airlock_edu "$chip")
	echo "$mode: $n interrupts on airlock_edu's $chip vector"
	# 1 factorial + 100 raised; a shared INTx line may count others' too.
	[ "$n" -ge 101 ] || fail "$mode: airlock_edu's $chip vector counted $n interrupts, expected 101"
done
