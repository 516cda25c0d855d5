# shellcheck shell=sh
# An interactive shell in the Linux guest over COM1: airlock's stdin is a
# fifo, and commands go in once the guest's shell shows its prompt. The
# answers can only come from the shell having run them (the echoed command
# lines do not contain them); the last command powers the guest off.
# timeout: 180

step "airlock run --kernel vmlinuz --initrd initrd.img --cmdline '... guest.shell=1' --processors 2 <fifo"
guest_shell guest.wait=1 --pcie-root-complex rc0 --pcie-root-port rc0:rp0

step "type commands at the guest's shell prompt"
# shellcheck disable=SC2016 # the guest's shell expands these, not this one
printf '%s\n' 'echo MARK-$((6*7))' 'echo CPUS-$(grep -c ^processor /proc/cpuinfo)' >&3
wait_for "CPUS-2" 30
guest_shell_end
expect_line output "MARK-42"
expect_line output "CPUS-2"
