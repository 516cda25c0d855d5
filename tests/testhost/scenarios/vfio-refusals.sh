# shellcheck shell=sh
# The broker's refusals on a real host: a device bound to no driver, a
# device bound to a host driver, a device whose IOMMU group holds one bound
# to a host driver, a PCI address with no device, the same device twice, a
# port that was never declared, a port used twice. Each exits non-zero
# with one line saying what to do, and leaves the host as it was: every
# binding unchanged and no /dev/vfio file left open. Then edu is assigned
# for real: the broker pins guest RAM for DMA and keeps the container and
# group to itself, the VMM holds edu's device fd, and after SIGTERM the
# group is free for the next run; and a group shared by two devices.
# timeout: 240
# shellcheck disable=SC2086 # $PORTS is several arguments

edu=$(device_bdf edu)
edu_group=$(vfio_group edu)
fn0=$(device_bdf edu-fn0)
fn1=$(device_bdf pvpanic-fn1)
pair_group=$(vfio_group edu-fn0)
[ "$(vfio_group pvpanic-fn1)" = "$pair_group" ] ||
	fail "edu-fn0 and pvpanic-fn1 are not in one IOMMU group (groups $pair_group and $(vfio_group pvpanic-fn1))"
PORTS="--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1"

# bind BDF DRIVER: what the broker's messages tell a user to do.
bind() {
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		echo "$1" >"/sys/bus/pci/devices/$1/driver/unbind"
	fi
	echo "$2" >"/sys/bus/pci/devices/$1/driver_override"
	echo "$1" >/sys/bus/pci/drivers_probe
	[ "$(driver_of "$1")" = "$2" ] || fail "cannot bind $1 to $2: it has driver $(driver_of "$1")"
}

# Whatever happens, the next scenario finds every device with vfio-pci.
restore() {
	for bdf in "$edu" "$fn1"; do
		[ "$(driver_of "$bdf")" = vfio-pci ] || bind "$bdf" vfio-pci
	done
}
trap restore EXIT

step "a device with no driver: $edu unbound from vfio-pci"
echo "$edu" >"/sys/bus/pci/devices/$edu/driver/unbind"
refuse "$edu has no driver; bind it to vfio-pci: echo vfio-pci > /sys/bus/pci/devices/$edu/driver_override; echo $edu > /sys/bus/pci/drivers_probe" \
	$PORTS --vfio "rp0:$edu"
bind "$edu" vfio-pci

step "a group member on a host driver: $fn1, in group $pair_group with $fn0, given to pvpanic-pci"
bind "$fn1" pvpanic-pci
refuse "$fn0 shares IOMMU group $pair_group with $fn1, which is bound to pvpanic-pci; a group can only be assigned whole; release it with echo $fn1 > /sys/bus/pci/devices/$fn1/driver/unbind" \
	$PORTS --vfio "rp0:$fn0"

step "a device on a host driver: $fn1 itself"
refuse "$fn1 is bound to pvpanic-pci, not vfio-pci; hand it over (the host loses the device): echo $fn1 > /sys/bus/pci/devices/$fn1/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/$fn1/driver_override; echo $fn1 > /sys/bus/pci/drivers_probe" \
	$PORTS --vfio "rp0:$fn1"
bind "$fn1" vfio-pci

step "a PCI address with no device"
refuse "--vfio rp0:0000:ff:1f.7: there is no PCI device 0000:ff:1f.7 on this host; see lspci -D" \
	$PORTS --vfio "rp0:0000:ff:1f.7"

step "the same device twice"
refuse "--vfio 'rp1:$edu': device $edu is assigned twice; a device can go behind one port only" \
	$PORTS --vfio "rp0:$edu" --vfio "rp1:$edu"

step "a port that was never declared"
refuse "--vfio 'rp9:$edu': no root port 'rp9'; declare it with --pcie-root-port RC:rp9" \
	$PORTS --vfio "rp9:$edu"

step "a port used twice"
refuse "--vfio 'rp0:$fn0': port 'rp0' already holds a device; add another --pcie-root-port" \
	$PORTS --vfio "rp0:$edu" --vfio "rp0:$fn0"

# --stop-timeout 0: the SIGTERM below stops it at once (the idle guest ignores the power button).
step "edu assigned: airlock run --kernel idle.elf --memory 16M --stop-timeout 0 --vfio rp0:$edu &"
: >output
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M --com1 console --stop-timeout 0 $PORTS \
	--vfio "rp0:$edu" >output 2>&1 &
broker=$!
tries=100
until grep -q "airlock test guest idling" output; do
	kill -0 "$broker" 2>/dev/null || { cat output; fail "airlock exited before the guest ran"; }
	[ "$tries" -gt 0 ] || { cat output; fail "the idle guest did not start within 20 s"; }
	sleep 0.2
	tries=$((tries - 1))
done
cat output
vmm=$(vmm_of "$broker")

step "the broker pinned guest RAM for DMA; only it holds the container and the group"
locked=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$broker/status")
echo "broker VmLck: $locked kB (VFIO counts the pages it pins for DMA there)"
[ "$locked" -ge 16384 ] || fail "the broker has $locked kB pinned, not the guest's 16 MiB"
holders=$(vfio_holders | sort)
echo "$holders"
[ "$holders" = "$(printf '/proc/%s /dev/vfio/%s\n/proc/%s /dev/vfio/vfio' "$broker" "$edu_group" "$broker" | sort)" ] ||
	fail "expected the broker alone to hold /dev/vfio/vfio and /dev/vfio/$edu_group"
devices=0
for fd in "/proc/$vmm/fd"/*; do
	[ "$(readlink "$fd")" != "anon_inode:[vfio-device]" ] || devices=$((devices + 1))
done
echo "the VMM holds $devices VFIO device fd(s)"
[ "$devices" -eq 1 ] || fail "the VMM holds $devices VFIO device fds, expected edu's alone"

step "SIGTERM to the broker: the VM stops, DMA is unmapped, the group is released"
kill -TERM "$broker"
status=0
wait "$broker" || status=$?
cat output
[ "$status" -eq 143 ] || fail "airlock exited with status $status, expected 143 (SIGTERM)"
if grep -E 'UNMAP_DMA|reset after the VM' output; then
	fail "the broker's teardown reported an error"
fi
holders=$(vfio_holders)
[ -z "$holders" ] || fail "still open after airlock exited: $holders"
[ "$(driver_of "$edu")" = vfio-pci ] || fail "$edu is no longer bound to vfio-pci"

step "the group can be had again: airlock run --kernel hello.elf --vfio rp0:$edu"
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console $PORTS \
	--vfio "rp0:$edu" >output 2>&1 || status=$?
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "hello from the airlock test guest"

# A group opens once at a time (EBUSY after): this runs only if the broker opens it once for both.
step "both functions of one group, which the broker opens once: --vfio rp0:$fn0 --vfio rp1:$fn1"
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console $PORTS \
	--vfio "rp0:$fn0" --vfio "rp1:$fn1" >output 2>&1 || status=$?
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "hello from the airlock test guest"
holders=$(vfio_holders)
[ -z "$holders" ] || fail "still open after airlock exited: $holders"
