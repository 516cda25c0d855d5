#!/bin/bash
# The benchmark suite behind `make bench` (docs/performance.md). It
# measures and reports; it fails only when a run breaks (a guest that does
# not finish, a figure's line missing), never because a figure is slow.
#
#   on the build host (root): the tiny guest's start-up, ten runs where
#     it has /dev/kvm; the binaries' sizes
#   in the test host (run.sh, tests/testhost/bench/passthrough.sh): DMA
#     mapping from 256M to 2G, interrupts, BAR access, NVMe throughput
#     against the test host's own driver, the Linux guest's start-up and
#     footprint
#
# Then build/bench/results-STAMP.json holds every figure, the machine and
# the raw records (build/bench/records-STAMP.jsonl), and the tables are
# printed, in Markdown.
#
# Usage: bench.sh [--no-testhost] [--report RECORDS]
#   --no-testhost  the build host's part alone (seconds, not minutes)
#   --report FILE  only turn the records of an earlier run into results and tables
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BENCH_SRC=$TESTHOST_SRC/bench
OUTDIR=$REPO_ROOT/build/bench
BIN=${AIRLOCK_BIN_DIR:-$REPO_ROOT/build}
HOST_RUNS=10
# 2G of guest RAM pinned for DMA, beside the test host's own: more than run.sh's default.
TESTHOST_MEMORY_MB=3072

usage() { sed -n '2,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; }

# record KIND WHERE JSON: one line of the records file.
record() {
	jq -c --arg kind "$1" --arg where "$2" '{kind: $kind, where: $where, data: .}' <<<"$3" >>"$records"
}

# The tiny guest, HOST_RUNS times, with --stats: the broker's start-up line.
host_startup() {
	local i out startup
	for ((i = 1; i <= HOST_RUNS; i++)); do
		out=$("$BIN/airlock" run --kernel "$BIN/guest/hello.elf" --memory 16M --com1 console --stats \
			</dev/null 2>&1) || die "airlock run --kernel hello.elf failed: $(tail -n 3 <<<"$out")"
		startup=$(sed -n 's/^airlock: startup //p' <<<"$out")
		[ -n "$startup" ] || die "no startup line from airlock run --stats: $(tail -n 3 <<<"$out")"
		record startup host "{\"run\":$i,\"startup\":$startup}"
	done
}

binary_sizes() {
	local f tmp
	tmp=$(mktemp)
	for f in airlock airlock-vmm; do
		strip --strip-all -o "$tmp" "$BIN/$f"
		record binary host "{\"name\":\"$f\",\"bytes\":$(stat -c %s "$BIN/$f"),\"stripped_bytes\":$(stat -c %s "$tmp")}"
	done
	rm -f "$tmp"
}

# The test host with the bench scenario; its BENCH lines become records.
testhost() {
	local log=$TESTHOST_BUILD/logs/e2e-serial.log status=0
	TESTHOST_MEMORY=$TESTHOST_MEMORY_MB "$TESTHOST_SRC/run.sh" --scenario "$BENCH_SRC/passthrough.sh" || status=$?
	cp "$log" "$OUTDIR/serial-$stamp.log"
	[ "$status" -eq 0 ] || die "the bench scenario did not finish (serial log: $OUTDIR/serial-$stamp.log)"
	# The last run of the scenario's: a test host that froze is booted again, and runs it again.
	clean_console <"$log" | awk '
		$1 == "SCENARIO-BEGIN" && $2 == "passthrough" { n = 0; on = 1 }
		$1 == "SCENARIO-RESULT" && $2 == "passthrough" { for (i = 1; i <= n; i++) print keep[i]; on = 0 }
		on && $1 == "BENCH" { keep[++n] = $0 }' |
		while read -r _ kind json; do
			record "$kind" testhost "$json"
		done
}

machine() {
	record machine host "$(jq -n --arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)" \
		--argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
		--arg qemu "$(qemu-system-x86_64 --version | head -n 1)" \
		--arg commit "$(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)" \
		--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson testhost_memory_mb "$TESTHOST_MEMORY_MB" \
		'{cpu: $cpu, cores: $cores, kernel: $kernel, qemu: $qemu, commit: $commit, date: $date,
		  testhost: "QEMU TCG, q35, intel-iommu, 2 vCPUs, \($testhost_memory_mb) MiB"}')"
}

report() {
	local results=$OUTDIR/results-$stamp.json
	jq -s -f "$BENCH_SRC/report.jq" "$records" >"$results.tmp" ||
		{ rm -f "$results.tmp"; die "cannot turn $records into results"; }
	mv "$results.tmp" "$results"
	jq -r -f "$BENCH_SRC/table.jq" "$results"
	echo
	say "results: $results"
	say "records: $records"
}

testhost_part=1 records=
while [ $# -gt 0 ]; do
	case $1 in
	--no-testhost) testhost_part=0 ;;
	--report) records=$2; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
mkdir -p "$OUTDIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -n "$records" ]; then
	[ -r "$records" ] || die "cannot read $records"
	report
	exit 0
fi
records=$OUTDIR/records-$stamp.jsonl
: >"$records"
[ "$(id -u)" -eq 0 ] || die "the benchmarks run guests and bind devices: run as root"
machine
if [ -w /dev/kvm ]; then
	say "build host: start-up of the tiny guest ($HOST_RUNS runs), binary sizes"
	host_startup
else
	say "build host: no /dev/kvm here, so no start-up runs of its own (the test host's are below); binary sizes"
fi
binary_sizes
if [ "$testhost_part" = 1 ]; then
	say "test host: DMA mapping, interrupts, BAR access, NVMe throughput, the Linux guest (minutes)"
	testhost
fi
report
