// SPDX-License-Identifier: MIT
#include "stats.h"

static struct airlock_stats vmm_stats_unshared;
struct airlock_stats *vmm_stats = &vmm_stats_unshared;
