# shellcheck shell=sh
# An e1000e assigned to a Linux guest that drives it with its own e1000e
# driver: the guest brings the link up, sees the carrier and the MAC QEMU
# gave the NIC, and its MSI-X vectors count interrupts (the link-state
# interrupt, "eth0", at least: the carrier comes from it).
# timeout: 150

e1000e=$(device_bdf e1000e)
mac=$(awk '$1 == "e1000e" && match($4, /mac=[^,]*/) { print substr($4, RSTART + 4, RLENGTH - 4) }' \
	"$TESTHOST_DEVICES_CONF")

step "airlock run ... --vfio rp0:$e1000e (guest with the e1000e driver)"
linux_guest output "guest.wait=10" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$e1000e"
expect_line output "GUEST-PCI 0000:01:00.0 8086:10d3:020000 e1000e"
expect_line output "GUEST-NET eth0 $mac e1000e 1"
expect_line output "GUEST-MSI 0000:01:00.0 msix"
link=$(irq_sum output eth0 PCI-MSI)
queues=$(irq_sum output 'eth0-(rx|tx)-[0-9]+' PCI-MSI)
echo "MSI-X interrupts: link/other $link, rx/tx queues $queues"
[ "$link" -gt 0 ] || fail "no interrupt on the e1000e's link/other MSI-X vector (GUEST-IRQ ... eth0)"
