# shellcheck shell=sh
# Self-test fixture: a scenario stopped by a failing command (set -e).
step "reading a file that does not exist"
cat /nonexistent/airlock-selftest-file
echo "not reached"
