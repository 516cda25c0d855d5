// SPDX-License-Identifier: MIT
#include "count.h"

static struct counters_page vmm_counters_own;
struct counters_page *vmm_counters = &vmm_counters_own;
