#!/usr/bin/env bash
# The Debian package `make deb` built (build/deb/airlock_VERSION_amd64.deb),
# installed for real with apt-get on this machine, then purged: the
# installed /usr/bin/airlock prints the Makefile's VERSION and the commit,
# `airlock doctor` runs from the installed files and prints its report,
# dpkg lists the man pages and the VMM, nothing is setuid, no unit is
# enabled, and a purge leaves nothing in /usr/libexec/airlock. CI runs it
# after `make deb` (.ci/run); it is not part of make check, since it
# changes the machine's installed packages. Needs root.
# Prints TAP lines and "N passed, N failed"; exits non-zero when one fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
n=0 failed=0 skipped=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n # SKIP $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() {	# NAME COMMAND...: ok when COMMAND succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
finish() {
	echo "1..$n"
	[ "$skipped" = 0 ] || echo "$skipped skipped"
	echo "$((n - failed - skipped)) passed, $failed failed"
	[ "$failed" = 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	skip "the package is installed with apt-get: needs root"
	finish
fi

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
deb=build/deb/airlock_${version}_amd64.deb
debs=(build/deb/airlock_*.deb)
if [ "${#debs[@]}" = 1 ] && [ "${debs[0]}" = "$deb" ]; then
	ok "make deb built one package, $deb ($(stat -c %s "$deb") bytes)"
else
	not_ok "make deb built $deb, and no other airlock_*.deb" "found: ${debs[*]}"
	finish
fi

# An unpackaged install at the same place (make install PREFIX=/usr)
# would be overwritten by dpkg, and the purge check would see its files.
if [ -e /usr/libexec/airlock ] && ! dpkg-query -S /usr/libexec/airlock >/dev/null 2>&1; then
	not_ok "/usr/libexec/airlock is free" "a make install PREFIX=/usr left it; make uninstall PREFIX=/usr first"
	finish
fi

if out=$(DEBIAN_FRONTEND=noninteractive apt-get install -y "./$deb" 2>&1); then ok "apt-get install ./$deb"; else not_ok "apt-get install ./$deb" "$(tail -n 5 <<<"$out")"; finish; fi
status=$(dpkg-query -W -f='${Status} ${Version}' airlock 2>&1)
check "dpkg: airlock $version installed ($status)" test "$status" = "install ok installed $version"

said=$(/usr/bin/airlock --version 2>&1)
if [ "$said" = "airlock $version (commit $commit)" ]; then
	ok "/usr/bin/airlock --version: $said"
else
	not_ok "/usr/bin/airlock --version prints airlock $version (commit $commit)" "$said"
fi

# doctor: 0 when the host could assign devices, 1 when it lists problems
# (on a build machine: no IOMMU, no VFIO, maybe no /dev/kvm), 2 for bad
# usage. Either of the first two is the report: what counts here is that
# the installed broker runs and makes it, each check a line.
said=$(/usr/bin/airlock doctor 2>&1)
rc=$?
checks=$(grep -cE '^(ok|problem) ' <<<"$said")
verdict=$(tail -n 1 <<<"$said")
if { [ "$rc" = 0 ] || [ "$rc" = 1 ]; } && [ "$checks" -ge 5 ] && [[ $verdict == "doctor: "* ]]; then
	ok "/usr/bin/airlock doctor reports $checks checks, exit $rc: $verdict"
else
	not_ok "/usr/bin/airlock doctor reports its checks, exit 0 or 1" "exit $rc" "$said"
fi

# Through the link, the broker finds the packaged airlock-vmm beside it:
# the missing kernel is the first thing it refuses.
said=$(/usr/bin/airlock run --kernel /nonexistent 2>&1)
case $said in
*"--kernel /nonexistent: No such file or directory"*) ok "run through /usr/bin/airlock finds the packaged airlock-vmm" ;;
*) not_ok "run through /usr/bin/airlock finds the packaged airlock-vmm" "$said" ;;
esac

files=$(dpkg -L airlock)
for f in /usr/bin/airlock /usr/libexec/airlock/airlock /usr/libexec/airlock/airlock-vmm \
	/usr/share/man/man8/airlock.8.gz /usr/share/man/man5/airlock-policy.5.gz \
	/usr/share/doc/airlock/policy.conf.example /usr/share/doc/airlock/README.Debian \
	/usr/share/bash-completion/completions/airlock; do
	check "dpkg -L airlock lists $f" grep -qxF "$f" <<<"$files"
done
if command -v man >/dev/null; then
	check "man finds airlock(8) and airlock-policy(5)" \
		test "$(man -w 8 airlock 2>&1):$(man -w 5 airlock-policy 2>&1)" = \
		/usr/share/man/man8/airlock.8.gz:/usr/share/man/man5/airlock-policy.5.gz
else
	skip "man finds the pages: no man on this machine"
fi

modes=$(stat -c '%a %U:%G' /usr/libexec/airlock/airlock /usr/libexec/airlock/airlock-vmm | paste -sd' ')
check "the broker and the VMM are root:root 0755, not setuid ($modes)" test "$modes" = "755 root:root 755 root:root"
check "the packaged airlock-vmm is static (no program interpreter)" \
	bash -c '! readelf -lW /usr/libexec/airlock/airlock-vmm | grep -q INTERP'
check "no policy installed" test ! -e /etc/airlock/policy.conf

# README.Debian's setuid install: a dpkg-statoverride, which a reinstall
# (an upgrade) keeps; removed again whatever happened.
B=/usr/libexec/airlock/airlock
if dpkg-statoverride --list "$B" >/dev/null; then
	not_ok "no statoverride for $B before the test" "$(dpkg-statoverride --list "$B")"
else
	dpkg-statoverride --update --add root root 4755 "$B"
	dpkg -i "$deb" >/dev/null 2>&1
	mode=$(stat -c '%a %U:%G' "$B")
	dpkg-statoverride --remove "$B"
	chmod 0755 "$B"
	check "dpkg-statoverride makes the broker setuid root, and a reinstall keeps it ($mode)" test "$mode" = "4755 root:root"
fi

units=$(grep -E '/systemd/system/[^/]+$' <<<"$files")
if [ -n "$units" ]; then
	enabled=$(find /etc/systemd/system -lname '*airlock*' 2>/dev/null)
	if [ -z "$enabled" ]; then
		ok "systemd units shipped, none enabled: $(paste -sd' ' <<<"$units")"
	else
		not_ok "no systemd unit enabled by the package" "$enabled"
	fi
fi

if out=$(DEBIAN_FRONTEND=noninteractive apt-get purge -y airlock 2>&1); then ok "apt-get purge -y airlock"; else not_ok "apt-get purge -y airlock" "$(tail -n 5 <<<"$out")"; fi
status=$(dpkg-query -W -f='${Status}' airlock 2>/dev/null)
check "dpkg no longer knows airlock (${status:-no record})" test -z "$status" -o "$status" = "unknown ok not-installed"
check "nothing left in /usr/libexec/airlock" test ! -e /usr/libexec/airlock
left=$(while read -r f; do if [ "$f" != / ] && [ ! -d "$f" ] && { [ -e "$f" ] || [ -L "$f" ]; }; then echo "$f"; fi; done <<<"$files")
if [ -z "$left" ]; then ok "no file the package held is left"; else not_ok "no file the package held is left" "$left"; fi

finish
