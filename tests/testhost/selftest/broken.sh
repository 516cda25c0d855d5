# shellcheck shell=sh
# Self-test fixture: a deliberately broken scenario. It fails with a
# readable reason, the way a real scenario reports one.
# timeout: 30
step "looking for the airlock test guest's greeting"
echo "the guest printed: goodbye" >output
grep -q "hello from the airlock test guest" output ||
	fail "the guest did not print 'hello from the airlock test guest'"
