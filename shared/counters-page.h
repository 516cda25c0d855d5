/* SPDX-License-Identifier: MIT */
/*
 * The VMM's counters: one shared page, a memfd the broker creates for each
 * boot and hands over with CONFIG. The VMM maps it read-write and adds to
 * the counters with relaxed atomic adds; the broker maps it read-only,
 * loads them with relaxed atomic loads and only ever formats them: a
 * compromised VMM can write any numbers here, and nothing else.
 */
#ifndef AIRLOCK_COUNTERS_PAGE_H
#define AIRLOCK_COUNTERS_PAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"

#define COUNTERS_MAGIC		0x7473616cu	/* "last" in memory */
#define COUNTERS_VERSION	3
#define COUNTERS_EXIT_REASONS	64		/* KVM_EXIT_* below COUNTERS_EXIT_OTHER count in their own slot */
#define COUNTERS_EXIT_OTHER	(COUNTERS_EXIT_REASONS - 1)	/* every larger reason */

/*
 * When the VMM reached each step of its start, in CLOCK_MONOTONIC
 * nanoseconds (the broker's clock too: the sandbox has no time namespace).
 * Only steps before the seccomp filter: after it, a clock without a vDSO
 * (hpet, acpi_pm) would make clock_gettime a system call the filter kills.
 */
enum counters_vmm_time {
	COUNTERS_VMM_EXEC,		/* main() entered, after exec into the sandbox */
	COUNTERS_VMM_CONFIG,		/* CONFIG and its descriptors received */
	COUNTERS_VMM_BUILT,		/* VM, memory, images, devices and vCPUs set up */
	COUNTERS_VMM_FILTER,		/* about to install the seccomp filter */
	COUNTERS_VMM_TIMES
};

struct counters_device {
	uint64_t mmio;		/* trapped BAR MMIO accesses */
	uint64_t io;		/* trapped BAR I/O accesses */
	uint64_t cfg;		/* config space accesses */
};

struct counters_page {
	uint32_t magic;		/* COUNTERS_MAGIC, written by the broker */
	uint32_t version;	/* COUNTERS_VERSION, written by the broker */
	uint64_t exits[COUNTERS_EXIT_REASONS];	/* KVM_RUN returns, by exit reason */
	uint64_t vcpu_wakeups;	/* every return of KVM_RUN, EINTR and EAGAIN included */
	uint64_t input_wakeups;	/* COM1's input thread returns from read */
	uint64_t irq_wakeups;	/* the VMM itself acted on a device interrupt */
	uint64_t console_bytes;	/* bytes the guest transmitted on COM1, loopback aside */
	uint64_t console_writes;	/* write(2) calls of COM1's output thread */
	uint64_t console_exits;	/* port I/O exits on COM1's registers */
	struct counters_device dev[CONFIG_DEVICES_MAX];	/* by assigned device index */
	uint64_t times[COUNTERS_VMM_TIMES];	/* enum counters_vmm_time; 0: not reached */
};
_Static_assert(offsetof(struct counters_page, exits) == 8, "counters page layout");
_Static_assert(offsetof(struct counters_page, vcpu_wakeups) == 8 + 8 * COUNTERS_EXIT_REASONS, "counters page layout");
_Static_assert(offsetof(struct counters_page, console_bytes) == 8 + 8 * COUNTERS_EXIT_REASONS + 24, "counters page layout");
_Static_assert(offsetof(struct counters_page, dev) == 8 + 8 * COUNTERS_EXIT_REASONS + 48, "counters page layout");
_Static_assert(sizeof(struct counters_device) == 24, "counters page layout");
_Static_assert(offsetof(struct counters_page, times) == 568 + 24 * CONFIG_DEVICES_MAX, "counters page layout");
_Static_assert(sizeof(struct counters_page) == 568 + 24 * CONFIG_DEVICES_MAX + 8 * COUNTERS_VMM_TIMES, "counters page layout");
_Static_assert(sizeof(struct counters_page) <= PAGE_SIZE, "one page");

/* The slot of exits[] that counts exit reason 'reason'. */
static inline unsigned int counters__exit_slot(uint32_t reason)
{
	return reason < COUNTERS_EXIT_OTHER ? reason : COUNTERS_EXIT_OTHER;
}

/* CLOCK_MONOTONIC in nanoseconds: the clock of enum counters_vmm_time and of the broker's start-up marks. */
static inline uint64_t counters__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
