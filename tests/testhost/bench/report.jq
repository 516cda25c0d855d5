# The records of one `make bench` run (tests/testhost/bench.sh; jq -s) in,
# every figure out (docs/performance.md explains each). Counts are
# differences of the VMM's counters; times are the run's own, and compared
# only as ratios within the run.

def median: sort | length as $n
	| if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2] else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
def round2: if . == null then null else . * 100 | round / 100 end;
def mib: if endswith("G") then (.[:-1] | tonumber) * 1024 else (.[:-1] | tonumber) end;	# "256M", "2G"
def ratio($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b | round2 end;

. as $all
| def recs($kind; $where): [$all[] | select(.kind == $kind and .where == $where) | .data];

# --- start-up: one start-up line (the broker's, with the VMM's times) into phases, in ns.
def phases: .ns as $n | {
	policy: $n.authorized,				# command line, policy, grant, audit
	broker_setup: ($n.boot - $n.authorized),	# the VMM binary opened, signals, terminal
	prepare: ($n.prepared - $n.boot),		# device checks, images, RAM, DMA, device fds, /dev/kvm
	dma: (if $n.dma_end then $n.dma_end - $n.dma_begin else null end),
	spawn: ($n.vmm_exec - $n.prepared),		# clone3 into namespaces, empty root, credentials, exec
	handoff: ($n.vmm_config - $n.vmm_exec),	# HELLO, CONFIG and its descriptors
	vmm_setup: ($n.vmm_built - $n.vmm_config),	# VM, memory, images, devices, vCPUs
	vmm_threads: ($n.vmm_filter - $n.vmm_built),	# the filters' descriptor classes
	lock: ($n.released - $n.vmm_filter),		# vCPU and COM1 threads under their filters, LOCKED, LOCKED_OK
	released: $n.released				# the vCPUs run
} | .privsep = .policy + .broker_setup + .spawn + .handoff + .lock
  | .vmm_own = .prepare + .vmm_setup + .vmm_threads
  | .privsep_over_own = ratio(.privsep; .vmm_own);

# The median of each phase over several start-up lines.
def median_phases: map(phases) as $p
	| reduce ($p[0] // {} | keys_unsorted[]) as $k ({}; .[$k] = ([$p[][$k] | select(. != null)] | median));

# --- counters: a stats line reduced to the counts the figures use. Port
# I/O is the console (the typed command, its echo: a count that depends on
# timing) and config space through 0xcf8/0xcfc: the devices measured have
# memory BARs only, so the device path's exits are the others.
def flat: {
	wakeups: (.vcpu_wakeups - (.exits.io // 0) + .irq_wakeups),	# the device path's: vCPU returns but port I/O, and interrupts the VMM handled
	irq_wakeups,
	exits: (([.exits[]] | add // 0) - (.exits.io // 0)),
	mmio_exits: (.exits.mmio // 0),
	trapped: ([.devices[].mmio] | add // 0),
	port_io: (.exits.io // 0)
};
def minus($b): . as $a | reduce ($a | keys_unsorted[]) as $k ({}; .[$k] = $a[$k] - $b[$k]);
def grown: . as $w | $w.after | flat | minus($w.before | flat);
# What the measured command added over its baseline of the same length;
# port_io is the measured window's own, shown and never subtracted.
def net($session; $name): recs("window"; "testhost") as $w
	| ($w[] | select(.session == $session and .name == $name) | grown) as $m
	| ($w[] | select(.session == $session and .name == ($name + "-base")) | grown) as $b
	| ($m | minus($b)) + {port_io: $m.port_io};
def guest($session; $name): recs("guest"; "testhost")[] | select(.session == $session and .name == $name);
def per($n): if $n > 0 then . / $n | . * 10000 | round / 10000 else null end;

# "GUEST-BENCH bar BDF BAR OFFSET reads N read_ns NS writes N write_ns NS"
def bar_line: split(" ") | {reads: (.[6] | tonumber), read_ns: (.[8] | tonumber),
	writes: (.[10] | tonumber), write_ns: (.[12] | tonumber)};
# "GUEST-BENCH read NAME BLOCK BYTES ns NS"
def read_line: split(" ") | {block: (.[3] | tonumber), bytes: (.[4] | tonumber), ns: (.[6] | tonumber)}
	| . + {mb_s: (.bytes / .ns * 1000 | round2), iops: (.bytes / .block / .ns * 1e9 | round)};

def sessions: ["mapped", "trap"];

{
	machine: ((recs("machine"; "host")[0] // {}) + (recs("machine"; "testhost")[0] // {})),

	interrupts: [sessions[] as $s | (
		(guest($s; "edu-irq") as $g | net($s; "edu-irq") as $d
			| {session: $s, source: "edu MSI, raised one at a time", received: $g.received, counts: $d,
			   wakeups_per_interrupt: ($d.wakeups | per($g.received)), exits_per_interrupt: ($d.exits | per($g.received))}),
		(("1M", "4K") as $bs | guest($s; "read-" + $bs) as $g | net($s; "read-" + $bs) as $d
			| {session: $s, source: "nvme MSI-X, O_DIRECT reads of \($bs)", received: $g.received, counts: $d,
			   wakeups_per_interrupt: ($d.wakeups | per($g.received)), exits_per_interrupt: ($d.exits | per($g.received))})
	)],

	bar: ([("edu", "nvme") as $dev | sessions[] as $s
		| (guest($s; "bar-" + $dev).line | bar_line) as $l | net($s; "bar-" + $dev) as $d
		| {device: $dev,
		   register: (if $dev == "edu" then "0x04 liveness, read and write" else "0x00 CAP, read (BAR0 shares its pages with the MSI-X table)" end),
		   session: $s, accesses: ($l.reads + $l.writes), counts: $d,
		   exits_per_access: ($d.exits | per($l.reads + $l.writes)),
		   read_ns: ($l.read_ns / $l.reads | round2),
		   write_ns: (if $l.writes > 0 then $l.write_ns / $l.writes | round2 else null end)}]
	| . as $rows | map(. as $r | . + {trap_over_mapped: (if $r.session == "trap" then
		($rows | map(select(.device == $r.device and .session == "mapped"))[0]) as $m
		| {read: ratio($r.read_ns; $m.read_ns), write: ratio($r.write_ns; $m.write_ns)} else null end)})),

	nvme_read: ([("1M", "4K") as $bs
		| ([recs("native"; "testhost")[] | select(.name == "read-" + $bs) | .line | read_line][0]) as $native
		| {block: $bs, native: $native,
		   guest: [sessions[] as $s | guest($s; "read-" + $bs) | {session: $s} + (.line | read_line)]}
		| .guest |= map(. + {over_native: ratio(.mb_s; $native.mb_s)})]),

	dma: ([recs("dma"; "testhost") | group_by([.pages // "4K", .memory])[] | {
		pages: (.[0].pages // "4K"),
		memory: .[0].memory,
		bytes: .[0].startup.dma_bytes,
		runs: length,
		ns: ([.[].startup | .ns.dma_end - .ns.dma_begin] | median),
		# hugetlb's pages are allocated and zeroed when RAM is made (fallocate),
		# the others' on the pinning's first touch: compared, RAM and mapping together.
		ram_and_dma_ns: ([.[].startup | .ns.dma_end - .ns.checked] | median)
	} | . + {gib_s: (.bytes / .ns * 1e9 / 1073741824 | round2)}]
	+ [recs("dma-skipped"; "testhost")[] | . + {runs: 0, ns: null, gib_s: null}]
	| sort_by(.pages == "2M", .pages == "2M-tmpfs", (.memory | mib))),

	startup: {
		build_host: (recs("startup"; "host") | {runs: length, guest: "hello.elf, 16M, no device", median_ns: (map(.startup) | median_phases)}),
		testhost: (recs("dma"; "testhost") | map(select(.memory == "256M")) | {runs: length, guest: "hello.elf, 256M, edu assigned", median_ns: (map(.startup) | median_phases)}),
		linux: [recs("linux"; "testhost")[] | {session, guest: "Linux, 256M, 2 vCPUs, edu and nvme assigned",
			phases_ns: (.startup | phases),
			guest_init_ns: (.guest_init_uptime_s * 1e9 - .startup.start_ns | round)}]
	},

	# The Linux guest's boots, default console and quiet: medians, and the
	# console's cost. Exits per byte: COM1's exits over the bytes the guest
	# sent; "added": what the default console's boot added over quiet's.
	boot: (recs("boot"; "testhost") as $b
		| [("default", "quiet") as $c | [$b[] | select(.console == $c)] | {
			console: $c, runs: length,
			first_line_s: (map(.first_line_s) | median | round2),
			init_s: (map(.init_s) | median | round2),
			end_s: (map(.end_s) | median | round2),
			console_bytes: (map(.stats.console.bytes) | median),
			console_writes: (map(.stats.console.writes) | median),
			console_exits: (map(.stats.console.exits) | median)
		} | . + {exits_per_byte: ratio(.console_exits; .console_bytes), bytes_per_write: ratio(.console_bytes; .console_writes)}]
		| . as $rows | ($rows[0]) as $d | ($rows[1]) as $q
		| {runs: $rows,
		   default_over_quiet: {init: ratio($d.init_s; $q.init_s), end: ratio($d.end_s; $q.end_s)},
		   added_exits_per_byte: ratio(($d.console_exits // 0) - ($q.console_exits // 0); ($d.console_bytes // 0) - ($q.console_bytes // 0))}),

	clock: (recs("clock"; "testhost")[0] // null),

	footprint: [recs("footprint"; "testhost")[] | {guest: "Linux at its shell, 256M, 2 vCPUs, edu and nvme"} + .],

	binaries: recs("binary"; "host"),

	records: $all
}
