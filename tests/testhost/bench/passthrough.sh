# shellcheck shell=sh
# Benchmarks of the passthrough paths, for `make bench` (tests/testhost/bench.sh),
# never part of `make e2e`. It measures and prints, one "BENCH KIND JSON"
# line per measurement, and fails only when a run breaks (a guest that
# does not finish, a line that is missing), never on a figure.
#
#  - dma: the tiny guest with edu assigned and 256M to 2G of RAM, three
#    runs each, --stats: the broker's start-up line, DMA mapping included.
#  - session: the Linux guest with edu and nvme, their BARs mapped, then
#    ",trap": footprint (mapped only), then windows, each a command typed
#    into the guest's shell between two snapshots of the counters
#    (SIGUSR1): edu's interrupts, edu's BAR, NVMe reads in 1M and 4K
#    blocks, nvme's BAR. Each measured command has a baseline of the same
#    length that does everything but the measured part (batch 0,
#    irqs=0000, "false" for "bench"). Results the guest keeps in files
#    are shown outside the windows; the shell's prompt is empty, so
#    nothing prints after a window's end marker.
#  - native: nvme given to the test host's own driver (airlock unbind),
#    read with the guest's very binary, and given back (airlock bind).
#  - boot: the Linux guest with no device, 256M, 1 vCPU, to power-off,
#    with the default console and with `quiet`, alternately, three pairs:
#    when its first line and its init's first line reached the test host,
#    and the console's counters (bytes, write() calls, exits on COM1).
#  - clock: one more boot that keeps its vCPUs busy until its own clock
#    has advanced 60 s: its clocksource, and its seconds per test-host
#    second.
# timeout: 1800

edu=$(device_bdf edu)
nvme=$(device_bdf nvme)
# Behind rc0's root ports rp0 and rp1, in the guest.
guest_edu=0000:01:00.0
guest_nvme=0000:02:00.0
bar_batch=10000
irq_count=1000
session=

bench() {	# KIND JSON
	echo "BENCH $1 $2"
}

# The guest image's own bench binary, for the native reference: one
# binary measures both sides.
mkdir -p tools
(cd tools && cpio -i -d -F "$AIRLOCK_LINUX_GUEST/initrd.img" bin/bench 2>/dev/null)
[ -x tools/bin/bench ] || fail "no bin/bench in $AIRLOCK_LINUX_GUEST/initrd.img"

# dma_runs PAGES MEM [AIRLOCK-ARGS...]: three runs of the tiny guest with
# edu assigned and MEM of RAM, each a "dma" record.
dma_runs() {
	pages=$1 mem=$2
	shift 2
	for run in 1 2 3; do
		status=0
		"$AIRLOCK" run --kernel "$AIRLOCK_GUESTS/hello.elf" --memory "$mem" --com1 console --stats "$@" \
			--pcie-root-complex rc0 --pcie-root-port rc0:rp0 --vfio "rp0:$edu" >tiny 2>&1 || status=$?
		[ "$status" -eq 0 ] || { cat tiny; fail "airlock run --memory $mem $* exited with status $status"; }
		startup=$(sed -n 's/^airlock: startup //p' tiny)
		[ -n "$startup" ] || { cat tiny; fail "no startup line from airlock run --stats"; }
		bench dma "{\"memory\":\"$mem\",\"pages\":\"$pages\",\"run\":$run,\"startup\":$startup}"
	done
}

# linux_boot NAME CMDLINE-EXTRA: the Linux guest with no device to its
# power-off, --stats, its console stamped with the test host's uptime in
# ./NAME; the uptime at airlock's start in $start.
linux_boot() {
	start=$(cut -d' ' -f1 /proc/uptime)
	{
		status=0
		"$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" --initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
			--cmdline "console=ttyS0 panic=-1 guest.wait=1 $2" --com1 console --memory 256M --processors 1 \
			--stats </dev/null 2>&1 || status=$?
		echo "AIRLOCK-EXIT $status"
	} | stamp >"$1"
	status=$(awk '$2 == "AIRLOCK-EXIT" { print $3 }' "$1")
	[ "$status" = 0 ] || { tail -n 20 "$1"; fail "airlock run ($1) exited with status $status"; }
	grep -q ' GUEST-END' "$1" || { tail -n 20 "$1"; fail "no GUEST-END from the guest ($1)"; }
}

step "boot: the Linux guest, no device, 256M, 1 vCPU, default console and quiet, three pairs"
for run in 1 2 3; do
	for console in default quiet; do
		linux_boot "boot-$console-$run" "$([ "$console" = quiet ] && echo quiet)"
		grep -q ' airlock: stats {' "boot-$console-$run" || fail "no stats line from airlock run --stats"
		awk -v start="$start" -v console="$console" -v run="$run" '
			{ sub(/\r$/, "") }
			NF > 1 && $2 != "airlock:" && $2 != "AIRLOCK-EXIT" && first == "" { first = $1 }
			$2 == "GUEST-INIT" && init == "" { init = $1 }
			$2 == "airlock:" && $3 == "stats" { sub(/^[^{]*/, ""); stats = $0 }
			/the guest powered off/ { end = $1 }
			END {
				printf "BENCH boot {\"console\":\"%s\",\"run\":%d,\"first_line_s\":%.2f,\"init_s\":%.2f,\"end_s\":%.2f,\"stats\":%s}\n",
					console, run, first - start, init - start, end - start, stats
			}' "boot-$console-$run"
	done
done

step "clock: the Linux guest's clocksource, and its clock over 60 s of load (guest.clock=60)"
linux_boot clock "quiet guest.clock=60"
clock_ratio clock >ratio || fail "no GUEST-CLOCK start and end lines from the guest"
bench clock "{\"clocksource\":\"$(tr -d '\r' <clock | awk '$2 == "GUEST-CLOCK" && NF == 3 { print $3 }')\",\"guest_s_per_host_s\":$(cat ratio)}"

step "DMA mapping: the tiny guest with edu assigned, 256M to 2G of guest RAM, in the default backing (2 MiB pages of a private tmpfs)"
for mem in 256M 512M 1G 2G; do
	dma_runs 2M-tmpfs "$mem"
done

# within SECONDS WHY COMMAND...: until COMMAND succeeds; fails with WHY
# after SECONDS, or as soon as airlock has ended.
within() {
	tries=$(($1 * 5)) why=$2
	shift 2
	until "$@"; do
		if grep -q '^AIRLOCK-EXIT' output; then
			tail -n 40 output
			fail "airlock ended: $why ($session)"
		fi
		[ "$tries" -gt 0 ] || { tail -n 40 output; fail "$why ($session)"; }
		tries=$((tries - 1))
		sleep 0.2
	done
}

# wait_text TEXT SECONDS: until ./output holds TEXT.
wait_text() {
	within "$2" "no '$1' from the guest within $2 s" grep -qF -- "$1" output
}

# stats: the broker's counters now (SIGUSR1), in $line.
nstats=0
has_stats() {
	[ "$(grep -c 'airlock: stats ' output || true)" -ge "$nstats" ]
}
stats() {
	nstats=$((nstats + 1))
	kill -USR1 "$pid"
	within 10 "no stats line from the broker after SIGUSR1" has_stats
	line=$(grep -o 'airlock: stats .*' output | sed -n "${nstats}s/^airlock: stats //p")
}

# guest COMMAND [SECONDS]: type COMMAND into the guest's shell, wait until it ran.
nmark=0
guest() {
	nmark=$((nmark + 1))
	mark=$(printf 'M%03d' "$nmark")
	# shellcheck disable=SC2016 # the guest's shell expands it: the echo of the typed line does not match
	printf '%s; echo %s-$((6*7))\n' "$1" "$mark" >&3
	wait_text "$mark-42" "${2:-120}"
}

# window NAME COMMAND: COMMAND between two snapshots of the counters.
window() {
	stats
	before=$line
	guest "$2" 900
	stats
	bench window "{\"session\":\"$session\",\"name\":\"$1\",\"before\":$before,\"after\":$line}"
}

# last TAG: the last line of ./output starting with TAG, without the tty's CR.
last() {
	grep -a "^$1" output | tail -n 1 | tr -d '\r'
}

# Whatever the console shows: JSON-quoted, for a BENCH line.
quote() {
	printf '%s' "$1" | jq -Rs .
}

# footprint: the broker's and the VMM's memory while the guest sits at its
# shell: the resident pages of every mapping but guest RAM's file (the
# shared mappings of 16 MiB and more: device BARs are smaller), from
# smaps (in the test host, files live on a tmpfs and count as shared
# memory in the status file's breakdown), and the status file's totals.
footprint() {
	vmm=
	for s in /proc/[0-9]*/stat; do
		read -r p _ _ pp _ <"$s" 2>/dev/null || continue
		[ "$pp" != "$pid" ] || vmm=$p
	done
	[ -n "$vmm" ] || fail "no VMM process under the broker ($pid)"
	for who in broker:$pid vmm:$vmm; do
		p=${who#*:}
		awk -v who="${who%%:*}" '
			FNR == NR && $1 ~ /^[0-9a-f]+-[0-9a-f]+$/ {
				shared = $2 ~ /s$/; ram = 0
				name = NF >= 6 ? $6 : "[anon " $2 "]"
				gsub(/[\\"]/, "", name)
			}
			FNR == NR && $1 == "Size:" { ram = shared && $2 >= 16384 }
			FNR == NR && $1 == "Rss:" { if (ram) guest += $2; else { own += $2; by[name] += $2 } }
			FNR != NR && /^(VmRSS|VmHWM):/ { kb[$1] = $2 }
			END {
				printf "BENCH footprint {\"process\":\"%s\",\"own_kb\":%d,\"guest_ram_kb\":%d,", who, own, guest
				printf "\"vm_rss_kb\":%d,\"vm_hwm_kb\":%d,\"own_by_mapping_kb\":{", kb["VmRSS:"], kb["VmHWM:"]
				sep = ""
				for (n in by) if (by[n] > 0) { printf "%s\"%s\":%d", sep, n, by[n]; sep = "," }
				print "}}"
			}' "/proc/$p/smaps" "/proc/$p/status"
	done
}

# session NAME OPT: the Linux guest with edu and nvme (OPT "" or ",trap"), a
# shell on its console; the broker's pid in $pid, the console in ./output,
# descriptor 3 types into the shell, and init-uptime gets the test host's
# uptime when the guest's init printed its first line.
session() {
	session=$1
	rm -f input init-uptime broker.pid
	: >output
	mkfifo input
	{
		status=0
		sh -c 'echo $$ >broker.pid; exec "$@"' sh "$AIRLOCK" run --kernel "$AIRLOCK_LINUX_GUEST/vmlinuz" \
			--initrd "$AIRLOCK_LINUX_GUEST/initrd.img" \
			--cmdline "console=ttyS0 panic=-1 guest.shell=1 guest.wait=20" --com1 console --memory 256M \
			--processors 2 --stats --pcie-root-complex rc0 --pcie-root-port rc0:rp0 --pcie-root-port rc0:rp1 \
			--vfio "rp0:$edu$2" --vfio "rp1:$nvme$2" <input 2>&1 || status=$?
		echo "AIRLOCK-EXIT $status"
	} | tee output | awk '/GUEST-INIT/ && !t { getline u <"/proc/uptime"; split(u, f, " "); print f[1]; fflush(); t = 1 }' \
		>init-uptime &
	# Held open until the end: airlock's stdin must not reach end of file early.
	exec 3>input
	wait_text "GUEST-PROMPT# " 300
	pid=$(cat broker.pid)
	nstats=0
	# No prompt: nothing may print after a window's end marker.
	printf '%s\n' "PS1=''" >&3
	# irqs NAME: the interrupts of the vectors named NAME..., over both CPUs: "IRQS-NAME N".
	# shellcheck disable=SC2016 # the guest's shell expands these
	printf '%s\n' 'irqs() { awk -v n="$1" '\''$0 ~ n { s += $2 + $3 } END { print "IRQS-" n, s + 0 }'\'' /proc/interrupts; }' >&3
	guest "true"
}

session_end() {
	printf '%s\n' "poweroff -f" >&3
	tries=600
	until grep -q '^AIRLOCK-EXIT' output; do
		[ "$tries" -gt 0 ] || fail "airlock did not end after the guest's poweroff -f ($session)"
		tries=$((tries - 1))
		sleep 0.2
	done
	exec 3>&-
	status=$(last "AIRLOCK-EXIT" | cut -d' ' -f2)
	[ "$status" = 0 ] || { tail -n 40 output; fail "airlock exited with status $status ($session)"; }
	startup=$(grep -o 'airlock: startup .*' output | sed 's/^airlock: startup //' | tr -d '\r')
	[ -n "$startup" ] || fail "no startup line from airlock run --stats ($session)"
	init=$(cat init-uptime)
	[ -n "$init" ] || fail "no GUEST-INIT line from the guest ($session)"
	bench linux "{\"session\":\"$session\",\"startup\":$startup,\"guest_init_uptime_s\":$init}"
	mv output "console-$session"
}

# measure NAME BASELINE COMMAND [BETWEEN]: the two windows, BETWEEN typed between them.
measure() {
	window "$1-base" "$2"
	[ -z "${4:-}" ] || guest "$4"
	window "$1" "$3"
}

# bar_access NAME BDF OFFSET r|rw: BAR0's register at OFFSET, in windows, and the guest's result.
bar_access() {
	measure "$1" "bench bar $2 0 $3 00000 $4 >/tmp/b" "bench bar $2 0 $3 $bar_batch $4 >/tmp/b"
	guest "cat /tmp/b"
	r=$(last "GUEST-BENCH bar $2")
	[ -n "$r" ] || fail "no result from bench bar on $2 ($session): $(last 'GUEST-BENCH error')"
	bench guest "{\"session\":\"$session\",\"name\":\"$1\",\"line\":$(quote "$r")}"
}

for opt in "" ",trap"; do
	session=mapped
	[ -z "$opt" ] || session="trap"
	step "the Linux guest with --vfio rp0:$edu$opt --vfio rp1:$nvme$opt"
	session "$session" "$opt"
	[ -n "$opt" ] || footprint

	step "$session: edu raises $irq_count MSIs (airlock_edu), against a baseline of none"
	measure edu-irq "insmod /lib/modules/airlock_edu.ko mode=msi irqs=0000 >/tmp/e 2>&1" \
		"insmod /lib/modules/airlock_edu.ko mode=msi irqs=$irq_count >/tmp/e 2>&1" \
		"irqs airlock_edu; rmmod airlock_edu"
	base=$(last "IRQS-airlock_edu " | cut -d' ' -f2)
	guest "cat /tmp/e /sys/bus/pci/devices/$guest_edu/airlock_edu | sed 's/^/EDU-RESULT /'; irqs airlock_edu"
	result=$(last "EDU-RESULT ")
	# Each load's vector counts the factorial's completion too: the baseline's.
	received=$(($(last "IRQS-airlock_edu " | cut -d' ' -f2) - base))
	case $result in
	"EDU-RESULT msi factorial 3628800 irqs $irq_count/$irq_count") ;;
	*) fail "airlock_edu did not get its $irq_count interrupts ($session): $result" ;;
	esac
	bench guest "{\"session\":\"$session\",\"name\":\"edu-irq\",\"raised\":$irq_count,\"received\":$received,\"result\":$(quote "$result")}"

	step "$session: edu's liveness register read, then written, $bar_batch at a time for a second each"
	bar_access bar-edu "$guest_edu" 0x04 rw

	for bs in 1M 4K; do
		step "$session: the whole namespace read with O_DIRECT in $bs blocks"
		guest "irqs nvme0q"
		irqs_before=$(last "IRQS-nvme0q " | cut -d' ' -f2)
		measure "read-$bs" "false read /dev/nvme0n1 $bs >/tmp/r" "bench read /dev/nvme0n1 $bs >/tmp/r"
		guest "cat /tmp/r; irqs nvme0q"
		r=$(last "GUEST-BENCH read nvme0n1")
		[ -n "$r" ] || fail "no result from bench read in $bs blocks ($session): $(last 'GUEST-BENCH error')"
		irqs_after=$(last "IRQS-nvme0q " | cut -d' ' -f2)
		bench guest "{\"session\":\"$session\",\"name\":\"read-$bs\",\"line\":$(quote "$r"),\"received\":$((irqs_after - irqs_before))}"
	done

	# The nvme driver claims BAR0, and the kernel maps no claimed BAR to
	# user space: the driver goes, and the device keeps decoding memory.
	step "$session: nvme's CAP read, $bar_batch at a time for a second, with the guest's nvme driver unbound"
	guest "echo $guest_nvme >/sys/bus/pci/drivers/nvme/unbind; echo 1 >/sys/bus/pci/devices/$guest_nvme/enable"
	bar_access bar-nvme "$guest_nvme" 0x00 r
	[ -n "$opt" ] || guest "sed 's/^/GUEST-CLOCK /' /sys/devices/system/clocksource/clocksource0/current_clocksource"
	session_end
done

step "native reference: nvme to the test host's own driver, read there, and back to vfio-pci"
"$AIRLOCK" unbind "$nvme"
# The test host's only NVMe controller on a host driver: nvme-xbar stays on vfio-pci.
tries=100
disk=
until [ -n "$disk" ]; do
	for b in /sys/block/nvme*n*; do
		if [ -e "$b" ]; then
			disk=${b##*/}
			break
		fi
	done
	[ "$tries" -gt 0 ] || fail "no namespace of $nvme under the test host's nvme driver"
	tries=$((tries - 1))
	sleep 0.2
done
for bs in 1M 4K; do
	r=$(tools/bin/bench read "/dev/$disk" "$bs" || true)
	echo "$r"
	case $r in "GUEST-BENCH read $disk "*) ;; *) fail "native read in $bs blocks failed: $r" ;; esac
	bench native "{\"name\":\"read-$bs\",\"line\":$(quote "$r")}"
done
"$AIRLOCK" bind "$nvme"
[ "$(driver_of "$nvme")" = vfio-pci ] || fail "$nvme did not go back to vfio-pci"
guest_clock=$(grep -a '^GUEST-CLOCK ' console-mapped | tail -n 1 | tr -d '\r' | cut -d' ' -f2)
bench machine "{\"guest_clocksource\":\"$guest_clock\",\"testhost_kernel\":\"$(uname -r)\",\"testhost_cpus\":$(grep -c '^processor' /proc/cpuinfo),\"testhost_mem_kb\":$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo),\"clocksource\":\"$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)\"}"

# Last, since it moves up to 2 GiB of the test host's memory into the
# huge page pool and out again: as many 2 MiB pages as each guest needs go
# into the pool for its runs, when the test host can find them.
step "DMA mapping again, in 2 MiB huge pages (--hugepages), where the test host has them"
for mem in 256M 512M 1G 2G; do
	case $mem in *G) mib=$((${mem%G} * 1024)) ;; *) mib=${mem%M} ;; esac
	echo $((mib / 2)) >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$got" -lt $((mib / 2)) ]; then
		echo "only $got of $((mib / 2)) huge pages to be had: no $mem run in huge pages"
		bench dma-skipped "{\"memory\":\"$mem\",\"pages\":\"2M\",\"needed\":$((mib / 2)),\"got\":$got}"
		continue
	fi
	dma_runs 2M "$mem" --hugepages
done
echo 0 >/proc/sys/vm/nr_hugepages
