# shellcheck shell=sh
# The test host came up with hardware virtualisation, an IOMMU, and every
# attached device bound to vfio-pci in an IOMMU group that holds attached
# devices only (edu-fn0 and pvpanic-fn1 share one).
# timeout: 30

step "KVM"
grep -qw svm /proc/cpuinfo || fail "the test host's CPU has no svm flag"
[ -d /sys/module/kvm_amd ] || fail "kvm_amd is not loaded (see TESTHOST-ERROR lines)"
[ -c /dev/kvm ] || fail "/dev/kvm is missing"
echo "/dev/kvm ok, kvm_amd nested paging: $(cat /sys/module/kvm_amd/parameters/npt)"

step "IOMMU"
[ -n "$(ls /sys/class/iommu/)" ] || fail "no IOMMU in /sys/class/iommu (intel_iommu=on ignored?)"
[ -c /dev/vfio/vfio ] || fail "/dev/vfio/vfio is missing (vfio not loaded?)"
echo "IOMMUs: $(for iommu in /sys/class/iommu/*; do printf '%s ' "${iommu##*/}"; done)"

step "devices bound to vfio-pci"
for name in $(attached_devices); do
	bdf=$(device_bdf "$name")
	group=$(vfio_group "$name")
	sysdev=/sys/bus/pci/devices/$bdf
	id=$(sed 's/^0x//' "$sysdev/vendor"):$(sed 's/^0x//' "$sysdev/device")
	[ "$id" = "$(expected_id "$name")" ] ||
		fail "$name at $bdf is $id, expected $(expected_id "$name")"
	driver=$(basename "$(readlink "$sysdev/driver")")
	[ "$driver" = vfio-pci ] || fail "$name at $bdf is bound to $driver, not vfio-pci"
	[ -c "/dev/vfio/$group" ] || fail "/dev/vfio/$group is missing for $name"
	for member in "/sys/kernel/iommu_groups/$group/devices"/*; do
		member=${member##*/}
		grep -q " $member\$" "$TESTHOST_ATTACHED" ||
			fail "IOMMU group $group of $name holds $member, which is not an attached device"
	done
	echo "$name $bdf $id driver $driver /dev/vfio/$group"
done
