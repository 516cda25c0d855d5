# shellcheck shell=sh
# The host tooling on a real host. airlock list --json parses and shows
# every attached device with its IOMMU group, driver and members. doctor
# passes for a device on vfio-pci; after airlock unbind gives nvme-xbar to
# the nvme driver, doctor names the problem and the fix (airlock bind),
# and passes again after airlock bind, which keeps nvme on record; unbind
# then restores nvme. A group shared with a host driver (edu-fn0 beside
# pvpanic-fn1) is refused without --group and bound whole with it. A NIC
# whose interface is up is refused without --force. Binds and unbinds are
# audit lines. Every device ends on vfio-pci, as the next scenario needs.
# timeout: 180

xbar=$(device_bdf nvme-xbar)
fn0=$(device_bdf edu-fn0)
fn1=$(device_bdf pvpanic-fn1)
e1000e=$(device_bdf e1000e)
records=/run/airlock/drivers

# Whatever happens, the next scenario finds every device with vfio-pci.
restore() {
	for name in $(attached_devices); do
		bdf=$(device_bdf "$name")
		[ "$(driver_of "$bdf")" = vfio-pci ] && continue
		[ -e "/sys/bus/pci/devices/$bdf/driver" ] && echo "$bdf" >"/sys/bus/pci/devices/$bdf/driver/unbind"
		echo vfio-pci >"/sys/bus/pci/devices/$bdf/driver_override"
		echo "$bdf" >/sys/bus/pci/drivers_probe
	done
	rm -rf "$records"
}
trap restore EXIT

# run NAME ARGS...: airlock ARGS, its output in NAME, exits 0.
run() {
	out=$1
	shift
	status=0
	"$AIRLOCK" "$@" >"$out" 2>&1 || status=$?
	cat "$out"
	[ "$status" -eq 0 ] || fail "airlock $* exited with status $status"
}

# refuse_cmd TEXT ARGS...: airlock ARGS (any command) exits 1 saying TEXT.
refuse_cmd() {
	says=$1
	shift
	status=0
	"$AIRLOCK" "$@" >out 2>&1 || status=$?
	cat out
	[ "$status" -eq 1 ] || fail "airlock $* exited with status $status, not 1"
	grep -qF -- "$says" out || fail "airlock $* did not say '$says'"
}

expect_driver() {
	[ "$(driver_of "$1")" = "$2" ] || fail "$1 is bound to $(driver_of "$1"), not $2"
	echo "$1: $2"
}

step "airlock list --json: every device, its group, driver and members"
"$AIRLOCK" list --json >list.json || fail "airlock list --json exited non-zero"
jq -e . list.json >/dev/null || fail "airlock list --json is not JSON"
jq -r '.devices[] | "\(.bdf) \(.vendor):\(.device):\(.class) group \(.iommu_group) \(.driver) assignable \(.assignable) \(.device_name)"' list.json
for name in $(attached_devices); do
	bdf=$(device_bdf "$name")
	jq -e --arg b "$bdf" --argjson g "$(vfio_group "$name")" \
		'.devices[] | select(.bdf == $b) | .iommu_group == $g and .driver == "vfio-pci" and .assignable' \
		list.json >/dev/null || fail "list --json does not show $name ($bdf) in group $(vfio_group "$name"), on vfio-pci, assignable"
done
members=$(jq -r --arg b "$fn0" '.devices[] | select(.bdf == $b) | .group_members | join(" ")' list.json)
[ "$members" = "$fn0 $fn1" ] || fail "group members of $fn0: '$members', expected '$fn0 $fn1'"
"$AIRLOCK" list >list.txt || fail "airlock list exited non-zero"
grep "^$xbar" list.txt || fail "airlock list does not show $xbar"

step "airlock doctor $xbar: every check passes"
run doctor.out doctor "$xbar"
expect_line doctor.out "assignment of $xbar would work"
expect_line doctor.out "ok       guest RAM gets 2 MiB pages: a private tmpfs mounted huge=always"

step "airlock unbind $xbar (no record): the kernel gives it to nvme"
run out unbind "$xbar"
expect_driver "$xbar" nvme

step "airlock doctor $xbar: not bound, and the fix"
status=0
"$AIRLOCK" doctor "$xbar" >doctor.out 2>&1 || status=$?
cat doctor.out
[ "$status" -eq 1 ] || fail "doctor exited with status $status, not 1"
grep -q "^problem" doctor.out || fail "doctor reported no problem"
expect_line doctor.out "fix: airlock bind $xbar"

step "airlock bind $xbar: on vfio-pci, nvme on record"
run out bind "$xbar"
expect_line out "bound $xbar to vfio-pci (was nvme)"
expect_driver "$xbar" vfio-pci
[ "$(cat "$records/$xbar")" = nvme ] || fail "the record of $xbar holds '$(cat "$records/$xbar")', not nvme"
run doctor.out doctor "$xbar"
expect_line doctor.out "assignment of $xbar would work"

step "airlock unbind $xbar: nvme again, the record gone"
run out unbind "$xbar"
expect_line out "bound $xbar back to nvme"
expect_driver "$xbar" nvme
[ ! -e "$records/$xbar" ] || fail "the record of $xbar is still there"
run out bind "$xbar"
expect_driver "$xbar" vfio-pci

step "a group with a device the host holds: $fn0 beside $fn1 on pvpanic-pci"
run out unbind "$fn1"
expect_driver "$fn1" pvpanic-pci
refuse_cmd "airlock bind --group $fn0" bind "$fn0"
expect_driver "$fn1" pvpanic-pci
run out bind --group "$fn0"
expect_line out "warning: binding IOMMU group $(vfio_group edu-fn0) whole: $fn1"
expect_driver "$fn1" vfio-pci
run out unbind "$fn1"
expect_driver "$fn1" pvpanic-pci
run out bind --group "$fn0"
expect_driver "$fn1" vfio-pci

step "a NIC whose interface is up: $e1000e"
run out unbind "$e1000e"
expect_driver "$e1000e" e1000e
nic=$(ls "/sys/bus/pci/devices/$e1000e/net")
ip link set "$nic" up
refuse_cmd "is in use by the host" bind "$e1000e"
expect_line out "$nic"
expect_driver "$e1000e" e1000e
run out bind --force "$e1000e"
expect_driver "$e1000e" vfio-pci

step "binds and unbinds are on record"
log=/var/log/airlock-audit.log
jq -e . "$log" >/dev/null || fail "the audit log does not parse"
jq -c 'select(.event == "bind" or .event == "unbind")' "$log"
jq -s -e --arg d "$xbar" 'map(select(.event == "bind" and .device == $d and .from == "nvme")) | length > 0' \
	"$log" >/dev/null || fail "no audit line for binding $xbar away from nvme"
jq -s -e --arg d "$xbar" 'map(select(.event == "unbind" and .device == $d and .to == "nvme")) | length > 0' \
	"$log" >/dev/null || fail "no audit line for giving $xbar back to nvme"
