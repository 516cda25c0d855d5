#!/bin/bash
# Boots the test host (QEMU, software emulation, with an IOMMU and PCI
# devices for vfio-pci) and runs scenarios in it, or the demo.
#
# Usage: run.sh [--scenario NAME[,NAME...]] [--devices NAME[,NAME...]]
#               [--bin-dir DIR] [--verbose] [--demo] [--list] [--deps]
#
#   --scenario  run only these scenarios: names from --list, or paths to
#               scenario scripts (default: all; env SCENARIO)
#   --devices   devices to attach, from devices.conf (default: all;
#               env TESTHOST_DEVICES)
#   --bin-dir   where airlock, airlock-vmm and guest/*.elf are
#               (default: build; env AIRLOCK_BIN_DIR)
#   --verbose   show the whole serial console while it runs, kernel boot
#               messages included (env TESTHOST_VERBOSE=1)
#   --demo      boot the test host and run hostfs/testhost/demo.sh
#   --list      list the scenarios and exit
#   --deps      install the missing host packages and exit
#
# Logs: build/testhost/logs/. Ends with "N passed, N failed"; exits non-zero
# when a scenario fails or the test host does not boot.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# How long the test host may take from QEMU's start to running scenarios,
# and how long the host-side guest-image check may take.
BOOT_TIMEOUT=${TESTHOST_BOOT_TIMEOUT:-150}
GUEST_CHECK_TIMEOUT=${TESTHOST_GUEST_CHECK_TIMEOUT:-150}
# The test host can freeze or crash under QEMU's emulation of nested KVM
# (seen when a Linux guest hung early in its boot and was then killed): no
# output at all, and its own time limits never fire. Its harness prints a
# line at least every 30 s while a scenario runs, so a console silent this
# long means a frozen test host (so does a CPU stuck in its kernel for a
# minute): run_qemu stops it, and the scenarios without a result get
# another boot.
STALL_TIMEOUT=${TESTHOST_STALL_TIMEOUT:-120}
# Boots of the test host in all, the first and those for scenarios a
# frozen or crashed test host left without a result.
MAX_BOOTS=${TESTHOST_BOOTS:-5}
# Checks run on the build host rather than inside the test host.
HOST_SIDE_SCENARIOS=(guest-image)

LOGDIR=$TESTHOST_BUILD/logs
IMGDIR=$TESTHOST_BUILD/images

# A QEMU still running when the runner exits (Ctrl-C, error) is stopped.
running_qemu=
stop_qemu() {
	# shellcheck disable=SC2317 # reached through the EXIT trap below (shellcheck 0.9 misses it when the script ends in exit)
	[ -z "$running_qemu" ] || kill "$running_qemu" 2>/dev/null || true
}
trap stop_qemu EXIT
trap 'exit 130' INT TERM

usage() { sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; }

# Every scenario, in the order a full run runs them.
scenario_names() {
	local f
	for f in "$TESTHOST_SRC"/scenarios/*.sh; do
		basename "$f" .sh
	done
	printf '%s\n' "${HOST_SIDE_SCENARIOS[@]}"
}

# The test host's QEMU command line, less kernel, initrd and devices.
# -cpu max gives it AMD SVM with nested paging, for kvm_amd.
QEMU_TESTHOST=(qemu-system-x86_64 -machine "q35,kernel-irqchip=split" -accel tcg -cpu max
	-m "${TESTHOST_MEMORY:-1024}" -smp 2 -device "intel-iommu,intremap=on"
	-nographic -nodefaults -serial stdio -no-reboot)

# run_qemu LOG LIMIT READY_MARKER QEMU-ARGS...: runs QEMU with its console
# in LOG, printing it live through the filter show_console. Stops QEMU
# after LIMIT seconds, or after BOOT_TIMEOUT if READY_MARKER has not shown
# up by then, or after STALL_TIMEOUT without output. Returns QEMU's exit
# status (124: time limit, 125: no boot, 126: froze).
run_qemu() {
	local log=$1 limit=$2 ready=$3 qemu_pid tail_pid status=0 rc=0 start
	shift 3
	: >"$log"
	timeout -k 5 "$limit" "$@" </dev/null >>"$log" 2>&1 &
	qemu_pid=$!
	running_qemu=$qemu_pid
	tail -n +1 -f --pid="$qemu_pid" "$log" | show_console &
	tail_pid=$!
	start=$SECONDS
	local size=0 grew=$SECONDS
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if ((SECONDS - start > BOOT_TIMEOUT)) && ! clean_console <"$log" | grep "^$ready" >/dev/null; then
			echo "TESTHOST-RUNNER: no '$ready' after ${BOOT_TIMEOUT}s; stopping QEMU" >>"$log"
			kill "$qemu_pid"
			status=125
			break
		fi
		if [ "$(stat -c %s "$log")" != "$size" ]; then
			size=$(stat -c %s "$log")
			grew=$SECONDS
			# A CPU stuck in the kernel for a minute keeps the console busy
			# with watchdog lines, but the test host is as good as frozen.
			if grep -Eq 'soft lockup - CPU#[0-9]+ stuck for ([6-9][0-9]|[0-9]{3,})s' "$log"; then
				echo "TESTHOST-RUNNER: a CPU of the test host is stuck in its kernel (soft lockup over 60s): QEMU froze; stopping it" >>"$log"
				kill "$qemu_pid"
				status=126
				break
			fi
		elif ((SECONDS - grew > STALL_TIMEOUT)); then
			echo "TESTHOST-RUNNER: no console output for ${STALL_TIMEOUT}s: QEMU froze; stopping it" >>"$log"
			kill "$qemu_pid"
			status=126
			break
		fi
		sleep 1
	done
	wait "$qemu_pid" || rc=$?
	running_qemu=
	wait "$tail_pid" || true
	[ "$status" -ne 0 ] || status=$rc
	return "$status"
}

# Console filter. verbose: everything. demo: everything but firmware noise
# and the runner's markers. Otherwise: a line per scenario as it ends and
# the test host's own notes.
show_console() {
	case $console in
	verbose) clean_console ;;
	demo)
		clean_console | awk '
			/^(SeaBIOS |Booting from ROM|TESTHOST-(BOOTED|VFIO|READY|DONE)|DEMO-EXIT )/ { next }
			/^\[ *[0-9.]+\] reboot: Power down/ { next }
			/^$/ && !shown { next }
			{ shown = 1; print; fflush() }'
		;;
	*)
		clean_console | awk '
			/^TESTHOST-(BOOTED|READY|ERROR|VFIO)/ { print "  " $0; fflush() }
			$1 == "SCENARIO-RESULT" { print "  " $3 "  " $2 " (" $4 ")"; fflush() }'
		;;
	esac
}

# Boots the test host with the selected scenarios; its serial log is $1.
boot_testhost() {
	local log=$1 mode=$2 limit=0 script t devargs=() cmdline name bdf status=0
	shift 2
	"$TESTHOST_SRC/build-initramfs.sh" "$bindir" "$TESTHOST_BUILD/linux-guest" \
		"$TESTHOST_BUILD/host" "$@"

	cmdline="console=ttyS0 intel_iommu=on panic=-1 testhost.mode=$mode"
	# --verbose shows the kernel's boot messages too.
	[ "$console" = verbose ] || cmdline+=" quiet"
	local attach=()
	for name in "${devices[@]}"; do
		bdf=$(device_table | awk -v n="$name" '$1 == n { print $2 }')
		mapfile -t -O ${#devargs[@]} devargs < <(qemu_device_args "$name" "$IMGDIR")
		attach+=("$name@$bdf")
	done
	[ ${#attach[@]} -eq 0 ] || cmdline+=" testhost.devices=$(IFS=,; echo "${attach[*]}")"

	for script in "$@"; do
		t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$script" | head -n 1)
		limit=$((limit + ${t:-120}))
	done
	limit=$((BOOT_TIMEOUT + limit + 60))

	say "booting the test host (QEMU TCG, q35 + intel-iommu, devices: ${devices[*]:-none}); limit ${limit}s"
	say "serial log: $log"
	run_qemu "$log" "$limit" TESTHOST-READY "${QEMU_TESTHOST[@]}" \
		-kernel "$TESTHOST_BUILD/host/vmlinuz" -initrd "$TESTHOST_BUILD/host/initrd.img" \
		-append "$cmdline" "${devargs[@]}" || status=$?
	# The console's last line (the kernel's "Power down") has no newline.
	[ "$console" != verbose ] || echo
	case $status in
	0) ;;
	124)
		echo "TESTHOST-RUNNER: the run's time limit, ${limit}s, was reached; QEMU stopped" >>"$log"
		say "the test host did not finish within ${limit}s; QEMU stopped"
		;;
	125) say "the test host did not boot within ${BOOT_TIMEOUT}s" ;;
	126) say "the test host froze (no console output for ${STALL_TIMEOUT}s, or a CPU stuck in its kernel); QEMU stopped" ;;
	*) say "QEMU exited with status $status" ;;
	esac
	if ! clean_console <"$log" | grep "^TESTHOST-READY" >/dev/null; then
		say "the test host did not boot; last lines of $log:"
		clean_console <"$log" | tail -n 40 | sed 's/^/    /' >&2
		return 1
	fi
	return "$status"
}

# boot_guest_image SERIAL-LOG REPORT APPEND DEVICE...: boots the Linux
# guest image straight under QEMU with these devices (devices.conf names)
# and APPEND on the kernel command line; adds its GUEST- lines to REPORT.
# Sets guest_status to QEMU's exit status.
boot_guest_image() {
	local glog=$1 report=$2 append=$3 devargs=() name
	shift 3
	for name in "$@"; do
		mapfile -t -O ${#devargs[@]} devargs < <(qemu_device_args "$name" "$IMGDIR")
	done
	say "guest-image: booting the Linux guest image under QEMU ($*; $append); serial log: $glog"
	guest_status=0
	# 256 MiB keeps guest RAM below edu's 28-bit DMA limit, for edu-test.
	run_qemu "$glog" "$GUEST_CHECK_TIMEOUT" GUEST-BEGIN \
		qemu-system-x86_64 -machine q35 -accel tcg -cpu max -m 256 -smp 1 \
		-nographic -nodefaults -serial stdio -no-reboot \
		-kernel "$TESTHOST_BUILD/linux-guest/vmlinuz" \
		-initrd "$TESTHOST_BUILD/linux-guest/initrd.img" \
		-append "console=ttyS0 quiet panic=-1 $append" "${devargs[@]}" || guest_status=$?
	clean_console <"$glog" | grep '^GUEST-' >>"$report" || true
}

# Host-side scenario guest-image: boots the Linux guest image straight
# under QEMU and checks its report, twice. First with an NVMe controller,
# an e1000e and edu, guest.edu=msi and guest.disk=check: every device
# driven, the disk's whole pattern read back, a write to the disk that the
# disk image holds afterwards (a BACKING-EXPECT line, as a scenario would
# print), the link up, and interrupts from all three. Then edu alone with
# guest.edu=intx. Appends a SCENARIO-BEGIN/RESULT block to LOG like the
# harness does.
check_guest_image() {
	local log=$1 start=$SECONDS reason="" block=$LOGDIR/guest-image.block
	local report=$LOGDIR/guest-image.report nvme_bdf e1000e_bdf edu_bdf mac head
	local offset=$((64 << 20)) token="guest-image-$RANDOM$RANDOM"
	nvme_bdf=$(device_table | awk '$1 == "nvme" { print $2 }')
	e1000e_bdf=$(device_table | awk '$1 == "e1000e" { print $2 }')
	edu_bdf=$(device_table | awk '$1 == "edu" { print $2 }')
	mac=$(device_table | awk '$1 == "e1000e" { sub(/.*mac=/, "", $4); sub(/,.*/, "", $4); print $4 }')
	expect() { grep -qE "$1" "$report" || { [ -n "$reason" ] || reason=$2; }; }
	# expect_irqs CHIP NAME MIN WHY: a GUEST-IRQ line of chip CHIP for NAME counts MIN or more.
	expect_irqs() {
		awk -v chip="$1" -v name="$2" -v min="$3" '
			$1 == "GUEST-IRQ" && $0 ~ chip && $NF == name && $3 >= min { ok = 1 }
			END { exit !ok }' "$report" || { [ -n "$reason" ] || reason=$4; }
	}

	echo "--- nvme, e1000e, edu; guest.edu=msi guest.disk=check guest.diskwrite=$offset:$token" >"$report"
	boot_guest_image "$LOGDIR/guest-image-serial.log" "$report" \
		"guest.edu=msi guest.disk=check guest.diskwrite=$offset:$token" nvme e1000e edu
	[ "$guest_status" -eq 0 ] || reason="QEMU exited with status $guest_status (124: timed out)"
	# "AIRLOCK-DISK nvm", the first 16 bytes of the nvme disk image, in hex.
	head=$(head -c 16 "$IMGDIR/nvme.img" | od -A n -t x1 | tr -d ' \n')
	expect '^GUEST-BEGIN ' "the guest's init did not start"
	expect "^GUEST-PCI $nvme_bdf 1b36:0010:010802 nvme\$" "no NVMe controller driven by nvme at $nvme_bdf"
	expect "^GUEST-PCI $e1000e_bdf 8086:10d3:020000 e1000e\$" "no e1000e NIC driven by e1000e at $e1000e_bdf"
	expect "^GUEST-PCI $edu_bdf 1234:11e8:00ff00 airlock_edu\$" "no edu device driven by airlock_edu at $edu_bdf"
	expect "^GUEST-BLOCK nvme0n1 262144 $head\$" "nvme0n1 missing, or its size or first bytes are wrong"
	expect "^GUEST-DISK nvme0n1 read 67108864 ok " "the guest did not read nvme0n1's pattern back intact"
	expect "^GUEST-DISK nvme0n1 wrote $offset $token\$" "the guest did not write its token to nvme0n1"
	expect "^GUEST-NET [a-z0-9]+ $mac e1000e 1\$" "no e1000e interface with MAC $mac and a carrier"
	expect "^GUEST-EDUIRQ $edu_bdf msi factorial 3628800 irqs 100/100\$" "edu's MSI did not arrive every time"
	expect "^GUEST-EDU $edu_bdf dma 2048 ok" "edu-test's DMA round trip failed beside airlock_edu"
	expect '^GUEST-IRQ [0-9]+ [1-9][0-9]* .*nvme0q' "no NVMe queue interrupt was delivered"
	expect '^GUEST-IRQ [0-9]+ [1-9][0-9]* .*eth0' "no e1000e interrupt was delivered"
	expect "^GUEST-MSI $nvme_bdf msix [0-9]" "the NVMe controller does not use MSI-X"
	expect "^GUEST-MSI $e1000e_bdf msix [0-9]" "the e1000e does not use MSI-X"
	expect "^GUEST-MSI $edu_bdf msi [0-9]+\$" "edu does not use MSI"
	expect_irqs PCI-MSI airlock_edu 101 "/proc/interrupts shows no PCI-MSI vector of airlock_edu with 101 interrupts"
	expect '^GUEST-END$' "the report did not finish"
	echo "BACKING-EXPECT nvme $offset $token" >>"$report"

	echo "--- edu; guest.edu=intx" >>"$report"
	boot_guest_image "$LOGDIR/guest-image-intx-serial.log" "$report" "guest.edu=intx guest.wait=1" edu
	[ "$guest_status" -eq 0 ] || [ -n "$reason" ] || reason="QEMU exited with status $guest_status (124: timed out)"
	expect "^GUEST-EDUIRQ $edu_bdf intx factorial 3628800 irqs 100/100\$" "edu's INTx did not arrive every time"
	expect_irqs IO-APIC airlock_edu 101 "/proc/interrupts shows no IO-APIC line of airlock_edu with 101 interrupts"

	{
		echo "SCENARIO-BEGIN guest-image"
		cat "$report"
		[ -z "$reason" ] || echo "(guest serial logs: $LOGDIR/guest-image-serial.log, $LOGDIR/guest-image-intx-serial.log)"
		if [ -z "$reason" ]; then
			echo "SCENARIO-RESULT guest-image PASS $((SECONDS - start))s"
		else
			echo "SCENARIO-RESULT guest-image FAIL $((SECONDS - start))s $reason"
		fi
	} >"$block"
	backing_check "$block" "$IMGDIR"
	cat "$block" >>"$log"
	rm -f "$block" "$report"
	tail -n 1 "$log" | show_console
}

# --- arguments
selected=()
IFS=, read -r -a selected <<<"${SCENARIO:-}"
IFS=, read -r -a devices <<<"${TESTHOST_DEVICES:-$(device_table | awk '{ print $1 }' | paste -sd,)}"
bindir=${AIRLOCK_BIN_DIR:-$REPO_ROOT/build}
console=quiet
[ "${TESTHOST_VERBOSE:-0}" != 1 ] || console=verbose
demo=0 scenario_opts=0
while [ $# -gt 0 ]; do
	case $1 in
	--scenario)
		# Options replace $SCENARIO (make passes both), and add up.
		[ "$scenario_opts" = 1 ] || selected=()
		scenario_opts=1
		IFS=, read -r -a more <<<"$2"
		selected+=("${more[@]}")
		shift
		;;
	--devices) IFS=, read -r -a devices <<<"$2"; shift ;;
	--bin-dir) bindir=$2; shift ;;
	--verbose) console=verbose ;;
	--demo) demo=1 ;;
	--list) scenario_names; exit 0 ;;
	--deps) ensure_host_tools; exit 0 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
[ -d "$bindir" ] || die "$bindir does not exist (run 'make all' first)"
bindir=$(cd "$bindir" && pwd)
for name in "${devices[@]}"; do
	device_table | awk -v n="$name" '$1 == n { found = 1 } END { exit !found }' ||
		die "unknown device '$name' (devices.conf has: $(device_table | awk '{ print $1 }' | paste -sd' '))"
done
mkdir -p "$LOGDIR"
ensure_host_tools
build_disk_pattern >/dev/null

if [ "$demo" = 1 ]; then
	console=demo
	log=$LOGDIR/demo-serial.log
	status=0
	"$TESTHOST_SRC/build-guest-image.sh" "$TESTHOST_BUILD/linux-guest"
	boot_testhost "$log" demo || status=$?
	demo_exit=$(clean_console <"$log" | sed -n 's/^DEMO-EXIT //p' | tail -n 1)
	if [ "$status" -ne 0 ] || [ "$demo_exit" != 0 ]; then
		die "the demo failed (serial log: $log)"
	fi
	say "demo finished (serial log: $log)"
	exit 0
fi

# --- scenarios
# The host tier runs here only for a build machine that cannot run it on
# its own /dev/kvm in make check (unless named in --scenario).
host_tier_skipped=0
if [ ${#selected[@]} -eq 0 ]; then
	mapfile -t selected < <(scenario_names)
	if "$REPO_ROOT/tests/host/run.sh" --probe; then
		mapfile -t selected < <(printf '%s\n' "${selected[@]}" | grep -vx host-tier)
		host_tier_skipped=1
		say "host-tier skipped: make check runs the host tier on this machine's /dev/kvm"
	fi
fi
names=() host_side=0 scripts=() script_names=()
for s in "${selected[@]}"; do
	if [[ $s == */* ]]; then
		[ -f "$s" ] || die "no scenario script $s"
		scripts+=("$(cd "$(dirname "$s")" && pwd)/$(basename "$s")")
		names+=("$(basename "$s" .sh)")
		script_names+=("$(basename "$s" .sh)")
	elif [[ " ${HOST_SIDE_SCENARIOS[*]} " == *" $s "* ]]; then
		host_side=1
		names+=("$s")
	elif [ -f "$TESTHOST_SRC/scenarios/$s.sh" ]; then
		scripts+=("$TESTHOST_SRC/scenarios/$s.sh")
		names+=("$s")
		script_names+=("$s")
	else
		die "no scenario '$s' (run.sh --list shows them)"
	fi
done

log=$LOGDIR/e2e-serial.log
started=$SECONDS
"$TESTHOST_SRC/build-guest-image.sh" "$TESTHOST_BUILD/linux-guest"
boot_ok=1
if [ ${#scripts[@]} -gt 0 ]; then
	boot_testhost "$log" e2e "${scripts[@]}" || true
	# Before another boot or guest-image makes the disk images afresh.
	backing_check "$log" "$IMGDIR"
	# A test host that froze, crashed or ran out of time boots again, up to
	# TESTHOST_BOOTS times in all, for the scenarios without a result:
	# nested TCG emulation is not always stable. Not when it never booted
	# at all: that is no accident of emulation.
	boots=1
	while [ "$boots" -lt "$MAX_BOOTS" ] && clean_console <"$log" | grep "^TESTHOST-READY" >/dev/null; do
		left=()
		while read -r name; do
			for script in "${scripts[@]}"; do
				[ "$(basename "$script" .sh)" != "$name" ] || left+=("$script")
			done
		done < <(scenarios_for_another_boot "$log" "${script_names[@]}")
		[ ${#left[@]} -gt 0 ] || break
		say "the test host stopped with ${#left[@]} scenario(s) left; booting it once more for them"
		boots=$((boots + 1))
		boot_testhost "$log.again" e2e "${left[@]}" || true
		backing_check "$log.again" "$IMGDIR"
		cat "$log.again" >>"$log"
		rm -f "$log.again"
	done
	# Past the first boot the verdict is the scenarios': one the test host
	# died in, or never got to, has no result and fails.
	clean_console <"$log" | grep "^TESTHOST-READY" >/dev/null || boot_ok=0
else
	: >"$log"
fi
[ "$host_side" = 0 ] || check_guest_image "$log"

say "total time $((SECONDS - started))s; logs in $LOGDIR"
echo
status=0
"$TESTHOST_SRC/parse-results.sh" "$log" "${names[@]}" | tee "$LOGDIR/results" || status=$?
[ "$boot_ok" = 1 ] || status=1
[ -z "${RESULTS:-}" ] || write_results "$LOGDIR/results" "$log" "$RESULTS/e2e" "$host_tier_skipped"
exit "$status"
