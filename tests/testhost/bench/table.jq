# The results of one `make bench` run (report.jq's output) as Markdown
# tables, the form docs/performance.md shows them in.

def us: if . == null then "—" else . / 1000 * 10 | round / 10 | tostring end;
def ms: if . == null then "—" else . / 1e6 * 100 | round / 100 | tostring end;
def num: if . == null then "—" else tostring end;
def r2: if . == null then null else . * 100 | round / 100 end;
def row: "| " + (map(num) | join(" | ")) + " |";
def head($cols): ($cols | row), ([$cols[] | "---"] | row);

.machine as $m
| "## Machine",
"",
head(["", ""]),
(["build host", "\($m.cpu), \($m.cores) cores, Linux \($m.kernel)"] | row),
(["test host", "\($m.qemu): \($m.testhost); Linux \($m.testhost_kernel // "—"), clocksource \($m.clocksource // "—")"] | row),
(["Linux guest", "the same kernel under airlock in the test host; clocksource \($m.guest_clocksource // "—")"] | row),
(["airlock", "\($m.commit), \($m.date)"] | row),
"",
"## Interrupts (test host; counts over the baseline's, port I/O apart)",
"",
head(["BARs", "source", "received by the guest", "VMM wake-ups", "of them irq_wakeups", "exits", "MMIO exits", "trapped accesses", "wake-ups per interrupt", "exits per interrupt", "port I/O exits (console, config space)"]),
(.interrupts[] | [.session, .source, .received, .counts.wakeups, .counts.irq_wakeups, .counts.exits,
	.counts.mmio_exits, .counts.trapped, .wakeups_per_interrupt, .exits_per_interrupt, .counts.port_io] | row),
"",
"## BAR access (test host; exits over the baseline's, port I/O apart; times per access in ns)",
"",
head(["device, register", "BARs", "accesses", "exits", "exits per access", "ns per read", "ns per write", "trapped ÷ mapped, read", "trapped ÷ mapped, write"]),
(.bar[] | ["\(.device), \(.register)", .session, .accesses, .counts.exits, .exits_per_access, .read_ns, .write_ns,
	.trap_over_mapped.read, .trap_over_mapped.write] | row),
"",
"## NVMe: O_DIRECT sequential read of the whole namespace (test host)",
"",
head(["block", "where", "bytes", "MB/s", "IOPS", "÷ native"]),
(.nvme_read[] | .block as $b
	| ([$b, "test host, its own nvme driver (native)", .native.bytes, .native.mb_s, .native.iops, 1] | row),
	  (.guest[] | [$b, "guest, BAR0 \(.session)", .bytes, .mb_s, .iops, .over_native] | row)),
"",
"## Start-up (phases in µs; medians)",
"",
(.startup as $s | ($s.linux | map(select(.session == "mapped"))[0]) as $l
	| head(["phase", "build host: \($s.build_host.guest), \($s.build_host.runs) runs", "test host: \($s.testhost.guest), \($s.testhost.runs) runs", "test host: \($l.guest // "Linux")"]),
	([["policy", "policy"], ["broker_setup", "broker_setup"], ["prepare", "prepare"], ["dma", "of which dma"],
	  ["spawn", "spawn"], ["handoff", "handoff"], ["vmm_setup", "vmm_setup"], ["vmm_threads", "vmm_threads"],
	  ["lock", "lock"], ["released", "released: the vCPUs run (since main())"]][] as [$k, $name]
		| [$name, ($s.build_host.median_ns[$k] | us), ($s.testhost.median_ns[$k] | us), ($l.phases_ns[$k] | us)] | row),
	(["privilege separation (policy + broker_setup + spawn + handoff + lock)", ($s.build_host.median_ns.privsep | us),
		($s.testhost.median_ns.privsep | us), ($l.phases_ns.privsep | us)] | row),
	(["the VMM's own set-up (prepare + vmm_setup + vmm_threads)", ($s.build_host.median_ns.vmm_own | us),
		($s.testhost.median_ns.vmm_own | us), ($l.phases_ns.vmm_own | us)] | row),
	(["privilege separation ÷ the VMM's own set-up", ($s.build_host.median_ns.privsep_over_own | r2),
		($s.testhost.median_ns.privsep_over_own | r2), ($l.phases_ns.privsep_over_own | r2)] | row),
	(["guest init reached (since main())", "—", "—", ($l.guest_init_ns | us)] | row)),
"",
"## DMA mapping of guest RAM (test host; 2M-tmpfs: the default, 2 MiB pages of a private tmpfs; 2M: hugetlb, with --hugepages; 4K: 4 KiB pages, before 0.5.0's default)",
"",
head(["pages", "guest RAM", "runs", "ms (median)", "GiB/s"]),
(.dma[] | [.pages, .memory, .runs,
	(if .runs == 0 then "not run: \(.got) of \(.needed) huge pages to be had" else (.ns | ms) end), .gib_s] | row),
"",
"## Footprint (test host; KiB resident)",
"",
head(["process", "guest", "without guest RAM", "guest RAM", "VmRSS", "VmHWM"]),
(.footprint[] | [.process, .guest, .own_kb, .guest_ram_kb, .vm_rss_kb, .vm_hwm_kb] | row),
"",
"## Binaries (bytes)",
"",
head(["file", "as built (with debug info)", "stripped"]),
(.binaries[] | [.name, .bytes, .stripped_bytes] | row)
