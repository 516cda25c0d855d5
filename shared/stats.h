/* SPDX-License-Identifier: MIT */
/*
 * The VMM's counters: one shared page, a memfd the broker creates for each
 * boot and hands over with CONFIG. The VMM maps it read-write and adds to
 * the counters with relaxed atomic adds; the broker maps it read-only,
 * loads them with relaxed atomic loads and only ever formats them: a
 * compromised VMM can write any numbers here, and nothing else.
 */
#ifndef AIRLOCK_STATS_H
#define AIRLOCK_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"

#define STATS_MAGIC		0x7473616cu	/* "last" in memory: airlock stats */
#define STATS_VERSION		2
#define STATS_PAGE_SIZE		4096
#define STATS_EXIT_REASONS	64		/* KVM_EXIT_* below STATS_EXIT_OTHER count in their own slot */
#define STATS_EXIT_OTHER	(STATS_EXIT_REASONS - 1)	/* every larger reason */

/*
 * When the VMM reached each step of its start, in CLOCK_MONOTONIC
 * nanoseconds (the broker's clock too: the sandbox has no time namespace).
 * Only steps before the seccomp filter: after it, a clock without a vDSO
 * (hpet, acpi_pm) would make clock_gettime a system call the filter kills.
 */
enum stats_time {
	STATS_T_EXEC,		/* main() entered, after exec into the sandbox */
	STATS_T_CONFIG,		/* CONFIG and its descriptors received */
	STATS_T_BUILT,		/* VM, memory, images, devices and vCPUs set up */
	STATS_T_FILTER,		/* about to install the seccomp filter */
	STATS_TIMES
};

struct stats_device {
	uint64_t mmio;		/* trapped BAR MMIO accesses */
	uint64_t io;		/* trapped BAR I/O accesses */
	uint64_t cfg;		/* config space accesses */
};

struct airlock_stats {
	uint32_t magic;		/* STATS_MAGIC, written by the broker */
	uint32_t version;	/* STATS_VERSION, written by the broker */
	uint64_t exits[STATS_EXIT_REASONS];	/* KVM_RUN returns, by exit reason */
	uint64_t vcpu_wakeups;	/* every return of KVM_RUN, EINTR and EAGAIN included */
	uint64_t input_wakeups;	/* COM1's input thread returns from read */
	uint64_t irq_wakeups;	/* the VMM itself acted on a device interrupt */
	struct stats_device dev[CONFIG_DEVICES_MAX];	/* by assigned device index */
	uint64_t times[STATS_TIMES];	/* enum stats_time; 0: not reached */
};
_Static_assert(offsetof(struct airlock_stats, exits) == 8, "stats layout");
_Static_assert(offsetof(struct airlock_stats, vcpu_wakeups) == 8 + 8 * STATS_EXIT_REASONS, "stats layout");
_Static_assert(offsetof(struct airlock_stats, dev) == 8 + 8 * STATS_EXIT_REASONS + 24, "stats layout");
_Static_assert(sizeof(struct stats_device) == 24, "stats layout");
_Static_assert(offsetof(struct airlock_stats, times) == 544 + 24 * CONFIG_DEVICES_MAX, "stats layout");
_Static_assert(sizeof(struct airlock_stats) == 544 + 24 * CONFIG_DEVICES_MAX + 8 * STATS_TIMES, "stats layout");
_Static_assert(sizeof(struct airlock_stats) <= STATS_PAGE_SIZE, "one page");

/* The slot of exits[] that counts exit reason 'reason'. */
static inline unsigned int stats__exit_slot(uint32_t reason)
{
	return reason < STATS_EXIT_OTHER ? reason : STATS_EXIT_OTHER;
}

/* CLOCK_MONOTONIC in nanoseconds: the clock of enum stats_time and of the broker's start-up marks. */
static inline uint64_t stats__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
