/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VMM_COUNT_H
#define AIRLOCK_VMM_COUNT_H

#include <stdint.h>

#include "counters-page.h"

/*
 * The counters the VMM keeps for the broker (shared/counters-page.h).
 * main() points vmm_counters at the broker's page before any thread that
 * counts exists; until then, and in unit tests, counts go to a zeroed
 * page of the VMM's own (vmm/count.c).
 */
extern struct counters_page *vmm_counters;

static inline void count__inc(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static inline void count__exit(uint32_t reason)
{
	count__inc(&vmm_counters->exits[counters__exit_slot(reason)]);
}

/* The VMM reached step 'which' (enum counters_vmm_time) at ns; before the seccomp filter only. */
static inline void count__time(unsigned int which, uint64_t ns)
{
	__atomic_store_n(&vmm_counters->times[which], ns, __ATOMIC_RELAXED);
}

#endif
