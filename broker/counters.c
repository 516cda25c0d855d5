// SPDX-License-Identifier: MIT
/*
 * The VMM's counters as the broker shows them. The page is the VMM's to
 * write: its numbers are untrusted, so they are only ever loaded and
 * printed, and nothing of its layout (counts, lengths, names) comes from it.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "counters.h"
#include "json.h"
#include "log.h"

_Static_assert(CLI_VFIO_MAX <= CONFIG_DEVICES_MAX, "a counter slot for every assigned device");
_Static_assert(KVM_EXIT_NOTIFY < COUNTERS_EXIT_OTHER, "every named exit reason has a slot of its own");

/* The exits an x86 VMM can see; the rest show as reason_N. */
static const char *const counters_exit_names[COUNTERS_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN]		= "unknown",
	[KVM_EXIT_EXCEPTION]		= "exception",
	[KVM_EXIT_IO]			= "io",
	[KVM_EXIT_HYPERCALL]		= "hypercall",
	[KVM_EXIT_DEBUG]		= "debug",
	[KVM_EXIT_HLT]			= "hlt",
	[KVM_EXIT_MMIO]			= "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN]	= "irq_window_open",
	[KVM_EXIT_SHUTDOWN]		= "shutdown",
	[KVM_EXIT_FAIL_ENTRY]		= "fail_entry",
	[KVM_EXIT_INTR]			= "intr",
	[KVM_EXIT_SET_TPR]		= "set_tpr",
	[KVM_EXIT_TPR_ACCESS]		= "tpr_access",
	[KVM_EXIT_NMI]			= "nmi",
	[KVM_EXIT_INTERNAL_ERROR]	= "internal_error",
	[KVM_EXIT_SYSTEM_EVENT]		= "system_event",
	[KVM_EXIT_IOAPIC_EOI]		= "ioapic_eoi",
	[KVM_EXIT_HYPERV]		= "hyperv",
	[KVM_EXIT_X86_RDMSR]		= "x86_rdmsr",
	[KVM_EXIT_X86_WRMSR]		= "x86_wrmsr",
	[KVM_EXIT_DIRTY_RING_FULL]	= "dirty_ring_full",
	[KVM_EXIT_AP_RESET_HOLD]	= "ap_reset_hold",
	[KVM_EXIT_X86_BUS_LOCK]		= "x86_bus_lock",
	[KVM_EXIT_XEN]			= "xen",
	[KVM_EXIT_NOTIFY]		= "notify",
	[COUNTERS_EXIT_OTHER]		= "other",
};

static uint64_t counters__load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

void counters__snapshot(const struct counters_page *page, struct counters_page *out)
{
	out->magic = __atomic_load_n(&page->magic, __ATOMIC_RELAXED);
	out->version = __atomic_load_n(&page->version, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < COUNTERS_EXIT_REASONS; i++)
		out->exits[i] = counters__load(&page->exits[i]);
	out->vcpu_wakeups = counters__load(&page->vcpu_wakeups);
	out->input_wakeups = counters__load(&page->input_wakeups);
	out->irq_wakeups = counters__load(&page->irq_wakeups);
	out->console_bytes = counters__load(&page->console_bytes);
	out->console_writes = counters__load(&page->console_writes);
	out->console_exits = counters__load(&page->console_exits);
	for (unsigned int i = 0; i < CONFIG_DEVICES_MAX; i++) {
		out->dev[i].mmio = counters__load(&page->dev[i].mmio);
		out->dev[i].io = counters__load(&page->dev[i].io);
		out->dev[i].cfg = counters__load(&page->dev[i].cfg);
	}
	for (unsigned int i = 0; i < COUNTERS_VMM_TIMES; i++)
		out->times[i] = counters__load(&page->times[i]);
}

/*
 * json.c's writer into a stream of its own; counters__end copies the line
 * into buf: its length, or -ENOSPC when it does not fit (with its NUL).
 */
struct counters_out {
	struct json j;
	char *text;
	size_t size;
};

static int counters__begin(struct counters_out *o)
{
	FILE *f = open_memstream(&o->text, &o->size);

	if (!f)
		return -ENOMEM;
	json__init(&o->j, f, 0);
	json__obj_begin(&o->j, NULL);
	return 0;
}

static int counters__end(struct counters_out *o, char *buf, size_t len)
{
	int ret;

	json__obj_end(&o->j);
	ret = json__finish(&o->j);
	if (fclose(o->j.out) && !ret)
		ret = -EIO;
	if (!ret && o->size >= len)
		ret = -ENOSPC;
	if (!ret) {
		memcpy(buf, o->text, o->size + 1);
		ret = (int)o->size;
	}
	free(o->text);
	return ret;
}

static void counters__exits(struct json *j, const struct counters_page *s)
{
	char name[24];

	json__obj_begin(j, "exits");
	for (unsigned int i = 0; i < COUNTERS_EXIT_REASONS; i++) {
		if (!s->exits[i])
			continue;
		if (!counters_exit_names[i])
			snprintf(name, sizeof(name), "reason_%u", i);
		json__u64(j, counters_exit_names[i] ? counters_exit_names[i] : name, s->exits[i]);
	}
	json__obj_end(j);
}

static void counters__devices(struct json *j, const struct counters_page *s, const struct msg_device *devices,
			      unsigned int nr_devices)
{
	char name[DEVICE_NAME_MAX + 1];

	json__arr_begin(j, "devices");
	for (unsigned int i = 0; i < nr_devices; i++) {
		snprintf(name, sizeof(name), "%.*s", (int)strnlen(devices[i].name, DEVICE_NAME_MAX), devices[i].name);
		json__obj_begin(j, NULL);
		json__str(j, "name", name);
		json__u64(j, "mmio", s->dev[i].mmio);
		json__u64(j, "io", s->dev[i].io);
		json__u64(j, "cfg", s->dev[i].cfg);
		json__obj_end(j);
	}
	json__arr_end(j);
}

int counters__format(const struct counters_page *s, const struct msg_device *devices,
		     unsigned int nr_devices, char *buf, size_t len)
{
	struct counters_out o;
	int ret;

	if (nr_devices > CONFIG_DEVICES_MAX)
		return -EINVAL;
	ret = counters__begin(&o);
	if (ret)
		return ret;
	json__u64(&o.j, "vcpu_wakeups", s->vcpu_wakeups);
	json__u64(&o.j, "input_wakeups", s->input_wakeups);
	json__u64(&o.j, "irq_wakeups", s->irq_wakeups);
	json__obj_begin(&o.j, "console");
	json__u64(&o.j, "bytes", s->console_bytes);
	json__u64(&o.j, "writes", s->console_writes);
	json__u64(&o.j, "exits", s->console_exits);
	json__obj_end(&o.j);
	counters__exits(&o.j, s);
	counters__devices(&o.j, s, devices, nr_devices);
	return counters__end(&o, buf, len);
}

static const char *counters__s(uint64_t n)
{
	return n == 1 ? "" : "s";
}

int counters__format_console(const struct counters_page *s, char *buf, size_t len)
{
	uint64_t bytes = s->console_bytes, writes = s->console_writes, exits = s->console_exits, per, tenths;
	int n;

	if (!bytes) {
		n = snprintf(buf, len, "0 bytes in %" PRIu64 " write%s, %" PRIu64 " exit%s", writes, counters__s(writes),
			     exits, counters__s(exits));
	} else {
		/* Rounded to a tenth in integers: any two numbers the VMM wrote divide. */
		per = exits / bytes;
		tenths = (uint64_t)(((unsigned __int128)(exits % bytes) * 10 + bytes / 2) / bytes);
		if (tenths == 10) {
			per++;
			tenths = 0;
		}
		n = snprintf(buf, len, "%" PRIu64 " byte%s in %" PRIu64 " write%s, %" PRIu64 ".%" PRIu64 " exits per byte",
			     bytes, counters__s(bytes), writes, counters__s(writes), per, tenths);
	}
	return n < 0 ? -EIO : (size_t)n >= len ? -ENOSPC : n;
}

/* The step names of the start-up line, in the order a boot reaches them. */
static const struct counters_step {
	const char *name;
	bool vmm;		/* a time the VMM wrote (enum counters_vmm_time), else the broker's mark */
	unsigned int index;
} counters_steps[] = {
	{ "authorized",	false, COUNTERS_T_AUTHORIZED },
	{ "boot",	false, COUNTERS_T_BOOT },
	{ "checked",	false, COUNTERS_T_CHECKED },
	{ "ram",	false, COUNTERS_T_RAM },
	{ "dma_begin",	false, COUNTERS_T_DMA_BEGIN },
	{ "dma_end",	false, COUNTERS_T_DMA_END },
	{ "prepared",	false, COUNTERS_T_PREPARED },
	{ "spawned",	false, COUNTERS_T_SPAWNED },
	{ "vmm_exec",	true,  COUNTERS_VMM_EXEC },
	{ "vmm_config",	true,  COUNTERS_VMM_CONFIG },
	{ "vmm_built",	true,  COUNTERS_VMM_BUILT },
	{ "vmm_filter",	true,  COUNTERS_VMM_FILTER },
	{ "locked",	false, COUNTERS_T_LOCKED },
	{ "released",	false, COUNTERS_T_RELEASED },
};
_Static_assert(ARRAY_SIZE(counters_steps) == COUNTERS_MARKS - 1 + COUNTERS_VMM_TIMES, "every step but the start, once");

static uint64_t counters_marks[COUNTERS_MARKS];

void counters__mark(enum counters_mark m)
{
	counters_marks[m] = counters__now_ns();
}

int counters__format_startup(const uint64_t marks[COUNTERS_MARKS], const struct counters_page *s,
			     uint64_t dma_bytes, char *buf, size_t len)
{
	uint64_t start = marks[COUNTERS_T_START];
	struct counters_out o;
	int ret = counters__begin(&o);

	if (ret)
		return ret;
	json__u64(&o.j, "start_ns", start);
	json__obj_begin(&o.j, "ns");
	for (size_t i = 0; i < ARRAY_SIZE(counters_steps); i++) {
		const struct counters_step *step = &counters_steps[i];
		uint64_t t = step->vmm ? s->times[step->index] : marks[step->index];
		bool dma = !step->vmm && (step->index == COUNTERS_T_DMA_BEGIN || step->index == COUNTERS_T_DMA_END);

		if (!t || (dma && !dma_bytes))
			continue;
		/* The VMM's times are whatever it wrote: a difference, signed, and nothing more. */
		json__i64(&o.j, step->name, (int64_t)(t - start));
	}
	json__obj_end(&o.j);
	if (dma_bytes)
		json__u64(&o.j, "dma_bytes", dma_bytes);
	return counters__end(&o, buf, len);
}

/* "airlock: WHAT " and the JSON from format, in one write(2), like every log line. */
static void counters__write(const char *what, const char *json, int len)
{
	char line[COUNTERS_LINE_MAX + 64];
	int n;

	if (len < 0) {
		pr_err("cannot format the %s line: %s", what, strerror(-len));
		return;
	}
	n = snprintf(line, sizeof(line), "%s: %s %.*s\n", log_prog, what, len, json);
	/* One write: lines of the two processes never interleave. */
	if (n < 0 || (size_t)n >= sizeof(line) || write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void counters__print(const struct counters_page *page, const struct msg_device *devices,
		     unsigned int nr_devices)
{
	struct counters_page snap;
	char json[COUNTERS_LINE_MAX];

	counters__snapshot(page, &snap);
	counters__write("stats", json, counters__format(&snap, devices, nr_devices, json, sizeof(json)));
	counters__write("console:", json, counters__format_console(&snap, json, sizeof(json)));
}

void counters__print_startup(const struct counters_page *page, uint64_t dma_bytes)
{
	struct counters_page snap;
	char json[COUNTERS_LINE_MAX];

	counters__snapshot(page, &snap);
	counters__write("startup", json, counters__format_startup(counters_marks, &snap, dma_bytes, json,
								    sizeof(json)));
}
