# shellcheck shell=sh
# VM files and bind lists on a real host (what the systemd units run;
# systemd itself is not in the test host). /etc/airlock/vms/t1.conf holds
# the tiny guest and edu behind a root port: `airlock run t1` boots it
# under the name t1, an option on the command line replaces the file's
# (the audit log's request says so), and the file written by others, or
# with a misspelt key, is refused in one line naming it, bindings as they
# were. Then `airlock unbind` takes edu from vfio-pci, a bind list others
# may write is refused, and `airlock bind --config` with the filter
# 1234:11e8 binds edu back (edu-fn0, of the same type, is on vfio-pci
# already); t1 boots again on it. Every device ends on vfio-pci.
# timeout: 120

edu=$(device_bdf edu)
fn0=$(device_bdf edu-fn0)
vms=/etc/airlock/vms
vm=$vms/t1.conf
list=/etc/airlock/vm-config-bind.conf
log=/var/log/airlock-audit.log

restore() {
	rm -f "$vm" "$list" "/run/airlock/drivers/$edu"
	rmdir "$vms" 2>/dev/null || true
	[ "$(driver_of "$edu")" = vfio-pci ] && return 0
	[ -e "/sys/bus/pci/devices/$edu/driver" ] && echo "$edu" >"/sys/bus/pci/devices/$edu/driver/unbind"
	echo vfio-pci >"/sys/bus/pci/devices/$edu/driver_override"
	echo "$edu" >/sys/bus/pci/drivers_probe
}
trap restore EXIT

mkdir -p "$vms"
chmod 0755 "$vms"
write_vm() {
	printf '%s\n' "# the tiny guest, and edu behind a root port" "kernel $AIRLOCK_GUESTS/hello.elf" "memory 16M" \
		"com1 console   # the guest's lines on airlock's output" "pcie-root-complex rc0" "pcie-root-port rc0:rp0" \
		"vfio rp0:$edu" "$@" >"$vm"
	chmod 0644 "$vm"
}
write_vm
cat -n "$vm"

# run_t1 ARGS...: airlock run t1 ARGS exits 0 after the guest's hello.
run_t1() {
	status=0
	"$AIRLOCK" run t1 "$@" >output 2>&1 || status=$?
	cat output
	[ "$status" -eq 0 ] || fail "airlock run t1 $* exited with status $status"
	expect_line output "hello from the airlock test guest"
}

step "airlock run t1 --memory 32M: $vm, its memory replaced"
run_t1 --memory 32M
request=$(jq -c 'select(.event == "request")' "$log" | tail -n 1)
echo "audit: $request"
echo "$request" | jq -e --arg d "rp0:$edu" '.name == "t1" and .memory == 33554432 and .devices == [$d]' >/dev/null ||
	fail "the audit log's request is not the VM t1 with 32M and edu behind rp0"

step "$vm writable by others: refused, naming it"
chmod 0666 "$vm"
refuse "$vm is writable by group or others (mode 0666); chmod go-w $vm" t1
chmod 0644 "$vm"

step "a misspelt key on line 8: refused with the file and line"
write_vm "processor 2"
refuse "$vm:8: unknown key 'processor'" t1
write_vm

step "airlock unbind $edu, then airlock bind --config $list (1234:11e8) binds it back"
"$AIRLOCK" unbind "$edu" || fail "airlock unbind $edu exited non-zero"
[ "$(driver_of "$edu")" = none ] || fail "$edu is bound to $(driver_of "$edu") after unbind, not to no driver"
printf '%s\n' "# edu, by type" "1234:11e8" >"$list"
cat "$list"
# bind_list MODE STATUS: airlock bind --config with the list at MODE exits STATUS.
bind_list() {
	chmod "$1" "$list"
	status=0
	"$AIRLOCK" bind --config "$list" >out 2>&1 || status=$?
	cat out
	[ "$status" -eq "$2" ] || fail "airlock bind --config $list (mode $1) exited with status $status, not $2"
}
bind_list 0666 1
expect_line out "$list is writable by group or others (mode 0666); chmod go-w $list"
[ "$(driver_of "$edu")" = none ] || fail "the refused list moved $edu to $(driver_of "$edu")"
bind_list 0644 0
expect_line out "bound $edu to vfio-pci (was without a driver)"
expect_line out "$fn0 is bound to vfio-pci already"
[ "$(driver_of "$edu")" = vfio-pci ] || fail "$edu is bound to $(driver_of "$edu"), not vfio-pci"

step "airlock run t1 on the device bound back"
run_t1
