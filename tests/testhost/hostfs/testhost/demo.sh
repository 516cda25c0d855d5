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
cd /tmp
status=0
show airlock run --kernel /opt/airlock/guest/hello.elf --memory 16M --com1 console || status=$?
echo "(airlock exited with status $status)"
exit "$status"
