# shellcheck shell=sh
# airlock runs its tiny test guest under the test host's real KVM.
# timeout: 60

step "airlock run --kernel $AIRLOCK_GUESTS/hello.elf --memory 16M --com1 console"
status=0
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 console \
	>output 2>&1 || status=$?
cat output
[ "$status" -eq 0 ] || fail "airlock exited with status $status"
expect_line output "hello from the airlock test guest"
