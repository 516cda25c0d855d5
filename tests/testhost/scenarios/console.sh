# shellcheck shell=sh
# COM1 away from airlock's terminal, as the user guide's "The console"
# shows it: --com1 file= appends the guest's output to a file; --com1
# socket runs a VM in the background that airlock console attaches to
# (what the guest wrote so far first), a second client refused, Ctrl-A d
# detaching while the VM runs on, attached again until the guest powers
# off; another user refused; --com1 pty and the echo guest through it.
# timeout: 120

rm -f /tmp/com1.log
step "airlock run --kernel hello.elf --memory 16M --com1 file=/tmp/com1.log, twice"
for word in first second; do
	"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory 16M --com1 file=/tmp/com1.log --cmdline "$word" ||
		fail "airlock run --com1 file= exited non-zero"
done
ls -l /tmp/com1.log
cat /tmp/com1.log
expect_line /tmp/com1.log "hello from the airlock test guest; cmdline: first"
expect_line /tmp/com1.log "hello from the airlock test guest; cmdline: second"

step "airlock run --kernel echo.elf --memory 16M --com1 socket --name web &"
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/echo.elf" --memory 16M --com1 socket --name web >run.out 2>&1 &
pid=$!
tries=50
until [ -S /run/airlock/console/web ]; do
	[ "$tries" -gt 0 ] || fail "no console socket /run/airlock/console/web"
	tries=$((tries - 1))
	sleep 0.2
done
ls -ld /run/airlock/console /run/airlock/console/web
"$AIRLOCK" ps --json | jq -c '.vms[] | {name, user, console}'

step "airlock console web: type abc, then Ctrl-A d; a second airlock console meanwhile"
{ printf abc; sleep 2; printf '\001d'; } | "$AIRLOCK" console web >attach1 2>&1 &
attach=$!
sleep 1
status=0
"$AIRLOCK" console web </dev/null >busy 2>&1 || status=$?
cat busy
[ "$status" -eq 1 ] || fail "a second airlock console exited $status, not 1"
expect_line busy "another client is attached"
wait "$attach" || fail "airlock console exited non-zero"
cat attach1
echo
expect_line attach1 "echo: abc"
expect_line attach1 "detached from web, which runs on"
kill -0 "$pid" || fail "the VM ended when the console detached"

step "another user: login uid 65534, airlock console web"
status=0
sh -c 'echo 65534 >/proc/self/loginuid && exec "$0" console web' "$AIRLOCK" </dev/null >refused 2>&1 || status=$?
cat refused
[ "$status" -eq 1 ] || fail "another user's airlock console exited $status, not 1"
expect_line refused "only its owner, root or an admin may attach to its console"

step "airlock console web again: type def and a newline; the echo guest powers off"
{ printf 'def\n'; sleep 3; } | "$AIRLOCK" console web >attach2 2>&1 || fail "airlock console exited non-zero"
cat attach2
expect_line attach2 "the VM has ended"
status=0
wait "$pid" || status=$?
cat run.out
[ "$status" -eq 0 ] || fail "airlock run exited $status, not 0"
[ ! -e /run/airlock/console/web ] || fail "the console socket is left behind"

step "airlock run --kernel echo.elf --memory 16M --com1 pty --name tty1 &"
"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/echo.elf" --memory 16M --com1 pty --name tty1 >output 2>&1 &
pid=$!
wait_for "COM1 is on" 10
cat output
pty=$(sed -n 's|^airlock: COM1 is on \(/dev/pts/[0-9]*\),.*|\1|p' output)
ls -l "$pty"
grep console /run/airlock/vms/tty1
exec 3<>"$pty"
# Until the broker closes the pty's other end: the guest powers off after the line.
cat <&3 >pty.out 2>/dev/null &
reader=$!
printf 'via pty\n' >&3
wait "$pid" || fail "airlock run --com1 pty exited non-zero"
exec 3>&-
wait "$reader" || true
cat pty.out
expect_line pty.out "echo: via pty"
