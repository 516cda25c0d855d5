# shellcheck shell=sh
# Crashes on either side of the trust boundary, during NVMe I/O in a Linux
# guest. kill -9 of the VMM: the broker names the signal, exits 137, and on
# the way out stops and resets the device, then unmaps DMA, releases the
# device and writes the audit lines; a new VM then reads the whole disk
# pattern through the same controller. kill -9 of the broker: the VMM dies at once (its parent-death
# signal), no /dev/vfio file stays open, and the controller can be had
# again. Guest RAM pinned for DMA is the broker's own locked memory
# (VmLck): the whole guest while it runs, in 2 MiB pages, and the next
# broker pins the same amount again, not more.
# timeout: 420

nvme=$(device_bdf nvme)
log=/var/log/airlock-audit.log
head=4149524c4f434b2d4449534b206e766d
pid=''	# the broker's, set by guest_shell (hostfs/testhost/lib.sh)

vfio_holders() {
	for fd in /proc/[0-9]*/fd/*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		case $target in /dev/vfio/*) echo "${fd%%/fd/*} $target" ;; esac
	done
}

locked_kb() {
	awk '$1 == "VmLck:" { print $2 }' "/proc/$1/status"
}

# A guest shell with nvme assigned, reading the disk in a loop, the page
# cache dropped each time so that every pass is NVMe I/O.
guest_reading() {
	guest_shell "" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme"
	# The quotes in the marker keep the shell's echo of this line from matching it.
	printf '%s\n' 'while :; do dd if=/dev/nvme0n1 of=/dev/null bs=1M count=16 2>/dev/null; echo 3 >/proc/sys/vm/drop_caches; echo GUEST-PA""SS; done &' >&3
	wait_for "GUEST-PASS" 90
}

step "kill -9 the VMM during NVMe I/O"
guest_reading
broker=$pid
vmm=$(vmm_of "$broker")
pinned=$(locked_kb "$broker")
echo "broker $broker, VMM $vmm; the broker has $pinned kB pinned for DMA"
[ "$pinned" -ge 262144 ] || fail "the broker has $pinned kB locked, not the guest's 256 MiB"
# Guest RAM is on a tmpfs of 2 MiB pages by default (broker/vm.c): all of it, pinned.
huge=$(awk '/^(Shmem|File)PmdMapped:/ { kb += $2 } END { print kb + 0 }' "/proc/$broker/smaps_rollup")
echo "the broker maps $huge kB of guest RAM in 2 MiB pages"
[ "$huge" -ge 262144 ] || fail "only $huge kB of the broker's guest RAM mapping is in 2 MiB pages, not 256 MiB"
kill -KILL "$vmm"
status=0
wait "$broker" || status=$?
exec 3>&-
tail -n 3 output
[ "$status" -eq 137 ] || fail "airlock exited with status $status, expected 137 (the VMM's SIGKILL)"
expect_line output "the VMM was killed by signal SIGKILL"
if grep -E 'UNMAP_DMA|reset after the VM' output; then
	fail "the broker's teardown reported an error"
fi
holders=$(vfio_holders)
[ -z "$holders" ] || fail "still open after airlock exited: $holders"
vm=$(jq -r 'select(.event == "request") | .vm' "$log" | tail -n 1)
events=$(jq -r --arg vm "$vm" 'select(.vm == $vm) | .event' "$log" | tr '\n' ' ')
echo "audit, vm $vm: $events"
case $events in
*"vmm-exit device-reset dma-unmap teardown ") ;;
*) fail "the audit log does not end the run with vmm-exit, device-reset, dma-unmap, teardown: the device must stop before its DMA is unmapped" ;;
esac
jq -c --arg vm "$vm" 'select(.vm == $vm and (.event == "vmm-exit" or .event == "dma-unmap" or .event == "teardown"))' "$log"
jq -c --arg vm "$vm" 'select(.vm == $vm and .event == "vmm-exit")' "$log" | jq -e '.signal == "KILL"' >/dev/null ||
	fail "vmm-exit does not name SIGKILL"
jq -c --arg vm "$vm" 'select(.vm == $vm and .event == "dma-unmap")' "$log" | jq -e '.bytes == 268435456' >/dev/null ||
	fail "dma-unmap does not undo all 256 MiB"

step "the same controller in a new VM at once: the whole pattern reads back"
linux_guest output "guest.disk=check" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme"
expect_line output "GUEST-BLOCK nvme0n1 262144 $head"
expect_line output "GUEST-DISK nvme0n1 read 67108864 ok"

step "kill -9 the broker during NVMe I/O"
guest_reading
broker=$pid
vmm=$(vmm_of "$broker")
again=$(locked_kb "$broker")
echo "broker $broker, VMM $vmm; the broker has $again kB pinned (the first had $pinned kB)"
[ "$again" -eq "$pinned" ] || fail "the new broker pins $again kB, the first pinned $pinned kB"
kill -KILL "$broker"
wait "$broker" || true
exec 3>&-
# Dead means every thread gone: the leader turns zombie first, and the
# vCPU threads, which share its descriptors (the VFIO device's among
# them), follow.
vmm_alive() {
	set -- /proc/"$vmm"/task/*
	[ $# -gt 1 ] || grep -q '^State:.*[RSD]' "/proc/$vmm/status" 2>/dev/null
}
group_held() {
	[ -n "$(vfio_holders)" ]
}
# within SECONDS WHAT CHECK: until CHECK fails, for at most SECONDS.
within() {
	tries=$(($1 * 5))
	while $3; do
		[ "$tries" -gt 0 ] || fail "$2 after $1 s"
		tries=$((tries - 1))
		sleep 0.2
	done
}
within 5 "the VMM $vmm outlived its broker" vmm_alive
echo "the VMM died with its broker"
within 5 "a /dev/vfio file is still open after the broker died" group_held

step "the controller can be had again"
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console --pcie-root-complex rc0 \
	--pcie-root-port rc0:rp0 --vfio "rp0:$nvme" >output 2>&1 || status=$?
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "hello from the airlock test guest"
