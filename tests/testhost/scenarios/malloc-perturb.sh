# shellcheck shell=sh
# The whole stack with glibc's MALLOC_PERTURB_ set: the broker's allocator
# fills fresh and freed memory with a pattern, and the broker hands that
# one variable (and no other) to the VMM, whose allocator does the same.
# Reads of stale memory show, and any allocator path outside the seccomp
# allowlist would kill the VMM with SIGSYS. A Linux guest with nvme and
# e1000e assigned reads its disk through the controller and powers off,
# and airlock exits 0.
# timeout: 240

nvme=$(device_bdf nvme)
e1000e=$(device_bdf e1000e)
export MALLOC_PERTURB_=165
pid=''	# the broker's, set by guest_shell (hostfs/testhost/lib.sh)

step "MALLOC_PERTURB_=165 airlock run ... --vfio rp0:$nvme --vfio rp1:$e1000e (guest shell)"
guest_shell "" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
	--vfio "rp0:$nvme" --vfio "rp1:$e1000e"
env=$(tr '\0' ' ' <"/proc/$(vmm_of "$pid")/environ")
echo "the VMM's environment: $env"
[ "$env" = "MALLOC_PERTURB_=165 " ] || fail "the VMM's environment is '$env', not MALLOC_PERTURB_=165 alone"
printf '%s\n' 'dd if=/dev/nvme0n1 of=/dev/null bs=1M count=64 && echo GUEST-READ-""DONE' >&3
wait_for "GUEST-READ-DONE" 120
guest_shell_end
if grep -q SIGSYS output; then
	fail "a VMM died of SIGSYS"
fi
