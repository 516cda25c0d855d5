# shellcheck shell=sh
# airlock boots Debian's kernel (a bzImage) with the guest image's
# initramfs, behind a PCIe root complex with two root ports; the guest
# reports its CPUs and PCI devices, and powers off.
# timeout: 150

step "airlock run --kernel vmlinuz --initrd initrd.img --memory 256M --processors 2 (rc0: rp0, rp1)"
start=$(cut -d' ' -f1 /proc/uptime)
{
	status=0
	"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
		--cmdline "console=ttyS0 panic=-1 guest.wait=1" --com1 console --memory 256M --processors 2 \
		--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 2>&1 || status=$?
	echo "AIRLOCK-EXIT $status"
} | stamp >output
end=$(cut -d' ' -f1 /proc/uptime)
cat output
status=$(awk '$2 == "AIRLOCK-EXIT" { print $3 }' output)
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
init=$(awk '/GUEST-INIT uptime/ { print $1; exit }' output)
[ -n "$init" ] || fail "no GUEST-INIT line: the guest's init did not start"
figure() {	# WHAT FROM TO
	echo "FIGURE linux-boot: $1 $(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", b - a }') s"
}
figure "VMM start to guest init" "$start" "$init"
figure "VMM start to guest power-off" "$start" "$end"
figure "guest clock at init" 0 "$(awk '/GUEST-INIT uptime/ { sub(/.*GUEST-INIT uptime /, ""); print $1 + 0; exit }' output)"
expect_line output "GUEST-BEGIN kernel"
expect_line output "GUEST-CPUS 2"
expect_line output "GUEST-PCI 0000:00:00.0 1b36:0008:060000"
expect_line output "GUEST-PCI 0000:00:01.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-PCI 0000:00:02.0 1b36:000c:060400 pcieport"
expect_line output "GUEST-END"
expect_line output "the guest powered off"
