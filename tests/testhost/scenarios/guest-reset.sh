# shellcheck shell=sh
# A guest that resets the machine gets a fresh VMM, fresh RAM and freshly
# reset devices from the broker, again and again, until airlock is told to
# stop: the tiny guest triple-faulting, and Linux's "reboot -f" (through
# the FADT's reset register, 0xcf9) with edu assigned.
# timeout: 200

# reset_loop NAME WANT PATTERN ARGS...: runs airlock ARGS in the background
# until PATTERN has shown WANT times, then stops it with SIGTERM, at once
# (--stop-timeout 0: after the power button, a reset would end the VM too).
reset_loop() {
	name=$1 want=$2 pattern=$3 seen=0 tries=1500
	shift 3
	: >"$name.out"
	"$AIRLOCK" run --stop-timeout 0 "$@" >"$name.out" 2>&1 </dev/null &
	broker=$!
	while [ "$seen" -lt "$want" ] && [ "$tries" -gt 0 ] && kill -0 "$broker" 2>/dev/null; do
		sleep 0.1
		seen=$(grep -c "$pattern" "$name.out" || true)
		tries=$((tries - 1))
	done
	kill -TERM "$broker" 2>/dev/null
	status=0
	wait "$broker" || status=$?
	grep -E "$pattern|airlock" "$name.out"
	[ "$seen" -ge "$want" ] || fail "saw '$pattern' $seen times, expected $want (airlock status $status)"
	[ "$status" = 143 ] || fail "airlock exited with status $status after SIGTERM, expected 143"
	[ "$(grep -c 'the guest reset the machine; starting it again' "$name.out" || true)" -ge $((want - 1)) ] ||
		fail "the VMM did not report the resets"
}

step "tiny guest that triple-faults: started again each time"
reset_loop triple 3 "hello from the airlock test guest" --kernel "$AIRLOCK_GUESTS/triple.elf" \
	--memory 16M --com1 console

edu=$(device_bdf edu)
step "Linux guest with edu that reboots: booted again, edu driven in both lives"
reset_loop linux 2 "GUEST-EDU 0000:01:00.0 dma 2048 ok" \
	--kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
	--cmdline "console=ttyS0 panic=-1 guest.wait=1 guest.reboot=1" --com1 console --memory 256M \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu"
[ "$(basename "$(readlink "/sys/bus/pci/devices/$edu/driver")")" = vfio-pci ] ||
	fail "$edu is no longer bound to vfio-pci"
