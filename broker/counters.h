/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_COUNTERS_H
#define AIRLOCK_COUNTERS_H

#include <stddef.h>

#include "proto.h"
#include "counters-page.h"

/* Enough for every exit slot and every device with all counters at UINT64_MAX. */
#define COUNTERS_LINE_MAX	8192

/* Copy the VMM's page, loading each counter once (relaxed): the VMM keeps writing it. */
void counters__snapshot(const struct counters_page *page, struct counters_page *out);

/*
 * The counters as one line of compact JSON, no newline, in buf:
 * {"vcpu_wakeups":N,"input_wakeups":N,"irq_wakeups":N,"console":{"bytes":N,"writes":N,"exits":N},
 *  "exits":{"NAME":N,...},"devices":[{"name":"BDF","mmio":N,"io":N,"cfg":N},...]}
 * exits holds the non-zero slots in slot order, by KVM's short name
 * ("io", "mmio", "hlt", ...), "reason_N" for a reason without one and
 * "other" for the last slot; devices holds the first nr_devices, named
 * after devices[i].name. Pure. Returns the length, or -ENOSPC.
 */
int counters__format(const struct counters_page *s, const struct msg_device *devices,
		     unsigned int nr_devices, char *buf, size_t len);

/*
 * COM1's output for a reader, no newline, in buf: "B bytes in W writes,
 * E.e exits per byte" ("0 bytes in W writes, E exits" before the first;
 * "1 byte", "1 write", "1 exit" in the singular).
 * Pure. Returns the length, or -ENOSPC.
 */
int counters__format_console(const struct counters_page *s, char *buf, size_t len);

/* "airlock: stats {...}" and "airlock: console: ..." on stderr, a write(2) each. */
void counters__print(const struct counters_page *page, const struct msg_device *devices,
		     unsigned int nr_devices);

/* The broker's own start-up steps, in the order a boot reaches them. */
enum counters_mark {
	COUNTERS_T_START,	/* main() entered */
	COUNTERS_T_AUTHORIZED,	/* command line parsed, the policy allowed the run */
	COUNTERS_T_BOOT,	/* a boot begins (again after a guest reset) */
	COUNTERS_T_CHECKED,	/* the assigned devices checked in sysfs */
	COUNTERS_T_RAM,		/* images opened, guest RAM's memfd and the counters page made */
	COUNTERS_T_DMA_BEGIN,	/* VFIO container and groups open, guest RAM mapped in the broker */
	COUNTERS_T_DMA_END,	/* guest RAM mapped for DMA (pinned) */
	COUNTERS_T_PREPARED,	/* device fds and /dev/kvm open: the sandbox's spawn begins */
	COUNTERS_T_SPAWNED,	/* clone3() into new namespaces returned in the broker */
	COUNTERS_T_LOCKED,	/* the VMM reported its seccomp filter in force */
	COUNTERS_T_RELEASED,	/* LOCKED_OK sent: the VMM lets its vCPUs run */
	COUNTERS_MARKS
};

/* The step is reached now (CLOCK_MONOTONIC); a later boot's step replaces an earlier one's. */
void counters__mark(enum counters_mark m);

/*
 * The start-up as one line of compact JSON, no newline, in buf:
 * {"start_ns":T,"ns":{"authorized":N,...},"dma_bytes":B}
 * T is COUNTERS_T_START on CLOCK_MONOTONIC; ns holds each step reached,
 * the broker's (marks) and the VMM's (s->times, as "vmm_exec", ...), in
 * nanoseconds since T, in the order a boot reaches them. dma_bytes is how
 * much guest RAM was mapped for DMA: 0 (no assigned device) leaves it and
 * the DMA steps out. Pure. Returns the length, or -ENOSPC.
 */
int counters__format_startup(const uint64_t marks[COUNTERS_MARKS], const struct counters_page *s,
			     uint64_t dma_bytes, char *buf, size_t len);

/* "airlock: startup {...}" on stderr, in one write: this boot's steps. */
void counters__print_startup(const struct counters_page *page, uint64_t dma_bytes);

#endif
