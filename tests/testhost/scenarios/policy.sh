# shellcheck shell=sh
# The device policy and the audit log on a real host. A policy in
# /etc/airlock/t denies nvme by address, lets root have edu-type devices
# (filter 1234:11e8) with at most 256M and one device, and names nothing
# else. Each refusal is one line naming the rule or the reason, leaves
# every binding as it was, and is an audit line; a missing, writable or
# malformed policy allows nothing. Then --vfio rp0:1234:11e8 picks edu,
# the Linux guest sees it, and the audit log holds every step of that run
# under one VM id; with edu held by another VM, the same filter picks the
# other function of that type, edu-fn0.
# timeout: 240
# shellcheck disable=SC2086 # $PORTS is several arguments

edu=$(device_bdf edu)
fn0=$(device_bdf edu-fn0)
nvme=$(device_bdf nvme)
e1000e=$(device_bdf e1000e)
PORTS="--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1"
dir=/etc/airlock/t
pol=$dir/policy.conf
log=/var/log/airlock-policy-test.log
mkdir -p "$dir"
chmod 0755 "$dir"
rm -f "$log"

write_policy() {
	printf '%s\n' "$@" >"$pol"
	chmod 0644 "$pol"
}
write_policy "audit-log $log" "deny user * device $nvme" "allow user root device 1234:11e8 memory 256M devices 1"
cat -n "$pol"

# audit_has VM EVENT [JQ-ARGS...] FILTER: the VM's last EVENT line satisfies FILTER.
# (One line into jq -e: jq 1.6's -e misreads a stream whose last input gave no output.)
audit_has() {
	audit_vm=$1 audit_event=$2
	shift 2
	jq -c --arg vm "$audit_vm" --arg ev "$audit_event" 'select(.vm == $vm and .event == $ev)' "$log" | tail -n 1 |
		jq -e "$@" >/dev/null
}

# last_decision: the newest decision line of the audit log.
last_decision() {
	jq -c 'select(.event == "decision")' "$log" | tail -n 1
}

step "nvme, which a deny rule names: --vfio rp0:$nvme"
refuse "denied by $pol:2: deny user * device $nvme" --policy "$pol" $PORTS --vfio "rp0:$nvme"
jq -e . "$log" >/dev/null || fail "the audit log does not parse as JSON lines"
line=$(last_decision)
echo "audit: $line"
echo "$line" | jq -e --arg d "$nvme" --arg r "$pol:2: deny user * device $nvme" \
	'.allowed == false and .device == $d and .rule == $r and .user == "root" and .uid == 0 and (.vm | length) == 32' \
	>/dev/null || fail "the audit line does not record the denial and its rule"

step "more memory than the rule allows: --memory 512M --vfio rp0:$edu"
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 512M --policy "$pol" $PORTS --vfio "rp0:$edu" 2>err &&
	fail "airlock ran with more memory than the policy allows"
cat err
if ! grep -qF "$pol:3" err || ! grep -qF "256M" err; then
	fail "the refusal does not name the rule and its memory cap"
fi
last_decision | jq -e '.allowed == false' >/dev/null || fail "no audit line for the refusal"

step "more devices than the rule allows: --vfio rp0:$edu --vfio rp1:$fn0"
refuse "$pol:3" --policy "$pol" $PORTS --vfio "rp0:$edu" --vfio "rp1:$fn0"

step "a device no rule names: --vfio rp0:$e1000e"
refuse "no rule in $pol lets root" --policy "$pol" $PORTS --vfio "rp0:$e1000e"

step "no policy file"
refuse "no policy file $dir/none.conf: nothing may be assigned" --policy "$dir/none.conf" $PORTS --vfio "rp0:$edu"

step "a policy others may write"
chmod 0666 "$pol"
refuse "$pol" --policy "$pol" $PORTS --vfio "rp0:$edu"
chmod 0644 "$pol"

step "a malformed policy: a misspelt key on line 4"
cp "$pol" policy.good
echo "allow user root devcie $edu" >>"$pol"
refuse "$pol:4: unknown key 'devcie'" --policy "$pol" $PORTS --vfio "rp0:$edu"
"$AIRLOCK" check-policy "$pol" 2>err && fail "check-policy accepted the misspelt key"
cat err
grep -qF "$pol:4:" err || fail "check-policy did not name line 4"
cp policy.good "$pol"

step "airlock check-policy explains the policy"
"$AIRLOCK" check-policy "$pol" >explain || fail "check-policy refused a good policy"
cat explain
if ! grep -q "line 2" explain || ! grep -q "line 3" explain; then
	fail "check-policy did not explain each rule"
fi

step "a filter picks a device: --vfio rp0:1234:11e8 (Linux guest)"
linux_guest output "" --policy "$pol" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:1234:11e8"
expect_line output "picked $edu"
expect_line output "GUEST-PCI 0000:01:00.0 1234:11e8:00ff00"

step "the audit log has the whole run under one VM id"
vm=$(jq -r 'select(.event == "request") | .vm' "$log" | tail -n 1)
events=$(jq -r --arg vm "$vm" 'select(.vm == $vm) | .event' "$log" | tr '\n' ' ')
echo "vm $vm: $events"
# A guest that resets gets a fresh boot under the same id: its lines repeat.
boot="group-open dma-map device-reset vmm-start vmm-exit device-reset dma-unmap "
echo "$events" | grep -Eqx "request decision ($boot)+teardown " ||
	fail "the run's audit lines are not request, decision, then group-open, dma-map, reset, vmm-start, vmm-exit, reset, dma-unmap for each boot, then teardown"
# shellcheck disable=SC2016 # $d and $r are jq's variables
audit_has "$vm" decision --arg d "$edu" --arg r "$pol:3: allow user root device 1234:11e8 memory 256M devices 1" \
	'.allowed and .device == $d and .rule == $r' || fail "the decision line does not name edu and the rule that allowed it"
audit_has "$vm" vmm-start '.pid > 0 and .vmm_uid > 0' || fail "vmm-start does not give the VMM's pid and uid"
audit_has "$vm" vmm-exit '.exit == 0' || fail "vmm-exit does not say the VMM exited 0"
audit_has "$vm" dma-map '.bytes == 268435456' || fail "dma-map does not sum to the guest's 256 MiB"
# shellcheck disable=SC2016 # $d is jq's variable
audit_has "$vm" device-reset --arg d "$edu" '.device == $d and (.result | length) > 0' ||
	fail "no device-reset line for edu"

step "with edu held by another VM, the filter picks edu-fn0"
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/idle.elf" --memory 16M --com1 console --stop-timeout 0 $PORTS \
	--vfio "rp0:$edu" >output 2>&1 &
pid=$!
wait_for "airlock test guest idling" 20
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console --policy "$pol" $PORTS \
	--vfio "rp0:1234:11e8" >picked 2>&1 || status=$?
kill -TERM "$pid"
wait "$pid" || true
cat picked
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line picked "picked $fn0"
expect_line picked "hello from the airlock test guest"
