# An interactive shell in the Linux guest over COM1: airlock's stdin is a
# fifo, and commands go in once the guest's shell shows its prompt. The
# answers can only come from the shell having run them (the echoed command
# lines do not contain them); the last command powers the guest off.
# timeout: 180

step "airlock run --kernel vmlinuz --initrd initrd.img --cmdline '... guest.shell=1' --processors 2 <fifo"
mkfifo input
"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
	--cmdline "console=ttyS0 panic=-1 guest.wait=1 guest.shell=1" --com1 console --memory 256M --processors 2 \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 \
	<input >output 2>&1 &
pid=$!
# Held open until the end: airlock's stdin must not reach end of file early.
exec 3>input

step "wait for the guest's shell prompt, then type commands"
wait_for "GUEST-PROMPT# " 150
# shellcheck disable=SC2016 # the guest's shell expands these, not this one
printf '%s\n' 'echo MARK-$((6*7))' 'echo CPUS-$(grep -c ^processor /proc/cpuinfo)' 'poweroff -f' >&3
wait_for "the guest powered off" 60
status=0
wait "$pid" || status=$?
exec 3>&-
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "MARK-42"
expect_line output "CPUS-2"
