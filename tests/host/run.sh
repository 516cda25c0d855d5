#!/usr/bin/env bash
# Host integration tests: the real broker and VMM on this machine's /dev/kvm,
# with the tiny test guests. Prints TAP lines ("ok N - name"); exits non-zero
# when any test fails. Needs root and a built tree (make all). Where the
# build machine has no /dev/kvm, the test host runs this same script on its
# own (scenario host-tier).
#
# run.sh --probe: exits 0 only when this machine can run them (root, and a
# /dev/kvm that opens), silently.
set -u

kvm_usable() {
	[ "$(id -u)" = 0 ] && [ -c /dev/kvm ] && (: <>/dev/kvm) 2>/dev/null
}
if [ "${1:-}" = --probe ]; then
	kvm_usable
	exit
fi

cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}	# build/san for make check SANITIZE=1: the broker with ASan and UBSan
# LeakSanitizer cannot stop a process that another one traces, as at-exit does.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
AIRLOCK=$B/airlock
HELLO=$B/guest/hello.elf
IDLE=$B/guest/idle.elf
ECHO=$B/guest/echo.elf
BUTTON=$B/guest/button.elf
LONGOUT=$B/guest/longout.elf
TMP=$(mktemp -d)
n=0
failed=0
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

# run NAME TIMEOUT ARGS...: runs airlock, output in $TMP/NAME.{out,err}, status in $rc.
run() {
	local name=$1 t=$2
	shift 2
	timeout "$t" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null
	rc=$?
}

# start_vm NAME GUEST TEXT ARGS...: a VM in the background, until its guest
# has printed TEXT; sets $broker and $vmm.
start_vm() {
	local name=$1 guest=$2 text=$3
	shift 3
	"$AIRLOCK" run --kernel "$guest" --memory 16M --com1 console "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" </dev/null &
	broker=$!
	pids+=("$broker")
	vmm=
	for _ in $(seq 100); do
		grep -q "$text" "$TMP/$name.out" 2>/dev/null && vmm=$(pgrep -P "$broker" -x airlock-vmm) && return 0
		sleep 0.1
	done
	return 1
}

# start_idle NAME ARGS...: an idle VM that SIGTERM stops at once (the idle
# guest ignores the power button; a later --stop-timeout in ARGS wins).
start_idle() {
	local name=$1
	shift
	start_vm "$name" "$IDLE" idling --stop-timeout 0 "$@"
}

# A dead VMM whose parent has gone may linger as a zombie until init reaps it.
gone_within() {	# PID TENTHS
	for _ in $(seq "$2"); do
		[ "$(awk '/^State:/ { print $2 }' /proc/"$1"/status 2>/dev/null)" = Z ] && return 0
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

t_hello() {
	run hello 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 console --cmdline "airlock-test 42"
	if [ "$rc" = 0 ] && grep -qx 'hello from the airlock test guest; cmdline: airlock-test 42' "$TMP/hello.out" &&
		grep -q 'the guest powered off' "$TMP/hello.err"; then
		ok "hello guest prints its line and command line on COM1, powers off, exit 0"
	else
		not_ok "hello guest" "exit $rc" "stdout: $(head -c 300 "$TMP/hello.out")" "stderr: $(head -c 300 "$TMP/hello.err")"
	fi
}

# --stats: one line of counters when the VM ends. Each byte the hello guest
# prints is an OUT to COM1's data port, so there are at least as many I/O
# exits, and each exit is a return of KVM_RUN.
t_stats() {
	run stats 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 console --stats
	local line exits io wakeups sum bytes bad=()
	local shape='^\{"vcpu_wakeups":[0-9]+,"input_wakeups":[0-9]+,"irq_wakeups":[0-9]+,"console":\{"bytes":[0-9]+,"writes":[0-9]+,"exits":[0-9]+\},"exits":\{("[a-z0-9_]+":[0-9]+(,"[a-z0-9_]+":[0-9]+)*)?\},"devices":\[\]\}$'
	[ "$rc" = 0 ] || bad+=("exit $rc")
	[ "$(grep -c '^airlock: stats ' "$TMP/stats.err")" = 1 ] || bad+=("not exactly one stats line")
	line=$(sed -n 's/^airlock: stats //p' "$TMP/stats.err" | head -1)
	grep -Eq "$shape" <<<"$line" || bad+=("not the JSON line expected")
	exits=$(sed -n 's/.*"exits":{\([^}]*\)}.*/\1/p' <<<"$line")
	io=$(grep -o '"io":[0-9]*' <<<"$exits" | cut -d: -f2)
	sum=$(grep -o ':[0-9]*' <<<"$exits" | awk -F: '{ s += $2 } END { print s + 0 }')
	wakeups=$(sed -n 's/^{"vcpu_wakeups":\([0-9]*\),.*/\1/p' <<<"$line")
	bytes=$(wc -c <"$TMP/stats.out")
	[ "$bytes" -gt 0 ] && [ "${io:-0}" -ge "$bytes" ] || bad+=("io exits ${io:-none} < $bytes bytes printed")
	[ "$sum" -gt 0 ] && [ "${wakeups:-0}" -ge "$sum" ] || bad+=("vcpu_wakeups ${wakeups:-none} < $sum exits")
	if [ ${#bad[@]} = 0 ]; then
		ok "--stats: one JSON line when the VM ends; io exits $io >= $bytes bytes printed, vcpu_wakeups $wakeups >= $sum exits"
	else
		not_ok "--stats" "${bad[@]}" "stderr: $(head -c 600 "$TMP/stats.err")"
	fi
}

# COM1's output is buffered in the VMM and written a line or a burst at a
# time: 64 KiB from the longout guest arrive whole and in order, before the
# power-off ends the VMM, and in far fewer writes than bytes. Each byte
# costs the guest an LSR read and a THR write: two exits on COM1.
t_console_order() {
	local pat=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU line want bytes writes exits i bad=()
	run order 300 "$AIRLOCK" run --kernel "$LONGOUT" --memory 16M --com1 console --cmdline order-test --stats
	want=$TMP/order.want
	{
		echo 'hello from the airlock test guest; cmdline: order-test'
		for ((i = 0; i < 1024; i++)); do
			printf '%05d %s\n' "$i" "$pat"
		done
	} >"$want"
	[ "$rc" = 0 ] || bad+=("exit $rc")
	cmp -s "$want" "$TMP/order.out" || bad+=("the output differs from what the guest printed: $(cmp "$want" "$TMP/order.out" 2>&1 | head -1)")
	line=$(sed -n 's/^airlock: stats //p' "$TMP/order.err" | head -1)
	bytes=$(sed -n 's/.*"console":{"bytes":\([0-9]*\),.*/\1/p' <<<"$line")
	writes=$(sed -n 's/.*"console":{[^}]*"writes":\([0-9]*\),.*/\1/p' <<<"$line")
	exits=$(sed -n 's/.*"console":{[^}]*"exits":\([0-9]*\)}.*/\1/p' <<<"$line")
	[ "${bytes:-none}" = "$(wc -c <"$want")" ] || bad+=("console bytes ${bytes:-none}, want $(wc -c <"$want")")
	[ "${writes:-0}" -ge 1 ] && [ "$((${writes:-0} * 16))" -le "${bytes:-0}" ] ||
		bad+=("${writes:-no} writes for ${bytes:-no} bytes: not a sixteenth of them or fewer")
	[ "${exits:-0}" -ge "$((2 * ${bytes:-1}))" ] || bad+=("${exits:-no} COM1 exits for ${bytes:-no} bytes, want 2 a byte or more")
	grep -q "^airlock: console: $bytes bytes in $writes writes, [0-9]*\.[0-9] exits per byte$" "$TMP/order.err" ||
		bad+=("no console line to match the counters")
	if [ ${#bad[@]} = 0 ]; then
		ok "COM1 output: $bytes bytes, in order and whole before the power-off, in $writes writes ($exits exits on COM1)"
	else
		not_ok "COM1 output order" "${bad[@]}" "stderr: $(head -c 600 "$TMP/order.err")"
	fi
}

# SIGUSR1 to the broker prints the running VM's counters, and the VM goes on.
t_stats_signal() {
	local bad=() lines=0 status
	if ! start_idle usr1; then
		not_ok "SIGUSR1: idle VM did not start" "$(cat "$TMP/usr1.err")"
		return
	fi
	kill -USR1 "$broker"
	for _ in $(seq 50); do
		lines=$(grep -c '^airlock: stats {"vcpu_wakeups":[1-9][0-9]*,.*"exits":{.*"io":[1-9]' "$TMP/usr1.err")
		[ "$lines" -ge 1 ] && break
		sleep 0.1
	done
	[ "$lines" = 1 ] || bad+=("$lines stats lines with I/O exits after SIGUSR1, want 1")
	sleep 0.5
	kill -0 "$broker" 2>/dev/null || bad+=("the broker ended")
	[ "$(awk '/^State:/ { print $2 }' /proc/"$vmm"/status 2>/dev/null)" = S ] || bad+=("the VMM is not running")
	kill -TERM "$broker"
	wait "$broker"
	status=$?
	[ "$status" = 143 ] || bad+=("exit $status after SIGTERM, want 143")
	[ "$(grep -c '^airlock: stats ' "$TMP/usr1.err")" = 1 ] || bad+=("without --stats, no line at the end")
	if [ ${#bad[@]} = 0 ]; then
		ok "SIGUSR1 to the broker prints the counters of the running VM, which goes on until SIGTERM"
	else
		not_ok "SIGUSR1 stats" "${bad[@]}" "stderr: $(head -c 600 "$TMP/usr1.err")"
	fi
}

# ended NAME: how the VM NAME ended, as its (now stale) registry entry says.
ended() {
	sed -n 's/^ended //p' "/run/airlock/vms/$1" 2>/dev/null
}

# ms: now, in milliseconds.
ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# SIGTERM presses the power button: a guest that powers off on it ends the
# VM with status 0, in well under the default 30 s.
t_stop_button() {
	local bad=() status start
	if ! start_vm button "$BUTTON" 'waiting for the power button' --name t-button; then
		not_ok "SIGTERM, power button: the button guest did not start" "$(cat "$TMP/button.err")"
		return
	fi
	start=$(ms)
	kill -TERM "$broker"
	wait "$broker"
	status=$?
	[ "$status" = 0 ] || bad+=("exit $status, want 0")
	[ $(($(ms) - start)) -lt 10000 ] || bad+=("took $(($(ms) - start)) ms")
	grep -qx 'button guest: power button pressed; powering off' "$TMP/button.out" || bad+=("the guest did not see the button")
	grep -qx "airlock: received SIGTERM; pressed the guest's power button, and it has 30 s to power off" \
		"$TMP/button.err" || bad+=("no line about the power button")
	grep -q 'the guest powered off' "$TMP/button.err" || bad+=("the VMM did not say the guest powered off")
	[ "$(ended t-button)" = power-button ] || bad+=("ended '$(ended t-button)', want power-button")
	if [ ${#bad[@]} = 0 ]; then
		ok "SIGTERM presses the power button; the guest powers off, airlock exits 0 (ended: power-button)"
	else
		not_ok "SIGTERM, power button" "${bad[@]}" "stdout: $(head -c 300 "$TMP/button.out")" "stderr: $(head -c 400 "$TMP/button.err")"
	fi
}

# A guest that ignores the button is killed when --stop-timeout has passed,
# with one line saying so; airlock exits 128 + SIGTERM.
t_stop_timeout() {
	local bad=() status start took
	if ! start_vm stop-idle "$IDLE" idling --name t-idle --stop-timeout 2; then
		not_ok "SIGTERM, --stop-timeout 2: the idle guest did not start" "$(cat "$TMP/stop-idle.err")"
		return
	fi
	start=$(ms)
	kill -TERM "$broker"
	wait "$broker"
	status=$?
	took=$(($(ms) - start))
	[ "$status" = 143 ] || bad+=("exit $status, want 143")
	[ "$took" -ge 1900 ] && [ "$took" -lt 8000 ] || bad+=("killed after $took ms, want about 2000")
	grep -qx 'airlock: the guest did not power off within 2 s of the power button; killing it' "$TMP/stop-idle.err" ||
		bad+=("no line saying the guest was killed after 2 s")
	[ "$(ended t-idle)" = killed-after-timeout ] || bad+=("ended '$(ended t-idle)', want killed-after-timeout")
	if [ ${#bad[@]} = 0 ]; then
		ok "SIGTERM, --stop-timeout 2, a guest that ignores the button: killed after $took ms, exit 143"
	else
		not_ok "SIGTERM, --stop-timeout 2" "${bad[@]}" "stderr: $(head -c 400 "$TMP/stop-idle.err")"
	fi
}

# SIGINT does not wait for the guest, whatever --stop-timeout says.
t_stop_sigint() {
	local status start took
	if ! start_vm stop-int "$IDLE" idling; then
		not_ok "SIGINT: the idle guest did not start" "$(cat "$TMP/stop-int.err")"
		return
	fi
	start=$(ms)
	kill -INT "$broker"
	wait "$broker"
	status=$?
	took=$(($(ms) - start))
	if [ "$status" = 130 ] && [ "$took" -lt 5000 ] && grep -qx 'airlock: received SIGINT; stopping the VM' "$TMP/stop-int.err"; then
		ok "SIGINT stops the VM at once ($took ms), exit 130"
	else
		not_ok "SIGINT" "exit $status after $took ms" "stderr: $(head -c 400 "$TMP/stop-int.err")"
	fi
}

# airlock_cmd NAME ARGS...: airlock ARGS in the foreground; $rc, $TMP/NAME.{out,err}.
airlock_cmd() {
	local name=$1
	shift
	run "$name" 60 "$AIRLOCK" "$@"
}

# airlock stop and airlock kill, by the VM's name: each says how it ended in
# one line and exits 0; a name that runs nothing is one line and exit 1.
t_stop_command() {
	local bad=() status start took
	if start_vm t1 "$BUTTON" 'waiting for the power button' --name t1; then
		airlock_cmd stop-t1 stop t1
		wait "$broker"
		status=$?
		[ "$rc" = 0 ] && [ "$(cat "$TMP/stop-t1.out")" = "t1 stopped: the guest powered off" ] ||
			bad+=("airlock stop t1: exit $rc, stdout '$(cat "$TMP/stop-t1.out")', stderr '$(cat "$TMP/stop-t1.err")'")
		[ "$status" = 0 ] || bad+=("the button guest's airlock exited $status, want 0")
	else
		bad+=("the button guest did not start: $(head -c 300 "$TMP/t1.err")")
	fi
	if start_vm t1-timeout "$IDLE" idling --name t1; then
		start=$(ms)
		airlock_cmd stop-timeout-t1 stop --timeout 1 t1
		took=$(($(ms) - start))
		wait "$broker"
		status=$?
		[ "$rc" = 0 ] && [ "$(cat "$TMP/stop-timeout-t1.out")" = "t1 killed after 1 s: the guest did not power off in time" ] ||
			bad+=("airlock stop --timeout 1 t1: exit $rc, stdout '$(cat "$TMP/stop-timeout-t1.out")', stderr '$(cat "$TMP/stop-timeout-t1.err")'")
		[ "$took" -ge 900 ] && [ "$took" -lt 8000 ] || bad+=("airlock stop --timeout 1 took $took ms")
		[ "$status" = 143 ] || bad+=("the idle guest's airlock exited $status after stop --timeout 1, want 143")
	else
		bad+=("the idle guest did not start: $(head -c 300 "$TMP/t1-timeout.err")")
	fi
	if start_vm t1-kill "$IDLE" idling --name t1; then
		start=$(ms)
		airlock_cmd kill-t1 kill t1
		took=$(($(ms) - start))
		wait "$broker"
		status=$?
		[ "$rc" = 0 ] && [ "$(cat "$TMP/kill-t1.out")" = "t1 killed" ] ||
			bad+=("airlock kill t1: exit $rc, stdout '$(cat "$TMP/kill-t1.out")', stderr '$(cat "$TMP/kill-t1.err")'")
		[ "$took" -lt 5000 ] || bad+=("airlock kill took $took ms")
		[ "$status" = 143 ] || bad+=("the idle guest's airlock exited $status after kill, want 143")
		grep -qx 'airlock: received SIGTERM; stopping the VM' "$TMP/t1-kill.err" || bad+=("the broker did not say it stopped the VM")
		[ "$(ended t1)" = killed ] || bad+=("ended '$(ended t1)' after kill, want killed")
	else
		bad+=("the idle guest did not start: $(head -c 300 "$TMP/t1-kill.err")")
	fi
	airlock_cmd stop-nosuch stop nosuch
	[ "$rc" = 1 ] && [ ! -s "$TMP/stop-nosuch.out" ] &&
		[ "$(cat "$TMP/stop-nosuch.err")" = "airlock: stop: no VM named nosuch is running; airlock ps lists the running VMs" ] ||
		bad+=("airlock stop nosuch: exit $rc, stdout '$(cat "$TMP/stop-nosuch.out")', stderr '$(cat "$TMP/stop-nosuch.err")'")
	if [ ${#bad[@]} = 0 ]; then
		ok "airlock stop t1: the guest powers off; stop --timeout 1: killed after 1 s; kill: at once; stop nosuch: one line, exit 1"
	else
		not_ok "airlock stop and kill" "${bad[@]}"
	fi
}

t_com1_none() {
	run quiet 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 none
	if [ "$rc" = 0 ] && [ ! -s "$TMP/quiet.out" ]; then
		ok "--com1 none: the guest runs and its output goes nowhere"
	else
		not_ok "--com1 none" "exit $rc" "stdout: $(head -c 200 "$TMP/quiet.out")"
	fi
}

t_smp() {
	run smp 60 "$AIRLOCK" run --kernel "$HELLO" --memory 64M --processors 4 --com1 console
	if [ "$rc" = 0 ] && grep -q 'hello from the airlock test guest' "$TMP/smp.out"; then
		ok "--processors 4 --memory 64M boots"
	else
		not_ok "--processors 4" "exit $rc" "stderr: $(cat "$TMP/smp.err")"
	fi
}

# Each bad command line: non-zero exit, one line on stderr saying what and how, nothing on stdout.
t_bad_input() {
	local dir=$TMP/badinput
	mkdir -p "$dir"
	printf 'not an elf image at all, just text\n' >"$dir/text"
	head -c 100 "$HELLO" >"$dir/truncated.elf"
	local cases=(
		"unknown option '--frobnicate'|--kernel $HELLO --frobnicate"
		"bad size|--kernel $HELLO --memory 16Q"
		"too small|--kernel $HELLO --memory 2M"
		"multiple of 2M|--kernel $HELLO --memory 17M"
		"from 1 to 255|--kernel $HELLO --processors 0"
		"No such file or directory|--kernel $dir/missing.elf"
		"not a regular, non-empty file|--kernel $dir"
		"No such file or directory|--kernel $HELLO --initrd $dir/missing.img"
		"no --kernel|--memory 16M"
		"dddd:bb:dd.f|--kernel $HELLO --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio rp0:1:0.0"
		"no root port 'rp9'|--kernel $HELLO --vfio rp9:0000:01:00.0"
		"expected console, none, file=PATH|--kernel $HELLO --com1 serial"
		"give a path, as in --com1 file=PATH|--kernel $HELLO --com1 file="
		"neither a Linux bzImage nor a PVH ELF image|--kernel $dir/text --memory 16M"
		"truncated|--kernel $dir/truncated.elf --memory 16M"
		"unknown command 'start'|@start"
	)
	local c says args argv lines bad=()
	for c in "${cases[@]}"; do
		says=${c%%|*}
		args=${c#*|}
		if [ "${args:0:1}" = @ ]; then
			read -ra argv <<<"${args:1}"
			run bad 30 "$AIRLOCK" "${argv[@]}"
		else
			read -ra argv <<<"$args"
			run bad 30 "$AIRLOCK" run "${argv[@]}"
		fi
		lines=$(wc -l <"$TMP/bad.err")
		if [ "$rc" = 0 ] || [ "$lines" != 1 ] || [ -s "$TMP/bad.out" ] || ! grep -qF -- "$says" "$TMP/bad.err"; then
			bad+=("[$args] exit $rc, $lines stderr lines: $(head -c 300 "$TMP/bad.err")")
		fi
	done
	if [ ${#bad[@]} = 0 ]; then
		ok "bad input: ${#cases[@]} cases each exit non-zero with one clear line"
	else
		not_ok "bad input" "${bad[@]}"
	fi
}

t_not_root() {
	run notroot 30 setpriv --reuid=65534 --regid=65534 --clear-groups "$AIRLOCK" run --kernel "$HELLO"
	if [ "$rc" != 0 ] && grep -q 'must run as root' "$TMP/notroot.err"; then
		ok "an unprivileged user is told to run airlock as root"
	else
		not_ok "not root" "exit $rc" "$(cat "$TMP/notroot.err")"
	fi
}

t_vmm_direct() {
	run direct 30 "$B/airlock-vmm"
	local rc1=$rc
	run direct2 30 setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs "$B/airlock-vmm" 3<&0
	if [ "$rc1" != 0 ] && [ "$rc" != 0 ] && grep -q 'started by the airlock broker' "$TMP/direct.err" &&
		grep -q 'started by the airlock broker' "$TMP/direct2.err"; then
		ok "airlock-vmm started directly refuses with a clear message"
	else
		not_ok "airlock-vmm direct" "exit $rc1/$rc" "$(cat "$TMP/direct.err" "$TMP/direct2.err")"
	fi
}

# Every thread of a running VMM: no capabilities, no_new_privs, seccomp filter, non-root ids.
t_sandbox_threads() {
	if ! start_idle sandbox --processors 2; then
		not_ok "sandbox: idle VM did not start" "$(cat "$TMP/sandbox.err")"
		return
	fi
	local bad=() t f threads=0 workers=0
	for t in /proc/"$vmm"/task/*; do
		# KVM's NX huge page recovery worker is a thread of the VMM from
		# Linux 6.13 on (a kernel thread before): sandboxed all the same.
		case $(cat "$t/comm") in
		kvm-nx-lpage*) workers=$((workers + 1)) ;;
		*) threads=$((threads + 1)) ;;
		esac
		for f in CapInh CapPrm CapEff CapBnd CapAmb; do
			grep -q "^$f:[[:space:]]*0000000000000000$" "$t/status" || bad+=("$t: $(grep "^$f:" "$t/status")")
		done
		grep -q '^NoNewPrivs:[[:space:]]*1$' "$t/status" || bad+=("$t: NoNewPrivs")
		grep -q '^Seccomp:[[:space:]]*2$' "$t/status" || bad+=("$t: Seccomp")
		awk '/^Uid:|^Gid:/ { for (i = 2; i <= 5; i++) if ($i == 0) exit 1 }' "$t/status" || bad+=("$t: root uid/gid")
		grep -q '^Groups:[[:space:]]*$' "$t/status" || bad+=("$t: supplementary groups")
	done
	# main thread, two vCPU threads, COM1's input and output threads
	[ "$threads" = 5 ] || bad+=("$threads threads, expected 5")
	[ "$workers" -le 1 ] || bad+=("$workers KVM NX recovery workers, expected at most 1")
	if [ ${#bad[@]} = 0 ]; then
		ok "sandbox: all $((threads + workers)) VMM threads ($workers KVM worker) have no capabilities, NoNewPrivs 1, Seccomp 2, non-root ids"
	else
		not_ok "sandbox threads" "${bad[@]}"
	fi
}

t_sandbox_fds() {
	local want have
	# stdin, stdout, stderr (the console), the socket, two vCPUs and the VM
	want=$(printf '%s\n' 0:/dev/null 1:pipe 2:pipe 3:socket \
		anon_inode:kvm-vcpu:0 anon_inode:kvm-vcpu:1 anon_inode:kvm-vm | sort)
	have=$(for f in /proc/"$vmm"/fd/*; do
		l=$(readlink "$f")
		case $l in
		socket:*) echo "${f##*/}:socket" ;;
		pipe:*) echo "${f##*/}:pipe" ;;
		anon_inode:*) echo "$l" ;;
		*) echo "${f##*/}:$l" ;;
		esac
	done | sort)
	if [ "$want" = "$have" ]; then
		ok "sandbox: the VMM holds only /dev/null, the console's two pipes, its socket, the VM and its vCPUs"
	else
		not_ok "sandbox fds" "want: ${want//$'\n'/ }" "have: ${have//$'\n'/ }"
	fi
}

t_sandbox_namespaces() {
	local bad=() ns
	for ns in mnt net ipc pid uts; do
		[ "$(readlink /proc/"$vmm"/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] || bad+=("shares the $ns namespace")
	done
	[ -z "$(ls -A /proc/"$vmm"/root/ 2>&1)" ] || bad+=("root not empty: $(find /proc/"$vmm"/root/ -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | head -5 | tr '\n' ' ')")
	[ "$(awk '/^NSpid:/ { print $NF }' /proc/"$vmm"/status)" = 1 ] || bad+=("not pid 1 of its namespace")
	grep -q '^Uid:[[:space:]]*'$((0x5a000000 + broker))'[[:space:]]' /proc/"$vmm"/status || bad+=("uid is not 0x5a000000 + broker pid")
	awk '$1 == "Max" && $2 == "core" { exit ($5 != 0) }' /proc/"$vmm"/limits || bad+=("core dumps allowed")
	if [ ${#bad[@]} = 0 ]; then
		ok "sandbox: own mount/net/ipc/pid/uts namespaces, empty root, uid of its own, no core dumps"
	else
		not_ok "sandbox namespaces" "${bad[@]}"
	fi
}

t_two_vms() {
	local first_broker=$broker first_vmm=$vmm
	if ! start_idle second; then
		not_ok "second VM did not start" "$(cat "$TMP/second.err")"
		return
	fi
	local u1 u2
	u1=$(awk '/^Uid:/ { print $2 }' /proc/"$first_vmm"/status)
	u2=$(awk '/^Uid:/ { print $2 }' /proc/"$vmm"/status)
	# The second VMM, as its own uid, must not be able to signal the first.
	if [ "$u1" != "$u2" ] && ! setpriv --reuid="$u2" --regid="$u2" --clear-groups kill -0 "$first_vmm" 2>/dev/null; then
		ok "two VMs get different uids ($u1, $u2); one cannot signal the other"
	else
		not_ok "two VMs" "uids $u1 $u2"
	fi
	kill -TERM "$broker"
	wait "$broker" 2>/dev/null
	broker=$first_broker vmm=$first_vmm
}

t_sigterm() {
	kill -TERM "$broker"
	wait "$broker"
	local status=$?
	if [ "$status" = 143 ] && gone_within "$vmm" 20 && grep -q 'received SIGTERM; stopping the VM' "$TMP/sandbox.err"; then
		ok "SIGTERM to the broker stops the VM; the broker exits 143 and says why"
	else
		not_ok "sigterm" "exit $status" "$(cat "$TMP/sandbox.err")"
	fi
}

t_broker_killed() {
	if ! start_idle orphan; then
		not_ok "orphan VM did not start" "$(cat "$TMP/orphan.err")"
		return
	fi
	kill -9 "$broker"
	wait "$broker" 2>/dev/null
	if gone_within "$vmm" 20; then
		ok "kill -9 of the broker: the VMM dies at once (parent-death signal)"
	else
		not_ok "broker killed: VMM $vmm still alive"
	fi
}

# Guest RAM in huge pages: refused with the fix while none are free, then
# the guest runs in them; the pool is put back as it was.
t_hugepages() {
	local pool
	pool=$(cat /proc/sys/vm/nr_hugepages)
	echo 0 >/proc/sys/vm/nr_hugepages
	run nohuge 30 "$AIRLOCK" run --kernel "$B/guest/hello.elf" --memory 16M --com1 console --hugepages
	if [ "$rc" = 1 ] && grep -q 'it needs 8 free (HugePages_Free' "$TMP/nohuge.err"; then
		ok "--hugepages without free huge pages: refused, saying how many to reserve"
	else
		not_ok "--hugepages without huge pages" "exit $rc" "$(cat "$TMP/nohuge.err")"
	fi
	echo 8 >/proc/sys/vm/nr_hugepages
	run huge 60 "$AIRLOCK" run --kernel "$B/guest/hello.elf" --memory 16M --com1 console --hugepages
	if [ "$rc" = 0 ] && grep -q 'hello from' "$TMP/huge.out"; then
		ok "--hugepages: the guest runs in 2 MiB pages"
	else
		not_ok "--hugepages" "exit $rc (HugePages_Free $(awk '/HugePages_Free/ { print $2 }' /proc/meminfo))" \
			"$(cat "$TMP/huge.err")"
	fi
	echo "$pool" >/proc/sys/vm/nr_hugepages
}

t_sigsys() {
	run sigsys 60 "$B/test/airlock" run --kernel "$B/guest/sigsys.elf" --memory 16M --com1 console
	if [ "$rc" = 159 ] && grep -q 'killed by signal SIGSYS' "$TMP/sigsys.err" && grep -q 'hello from' "$TMP/sigsys.out"; then
		ok "death test: a VMM making a forbidden syscall dies of SIGSYS; the broker says so and exits 159"
	else
		not_ok "sigsys" "exit $rc" "$(cat "$TMP/sigsys.err")"
	fi
	run nohook 60 "$AIRLOCK" run --kernel "$B/guest/sigsys.elf" --memory 16M --com1 console
	if [ "$rc" = 0 ]; then
		ok "the shipped VMM has no test hook: the same guest just powers off"
	else
		not_ok "shipped VMM reacted to the test port" "exit $rc" "$(cat "$TMP/nohook.err")"
	fi
}

t_sandbox_id() {
	if ! start_idle fixedid --sandbox-id 4242:4343; then
		not_ok "--sandbox-id VM did not start" "$(cat "$TMP/fixedid.err")"
		return
	fi
	if grep -q '^Uid:[[:space:]]*4242[[:space:]]' /proc/"$vmm"/status && grep -q '^Gid:[[:space:]]*4343[[:space:]]' /proc/"$vmm"/status; then
		ok "--sandbox-id 4242:4343 sets the VMM's uid and gid"
	else
		not_ok "--sandbox-id" "$(grep -E '^(Uid|Gid)' /proc/"$vmm"/status)"
	fi
	kill -TERM "$broker"
	wait "$broker" 2>/dev/null
}

t_vmm_binary_checked() {
	local dir=$TMP/install
	mkdir -p "$dir"
	cp "$AIRLOCK" "$B/airlock-vmm" "$dir/"
	chmod o+w "$dir/airlock-vmm"
	run writable 30 "$dir/airlock" run --kernel "$HELLO" --memory 16M
	if [ "$rc" != 0 ] && grep -q 'not writable by group or others' "$TMP/writable.err"; then
		ok "a world-writable airlock-vmm is refused"
	else
		not_ok "writable vmm binary" "exit $rc" "$(cat "$TMP/writable.err")"
	fi
}

# The broker against a VMM that breaks the protocol on purpose: the fake in
# build/fake (tests/host/fake-vmm.c) beside the real broker, told what to do
# by "fake=SCENARIO" on the kernel command line (before it has a
# configuration, by its sandbox gid). Each run must end with the broker's one
# line and status, no crash, the VMM reaped, and every descriptor the broker
# opened closed again: at-exit lists the broker's descriptors at its exec and
# as it exits, stopped by ptrace before the kernel releases them, and the two
# lists must match. The broker exits right after the VM's teardown, so this
# covers that teardown, and a descriptor the VMM sent that the broker kept.
t_fake_vmm() {	# SCENARIO WHAT STATUS STDERR [ARGS...]
	local name=$1 what=$2 want_rc=$3 want_err=$4 report=$TMP/fake-$1.report start end bad=()
	shift 4
	run "fake-$name" 30 "$B/host/at-exit" "$report" "$B/fake/airlock" run --kernel "$HELLO" --memory 16M \
		--com1 console --cmdline "fake=$name" "$@"
	[ "$rc" = "$want_rc" ] || bad+=("exit $rc, want $want_rc")
	[ "$(cat "$TMP/fake-$name.err")" = "$want_err" ] || bad+=("stderr: $(head -c 400 "$TMP/fake-$name.err")")
	[ ! -s "$TMP/fake-$name.out" ] || bad+=("stdout: $(head -c 200 "$TMP/fake-$name.out")")
	start=$(sed -n 's/^start //p' "$report" 2>/dev/null | sort)
	end=$(sed -n 's/^exit //p' "$report" 2>/dev/null | sort)
	[ -n "$start" ] && [ "$start" = "$end" ] || bad+=("descriptors at start: ${start//$'\n'/ }; at exit: ${end//$'\n'/ }")
	! grep -q '^child ' "$report" 2>/dev/null || bad+=("left behind: $(grep '^child ' "$report" | tr '\n' ' ')")
	if [ ${#bad[@]} = 0 ]; then
		ok "fake VMM, $what: exit $want_rc, one line, no child left, broker's descriptors at exit as at start"
	else
		not_ok "fake VMM, $what" "${bad[@]}"
	fi
}

t_robustness() {
	local v='airlock: protocol violation by the VMM:' m='malformed message, or descriptors sent to the broker'
	t_fake_vmm bad-type "a request of no known type" 1 "$v unknown request type; stopping it"
	t_fake_vmm oversized "a datagram one byte over MSG_MAX" 1 "$v $m; stopping it"
	t_fake_vmm short-header "a datagram shorter than a header" 1 "$v $m; stopping it"
	t_fake_vmm truncated "a datagram shorter than its header says" 1 "$v $m; stopping it"
	t_fake_vmm trailing "bytes past the length its header says" 1 "$v $m; stopping it"
	t_fake_vmm short-payload "a DEVICE_REQ with half its payload" 1 "$v malformed DEVICE_REQ; stopping it"
	t_fake_vmm long-payload "a LOCKED with a payload" 1 "$v malformed LOCKED; stopping it"
	t_fake_vmm empty "an empty datagram" 1 "$v empty message; stopping it"
	t_fake_vmm locked-first "LOCKED before HELLO" 1 "$v request not allowed in the current state; stopping it" \
		--sandbox-id 4242:4201
	t_fake_vmm hello-twice "a second HELLO" 1 "$v second use of a once-only request; stopping it"
	t_fake_vmm device-after-locked "a DEVICE_REQ after LOCKED" 1 \
		"$v request not allowed in the current state; stopping it"
	t_fake_vmm device-unassigned "a DEVICE_REQ for a device never assigned" 1 \
		"$v DEVICE_REQ for a device that was not assigned; stopping it"
	t_fake_vmm replay "HELLO replayed, sequence number and all" 1 \
		"$v out-of-sequence request (replayed or skipped); stopping it"
	t_fake_vmm fd "its /dev/kvm descriptor sent back on LOCKED" 1 "$v $m; stopping it"
	t_fake_vmm many-fds "200 descriptors on one LOCKED" 1 "$v $m; stopping it"
	t_fake_vmm empty-fd "a descriptor on an empty datagram" 1 "$v $m; stopping it"
	t_fake_vmm hangup "a request after it stopped reading its socket" 1 \
		"$v cannot answer: the VMM's end is gone; stopping it"
	t_fake_vmm vanish "a hang-up and exit before LOCKED" 1 "fake-vmm: hung up before LOCKED; exiting 1"
}

# Piped stdin reaches the guest's COM1 whole: the echo guest reads slowly, so
# the UART's FIFO fills and the VMM must hold back the rest, not drop it.
t_com1_input() {
	local line
	line=$(head -c 300 /dev/zero | tr '\0' x)0123456789
	printf '%s\n' "$line" >"$TMP/line"
	timeout 60 "$AIRLOCK" run --kernel "$ECHO" --memory 16M --com1 console <"$TMP/line" >"$TMP/echo.out" 2>"$TMP/echo.err"
	rc=$?
	if [ "$rc" = 0 ] && grep -qx "echo: $line" "$TMP/echo.out"; then
		ok "COM1 input: a 310-byte line piped to airlock reaches the guest intact (FIFO back-pressure)"
	else
		not_ok "COM1 input" "exit $rc" "stdout: $(head -c 400 "$TMP/echo.out")" "stderr: $(cat "$TMP/echo.err")"
	fi
}

# End of input is not the end of the VM.
t_com1_eof() {
	# --stop-timeout 0: timeout's SIGTERM stops it at once (the echo guest ignores the power button).
	printf 'no newline' | timeout 2 "$AIRLOCK" run --kernel "$ECHO" --memory 16M --com1 console --stop-timeout 0 \
		>"$TMP/eof.out" 2>"$TMP/eof.err"
	rc=$?
	if [ "$rc" = 124 ] && grep -q 'echo: no newline' "$TMP/eof.out" &&
		[ "$(cat "$TMP/eof.err")" = "airlock: received SIGTERM; stopping the VM" ]; then
		ok "COM1 input: end of file on stdin leaves the guest running"
	else
		not_ok "COM1 eof" "exit $rc (want 124: still running)" "$(cat "$TMP/eof.out" "$TMP/eof.err")"
	fi
}

# tty_run NAME COMMAND: runs COMMAND on a new pseudo-terminal (script(1)), with
# $TMP/NAME.in (a fifo, open as fd 9) as what is typed; output in $TMP/NAME.out.
# The terminal's settings before and after go to $TMP/NAME.before and .after.
tty_run() {
	local name=$1
	rm -f "$TMP/$name.in"
	mkfifo "$TMP/$name.in"
	timeout 30 script -qec "stty -g >$TMP/$name.before; $2; echo rc=\$?; stty -g >$TMP/$name.after" /dev/null \
		<"$TMP/$name.in" >"$TMP/$name.out" 2>&1 &
	tty_pid=$!
	exec 9>"$TMP/$name.in"
}

tty_wait_for() {	# NAME TEXT
	for _ in $(seq 100); do
		grep -q "$2" "$TMP/$1.out" && return 0
		sleep 0.1
	done
	return 1
}

tty_end() {
	exec 9>&-
	wait "$tty_pid"
}

# On a terminal: raw mode while the VM runs, keys pass through, Ctrl-A x quits, the terminal comes back.
t_console_tty() {
	local bad=() tag=tty-test-$$ broker vmm pty flags f
	tty_run tty "$AIRLOCK run --kernel $ECHO --memory 16M --com1 console"
	tty_wait_for tty 'cmdline' || bad+=("echo guest did not start")
	printf 'typed on a tty\n' >&9
	tty_end
	grep -q 'echo: typed on a tty' "$TMP/tty.out" || bad+=("keys did not reach the guest")
	grep -q '^rc=0' "$TMP/tty.out" || bad+=("echo guest: not exit 0")
	cmp -s "$TMP/tty.before" "$TMP/tty.after" || bad+=("terminal not restored after power-off")

	tty_run esc "$AIRLOCK run --kernel $IDLE --memory 16M --com1 console --cmdline $tag"
	tty_wait_for esc idling || bad+=("idle guest did not start")
	broker=$(pgrep -o -f -- "^$AIRLOCK run .*--cmdline $tag")	# the oldest: not the relay
	vmm=$(pgrep -P "$broker" -f '^airlock-vmm')
	pty=$(readlink /proc/"$broker"/fd/1)
	flags=$(stty -F "$pty" -a)
	for f in 0 1 2; do
		case $(readlink /proc/"$vmm"/fd/$f) in
		pipe:*) ;;
		*) bad+=("the VMM's fd $f is $(readlink /proc/"$vmm"/fd/$f), not a pipe") ;;
		esac
	done
	for f in -isig -icanon -echo opost; do
		grep -qw -- "$f" <<<"$flags" || bad+=("terminal while the VM runs: not $f")
	done
	printf '\001x' >&9
	tty_end
	grep -q '^rc=130' "$TMP/esc.out" || bad+=("Ctrl-A x: not exit 130")
	grep -q 'received SIGINT; stopping the VM' "$TMP/esc.out" || bad+=("Ctrl-A x: no message")
	cmp -s "$TMP/esc.before" "$TMP/esc.after" || bad+=("terminal not restored after Ctrl-A x")
	gone_within "$vmm" 20 || bad+=("VMM $vmm still alive after Ctrl-A x")
	if [ ${#bad[@]} = 0 ]; then
		ok "terminal: raw while the VM runs, keys reach the guest through pipes (no VMM fd is the terminal), Ctrl-A x quits (130), settings restored"
	else
		not_ok "terminal" "${bad[@]}" "$(cat -A "$TMP/tty.out" "$TMP/esc.out" | head -c 600)"
	fi
}

# --com1 none on a terminal: the VMM gets /dev/null and two pipes, and the terminal is left as it is.
t_console_none_tty() {
	local bad=() tag=tty-none-$$ broker vmm
	tty_run none "$AIRLOCK run --kernel $IDLE --memory 16M --com1 none --stop-timeout 0 --cmdline $tag"
	for _ in $(seq 100); do
		broker=$(pgrep -o -f -- "^$AIRLOCK run .*--cmdline $tag") && vmm=$(pgrep -P "$broker" -f '^airlock-vmm') && break
		sleep 0.1
	done
	[ -n "$vmm" ] || bad+=("no VMM")
	[ "$(readlink /proc/"$vmm"/fd/0)" = /dev/null ] || bad+=("fd 0 is $(readlink /proc/"$vmm"/fd/0)")
	for f in 1 2; do
		case $(readlink /proc/"$vmm"/fd/$f) in
		pipe:*) ;;
		*) bad+=("fd $f is $(readlink /proc/"$vmm"/fd/$f)") ;;
		esac
	done
	kill -TERM "$broker"
	tty_end
	cmp -s "$TMP/none.before" "$TMP/none.after" || bad+=("terminal settings changed")
	if [ ${#bad[@]} = 0 ]; then
		ok "terminal with --com1 none: the VMM has /dev/null and two pipes, never the terminal; its settings untouched"
	else
		not_ok "terminal with --com1 none" "${bad[@]}"
	fi
}

# --com1 file=PATH: the guest's output appended to a file the broker makes
# as the user (0600), never through a symbolic link; nothing on stdout.
t_com1_file() {
	local log=$TMP/com1.log bad=()
	run file1 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 "file=$log" --cmdline first
	[ "$rc" = 0 ] || bad+=("first run: exit $rc: $(head -c 300 "$TMP/file1.err")")
	run file2 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 "file=$log" --cmdline second
	[ "$rc" = 0 ] || bad+=("second run: exit $rc: $(head -c 300 "$TMP/file2.err")")
	[ ! -s "$TMP/file1.out" ] && [ ! -s "$TMP/file2.out" ] || bad+=("guest output on stdout")
	grep -q 'cmdline: first' "$log" && grep -q 'cmdline: second' "$log" &&
		[ "$(grep -c 'hello from the airlock test guest' "$log")" = 2 ] || bad+=("the file holds: $(head -c 300 "$log")")
	[ "$(stat -c %a "$log")" = 600 ] || bad+=("the file's mode is $(stat -c %a "$log"), not 600")
	ln -s "$log" "$TMP/com1.link"
	run file3 60 "$AIRLOCK" run --kernel "$HELLO" --memory 16M --com1 "file=$TMP/com1.link"
	[ "$rc" != 0 ] && grep -q 'a symbolic link' "$TMP/file3.err" || bad+=("a symbolic link: exit $rc: $(cat "$TMP/file3.err")")
	if [ ${#bad[@]} = 0 ]; then
		ok "--com1 file=PATH: two runs' output appended to a 0600 file, nothing on stdout; a symbolic link refused"
	else
		not_ok "--com1 file=PATH" "${bad[@]}"
	fi
}

# start_socket_vm NAME GUEST: a VM with --com1 socket --name NAME in the
# background, until its console socket is there; sets $broker and $vmm.
start_socket_vm() {
	"$AIRLOCK" run --kernel "$2" --memory 16M --com1 socket --name "$1" >"$TMP/$1.out" 2>"$TMP/$1.err" </dev/null &
	broker=$!
	pids+=("$broker")
	vmm=
	for _ in $(seq 100); do
		[ -S "/run/airlock/console/$1" ] && vmm=$(pgrep -P "$broker" -x airlock-vmm) && return 0
		sleep 0.1
	done
	return 1
}

# --com1 socket and airlock console, on a terminal: the echo guest's output
# so far replayed, keys typed reach it, a second client is refused, Ctrl-A d
# detaches and the VM runs on; attached again, only what is new shows, and
# the console closes when the guest powers off.
t_console_attach() {
	local name=con-$$ bad=() f status
	if ! start_socket_vm "$name" "$ECHO"; then
		not_ok "airlock console: the echo guest with --com1 socket did not start" "$(cat "$TMP/$name.err")"
		return
	fi
	[ "$(stat -c '%a %U' /run/airlock/console)" = "700 root" ] ||
		bad+=("/run/airlock/console is $(stat -c '%a %U' /run/airlock/console), not 700 root")
	for f in 0 1 2; do
		case $(readlink /proc/"$vmm"/fd/$f) in
		pipe:*) ;;
		*) bad+=("the VMM's fd $f is $(readlink /proc/"$vmm"/fd/$f), not a pipe") ;;
		esac
	done
	tty_run att1 "$AIRLOCK console $name"
	tty_wait_for att1 'echo: ' || bad+=("first attach: the guest's output so far was not replayed")
	printf 'abc' >&9
	tty_wait_for att1 'echo: abc' || bad+=("typed keys: no echo from the guest")
	run busy 10 "$AIRLOCK" console "$name"
	[ "$rc" = 1 ] && grep -q 'another client is attached' "$TMP/busy.err" ||
		bad+=("a second client: exit $rc: $(cat "$TMP/busy.err")")
	printf '\001d' >&9
	tty_end
	grep -q "detached from $name, which runs on" "$TMP/att1.out" || bad+=("Ctrl-A d: no line saying so")
	grep -q '^rc=0' "$TMP/att1.out" || bad+=("Ctrl-A d: not exit 0")
	cmp -s "$TMP/att1.before" "$TMP/att1.after" || bad+=("terminal not restored after Ctrl-A d")
	sleep 0.5
	kill -0 "$broker" 2>/dev/null && kill -0 "$vmm" 2>/dev/null || bad+=("the VM ended with the detach")
	tty_run att2 "$AIRLOCK console $name"
	tty_wait_for att2 'attached to the console' || bad+=("second attach: $(cat "$TMP/att2.out")")
	printf 'def\n' >&9
	tty_wait_for att2 'has closed: the VM has ended' || bad+=("second attach: the console did not close at power-off")
	tty_end
	grep -q def "$TMP/att2.out" || bad+=("second attach: no echo")
	! grep -q 'echo: ' "$TMP/att2.out" || bad+=("second attach: what the first client read was shown again")
	grep -q '^rc=0' "$TMP/att2.out" || bad+=("second attach: not exit 0")
	wait "$broker"
	status=$?
	[ "$status" = 0 ] || bad+=("airlock run exited $status after power-off, want 0")
	[ ! -s "$TMP/$name.out" ] || bad+=("guest output on airlock run's stdout")
	[ ! -e "/run/airlock/console/$name" ] || bad+=("the console socket is left behind")
	if [ ${#bad[@]} = 0 ]; then
		ok "airlock console: replay, keys to the guest, one client at a time, Ctrl-A d detaches (VM runs on, terminal restored), attach again, closes at power-off"
	else
		not_ok "airlock console" "${bad[@]}" "$(cat -A "$TMP/att1.out" "$TMP/att2.out" | head -c 800)" "stderr: $(head -c 300 "$TMP/$name.err")"
	fi
}

# Only the VM's owner, root and the admins attach: another user, through a
# login of its own (its login uid, as sudo and doas keep it), is refused.
t_console_refused() {
	local name=ref-$$
	if ! start_socket_vm "$name" "$IDLE"; then
		not_ok "airlock console refused: the idle guest with --com1 socket did not start" "$(cat "$TMP/$name.err")"
		return
	fi
	# shellcheck disable=SC2016 # expanded by that sh
	run refused 10 sh -c 'echo 65534 >/proc/self/loginuid 2>/dev/null || exit 99; exec "$0" console "$1"' "$AIRLOCK" "$name"
	kill -INT "$broker"
	wait "$broker"
	if [ "$rc" = 99 ]; then
		n=$((n + 1))
		echo "ok $n # SKIP airlock console refused to another user: this kernel's login uid cannot be set here"
	elif [ "$rc" = 1 ] && [ "$(wc -l <"$TMP/refused.err")" = 1 ] &&
		grep -q "console: $name is root's VM (uid 0), and you are .* (uid 65534, through login); only its owner, root or an admin may attach to its console" "$TMP/refused.err"; then
		ok "airlock console: uid 65534 is refused root's VM, in one line"
	else
		not_ok "airlock console refused to another user" "exit $rc" "$(cat "$TMP/refused.err")"
	fi
}

# --com1 pty: a pseudo-terminal of the user's alone, named in one line and
# in the registry; the echo guest answers through it.
t_com1_pty() {
	local name=pty-$$ bad=() pty='' status
	"$AIRLOCK" run --kernel "$ECHO" --memory 16M --com1 pty --name "$name" >"$TMP/pty.out" 2>"$TMP/pty.err" </dev/null &
	local broker=$!
	pids+=("$broker")
	for _ in $(seq 100); do
		pty=$(sed -n 's|^airlock: COM1 is on \(/dev/pts/[0-9]*\), .*|\1|p' "$TMP/pty.err")
		[ -n "$pty" ] && break
		sleep 0.1
	done
	if [ -z "$pty" ]; then
		not_ok "--com1 pty: no line naming the pty" "$(cat "$TMP/pty.err")"
		return
	fi
	grep -qx "console pty $pty" "/run/airlock/vms/$name" || bad+=("the registry entry: $(grep console "/run/airlock/vms/$name")")
	[ "$(stat -c '%a %u' "$pty")" = "600 0" ] || bad+=("$pty is $(stat -c '%a %u' "$pty"), not 600 and root's")
	exec 8<>"$pty"
	printf 'via pty\n' >&8
	timeout 10 cat <&8 >"$TMP/pty.read" 2>/dev/null
	exec 8>&-
	# Bounded: a guest that never got the line must not hold the tier (and the test host) for good.
	for _ in $(seq 200); do
		kill -0 "$broker" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$broker" 2>/dev/null && bad+=("the VM still ran 20 s after the echo was due; killed")
	wait "$broker"
	status=$?
	grep -q 'echo: via pty' "$TMP/pty.read" || bad+=("no echo through the pty: $(head -c 300 "$TMP/pty.read")")
	[ "$status" = 0 ] || bad+=("airlock run exited $status, want 0")
	if [ ${#bad[@]} = 0 ]; then
		ok "--com1 pty: $pty, 0600 and the owner's, in the registry; the echo guest answers through it"
	else
		not_ok "--com1 pty" "${bad[@]}" "stderr: $(head -c 300 "$TMP/pty.err")"
	fi
}

if ! kvm_usable; then
	echo "not ok 1 - host tests need root and a /dev/kvm that opens"
	exit 1
fi
# A guest that resets the machine is started again, each time by a fresh
# VMM, until the broker is told to stop (at once: after the power button, a
# reset would end the VM). (A triple fault is tested in the test host: this
# machine's emulating KVM reports it as an internal error.)
t_reset() {	# NAME GUEST
	local name=$1 guest=$B/guest/$2.elf boots=0 broker
	"$AIRLOCK" run --kernel "$guest" --memory 16M --com1 console --stop-timeout 0 >"$TMP/$name.out" \
		2>"$TMP/$name.err" </dev/null &
	broker=$!
	pids+=("$broker")
	for _ in $(seq 300); do
		boots=$(grep -c 'hello from the airlock test guest' "$TMP/$name.out")
		[ "$boots" -ge 3 ] && break
		kill -0 "$broker" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$broker" 2>/dev/null
	wait "$broker"
	rc=$?
	if [ "$boots" -ge 3 ] && [ "$rc" = 143 ] &&
		[ "$(grep -c 'the guest reset the machine; starting it again' "$TMP/$name.err")" -ge 2 ]; then
		ok "$name: the guest reset the machine, and the broker started it again ($boots boots seen)"
	else
		not_ok "$name: guest reset" "boots $boots, exit $rc" "stderr: $(head -c 400 "$TMP/$name.err")"
	fi
}

# With stdin and stdout closed, /dev/null takes their place: nothing the
# broker opens later (an image, guest RAM) reaches the VMM under 0 or 1.
t_closed_stdio() {
	local broker vmm='' fd0='' fd1=''
	"$AIRLOCK" run --kernel "$IDLE" --memory 16M --com1 console --stop-timeout 0 <&- >&- 2>"$TMP/closed.err" &
	broker=$!
	pids+=("$broker")
	for _ in $(seq 100); do
		vmm=$(pgrep -P "$broker" -x airlock-vmm) && grep -q '^Seccomp:[[:space:]]*2' "/proc/$vmm/status" && break
		sleep 0.1
	done
	[ -n "$vmm" ] && fd0=$(readlink "/proc/$vmm/fd/0") && fd1=$(readlink "/proc/$vmm/fd/1")
	kill -TERM "$broker" 2>/dev/null
	wait "$broker"
	if [ "$fd0" = /dev/null ] && [ "${fd1%%:*}" = pipe ]; then
		ok "closed stdin and stdout: the VMM gets /dev/null as fd 0 and the output relay's pipe as fd 1"
	else
		not_ok "closed stdio" "VMM fd 0: '$fd0', fd 1: '$fd1'" "stderr: $(head -c 300 "$TMP/closed.err")"
	fi
}

t_hello
t_stats
t_console_order
t_stats_signal
t_stop_button
t_stop_timeout
t_stop_sigint
t_stop_command
t_closed_stdio
t_reset reset-port reset
t_com1_none
t_smp
t_com1_input
t_com1_eof
t_console_tty
t_console_none_tty
t_com1_file
t_console_attach
t_console_refused
t_com1_pty
t_bad_input
t_not_root
t_vmm_direct
t_sandbox_threads
t_sandbox_fds
t_sandbox_namespaces
t_two_vms
t_sigterm
t_broker_killed
t_sigsys
t_hugepages
t_sandbox_id
t_vmm_binary_checked
t_robustness
echo "1..$n"
[ "$failed" = 0 ]
