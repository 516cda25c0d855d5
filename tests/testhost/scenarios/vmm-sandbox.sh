# shellcheck shell=sh
# Under the test host's kernel, airlock-vmm runs as the design says, while
# it holds an assigned device: not root, no capabilities, no_new_privs, a
# seccomp filter, mount/net/ipc/pid namespaces of its own, an empty root,
# the device's VFIO fd but no container or group fd, and it does not
# outlive the broker.
# timeout: 90

edu=$(device_bdf edu)
step "airlock run --kernel $AIRLOCK_GUESTS/idle.elf --memory 16M --com1 console --vfio rp0:$edu &"
: >output
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M --com1 console \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu" >output 2>&1 &
broker=$!
tries=50
until grep -q "airlock test guest idling" output; do
	kill -0 "$broker" 2>/dev/null || { cat output; fail "airlock exited before the guest ran"; }
	[ "$tries" -gt 0 ] || { cat output; fail "the idle guest did not start within 10 s"; }
	sleep 0.2
	tries=$((tries - 1))
done
cat output

step "the VMM process"
# shellcheck disable=SC2046 # one word per child pid
set -- $(cat /proc/"$broker"/task/*/children)
[ $# -eq 2 ] || fail "the broker has $# child processes, expected 2 (the VMM and the output relay)"
vmm=$(vmm_of "$broker")
for c in "$@"; do
	[ "$c" = "$vmm" ] || [ "$(cat "/proc/$c/comm")" = airlock-output ] ||
		fail "the broker's other child is $(cat "/proc/$c/comm"), not airlock-output"
done
for fd in 0 1 2; do
	case $(readlink "/proc/$vmm/fd/$fd") in
	/dev/null | pipe:*) ;;
	*) fail "the VMM's fd $fd is $(readlink "/proc/$vmm/fd/$fd"), not /dev/null or a pipe" ;;
	esac
done
grep -E '^(Uid|Gid|CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$vmm/status"
field() {
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$vmm/status"
}
[ "$(field Uid)" != 0 ] || fail "airlock-vmm runs as root"
[ "$(field Gid)" != 0 ] || fail "airlock-vmm runs with gid 0"
[ "$(field CapEff)" = 0000000000000000 ] || fail "airlock-vmm has capabilities: CapEff $(field CapEff)"
[ "$(field CapBnd)" = 0000000000000000 ] || fail "airlock-vmm's bounding set is not empty: $(field CapBnd)"
[ "$(field NoNewPrivs)" = 1 ] || fail "airlock-vmm does not have no_new_privs"
[ "$(field Seccomp)" = 2 ] || fail "airlock-vmm has no seccomp filter (Seccomp: $(field Seccomp))"
for ns in mnt net ipc pid; do
	[ "$(readlink "/proc/$vmm/ns/$ns")" != "$(readlink /proc/1/ns/$ns)" ] ||
		fail "airlock-vmm shares the test host's $ns namespace"
done
echo "namespaces: mnt net ipc pid of its own"
[ -z "$(ls -A "/proc/$vmm/root/")" ] || fail "airlock-vmm's root is not empty: $(ls -A "/proc/$vmm/root/")"
echo "root directory: empty"

step "the VMM's descriptors past stdio: one VFIO device, no container, no group, no files"
fds=$(for fd in /proc/"$vmm"/fd/*; do [ "${fd##*/}" -gt 2 ] && readlink "$fd"; done)
echo "$fds" | sort | uniq -c
[ "$(echo "$fds" | grep -c '^anon_inode:\[vfio-device\]$')" = 1 ] ||
	fail "airlock-vmm does not hold exactly one VFIO device fd"
echo "$fds" | grep -q '^/dev/vfio' && fail "airlock-vmm holds a VFIO container or group fd"
echo "$fds" | grep -q '^/' && fail "airlock-vmm holds a file: $(echo "$fds" | grep '^/')"
echo "VFIO: the device fd only"
# edu's interrupts: one eventfd for its MSI vector, two for INTx (trigger, unmask).
[ "$(echo "$fds" | grep -c '^anon_inode:\[eventfd\]$')" = 3 ] ||
	fail "airlock-vmm should hold 3 eventfds for edu (1 MSI vector, INTx trigger and unmask)"
echo "eventfds: 3, edu's MSI vector and INTx"

step "kill -KILL the broker: the VMM must go with it"
kill -KILL "$broker"
wait "$broker" 2>/dev/null || true
tries=25
while state=$(awk '{ print $3 }' "/proc/$vmm/stat" 2>/dev/null) && [ "$state" != Z ]; do
	[ "$tries" -gt 0 ] || fail "airlock-vmm (pid $vmm) outlived its broker by 5 s"
	sleep 0.2
	tries=$((tries - 1))
done
# The leader turns zombie first; the descriptors, the VFIO device's
# included, go with the last thread.
tries=25
while set -- /proc/"$vmm"/task/* && [ $# -gt 1 ]; do
	[ "$tries" -gt 0 ] || fail "airlock-vmm's threads still hold its descriptors 5 s after the broker died"
	sleep 0.2
	tries=$((tries - 1))
done
echo "airlock-vmm is gone"

step "the device is free again: a new VM can take it"
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console \
	--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu" || fail "edu could not be assigned again"
