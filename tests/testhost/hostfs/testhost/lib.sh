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
