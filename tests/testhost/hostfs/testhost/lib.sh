# shellcheck shell=sh
# Sourced by harness.sh before each scenario (busybox sh, in the test host).
# Scenarios run with `set -eu`: any failing command fails the scenario.

set -eu

# Where the test host's /init put things.
AIRLOCK=${AIRLOCK:-/opt/airlock/bin/airlock}
AIRLOCK_GUESTS=${AIRLOCK_GUESTS:-/opt/airlock/guest}
AIRLOCK_LINUX_GUEST=${AIRLOCK_LINUX_GUEST:-/opt/airlock/linux-guest}
TESTHOST_DEVICES_CONF=${TESTHOST_DEVICES_CONF:-/testhost/devices.conf}
# One line per device the runner attached: "name bdf" (from the kernel
# command line), and "name bdf group" for those bound to vfio-pci.
TESTHOST_ATTACHED=${TESTHOST_ATTACHED:-/run/testhost/attached}
TESTHOST_VFIO=${TESTHOST_VFIO:-/run/testhost/vfio}

# fail MESSAGE: end the scenario as failed, with MESSAGE as the reason.
fail() {
	echo "FAIL-REASON: $*"
	exit 1
}

# step MESSAGE: say what the scenario does next.
step() {
	echo "--- $*"
}

# stamp: each line prefixed with the test host's uptime as it arrives.
stamp() {
	awk '{ getline t <"/proc/uptime"; close("/proc/uptime"); split(t, u, " "); print u[1], $0; fflush() }'
}

# clock_ratio FILE: from the stamped console FILE of a guest.clock= run,
# the guest's seconds per test-host second between its GUEST-CLOCK start
# and end lines; false without them.
clock_ratio() {
	awk '$2 == "GUEST-CLOCK" && $3 == "start" { h0 = $1; g0 = $4 }
		$2 == "GUEST-CLOCK" && $3 == "end" { h1 = $1; g1 = $4 }
		END { if (h1 > h0) printf "%.3f\n", (g1 - g0) / (h1 - h0); else exit 1 }' "$1"
}

# vmm_of BROKER: the broker's VMM, the child named airlock-vmm (its other
# child is airlock-output, the console relay). Fails when there is none.
vmm_of() {
	# shellcheck disable=SC2013 # one pid per word
	for c in $(cat /proc/"$1"/task/*/children); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = airlock-vmm ] && echo "$c" && return 0
	done
	fail "broker $1 has no airlock-vmm child"
}

# Names of the devices attached to this boot of the test host.
attached_devices() {
	awk '{ print $1 }' "$TESTHOST_ATTACHED"
}

# need_device NAME: fail unless the runner attached device NAME.
need_device() {
	grep -q "^$1 " "$TESTHOST_ATTACHED" 2>/dev/null ||
		fail "device $1 is not attached to this test host (run with --devices including $1)"
}

# expected_id NAME: vendor:device of NAME, from devices.conf.
expected_id() {
	awk -v n="$1" '$1 == n { print $3 }' "$TESTHOST_DEVICES_CONF"
}

# device_bdf NAME / vfio_group NAME: where device NAME is.
device_bdf() {
	need_device "$1"
	awk -v n="$1" '$1 == n { print $2 }' "$TESTHOST_ATTACHED"
}
vfio_group() {
	need_device "$1"
	group=$(awk -v n="$1" '$1 == n { print $3 }' "$TESTHOST_VFIO")
	[ -n "$group" ] || fail "device $1 was not bound to vfio-pci at boot (see the boot log)"
	echo "$group"
}

# expect_line FILE TEXT: fail unless a line of FILE contains TEXT.
expect_line() {
	grep -qF -- "$2" "$1" || fail "expected a line containing '$2' in the output"
}

# wait_for TEXT SECONDS [WHEN]: until ./output holds TEXT; fails if the
# process $pid (airlock, started in the background) ends first. WHEN, for
# the reason: "after the guest moved its BAR".
wait_for() {
	tries=$(($2 * 5))
	until grep -qF -- "$1" output; do
		kill -0 "$pid" 2>/dev/null || { cat output; fail "airlock ended before the guest printed '$1'${3:+ $3}"; }
		[ "$tries" -gt 0 ] || { cat output; fail "no '$1' from the guest within $2 s${3:+ $3}"; }
		tries=$((tries - 1))
		sleep 0.2
	done
}

# device_drive NAME: the id of NAME's disk image (drive=ID in devices.conf),
# the DRIVE of a BACKING-EXPECT line.
device_drive() {
	awk -v n="$1" '$1 == n && match($4, /drive=[^,]*/) { print substr($4, RSTART + 6, RLENGTH - 6) }' \
		"$TESTHOST_DEVICES_CONF"
}

# linux_guest OUT CMDLINE AIRLOCK-ARGS...: boots the Linux guest image
# under airlock (256M, 2 processors, console on COM1) with CMDLINE added
# to "console=ttyS0 panic=-1"; shows the console as it comes (so a hang
# shows where) and keeps it in OUT. Fails unless airlock exits 0 after the
# guest powered off.
linux_guest() {
	out=$1 cmdline=$2
	shift 2
	{
		status=0
		"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
			--cmdline "console=ttyS0 panic=-1 $cmdline" --com1 console --memory 256M --processors 2 \
			"$@" 2>&1 </dev/null || status=$?
		echo "airlock-status $status"
	} | tee "$out"
	status=$(sed -n 's/^airlock-status //p' "$out")
	[ "$status" = 0 ] || fail "airlock exited with status $status"
	expect_line "$out" "GUEST-END"
	expect_line "$out" "the guest powered off"
}

# irq_sum FILE NAME-ERE [CHIP-ERE]: the interrupts counted by the GUEST-IRQ
# lines in FILE whose handler name (last field) matches NAME-ERE whole and
# whose chip columns match CHIP-ERE (e.g. "PCI-MSI"), summed.
irq_sum() {
	awk -v name="^($2)\$" -v chip="${3:-.}" '
		{ sub(/\r$/, "") }
		i = index($0, "GUEST-IRQ ") {
			$0 = substr($0, i)
			c = ""
			for (f = 4; f < NF; f++) c = c " " $f
			if ($NF ~ name && c ~ chip) sum += $3
		}
		END { print sum + 0 }' "$1"
}

# guest_shell CMDLINE AIRLOCK-ARGS...: starts airlock in the background
# ($pid, the broker itself) with the Linux guest as linux_guest does and a
# shell on its console (guest.shell=1). The console goes to ./output; what
# is written to descriptor 3 is typed into the shell. Returns at the
# shell's first prompt.
guest_shell() {
	extra=$1
	shift
	rm -f input
	mkfifo input
	"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
		--cmdline "console=ttyS0 panic=-1 guest.shell=1 $extra" --com1 console --memory 256M \
		--processors 2 "$@" <input >output 2>&1 &
	pid=$!
	# Held open until the end: airlock's stdin must not reach end of file early.
	exec 3>input
	wait_for "GUEST-PROMPT# " 150
}

# guest_shell_end: powers the guest of guest_shell off from its shell and
# shows its console; fails unless airlock exits 0.
guest_shell_end() {
	printf '%s\n' 'poweroff -f' >&3
	wait_for "the guest powered off" 60
	status=0
	wait "$pid" || status=$?
	exec 3>&-
	cat output
	[ "$status" -eq 0 ] || fail "airlock exited with status $status"
}

# driver_of BDF: the driver bound to the device, or "none".
driver_of() {
	if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
		basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
	else
		echo none
	fi
}

# Every attached device and its driver, a line each.
bindings() {
	for name in $(attached_devices); do
		bdf=$(device_bdf "$name")
		echo "$bdf $(driver_of "$bdf")"
	done
}

# "/proc/PID /dev/vfio/..." for each open /dev/vfio file.
vfio_holders() {
	for fd in /proc/[0-9]*/fd/*; do
		target=$(readlink "$fd" 2>/dev/null) || continue
		case $target in /dev/vfio/*) echo "${fd%%/fd/*} $target" ;; esac
	done
}

# refuse TEXT ARGS...: airlock run ARGS exits non-zero with one line on
# stderr containing TEXT, nothing on stdout, and changes nothing.
refuse() {
	says=$1
	shift
	bindings >before
	status=0
	"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M "$@" >out 2>err || status=$?
	cat err
	[ "$status" -ne 0 ] || fail "airlock run $* exited 0"
	[ "$(wc -l <err)" -eq 1 ] || fail "airlock printed $(wc -l <err) lines on stderr, not one"
	grep -qF -- "$says" err || fail "airlock did not say '$says'"
	[ ! -s out ] || fail "airlock printed on stdout: $(head -c 200 out)"
	bindings >after
	cmp -s before after || fail "driver bindings changed: $(diff before after | grep '^[-+][0-9]' | tr '\n' ' ')"
	holders=$(vfio_holders)
	[ -z "$holders" ] || fail "still open after the refusal: $holders"
	echo "exit status $status; bindings unchanged; no /dev/vfio file open"
}
