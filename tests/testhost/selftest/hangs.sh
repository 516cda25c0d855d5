# shellcheck shell=sh
# Self-test fixture: a scenario that never ends, and leaves a process
# behind that the harness must kill.
# timeout: 2
sleep 300 &
echo "left-behind pid $!" >&2
echo "$!" >"${SELFTEST_PIDFILE:-/dev/null}"
while :; do sleep 1; done
