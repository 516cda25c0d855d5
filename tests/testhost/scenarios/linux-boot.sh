# airlock boots Debian's kernel (a bzImage) with the guest image's
# initramfs, behind a PCIe root complex with two root ports; the guest
# reports its CPUs and PCI devices, and powers off.
# timeout: 150

step "airlock run --kernel vmlinuz --initrd initrd.img --memory 256M --processors 2 (rc0: rp0, rp1)"
start=$(cut -d' ' -f1 /proc/uptime)
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
	--cmdline "console=ttyS0 panic=-1 guest.wait=1" --com1 console --memory 256M --processors 2 \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
	>output 2>&1 || status=$?
end=$(cut -d' ' -f1 /proc/uptime)
cat output
echo "FIGURE linux-boot: VMM start to guest power-off $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "GUEST-BEGIN kernel"
expect_line output "GUEST-CPUS 2"
expect_line output "GUEST-PCI 0000:00:00.0 1b36:0008:060000"
expect_line output "GUEST-PCI 0000:00:01.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-PCI 0000:00:02.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-END"
expect_line output "the guest powered off"
