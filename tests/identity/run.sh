#!/usr/bin/env bash
# Who is asking (docs/security.md): the broker's subject under a root
# login, a service, sudo, doas, su and a setuid-root copy, with test users,
# Debian's real sudo and opendoas, in a private mount namespace whose /etc
# is a copy: the machine's own /etc is never touched. Every case of issue
# 17's review is played as an attack, and must now be refused.
# Prints TAP lines; exits non-zero when a test fails. Needs root and a built
# tree; no /dev/kvm: every refusal comes before the broker opens it.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=$(realpath "${BUILD:-build}")

if [ "${1:-}" != --inside ]; then
	why=
	[ "$(id -u)" = 0 ] || why="needs root"
	for tool in unshare setpriv runuser sudo doas jq; do
		command -v "$tool" >/dev/null || why=${why:-"needs $tool (make deps installs it)"}
	done
	if [ -n "$why" ]; then
		echo "ok 1 # SKIP identity tests: $why"
		exit 0
	fi
	exec unshare -m --propagation private "$0" --inside
fi

T=$(mktemp -d /tmp/airlock-identity-XXXXXX)
chmod 755 "$T"
n=0
failed=0
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

# ---- a host of our own: users, sudoers, doas.conf, a policy ----
cp -a /etc "$T/etc"
add_user() {	# NAME UID
	echo "$1:x:$2:$2::$T/home/$1:/bin/sh" >>"$T/etc/passwd"
	echo "$1:x:$2:" >>"$T/etc/group"
	echo "$1:*:19000:0:99999:7:::" >>"$T/etc/shadow"
	mkdir -p "$T/home/$1"
	chown "$2:$2" "$T/home/$1"
	chmod 700 "$T/home/$1"
}
add_user alice 2001	# a user with a sudoers line and a doas rule for airlock
add_user bob 2002	# the same, but sudo's SETENV and doas's keepenv
add_user carol 2003	# an admin
add_user dave 2004	# another user, with files of his own

mkdir -p "$T/bin" "$T/log"
cp "$B/airlock" "$B/airlock-vmm" "$T/bin/"
cp "$B/airlock" "$T/bin/airlock-suid"
chmod 755 "$T/bin/airlock" "$T/bin/airlock-vmm"
chmod 4755 "$T/bin/airlock-suid"
AL=$T/bin/airlock
SUID=$T/bin/airlock-suid
KERNEL=$B/guest/hello.elf
cp "$KERNEL" "$T/home/alice/kernel"
chown 2001:2001 "$T/home/alice/kernel"
echo "dave's secret" >"$T/home/dave/secret"
chown 2004:2004 "$T/home/dave/secret"
chmod 600 "$T/home/dave/secret"

cat >"$T/etc/sudoers.d/airlock" <<EOF
alice,carol ALL=(root) NOPASSWD: $AL
bob ALL=(root) NOPASSWD:SETENV: $AL
EOF
chmod 440 "$T/etc/sudoers.d/airlock"
cat >"$T/etc/doas.conf" <<EOF
permit nopass alice as root cmd $AL
permit nopass keepenv bob as root cmd $AL
EOF
chmod 600 "$T/etc/doas.conf"
# A device of this machine's for the policy to name (policy decisions come before any VFIO check).
DEV=$(basename "$(find /sys/bus/pci/devices/ -mindepth 1 -maxdepth 1 | sort | head -1)")
mkdir -p "$T/etc/airlock"
cat >"$T/etc/airlock/policy.conf" <<EOF
audit-log $T/log/audit.log
admin user carol
allow user alice device $DEV
EOF
chmod 644 "$T/etc/airlock/policy.conf"
# A root-owned file a user must not be able to use as --policy: an editor's backup that still allows more.
printf 'allow user * device *:*\n' >"$T/etc/airlock/policy.conf~"
mount --bind "$T/etc" /etc || { echo "not ok 1 - cannot bind a private /etc"; exit 1; }
# The broker's records (the registry of running VMs), in this namespace only.
mkdir -p /run/airlock
mount -t tmpfs -o mode=755 airlock-test /run/airlock

# as LOGINUID USER CMD...: CMD as USER in a login session of LOGINUID ("-": none).
# A process may set its own login uid once while it has none, as pam_loginuid does at login.
cat >"$T/bin/as" <<'EOF'
#!/bin/sh
login=$1 user=$2
shift 2
[ "$login" = - ] || echo "$login" >/proc/self/loginuid || exit 99
exec runuser -u "$user" -- "$@"
EOF
chmod 755 "$T/bin/as"
uid_of() { id -u "$1"; }

# try NAME CMD...: output in $out (stdout and stderr), status in $rc.
try() {
	local name=$1
	shift
	[ "$1" != as ] || set -- "$T/bin/as" "${@:2}"
	timeout 60 "$@" >"$T/$name.out" 2>&1 </dev/null
	rc=$?
	out=$(cat "$T/$name.out")
}
has() { grep -qF -- "$1" <<<"$out"; }

# A login uid must be settable here: it is what sudo, doas and su keep.
if ! sh -c 'echo 0 >/proc/self/loginuid' 2>/dev/null; then
	echo "ok 1 # SKIP identity tests: this kernel has no writable /proc/self/loginuid (audit off, or the login uid is immutable)"
	exit 0
fi

# ---- 2: root-only options, refused to a user however airlock was started ----
t_root_only() {	# HOW: sudo | doas | setuid
	local how=$1 prefix=() ok_all=1 why=() a
	case $how in
	sudo) prefix=(as "$(uid_of alice)" alice sudo -n "$AL") ;;
	doas) prefix=(as "$(uid_of alice)" alice doas -n "$AL") ;;
	setuid) prefix=(as "$(uid_of alice)" alice "$SUID") ;;
	esac
	mkdir -p "$T/fake/sys" "$T/fake/dev" "$T/fake/proc" "$T/fake/run"
	chown -R 2001:2001 "$T/fake"
	for a in "run --kernel $KERNEL --policy /etc/airlock/policy.conf~|--policy FILE is for root" \
		"run --kernel $KERNEL --policy /etc/shadow|--policy FILE is for root" \
		"run --kernel $KERNEL --sandbox-id 2001:2001|--sandbox-id is for root" \
		"check-policy /etc/shadow|check-policy FILE is for root" \
		"bind --force 0000:00:00.0|airlock bind is for root" \
		"unbind 0000:00:00.0|airlock unbind is for root" \
		"list --root $T/fake|--root (a fake host tree for tests) is for root" \
		"doctor --root $T/fake|--root (a fake host tree for tests) is for root"; do
		local args=${a%%|*} says=${a#*|}
		# shellcheck disable=SC2086 # the arguments are words
		try "root-only-$how" "${prefix[@]}" $args
		if [ "$rc" = 0 ] || ! has "$says" || ! has "you are alice (uid 2001, through $how)" || has 'root:' ||
			[ "$(wc -l <<<"$out")" != 1 ]; then
			ok_all=0
			why+=("airlock $args: status $rc: $out")
		fi
	done
	if [ "$ok_all" = 1 ]; then
		ok "through $how, a user is refused --policy, --sandbox-id, check-policy FILE, bind, unbind and --root, one line each, nothing of /etc/shadow shown"
	else
		not_ok "through $how, root-only options are refused to a user" "${why[@]}"
	fi
}

# Root itself (no login session), root's login, and an admin's sudo keep them.
t_root_keeps() {
	local why=()

	try root-service "$AL" check-policy /etc/airlock/policy.conf~
	[ "$rc" = 0 ] && has "1 rule" || why+=("root, no login uid: $rc $out")
	try root-login as 0 root "$AL" check-policy /etc/airlock/policy.conf~
	[ "$rc" = 0 ] && has "1 rule" || why+=("root's login: $rc $out")
	try admin-sudo as "$(uid_of carol)" carol sudo -n "$AL" check-policy /etc/airlock/policy.conf~
	[ "$rc" = 0 ] && has "1 rule" || why+=("carol (admin) through sudo: $rc $out")
	# An admin's sudo -i, then airlock in that root shell: login uid carol, SUDO_UID carol.
	try admin-root-shell as "$(uid_of carol)" root env SUDO_UID="$(uid_of carol)" "$AL" check-policy /etc/airlock/policy.conf~
	[ "$rc" = 0 ] && has "1 rule" || why+=("carol's root shell (sudo -i): $rc $out")
	if [ ${#why[@]} = 0 ]; then
		ok "root (a service, root's login) and an admin (through sudo, or in the root shell of sudo -i) keep check-policy FILE"
	else
		not_ok "root and admins keep the root-only options" "${why[@]}"
	fi
}

# ---- 3: the environment never picks the subject ----
t_witnesses() {
	local why=()

	# sudo SETENV: bob names root's uid.
	try setenv as "$(uid_of bob)" bob sudo -n SUDO_UID=0 "$AL" check-policy /etc/shadow
	[ "$rc" != 0 ] && has "name different users" || why+=("sudo SUDO_UID=0 (SETENV): $rc $out")
	# doas keepenv: bob brings a SUDO_UID of root's.
	try keepenv as "$(uid_of bob)" bob env SUDO_UID=0 doas -n "$AL" check-policy /etc/shadow
	[ "$rc" != 0 ] && ! has "root:" || why+=("doas keepenv SUDO_UID=0: $rc $out")
	# A user outside any login session sets a login uid of root's, then sudo.
	try self-login as - alice sh -c "echo 0 >/proc/self/loginuid && exec sudo -n $AL check-policy /etc/shadow"
	[ "$rc" != 0 ] && has "SUDO_UID (alice, uid 2001) name different users" || why+=("login uid 0 set by alice: $rc $out")
	# sudo or doas from no login session at all: who asks cannot be told.
	try no-login as - alice sudo -n "$AL" check-policy /etc/shadow
	[ "$rc" != 0 ] && has "outside any login session" || why+=("sudo without a login uid: $rc $out")
	try no-login-doas as - alice doas -n "$AL" check-policy /etc/shadow
	[ "$rc" != 0 ] && has "outside any login session" || why+=("doas without a login uid: $rc $out")
	# Under doas, alice is alice: root's files are not her images (the review booted /etc/shadow as an initrd).
	try doas-initrd as "$(uid_of alice)" alice doas -n "$AL" run --kernel "$KERNEL" --initrd /etc/shadow
	[ "$rc" != 0 ] && has "--initrd /etc/shadow: Permission denied" || why+=("doas --initrd /etc/shadow: $rc $out")
	if [ ${#why[@]} = 0 ]; then
		ok "SUDO_UID and DOAS_USER only refuse: SETENV, keepenv, a self-set login uid and a session without one gain nothing"
	else
		not_ok "the environment never picks the subject" "${why[@]}"
	fi
}

# ---- 1: images are opened by a process that is the user ----
t_images() {	# HOW
	local how=$1 prefix=() why=() holder ns
	case $how in
	sudo) prefix=(as "$(uid_of alice)" alice sudo -n "$AL") ;;
	doas) prefix=(as "$(uid_of alice)" alice doas -n "$AL") ;;
	setuid) prefix=(as "$(uid_of alice)" alice "$SUID") ;;
	esac
	# dave's shell, sitting in his 0700 home; root's process in a mount namespace of its own.
	(cd "$T/home/dave" && exec setpriv --reuid dave --regid dave --clear-groups sleep 300) &
	holder=$!
	pids+=("$holder")
	unshare -m --propagation private sh -c "mount -t tmpfs x /mnt && echo hidden >/mnt/file && chmod 644 /mnt/file && exec sleep 300" &
	ns=$!
	pids+=("$ns")
	sleep 0.5
	try own-cat as "$(uid_of alice)" alice cat "/proc/$holder/cwd/secret" "/proc/$ns/root/mnt/file"
	[ "$rc" != 0 ] || why+=("alice's own cat read them: the test is void")
	try cwd-link "${prefix[@]}" run --kernel "/proc/$holder/cwd/secret"
	[ "$rc" != 0 ] && has "Permission denied" || why+=("--kernel /proc/PID/cwd/secret: $rc $out")
	try root-link "${prefix[@]}" run --kernel "/proc/$ns/root/mnt/file"
	[ "$rc" != 0 ] && has "Permission denied" || why+=("--kernel /proc/PID/root/...: $rc $out")
	try shadow "${prefix[@]}" run --kernel "$KERNEL" --initrd /etc/shadow
	[ "$rc" != 0 ] && has "--initrd /etc/shadow: Permission denied" || why+=("--initrd /etc/shadow: $rc $out")
	# Her own kernel opens, and the run goes on past the images (to KVM, or a whole boot where there is one).
	try own "${prefix[@]}" run --kernel "$T/home/alice/kernel" --memory 16M
	if has "Permission denied" || ! { has "/dev/kvm" || [ "$rc" = 0 ]; }; then
		why+=("her own --kernel: $rc $out")
	fi
	{ kill -9 "$holder" "$ns" && wait "$holder" "$ns"; } 2>/dev/null
	if [ ${#why[@]} = 0 ]; then
		ok "through $how, images open as the user: another user's file behind /proc/PID/cwd, a file in another mount namespace and /etc/shadow are refused; her own kernel opens"
	else
		not_ok "through $how, images open as the user" "${why[@]}"
	fi
}

# ---- 4: a setuid broker's inherited limits cannot cut the audit log ----
t_setuid_limits() {
	local size lines bad
	try fill as "$(uid_of alice)" alice "$SUID" run --kernel /nonexistent
	size=$(stat -c %s "$T/log/audit.log")
	# The review's attack: RLIMIT_FSIZE just past the file's end, SIGXFSZ ignored.
	try fsize as "$(uid_of alice)" alice sh -c "trap '' XFSZ; ulimit -f $(((size + 120 + 1023) / 1024)); exec $SUID run --kernel /nonexistent-$(head -c 600 /dev/zero | tr '\0' x)"
	lines=$(wc -l <"$T/log/audit.log")
	# Where root may not lift a limit (no CAP_SYS_RESOURCE), the run is refused before it writes.
	if [ "$(stat -c %s "$T/log/audit.log")" = "$size" ] && ! has "file size (ulimit -f) limit that it cannot lift"; then
		not_ok "a setuid broker's inherited limits cannot cut the audit log" "neither a written run nor a refusal: $rc $out"
		return
	fi
	bad=$(jq -c . "$T/log/audit.log" 2>&1 >/dev/null | head -1)
	if [ -z "$bad" ] && [ "$(tail -c 1 "$T/log/audit.log" | od -An -c | tr -d ' ')" = '\n' ] && [ "$lines" -gt 2 ] &&
		tail -1 "$T/log/audit.log" | jq -e '.event == "teardown"' >/dev/null; then
		ok "a setuid broker started with a small RLIMIT_FSIZE and SIGXFSZ ignored still writes whole JSON lines, ending with teardown"
	else
		not_ok "a setuid broker's inherited limits cannot cut the audit log" "jq: $bad" "$(tail -c 300 "$T/log/audit.log")"
	fi
}

# ---- 8: a subject the user database does not know is refused ----
t_unknown_user() {
	local uid=2099	# no entry in passwd
	try unknown setpriv --reuid "$uid" --regid "$uid" --clear-groups "$SUID" run --kernel "$KERNEL"
	if [ "$rc" = 1 ] && has "uid $uid has no entry in the user database" && [ "$(wc -l <<<"$out")" = 1 ]; then
		ok "a uid with no user entry (a removed user) is refused: its groups, and the deny rules about them, are unknown"
	else
		not_ok "a uid with no user entry is refused" "$rc: $out"
	fi
}

# ---- 6: guest RAM pinned for devices is the policy's to give ----
t_memory_cap() {
	if [ -z "$DEV" ]; then
		skip "a rule without a memory cap: this machine has no PCI device for the policy to name"
		return
	fi
	try memcap as "$(uid_of alice)" alice sudo -n "$AL" run --kernel "$T/home/alice/kernel" --memory 64M \
		--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$DEV"
	if [ "$rc" != 0 ] && has "caps no memory, and the policy has no default-memory"; then
		ok "a user's device rule without a memory cap, in a policy without default-memory, pins nothing: refused"
	else
		not_ok "a rule without a memory cap is refused to a user" "$rc: $out"
	fi
}

# ---- the audit log says who asked, and how ----
t_audit_subject() {
	: >"$T/log/audit.log"
	try audit-subject as "$(uid_of alice)" alice sudo -n "$AL" run --kernel /nonexistent
	if jq -e -s 'map(select(.event == "request")) | length == 1 and .[0].uid == 2001 and .[0].user == "alice" and .[0].via == "sudo"' \
		"$T/log/audit.log" >/dev/null; then
		ok "the audit log names the subject (alice, 2001, via sudo), not root, for a run through sudo"
	else
		not_ok "the audit log names the subject" "$(cat "$T/log/audit.log")"
	fi
}

# ---- 5: a user's strings in the audit log are bounded, escaped, valid JSON ----
t_audit_bounded() {
	local long
	long=/$(head -c 120000 /dev/zero | tr '\0' a)$(printf '\302\205\377\033[2J')
	: >"$T/log/audit.log"
	try flood as "$(uid_of alice)" alice sudo -n "$AL" run --kernel "$long"
	if [ "$rc" != 0 ] && [ "$(wc -c <"$T/log/audit.log")" -lt 4096 ] && jq -e . "$T/log/audit.log" >/dev/null &&
		! LC_ALL=C grep -q '[^ -~]' "$T/log/audit.log" &&
		jq -e -s '.[0].kernel | test("\\.\\.\\.\\[cut: 120008 bytes, sha256 [0-9a-f]{64}\\]$")' "$T/log/audit.log" >/dev/null; then
		ok "a 120 kB --kernel with C1, invalid UTF-8 and escape bytes is logged cut (length, sha256), in ASCII, as valid JSON: $(wc -c <"$T/log/audit.log") bytes for the run"
	else
		not_ok "a user's strings in the audit log are bounded and escaped" "$rc $(wc -c <"$T/log/audit.log") bytes" "$(head -c 600 "$T/log/audit.log")"
	fi
}

# ---- 9: COM1's file and socket are made as the user ----
t_com1_as_user() {	# HOW
	local how=$1 prefix=() why=() log=$T/home/alice/com1-$1.log
	case $how in
	sudo) prefix=(as "$(uid_of alice)" alice sudo -n "$AL") ;;
	setuid) prefix=(as "$(uid_of alice)" alice "$SUID") ;;
	esac
	try com1-dave "${prefix[@]}" run --kernel "$T/home/alice/kernel" --memory 16M --com1 "file=$T/home/dave/com1.log"
	[ "$rc" != 0 ] && has "file=$T/home/dave/com1.log: Permission denied" && [ ! -e "$T/home/dave/com1.log" ] ||
		why+=("file= in dave's home: $rc $out")
	try com1-etc "${prefix[@]}" run --kernel "$T/home/alice/kernel" --memory 16M --com1 "file=/etc/airlock/com1.log"
	[ "$rc" != 0 ] && has "Permission denied" && [ ! -e /etc/airlock/com1.log ] || why+=("file= in /etc/airlock: $rc $out")
	try com1-sock "${prefix[@]}" run --kernel "$T/home/alice/kernel" --memory 16M --com1 "socket=$T/home/dave/com1.sock"
	[ "$rc" != 0 ] && has "socket=$T/home/dave/com1.sock: Permission denied" || why+=("socket= in dave's home: $rc $out")
	# Her own file is hers, 0600, whether the VM then runs or the host has no KVM.
	try com1-own "${prefix[@]}" run --kernel "$T/home/alice/kernel" --memory 16M --com1 "file=$log"
	[ "$(stat -c '%U %a' "$log" 2>&1)" = "alice 600" ] || why+=("her own file: $(stat -c '%U %a' "$log" 2>&1): $rc $out")
	if [ ${#why[@]} = 0 ]; then
		ok "through $how, --com1 file= and socket= are made as the user: dave's home and /etc refused, her own file hers and 0600"
	else
		not_ok "through $how, COM1's file and socket are made as the user" "${why[@]}"
	fi
}

# ---- 10: airlock console: the VM's owner, root and the admins alone ----
t_console_owner() {
	local holder start why=() line
	# A running VM of dave's, as the registry has it: its broker a live process.
	sleep 300 &
	holder=$!
	pids+=("$holder")
	start=$(awk '{ print $22 }' "/proc/$holder/stat")
	mkdir -p /run/airlock/vms
	printf 'name davevm\nbroker %d %s\nvmm 0\nuser 2004 dave\nmemory 16777216\nprocessors 1\ndevices\nstarted 0\nconsole socket\nstop-timeout 30\n' \
		"$holder" "$start" >/run/airlock/vms/davevm
	: >"$T/log/audit.log"
	for how in sudo setuid; do
		case $how in
		sudo) try console-alice as "$(uid_of alice)" alice sudo -n "$AL" console davevm ;;
		setuid) try console-alice as "$(uid_of alice)" alice "$SUID" console davevm ;;
		esac
		line="airlock: console: davevm is dave's VM (uid 2004), and you are alice (uid 2001, through $how); only its owner, root or an admin may attach to its console"
		[ "$rc" = 1 ] && [ "$out" = "$line" ] || why+=("alice through $how: $rc $out")
	done
	# The owner and an admin get past the check, to the broker's socket (here there is none).
	try console-dave as "$(uid_of dave)" dave "$SUID" console davevm
	[ "$rc" = 1 ] && has "console: cannot connect to /run/airlock/console/davevm" || why+=("dave, its owner: $rc $out")
	try console-carol as "$(uid_of carol)" carol sudo -n "$AL" console davevm
	[ "$rc" = 1 ] && has "console: cannot connect to /run/airlock/console/davevm" || why+=("carol, an admin: $rc $out")
	try console-user as "$(uid_of dave)" dave "$AL" console davevm
	[ "$rc" = 1 ] && has "console must run as root" || why+=("dave without root: $rc $out")
	jq -e -s '[.[] | select(.event == "console")] | length == 4 and (map(.allowed) == [false, false, true, true])
		and .[0].user == "alice" and .[0].owner == "dave"' "$T/log/audit.log" >/dev/null ||
		why+=("the audit log: $(cat "$T/log/audit.log")")
	{ kill -9 "$holder" && wait "$holder"; } 2>/dev/null
	rm -f /run/airlock/vms/davevm
	if [ ${#why[@]} = 0 ]; then
		ok "airlock console: alice is refused dave's VM (sudo, setuid), one line each; dave and carol (admin) get to its socket; each on record in the audit log"
	else
		not_ok "airlock console lets the owner, root and admins alone attach" "${why[@]}"
	fi
}

# ---- 11: a VM is stopped by its owner, root or an admin; a pid that is now another process is never signalled ----
# fake_vm NAME UID USER [stale]: a registry entry of USER's VM whose broker is a
# sleep of root's ($fake); stale: the entry's start time is not the sleep's.
fake_vm() {
	local start
	sleep 300 &
	fake=$!
	pids+=("$fake")
	start=$(awk '{ print $22 }' "/proc/$fake/stat")
	[ "${4:-}" != stale ] || start=$((start + 1))
	mkdir -p /run/airlock/vms
	printf 'name %s\nbroker %d %s\nvmm 0\nuser %d %s\nmemory 16777216\nprocessors 1\ndevices\nstarted 0\nconsole none\nstop-timeout 30\n' \
		"$1" "$fake" "$start" "$2" "$3" >"/run/airlock/vms/$1"
}

t_stop() {
	local why=() dave_vm alice_vm stale_vm status
	: >"$T/log/audit.log"
	fake_vm vm-dave "$(uid_of dave)" dave
	dave_vm=$fake
	try stop-other as "$(uid_of alice)" alice "$SUID" stop vm-dave
	[ "$rc" = 1 ] && [ "$out" = "airlock: stop: vm-dave is dave's VM (uid 2004), and you are alice (uid 2001, through setuid); only its owner, root or an admin may stop it" ] ||
		why+=("alice stops dave's VM: $rc $out")
	try kill-other as "$(uid_of alice)" alice sudo -n "$AL" kill vm-dave
	[ "$rc" = 1 ] && has "you are alice (uid 2001, through sudo); only its owner, root or an admin may kill it" ||
		why+=("alice kills dave's VM: $rc $out")
	kill -0 "$dave_vm" 2>/dev/null || why+=("dave's broker was signalled")
	fake_vm vm-alice "$(uid_of alice)" alice
	alice_vm=$fake
	try stop-own as "$(uid_of alice)" alice sudo -n "$AL" stop --timeout 7 vm-alice
	wait "$alice_vm"
	status=$?
	[ "$rc" = 0 ] && [ "$out" = "vm-alice stopped: its broker has exited" ] && [ "$status" = 143 ] ||
		why+=("alice stops her VM: $rc $out; her broker's status $status, want 143 (SIGTERM)")
	try stop-admin as "$(uid_of carol)" carol sudo -n "$AL" stop --force vm-dave
	wait "$dave_vm"
	status=$?
	[ "$rc" = 0 ] && [ "$status" = 143 ] || why+=("carol (admin) stops dave's VM: $rc $out; its broker's status $status")
	fake_vm vm-stale 0 root stale
	stale_vm=$fake
	try stop-stale "$AL" kill vm-stale
	[ "$rc" = 1 ] && [ "$out" = "airlock: kill: no VM named vm-stale is running; airlock ps lists the running VMs" ] ||
		why+=("root kills a VM whose broker's pid is now another process: $rc $out")
	kill -0 "$stale_vm" 2>/dev/null || why+=("the process that now has the stale entry's pid was signalled")
	try stop-nosuch as "$(uid_of alice)" alice "$SUID" stop nosuch
	[ "$rc" = 1 ] && [ "$out" = "airlock: stop: no VM named nosuch is running; airlock ps lists the running VMs" ] ||
		why+=("alice stops nosuch: $rc $out")
	jq -e -s 'map(select(.event == "stop")) | length == 4 and
		(.[0] | .allowed == false and .user == "alice" and .via == "setuid" and .name == "vm-dave" and .owner == "dave" and (.reason | test("only its owner"))) and
		(.[1] | .allowed == false and .via == "sudo") and
		(.[2] | .allowed and .user == "alice" and .name == "vm-alice" and .timeout == 7 and .force == false) and
		(.[3] | .allowed and .user == "carol" and .name == "vm-dave" and .timeout == 0 and .force)' "$T/log/audit.log" >/dev/null ||
		why+=("the audit log's stop lines: $(grep '"stop"' "$T/log/audit.log")")
	{ kill -9 "$stale_vm" && wait "$stale_vm"; } 2>/dev/null
	rm -f /run/airlock/vms/vm-dave /run/airlock/vms/vm-alice /run/airlock/vms/vm-stale
	if [ ${#why[@]} = 0 ]; then
		ok "airlock stop and kill: alice may stop her VM, not dave's; an admin may; a stale entry's pid is never signalled; each on record"
	else
		not_ok "who may stop a VM" "${why[@]}"
	fi
}

for how in sudo doas setuid; do t_root_only "$how"; done
t_root_keeps
t_witnesses
for how in sudo doas setuid; do t_images "$how"; done
t_setuid_limits
t_unknown_user
t_memory_cap
t_audit_subject
t_audit_bounded
for how in sudo setuid; do t_com1_as_user "$how"; done
t_console_owner
t_stop

echo "1..$n"
[ "$failed" = 0 ]
