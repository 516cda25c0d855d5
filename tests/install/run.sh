#!/usr/bin/env bash
# make install into a scratch DESTDIR, as a package build would, and what
# the installed tree must be: the broker reached through PREFIX/bin/airlock
# finds the airlock-vmm beside it, --version names the commit, the man
# pages and the completion are where man and bash look, the systemd units
# name the installed airlock; make uninstall leaves nothing. Prints TAP lines; exits non-zero when a test fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
B=${BUILD:-build}
# The tree make check built: make derives build/san from SANITIZE=1 itself.
case $B in
*/san) mk=(SANITIZE=1) ;;
*) mk=(BUILD="$B") ;;
esac
D=$(mktemp -d /tmp/airlock-install-XXXXXX)
trap 'rm -rf "$D"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() {	# NAME COMMAND...: ok when COMMAND succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

P=/usr
out=$(make --no-print-directory -s "${mk[@]}" install DESTDIR="$D" PREFIX="$P" 2>&1) || not_ok "make install" "$out"
L=$D$P/libexec/airlock
check "the broker and the VMM side by side in PREFIX/libexec/airlock, 0755" \
	test "$(stat -c %a "$L/airlock"):$(stat -c %a "$L/airlock-vmm")" = 755:755
check "PREFIX/bin/airlock links to the broker" test "$(readlink "$D$P/bin/airlock")" = ../libexec/airlock/airlock
check "airlock(8) and airlock-policy(5)" test -f "$D$P/share/man/man8/airlock.8" -a -f "$D$P/share/man/man5/airlock-policy.5"
check "the example policy, and no policy" test -f "$D$P/share/doc/airlock/policy.conf.example" -a ! -e "$D/etc/airlock/policy.conf"
check "bash completion" bash -c "source '$D$P/share/bash-completion/completions/airlock' && complete -p airlock"
check "the example VM file and bind list beside the policy's" \
	test -f "$D$P/share/doc/airlock/vm.conf.example" -a -f "$D$P/share/doc/airlock/bind.conf.example"
U=$D$P/lib/systemd/system
check "the units in PREFIX/lib/systemd/system, 0644" \
	test "$(stat -c %a "$U/airlock@.service" 2>&1):$(stat -c %a "$U/airlock-bind.service" 2>&1)" = 644:644
check "airlock@.service runs airlock run %i from PREFIX/bin" grep -qx "ExecStart=$P/bin/airlock run %i" "$U/airlock@.service"
check "airlock@.service stops it with airlock stop %i" grep -qx "ExecStop=-$P/bin/airlock stop %i" "$U/airlock@.service"
check "airlock-bind.service binds /etc/airlock/bind.conf's devices" \
	grep -qx "ExecStart=$P/bin/airlock bind --config /etc/airlock/bind.conf" "$U/airlock-bind.service"
check "no @BINDIR@ is left in a unit" bash -c "! grep -q @BINDIR@ '$U'/*.service"

commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
version=$("$D$P/bin/airlock" --version 2>&1)
if [[ $version =~ ^airlock\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ $commit\)$ ]]; then
	ok "--version: $version"
else
	not_ok "--version names the version and commit $commit" "$version"
fi

# Through the link, the broker looks beside its own binary: a missing
# kernel is the first thing wrong, not a missing airlock-vmm.
if [ "$(id -u)" = 0 ]; then
	said=$("$D$P/bin/airlock" run --kernel /nonexistent 2>&1)
	case $said in
	*"--kernel /nonexistent: No such file or directory"*) ok "run through the link finds airlock-vmm" ;;
	*) not_ok "run through the link finds airlock-vmm" "$said" ;;
	esac
	rm "$L/airlock-vmm"
	said=$("$D$P/bin/airlock" run --kernel /nonexistent 2>&1)
	case $said in
	*"$L/airlock-vmm: No such file or directory; install airlock-vmm beside airlock"*) ok "without it, run says where it looked" ;;
	*) not_ok "without it, run says where it looked" "$said" ;;
	esac
	install -m 0755 "$B/airlock-vmm" "$L/"
else
	n=$((n + 1)); echo "ok $n # SKIP run through the link: needs root"
fi

out=$(make --no-print-directory -s "${mk[@]}" uninstall DESTDIR="$D" PREFIX="$P" 2>&1) || not_ok "make uninstall" "$out"
left=$(find "$D" -type f -o -type l)
if [ -z "$left" ]; then ok "make uninstall leaves no file"; else not_ok "make uninstall leaves no file" "$left"; fi

echo "1..$n"
[ "$failed" = 0 ]
