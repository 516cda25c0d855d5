/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_COUNTERS_H
#define AIRLOCK_COUNTERS_H

#include <stddef.h>

#include "proto.h"
#include "stats.h"

/* Enough for every exit slot and every device with all counters at UINT64_MAX. */
#define COUNTERS_LINE_MAX	8192

/* Copy the VMM's page, loading each counter once (relaxed): the VMM keeps writing it. */
void counters__snapshot(const struct airlock_stats *page, struct airlock_stats *out);

/*
 * The counters as one line of compact JSON, no newline, in buf:
 * {"vcpu_wakeups":N,"input_wakeups":N,"irq_wakeups":N,
 *  "exits":{"NAME":N,...},"devices":[{"name":"BDF","mmio":N,"io":N,"cfg":N},...]}
 * exits holds the non-zero slots in slot order, by KVM's short name
 * ("io", "mmio", "hlt", ...), "reason_N" for a reason without one and
 * "other" for the last slot; devices holds the first nr_devices, named
 * after devices[i].name. Pure. Returns the length, or -ENOSPC.
 */
int counters__format(const struct airlock_stats *s, const struct msg_device *devices,
		     unsigned int nr_devices, char *buf, size_t len);

/* "airlock: stats {...}" on stderr, in one write. */
void counters__print(const struct airlock_stats *page, const struct msg_device *devices,
		     unsigned int nr_devices);

#endif
