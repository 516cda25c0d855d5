#!/bin/bash
# Builds the test host's kernel and initramfs: Debian's kernel, busybox,
# KVM and VFIO modules, airlock's binaries and guests, the Linux guest
# image, and the scenarios to run.
#
# Usage: build-initramfs.sh BIN_DIR GUEST_DIR OUTDIR SCENARIO_FILE...
#   BIN_DIR    holds airlock, airlock-vmm and guest/*.elf (normally build/)
#   GUEST_DIR  the Linux guest image, from build-guest-image.sh
#   OUTDIR     gets vmlinuz and initrd.img
#   SCENARIO_FILE  scripts run by the harness in the given order
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# Load order is resolved from module dependencies: irqbypass, kvm, ccp,
# kvm-amd, vfio, vfio_iommu_type1, vfio_virqfd, vfio-pci-core, vfio-pci.
# pvpanic-pci is a host driver for pvpanic-fn1 (devices.conf), which shares
# an IOMMU group with edu-fn0: a harmless one to bind and unbind.
TESTHOST_MODULES=(kvm-amd vfio-pci pvpanic-pci)
# The host's own drivers for the assigned devices, loaded after the devices
# went to vfio-pci (driver_override keeps them there), so that airlock
# unbind has a driver to give them back to.
TESTHOST_LATE_MODULES=(nvme e1000e)

[ $# -ge 3 ] || die "usage: build-initramfs.sh BIN_DIR GUEST_DIR OUTDIR SCENARIO_FILE..."
bindir=$1 guestdir=$2 outdir=$3
shift 3

for f in "$bindir/airlock" "$bindir/airlock-vmm"; do
	[ -f "$f" ] || die "$f is missing (run 'make all' first)"
done
for f in "$guestdir/vmlinuz" "$guestdir/initrd.img"; do
	[ -f "$f" ] || die "$f is missing (run build-guest-image.sh first)"
done

ensure_host_tools
kdir=$(fetch_kernel "$(kernel_package)")
kver=$(kernel_version "$kdir")

root=$TESTHOST_BUILD/staging/testhost
make_busybox_root "$root"
install_modules "$kdir" "$kver" "$root" "${TESTHOST_MODULES[@]}"
INSTALL_MODULES_LIST=late.list install_modules "$kdir" "$kver" "$root" "${TESTHOST_LATE_MODULES[@]}"
install -m 0755 "$TESTHOST_SRC/hostfs/init" "$root/init"
mkdir -p "$root/testhost/scenarios"
install -m 0755 "$TESTHOST_SRC"/hostfs/testhost/* "$root/testhost/"
install -m 0644 "$TESTHOST_SRC/devices.conf" "$root/testhost/devices.conf"
: >"$root/testhost/scenarios.list"
for script in "$@"; do
	name=$(basename "$script" .sh)
	install -m 0644 "$script" "$root/testhost/scenarios/$name.sh"
	echo "$name" >>"$root/testhost/scenarios.list"
done

# The broker refuses binaries that are not root's or are group/world-writable.
install -d -m 0755 "$root/opt/airlock/bin" "$root/opt/airlock/guest" "$root/opt/airlock/linux-guest"
install -m 0755 "$bindir/airlock-vmm" "$root/opt/airlock/bin/"
install_with_libs "$root" "$bindir/airlock" /opt/airlock/bin/airlock
install -D -m 0644 /usr/share/misc/pci.ids "$root/usr/share/misc/pci.ids"
# The test host's device policy: root may assign anything, on record.
install -d -m 0755 "$root/etc/airlock" "$root/var/log"
printf '%s\n' "# The test host's policy: root may assign any device." \
	"audit-log /var/log/airlock-audit.log" "allow user root device *:*" >"$root/etc/airlock/policy.conf"
chmod 0644 "$root/etc/airlock/policy.conf"
# list --json is checked with jq in the test host.
install_with_libs "$root" "$(command -v jq)" /bin/jq
for elf in "$bindir"/guest/*.elf; do
	if [ -e "$elf" ]; then
		install -m 0644 "$elf" "$root/opt/airlock/guest/"
	fi
done
install -m 0644 "$guestdir/vmlinuz" "$guestdir/initrd.img" "$root/opt/airlock/linux-guest/"

# The host tier (scenario host-tier): tests/host/run.sh beside the build
# tree's binaries in their places, and the Debian tools it uses, kept out
# of the other scenarios' PATH.
install_host_tier() {
	local tier=$root/opt/airlock/host-tier f tool
	install -D -m 0755 "$REPO_ROOT/tests/host/run.sh" "$tier/tests/host/run.sh"
	for f in airlock airlock-vmm test/airlock test/airlock-vmm fake/airlock fake/airlock-vmm host/at-exit; do
		if [ "${f##*/}" = airlock-vmm ]; then
			install -D -m 0755 "$bindir/$f" "$tier/build/$f"
		else
			install_with_libs "$root" "$bindir/$f" "/opt/airlock/host-tier/build/$f"
		fi
	done
	install -d -m 0755 "$tier/build/guest"
	install -m 0644 "$bindir"/guest/*.elf "$tier/build/guest/"
	for tool in bash setpriv script stty timeout pgrep cmp; do
		install_with_libs "$root" "$(command -v "$tool")" "/opt/airlock/host-tier/bin/$tool"
	done
}
for script in "$@"; do
	[ "$(basename "$script")" != host-tier.sh ] || install_host_tier
done

mkdir -p "$outdir"
pack_cpio "$root" "$outdir/initrd.img"
cp "$kdir/boot/vmlinuz-$kver" "$outdir/vmlinuz"
say "test host: $outdir/initrd.img ($(du -m "$outdir/initrd.img" | cut -f1) MiB, kernel $kver)"
