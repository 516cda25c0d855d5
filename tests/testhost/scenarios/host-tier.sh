# shellcheck shell=sh
# The host integration tier, tests/host/run.sh, on the test host's real
# kvm_amd, with the build machine's own binaries in the same layout
# (/opt/airlock/build): for a build machine without a usable /dev/kvm,
# where make check skips the tier. Its TAP lines count in make check e2e's
# total as the same tests would in make check.
# timeout: 300

tier=/opt/airlock/host-tier
[ -x "$tier/tests/host/run.sh" ] || fail "the host tier is not in this test host's image"
step "bash $tier/tests/host/run.sh (Debian's bash, util-linux, coreutils and procps tools first on PATH)"
# The tests use these tools' options as Debian ships them, not busybox's.
PATH=$tier/bin:$PATH
: >tap
{
	bash "$tier/tests/host/run.sh"
	echo $? >rc
} 2>&1 | tee tap
[ "$(cat rc)" = 0 ] || fail "$(grep -c '^not ok' tap) of $(grep -c '^\(not \)\{0,1\}ok ' tap) host tests failed: $(grep '^not ok' tap | head -n 3 | tr '\n' ' ')"
