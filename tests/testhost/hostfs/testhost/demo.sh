# shellcheck shell=sh
# What `make demo` shows: airlock on a KVM host with an IOMMU and devices
# bound to vfio-pci, as a user at its shell would see it.

banner() {
	echo
	echo "=== $* ==="
}

# show COMMAND...: print the command as typed at a root prompt, then run it.
show() {
	echo "test-host# $*"
	"$@"
}

banner "airlock demo: a KVM host with an IOMMU, emulated by QEMU"
show uname -sr
show ls -l /dev/kvm /dev/vfio
banner "PCI devices handed to vfio-pci for passthrough"
while read -r name bdf group; do
	dev=/sys/bus/pci/devices/$bdf
	printf '  %-10s %s  [%s:%s]  driver %s  /dev/vfio/%s\n' "$name" "$bdf" \
		"$(sed 's/^0x//' "$dev/vendor")" "$(sed 's/^0x//' "$dev/device")" \
		"$(basename "$(readlink "$dev/driver")")" "$group"
done </run/testhost/vfio

banner "airlock runs its test guest under KVM"
cd /tmp || exit 1
status=0
show airlock run --kernel /opt/airlock/guest/hello.elf --memory 16M --com1 console || status=$?
echo "(airlock exited with status $status)"
[ "$status" -eq 0 ] || exit "$status"

banner "the VMM runs sandboxed: look at it while a guest idles"
echo "test-host# airlock run --kernel /opt/airlock/guest/idle.elf --memory 16M --com1 console --stop-timeout 0 &"
airlock run --kernel /opt/airlock/guest/idle.elf --memory 16M --com1 console --stop-timeout 0 &
broker=$!
# Wait for the VMM to lock itself in (its seccomp filter is on).
vmm=
tries=50
while [ "$tries" -gt 0 ]; do
	# Its children: the VMM, and airlock-output, the console relay.
	# shellcheck disable=SC2013 # one pid per word
	for c in $(cat /proc/"$broker"/task/*/children 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = airlock-vmm ] && vmm=$c
	done
	[ -n "$vmm" ] && grep -q '^Seccomp:.*2' "/proc/$vmm/status" 2>/dev/null && break
	sleep 0.2
	tries=$((tries - 1))
done
if [ "$tries" -eq 0 ]; then
	echo "(airlock started no sandboxed VMM within 10 s)"
	exit 1
fi
fields='^(Name|Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp):'
echo "test-host# grep -E '$fields' /proc/$vmm/status    # the VMM"
grep -E "$fields" "/proc/$vmm/status"
echo "test-host# ls -A /proc/$vmm/root/    # the VMM's whole filesystem"
if [ -z "$(ls -A "/proc/$vmm/root/")" ]; then
	echo "(empty)"
else
	ls -A "/proc/$vmm/root/"
fi
show kill "$broker"
wait "$broker"
echo "(airlock exited with status $?)"
