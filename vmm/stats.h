/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VMM_STATS_H
#define AIRLOCK_VMM_STATS_H

#include <stdint.h>

/* By path: "stats.h" from here would be this file. */
#include "../shared/stats.h"

/*
 * The counters the VMM keeps for the broker (shared/stats.h). main() points
 * vmm_stats at the broker's page before any thread that counts exists;
 * until then, and in unit tests, counts go to a zeroed page of the VMM's
 * own (vmm/stats.c).
 */
extern struct airlock_stats *vmm_stats;

static inline void stats__inc(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static inline void stats__exit(uint32_t reason)
{
	stats__inc(&vmm_stats->exits[stats__exit_slot(reason)]);
}

/* The VMM reached step 'which' (enum stats_time) at ns; before the seccomp filter only. */
static inline void stats__time(unsigned int which, uint64_t ns)
{
	__atomic_store_n(&vmm_stats->times[which], ns, __ATOMIC_RELAXED);
}

#endif
