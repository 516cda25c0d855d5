# shellcheck shell=sh
# Device interrupts bypass the VMM. The guest reads 64 MiB from an assigned
# NVMe controller (O_DIRECT, every sector checked) while the broker's
# counters (SIGUSR1) are read before and after: the guest's nvme queue
# interrupts rise by the hundreds, and no VMM thread wakes for any of them
# (irq_wakeups 0), nor for a doorbell (no MMIO exit: BAR0's registers are
# mapped into the guest; only the MSI-X table page is trapped). The same
# read with ",trap" shows the counters do count: every doorbell exits.
# timeout: 300

nvme=$(device_bdf nvme)
pid=''	# the broker's, set by guest_shell (hostfs/testhost/lib.sh)

# counter NAME LINE: a number from a stats line; 0 when the key is absent
# (exit reasons that never happened are left out).
counter() {
	case $1 in
	exits.*) echo "$2" | sed -n 's/.*"exits":{\([^}]*\)}.*/\1/p' | tr ',' '\n' |
		sed -n "s/^\"${1#exits.}\":\([0-9]*\)$/\1/p" ;;
	dev.*) echo "$2" | sed -n "s/.*\"devices\":\[{\"name\":\"$nvme\",\([^}]*\)}.*/\1/p" | tr ',' '\n' |
		sed -n "s/^\"${1#dev.}\":\([0-9]*\)$/\1/p" ;;
	*) echo "$2" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" ;;
	esac | grep . || echo 0
}

# delta NAME: how much counter NAME grew from $before to $after.
delta() {
	echo $(($(counter "$1" "$after") - $(counter "$1" "$before")))
}

# stats N: ask the broker for its counters; sets $line to the Nth stats
# line (it may follow the guest's prompt on the same console line).
stats() {
	kill -USR1 "$pid"
	tries=25
	until [ "$(grep -c 'airlock: stats ' output || true)" -ge "$1" ]; do
		[ "$tries" -gt 0 ] || fail "no stats line from the broker after SIGUSR1"
		tries=$((tries - 1))
		sleep 0.2
	done
	line=$(grep -o 'airlock: stats .*' output | sed -n "${1}p")
}

read_with_counters() {
	opt=$1
	step "airlock run ... --vfio rp0:$nvme$opt, a shell in the guest"
	guest_shell guest.wait=20 --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme$opt"
	# The guest's nvme interrupts, summed over both CPUs; the output line is "NVME-IRQS N".
	# shellcheck disable=SC2016 # the guest's shell expands these
	printf '%s\n' 'irqs() { awk '\''/nvme0q/ { s += $2 + $3 } END { print "NVME" "-IRQS", s }'\'' /proc/interrupts; }' >&3

	step "counters, then the guest reads 64 MiB with O_DIRECT, then counters again"
	stats 1
	before=$line
	# shellcheck disable=SC2016 # the guest's shell expands it
	printf '%s\n' 'irqs; disk-pattern check /dev/nvme0n1 nvme 64M; irqs; echo READ-$((6*7))-DONE' >&3
	wait_for "READ-42-DONE" 120
	stats 2
	after=$line
	guest_shell_end
	expect_line output "GUEST-DISK nvme0n1 read 67108864 ok"

	irqs=$(sed -n 's/^NVME-IRQS \([0-9]*\).*/\1/p' output | tr -d '\r')
	# shellcheck disable=SC2086 # one word per NVME-IRQS line
	set -- $irqs
	[ $# -eq 2 ] || fail "expected two NVME-IRQS lines from the guest, got: $irqs"
	delivered=$(($2 - $1))
	wakeups=$(delta vcpu_wakeups)
	irq_wakeups=$(delta irq_wakeups)
	io_exits=$(delta exits.io)
	mmio_exits=$(delta exits.mmio)
	trapped=$(delta dev.mmio)
	echo "FIGURE nvme-read$opt: $delivered nvme interrupts delivered; VMM: $wakeups vCPU wake-ups" \
		"($io_exits port I/O exits, the console; $mmio_exits MMIO exits), $irq_wakeups for interrupts," \
		"$trapped trapped accesses to the controller"
	[ "$delivered" -gt 0 ] || fail "the guest counted no nvme interrupts during the read"
	[ "$irq_wakeups" -eq 0 ] || fail "the VMM acted on $irq_wakeups interrupts itself"
}

read_with_counters ""
if [ "$trapped" -ne 0 ] || [ "$mmio_exits" -ne 0 ]; then
	fail "mapped BAR0: $mmio_exits MMIO exits, $trapped trapped controller accesses during the read; expected none"
fi

read_with_counters ",trap"
[ "$trapped" -ge "$delivered" ] ||
	fail "with ,trap every doorbell should exit: $trapped trapped accesses for $delivered interrupts"
