# shellcheck shell=sh
# The Linux guest knows it runs on KVM: it picks kvm-clock, and its clock
# keeps time with the test host's over a minute of load on both vCPUs
# (within 5%), with edu and the NVMe controller assigned and driven
# (edu-test, the disk check) and a clean power-off: the guest paths that
# stalled when the hypervisor bit alone was set.
# timeout: 420

edu=$(device_bdf edu)
nvme=$(device_bdf nvme)

step "airlock run ... --processors 2 --vfio rp0:$edu --vfio rp1:$nvme, guest.clock=60 guest.disk=check"
{
	status=0
	"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
		--cmdline "console=ttyS0 panic=-1 guest.wait=5 guest.clock=60 guest.disk=check" --com1 console \
		--memory 256M --processors 2 \
		--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
		--vfio "rp0:$edu" --vfio "rp1:$nvme" 2>&1 </dev/null || status=$?
	echo "AIRLOCK-EXIT $status"
} | stamp | tee output
status=$(awk '$2 == "AIRLOCK-EXIT" { print $3 }' output)
[ "$status" = 0 ] || fail "airlock exited with status $status"
expect_line output "GUEST-CLOCK kvm-clock"
expect_line output "GUEST-EDU 0000:01:00.0 dma 2048 ok"
expect_line output "GUEST-DISK nvme0n1 read 67108864 ok"
expect_line output "the guest powered off"

step "the guest's clock against the test host's over the load"
clock_ratio output >ratio || fail "no GUEST-CLOCK start and end lines from the guest"
ratio=$(cat ratio)
echo "FIGURE guest-clock: guest seconds per test-host second under load $ratio"
awk -v r="$ratio" 'BEGIN { exit !(r >= 0.95 && r <= 1.05) }' ||
	fail "the guest's clock ran at $ratio of the test host's (want 0.95 to 1.05)"
