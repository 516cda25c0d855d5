# shellcheck shell=sh
# Self-test fixture: a scenario that passes. It starts in an empty
# scratch directory, where it may write what it likes.
step "checking the scratch directory"
[ -z "$(ls -A)" ] || fail "the scratch directory is not empty: $(ls -A)"
echo "scenario output" >out
echo 1 >rc
echo "all good"
