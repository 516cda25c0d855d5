#!/bin/bash
# Builds the Linux guest image that airlock boots inside the test host:
# Debian's kernel and a busybox initramfs whose /init (guestfs/init) loads
# the drivers below and reports what the guest sees. It also holds the
# guest's test tools (guestfs/*.c, static) and airlock_edu.ko
# (guestfs/edu-irq/), built against Debian's linux-headers for the same
# kernel, which are installed on the build host when missing.
#
# Usage: build-guest-image.sh [OUTDIR]   (default build/testhost/linux-guest)
# Output: OUTDIR/vmlinuz, OUTDIR/initrd.img
# Env: GUEST_MODULES, the modules to include (default "nvme e1000e
# uio_pci_generic button evdev"; uio_pci_generic has no ID table, so loading
# it binds nothing until a scenario hands it a device through
# driver_override; button and evdev bring the ACPI power button to acpid).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

outdir=${1:-$TESTHOST_BUILD/linux-guest}
read -r -a modules <<<"${GUEST_MODULES:-nvme e1000e uio_pci_generic button evdev}"

ensure_host_tools
kdir=$(fetch_kernel "$(kernel_package)")
kver=$(kernel_version "$kdir")

root=$TESTHOST_BUILD/staging/linux-guest
make_busybox_root "$root"
install_modules "$kdir" "$kver" "$root" "${modules[@]}"
install -m 0755 "$TESTHOST_SRC/guestfs/init" "$root/init"
# The guest's own tools, static: the initramfs has no C library.
for tool in edu-test e1000e-io disk-pattern bench bar-move uio-intx; do
	gcc -static -O2 -Wall -Werror -o "$root/bin/$tool" "$TESTHOST_SRC/guestfs/$tool.c"
done
# Not in load.list: init loads it only when asked to (guest.edu=).
edu_ko=$(build_edu_module "$kver")
install -m 0644 "$edu_ko" "$root/lib/modules/airlock_edu.ko"

mkdir -p "$outdir"
pack_cpio "$root" "$outdir/initrd.img"
cp "$kdir/boot/vmlinuz-$kver" "$outdir/vmlinuz"
say "guest image: $outdir/vmlinuz, $outdir/initrd.img (kernel $kver, modules: ${modules[*]})"
