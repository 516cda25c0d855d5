# shellcheck shell=sh
# Stopping a VM the graceful way, with the NVMe controller assigned and the
# Linux guest writing to it. airlock stop NAME presses the guest's ACPI
# power button: the guest powers off by itself ("reboot: Power down"),
# airlock exits 0, airlock stop says so in one line, and the audit log has
# the stop request and the run's teardown with "ended":"power-button". Every
# 4 KiB block the guest reported written (O_DIRECT and fsync, disk-pattern)
# reads back in a new VM. Then a guest that ignores the button
# (guest.button=ignore) is killed by airlock stop --timeout 5 after 5 s,
# with the broker's line saying so, exit 143, and the device free again.
# timeout: 480

nvme=$(device_bdf nvme)
log=/var/log/airlock-audit.log
pid=''	# the broker's, set by guest_shell (hostfs/testhost/lib.sh)
base=$((96 << 20))	# past the pattern (64 MiB) and the other scenarios' tokens (64 and 65 MiB)
skip=$((base / 4096))
tag=gs$(date +%s)	# this run's tokens: an earlier run's left on the disk cannot pass for them

# teardown_of NAME: the audit log's teardown line of the last run named NAME.
teardown_of() {
	vm=$(jq -r --arg n "$1" 'select(.event == "request" and .name == $n) | .vm' "$log" | tail -n 1)
	jq -c --arg vm "$vm" 'select(.vm == $vm and .event == "teardown")' "$log"
}

# last_stop: the audit log's last stop line.
last_stop() {
	jq -c 'select(.event == "stop")' "$log" | tail -n 1
}

no_holders() {
	holders=$(vfio_holders)
	[ -z "$holders" ] || fail "still open after airlock exited: $holders"
}

step "a guest writing to the NVMe disk: airlock run --name gs ... --vfio rp0:$nvme"
guest_shell "" --name gs --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme"
# Block i holds "$tag-i"; every 16th is reported once it is on the disk, and with it all before it.
# The quotes in the marker keep the shell's echo of this line from matching it.
printf '%s\n' "i=0; while [ \$i -lt 4096 ]; do disk-pattern write /dev/nvme0n1 \$(($base + i * 4096)) $tag-\$i >/dev/null || break; [ \$((i % 16)) != 0 ] || echo \"GUEST-WRO\"\"TE \$i\"; i=\$((i + 1)); done" >&3
wait_for "GUEST-WROTE 256" 120

step "airlock stop gs, while the guest writes"
stop_status=0
"$AIRLOCK" stop gs >stop.out 2>&1 || stop_status=$?
status=0
wait "$pid" || status=$?
exec 3>&-
cp output output-gs
tail -n 6 output
echo "# airlock stop gs (exit $stop_status)"
cat stop.out
[ "$stop_status" -eq 0 ] || fail "airlock stop exited with status $stop_status"
[ "$status" -eq 0 ] || fail "airlock run exited with status $status after the power button"
[ "$(wc -l <stop.out)" -eq 1 ] || fail "airlock stop printed $(wc -l <stop.out) lines, not one"
expect_line stop.out "gs stopped: the guest powered off"
expect_line output "received SIGTERM; pressed the guest's power button, and it has 30 s to power off"
expect_line output "GUEST-BUTTON poweroff"
expect_line output "reboot: Power down"
expect_line output "the guest powered off"
no_holders
last_stop
last_stop | jq -e '.name == "gs" and .allowed and .force == false and .timeout == 30 and .user == "root"' >/dev/null ||
	fail "the audit log's stop line does not record root stopping gs with a 30 s timeout"
teardown_of gs
teardown_of gs | jq -e '.status == 0 and .ended == "power-button"' >/dev/null ||
	fail "the run's teardown line does not say status 0, ended power-button"
last=$(tr -d '\r' <output-gs | sed -n 's/^GUEST-WROTE \([0-9][0-9]*\)$/\1/p' | tail -n 1)
[ -n "$last" ] || fail "the guest reported no block written"
echo "the guest reported blocks 0 to $last written"

step "a new VM reads back every block the guest reported, from the disk"
guest_shell "" --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme"
# A fresh guest's page cache is empty: every block comes from the device.
printf '%s\n' "dd if=/dev/nvme0n1 bs=4096 skip=$skip count=$((last + 1)) 2>/dev/null | tr -d '\\000' >/tmp/got; i=0; bad=0; while read -r t; do [ \"\$t\" = \"$tag-\$i\" ] || bad=\$((bad + 1)); i=\$((i + 1)); done </tmp/got; echo \"GUEST-READ\"\"BACK \$i blocks, \$bad bad\"" >&3
wait_for "GUEST-READBACK" 120
guest_shell_end
expect_line output "GUEST-READBACK $((last + 1)) blocks, 0 bad"
no_holders

step "a guest that ignores the button: airlock stop --timeout 5 gs2 kills it after 5 s"
guest_shell "guest.button=ignore" --name gs2 --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$nvme"
start=$(date +%s)
stop_status=0
"$AIRLOCK" stop --timeout 5 gs2 >stop.out 2>&1 || stop_status=$?
took=$(($(date +%s) - start))
status=0
wait "$pid" || status=$?
exec 3>&-
tail -n 4 output
echo "# airlock stop --timeout 5 gs2 (exit $stop_status, $took s)"
cat stop.out
[ "$stop_status" -eq 0 ] || fail "airlock stop exited with status $stop_status"
[ "$status" -eq 143 ] || fail "airlock run exited with status $status, expected 143 (killed after SIGTERM)"
if [ "$took" -lt 5 ] || [ "$took" -gt 20 ]; then
	fail "airlock stop --timeout 5 took $took s"
fi
expect_line stop.out "gs2 killed after 5 s: the guest did not power off in time"
expect_line output "received SIGTERM; pressed the guest's power button, and it has 5 s to power off"
expect_line output "the guest did not power off within 5 s of the power button; killing it"
if grep -q "GUEST-BUTTON" output; then
	fail "the guest booted with guest.button=ignore acted on the button"
fi
if grep -E 'UNMAP_DMA|reset after the VM' output; then
	fail "the broker's teardown reported an error"
fi
no_holders
last_stop | jq -e '.name == "gs2" and .allowed and .timeout == 5' >/dev/null ||
	fail "the audit log's stop line does not record gs2 with a 5 s timeout"
teardown_of gs2
teardown_of gs2 | jq -e '.status == 143 and .ended == "killed-after-timeout"' >/dev/null ||
	fail "the run's teardown line does not say status 143, ended killed-after-timeout"

step "the VM is gone: airlock stop gs2 again is one line, exit 1"
status=0
"$AIRLOCK" stop gs2 >stop.out 2>&1 || status=$?
cat stop.out
[ "$status" -eq 1 ] || fail "airlock stop of a VM that ended exited $status, not 1"
expect_line stop.out "airlock: stop: no VM named gs2 is running; airlock ps lists the running VMs"
