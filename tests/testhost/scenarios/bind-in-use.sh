# shellcheck shell=sh
# airlock unbind and bind refuse, at once and in one line, a device that is
# in use. A VM named vm-edu holds edu and another, vm-nvme, holds nvme, at
# once: airlock ps and airlock list (text and JSON) agree on who holds
# what, a second VM of either name is refused;
# unbind names the VM's pid and exits 1 at once,
# where vfio-pci would have kept it waiting until the VM ended; once the
# VM is gone, unbind and bind go through. nvme-xbar's disk is made a swap
# area: bind refuses it, naming the disk and swapoff, and takes it once
# swap is off. (Mounts in other mount namespaces, NVMe multipath heads,
# device-mapper, RAID and btrfs need modules this test host does not
# have; the unit tests cover them with fake host trees.) Every device ends
# on vfio-pci, and the first MiB of the disk as it was.
# timeout: 240
# shellcheck disable=SC2086 # $PORTS is several arguments

edu=$(device_bdf edu)
edu_group=$(vfio_group edu)
xbar=$(device_bdf nvme-xbar)
nvme=$(device_bdf nvme)
PORTS="--pcie-root-complex rc0 --pcie-root-port rc0:rp0"
broker="" broker2="" disk="" saved=""

# Whatever happens, the next scenario finds every device with vfio-pci, and the disk's pattern.
restore() {
	for b in $broker $broker2; do
		kill -TERM "$b" 2>/dev/null || true
		wait "$b" 2>/dev/null || true
	done
	if [ -n "$saved" ]; then
		swapoff "/dev/$disk" 2>/dev/null || true
		dd if=head.img of="/dev/$disk" bs=1M count=1 conv=fsync 2>/dev/null || true
	fi
	for bdf in "$edu" "$xbar"; do
		[ "$(driver_of "$bdf")" = vfio-pci ] && continue
		[ -e "/sys/bus/pci/devices/$bdf/driver" ] && echo "$bdf" >"/sys/bus/pci/devices/$bdf/driver/unbind"
		echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
		echo "$bdf" >/sys/bus/pci/drivers_probe
	done
	rm -f "/run/airlock/drivers/$edu" "/run/airlock/drivers/$xbar"
}
trap restore EXIT

# airlock_ok ARGS...: airlock ARGS exits 0.
airlock_ok() {
	status=0
	"$AIRLOCK" "$@" >out 2>&1 || status=$?
	cat out
	[ "$status" -eq 0 ] || fail "airlock $* exited with status $status"
}

expect_driver() {
	[ "$(driver_of "$1")" = "$2" ] || fail "$1 is bound to $(driver_of "$1"), not $2"
}

# --stop-timeout 0: SIGTERM stops it at once (the idle guest would let the power button go unanswered).
step "a VM holds edu: airlock run --name vm-edu --kernel idle.elf --stop-timeout 0 --vfio rp0:$edu &"
"$AIRLOCK" run --name vm-edu --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M --com1 console --stop-timeout 0 $PORTS \
	--vfio "rp0:$edu" >output 2>&1 &
pid=$!	# wait_for's
broker=$pid
wait_for "airlock test guest idling" 20
mv output output-edu
step "and at once another: airlock run --name vm-nvme ... --vfio rp0:$nvme &"
"$AIRLOCK" run --name vm-nvme --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M --com1 console --stop-timeout 0 $PORTS \
	--vfio "rp0:$nvme" >output 2>&1 &
pid=$!
broker2=$pid
wait_for "airlock test guest idling" 20
mv output output-nvme
mv output-edu output
pid=$broker

step "airlock ps and airlock list agree: vm-edu (broker $broker) holds $edu, vm-nvme (broker $broker2) holds $nvme"
"$AIRLOCK" ps >ps.txt || fail "airlock ps exited non-zero"
cat ps.txt
grep -q "^vm-edu *$broker .* $edu\$" ps.txt || fail "airlock ps does not show vm-edu (broker $broker) holding $edu"
grep -q "^vm-nvme *$broker2 .* $nvme\$" ps.txt || fail "airlock ps does not show vm-nvme (broker $broker2) holding $nvme"
"$AIRLOCK" ps --json >ps.json || fail "airlock ps --json exited non-zero"
"$AIRLOCK" list --json >list.json || fail "airlock list --json exited non-zero"
# Each VM of ps holds exactly the devices list says it holds, and no other VM is named.
jq -e -n --slurpfile ps ps.json --slurpfile list list.json \
	'($ps[0].vms | map({key: .name, value: (.devices | sort)}) | from_entries) as $p
	| ([$list[0].devices[] | select(.held_by) | {vm: .held_by.vm, bdf}] | group_by(.vm)
		| map({key: .[0].vm, value: (map(.bdf) | sort)}) | from_entries) as $l
	| ($p | length) == 2 and $p == $l' >/dev/null ||
	fail "airlock ps --json and list --json disagree: $(cat ps.json) / $(jq -c '[.devices[] | select(.held_by)]' list.json)"
jq -e --arg e "$edu" --arg n "$nvme" --argjson p "$broker" --argjson q "$broker2" \
	'(.vms | map(select(.name == "vm-edu" and .broker_pid == $p and .vmm_pid > 0 and .devices == [$e])) | length) == 1 and
	 (.vms | map(select(.name == "vm-nvme" and .broker_pid == $q and .vmm_pid > 0 and .devices == [$n])) | length) == 1' \
	ps.json >/dev/null || fail "airlock ps --json: $(cat ps.json)"
jq -e --arg b "$edu" --argjson p "$broker" \
	'.devices[] | select(.bdf == $b) | .assignable == false and .held_by.vm == "vm-edu" and .held_by.broker_pid == $p' \
	list.json >/dev/null || fail "airlock list --json does not say vm-edu holds $edu"
"$AIRLOCK" list >list.txt || fail "airlock list exited non-zero"
grep "^$edu .* no  *vm-edu " list.txt || fail "airlock list's VM column does not name vm-edu for $edu"
grep "^$nvme .* no  *vm-nvme " list.txt || fail "airlock list's VM column does not name vm-nvme for $nvme"

step "vm-nvme stops: airlock stop vm-nvme; vm-edu runs on"
airlock_ok stop vm-nvme
wait "$broker2" || true
broker2=""
kill -0 "$broker" 2>/dev/null || fail "vm-edu ended with vm-nvme"

step "a second VM named vm-edu: refused, the first one untouched"
status=0
"$AIRLOCK" run --name vm-edu --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M >out 2>&1 || status=$?
cat out
[ "$status" -eq 1 ] || fail "a second vm-edu exited with status $status, not 1"
expect_line out "a VM named vm-edu is running already (broker pid $broker"
kill -0 "$broker" 2>/dev/null || fail "the first vm-edu ended"

step "airlock unbind $edu while the VM runs: refused at once, naming the VM"
"$AIRLOCK" unbind "$edu" >out 2>&1 &
unbinder=$!
tries=50
while kill -0 "$unbinder" 2>/dev/null; do
	[ "$tries" -gt 0 ] || fail "airlock unbind $edu still runs after 10 s: it waits in the kernel for the VM to end"
	tries=$((tries - 1))
	sleep 0.2
done
status=0
wait "$unbinder" || status=$?
cat out
[ "$status" -eq 1 ] || fail "airlock unbind $edu exited with status $status, not 1"
[ "$(wc -l <out)" -eq 1 ] || fail "airlock unbind printed $(wc -l <out) lines, not one"
expect_line out "$edu is in use: pid $broker (airlock, an airlock VM) has /dev/vfio/$edu_group open"
expect_line out "stop the VM first, then airlock unbind $edu again"
expect_driver "$edu" vfio-pci
kill -0 "$broker" 2>/dev/null || fail "the VM ended"
grep -qF "airlock test guest idling" output || fail "the VM's console lost its line"

step "the VM stopped: airlock unbind $edu and bind $edu go through"
kill -TERM "$broker"
wait "$broker" || true
broker=""
"$AIRLOCK" ps --json >ps.json || fail "airlock ps --json exited non-zero"
jq -e '.vms == []' ps.json >/dev/null || fail "vm-edu is still in airlock ps: $(cat ps.json)"
airlock_ok unbind "$edu"
expect_line out "unbound $edu from vfio-pci"
expect_driver "$edu" none
airlock_ok bind "$edu"
expect_driver "$edu" vfio-pci

step "nvme-xbar's disk as a swap area: airlock unbind $xbar gives it to nvme"
airlock_ok unbind "$xbar"
expect_driver "$xbar" nvme
tries=50
while [ -z "$disk" ]; do
	for d in /sys/class/block/nvme*; do
		name=${d##*/}
		case $name in nvme*c*|nvme*p*) continue ;; esac
		[ -b "/dev/$name" ] && disk=$name
	done
	[ -n "$disk" ] || [ "$tries" -gt 0 ] || fail "no disk of $xbar in /sys/class/block after 10 s"
	tries=$((tries - 1))
	sleep 0.2
done
dev=$(cat "/sys/class/block/$disk/dev")
echo "its disk: $disk ($dev)"
# mkswap writes the first page: the first MiB (a 1 MiB swap area) is kept and put back.
dd if="/dev/$disk" of=head.img bs=1M count=1 2>/dev/null
saved=1
mkswap "/dev/$disk" 1024
swapon "/dev/$disk"
cat /proc/swaps

step "airlock bind $xbar: refused, naming the disk and swapoff"
status=0
"$AIRLOCK" bind "$xbar" >out 2>&1 || status=$?
cat out
[ "$status" -eq 1 ] || fail "airlock bind $xbar exited with status $status, not 1"
expect_line out "$xbar is in use by the host: its block device $disk ($dev) is a swap area in use; taking it loses data: swapoff /dev/$disk, or pass --force"
expect_driver "$xbar" nvme

step "swapoff /dev/$disk: airlock bind $xbar takes it"
swapoff "/dev/$disk"
dd if=head.img of="/dev/$disk" bs=1M count=1 conv=fsync 2>/dev/null
dd if="/dev/$disk" of=back.img bs=1M count=1 2>/dev/null
cmp head.img back.img || fail "the first MiB of $disk did not come back"
saved=""
airlock_ok bind "$xbar"
expect_line out "bound $xbar to vfio-pci (was nvme)"
expect_driver "$xbar" vfio-pci
