# shellcheck shell=sh
# edu assigned to a Linux guest with a shell, driven through the guest's
# uio_pci_generic: the INTx Disable bit (command bit 10) and the
# Interrupt Status bit (status bit 3) as PCI 2.3 defines them. At boot
# uio_pci_generic is loaded and binds nothing (edu has no driver); bound
# to edu through driver_override, its probe accepts it, which it does only
# when INTx Disable toggles and reads back (the kernel's test at
# enumeration). Then uio-intx raises 20 interrupts through edu, one at a
# time: each arrives on /dev/uioN (poll, read: the event count one more),
# the handler found Interrupt Status set and set INTx Disable, and after
# edu's acknowledge Interrupt Status reads 0. With INTx Disable set by
# the guest a raised interrupt is held back (poll times out, Interrupt
# Status reads 1) until the guest clears the bit, and then it arrives.
# The interrupts are counted on an I/O APIC line, and the kernel never
# found the line unhandled ("nobody cared").
# timeout: 360

edu=$(device_bdf edu)
EDU=0000:01:00.0
N=20
seq=0

# run SECONDS COMMAND: types COMMAND into the guest's shell, each line of
# its output prefixed "q<seq> ", and waits for it to end; $tag is that
# prefix. The typed command echoed back never starts with it.
run() {
	seq=$((seq + 1))
	tag=q$seq
	printf '%s\n' "{ $2; } 2>&1 | sed 's/^/$tag /'; echo DONE-$tag-\$((6*7))" >&3
	wait_for "DONE-$tag-42" "$1" "after '$2'"
	grep -a "^$tag " output | tr -d '\r' | sed 's/^/  /'
}

# said TEXT: the last command's output has a line containing TEXT.
said() {
	grep -a "^$tag " output | grep -qF -- "$1"
}

step "airlock run ... --vfio rp0:$edu, the guest's shell on COM1"
guest_shell "guest.wait=1" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu"
if grep -a "GUEST-ERROR insmod" output; then
	fail "the guest could not load a driver of its image (GUEST-ERROR insmod above)"
fi
grep -aq "GUEST-PCI $EDU 1234:11e8:00ff00 -" output ||
	fail "edu is not at $EDU without a driver after boot: $(grep -a "GUEST-PCI $EDU" output | tr -d '\r')"

step "uio_pci_generic is loaded and bound nothing; bind it to edu (driver_override)"
drivers=/sys/bus/pci/drivers/uio_pci_generic
run 30 "[ -d $drivers ] && echo loaded, bound \$(ls $drivers | grep -c :)"
said "loaded, bound 0" || fail "uio_pci_generic is not loaded, or it bound devices by itself at boot"
dev=/sys/bus/pci/devices/$EDU
run 60 "echo uio_pci_generic >$dev/driver_override; echo $EDU >/sys/bus/pci/drivers_probe; echo driver \$(basename \$(readlink $dev/driver)); echo uio \$(ls $dev/uio); dmesg | grep -i 'uio' | tail -n 5"
said "driver uio_pci_generic" ||
	fail "uio_pci_generic did not bind edu: its probe refuses a device whose INTx Disable bit did not toggle when the kernel wrote it at enumeration"
said "uio uio" || fail "edu is bound to uio_pci_generic but has no uio device"

step "uio-intx: $N interrupts through /dev/uio, then INTx Disable holding one back"
run $((N * 6 + 60)) "uio-intx $EDU $N; echo exit \$?"
said "GUEST-UIO $EDU uio " || fail "uio-intx did not start: $(grep -a "^$tag " output | head -n 1 | tr -d '\r')"
if said "GUEST-UIO $EDU error"; then
	fail "uio-intx failed: $(grep -a "^$tag GUEST-UIO $EDU error" output | head -n 1 | tr -d '\r' | cut -d' ' -f2-)"
fi
bad=$(grep -a "^$tag GUEST-UIO $EDU irq [0-9]*/" output | tr -d '\r' | grep -v ' ok$' | head -n 1 | cut -d' ' -f2-)
case $bad in
'') ;;
*timeout*) fail "an interrupt edu raised with INTx Disable clear did not arrive within 5 s: $bad" ;;
*no-interrupt-status*) fail "the handler found Interrupt Status (status bit 3) clear while edu asserted INTx: $bad" ;;
*not-masked*) fail "INTx Disable (command bit 10) does not read set after the handler set it: $bad" ;;
*status-after-ack*) fail "Interrupt Status still reads set after edu's acknowledge lowered INTx: $bad" ;;
*) fail "an interrupt went wrong: $bad" ;;
esac
masking=$(grep -a "^$tag GUEST-UIO $EDU masked " output | tr -d '\r' | cut -d' ' -f2-)
case $masking in
'') fail "uio-intx did not report the INTx Disable check" ;;
*' ok') ;;
*delivered-while-masked*) fail "an interrupt arrived while the guest had set INTx Disable: $masking" ;;
*no-interrupt-status-while-masked*) fail "Interrupt Status read 0 while edu asserted INTx behind INTx Disable: $masking" ;;
*not-delivered-after-clear*) fail "the interrupt held back by INTx Disable did not arrive once the guest cleared it: $masking" ;;
*) fail "INTx Disable did not behave as PCI 2.3 defines it: $masking" ;;
esac
said "GUEST-UIO $EDU irqs $N/$N masked-by-handler $N pending-seen $N all-ok $N masking ok" ||
	fail "uio-intx's summary is not all $N good: $(grep -a "^$tag GUEST-UIO $EDU irqs" output | tr -d '\r' | cut -d' ' -f2-)"
said "exit 0" || fail "uio-intx exited non-zero: $(grep -a "^$tag exit" output | tr -d '\r' | cut -d' ' -f2-)"

step "the interrupts on an I/O APIC line; none unhandled"
run 30 "grep uio_pci_generic /proc/interrupts; echo nobody-cared \$(dmesg | grep -c 'nobody cared')"
line=$(grep -a "^$tag .*uio_pci_generic" output | tr -d '\r' | cut -d' ' -f2-)
[ -n "$line" ] || fail "uio_pci_generic has no line in the guest's /proc/interrupts"
case $line in *IO-APIC*) ;; *) fail "uio_pci_generic's interrupt is not on the I/O APIC: $line" ;; esac
count=$(echo "$line" | awk '{ for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; print s + 0 }')
echo "  uio_pci_generic's line counted $count interrupts"
[ "$count" -ge $((N + 1)) ] || fail "uio_pci_generic's line counted $count interrupts, expected at least $((N + 1))"
said "nobody-cared 0" || fail "the guest's kernel disabled an interrupt line nobody handled (dmesg: nobody cared)"

step "the guest powers off"
guest_shell_end
