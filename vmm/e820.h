/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_E820_H
#define AIRLOCK_E820_H

#include <stdint.h>

#include "kvm.h"

#define E820_RAM	1
#define E820_RESERVED	2
#define E820_MAX	8

struct e820_range {
	uint64_t addr, size;
	uint32_t type;
};

/*
 * The guest's memory map, for every boot protocol: RAM below 640 KiB, the
 * ACPI tables' region, RAM from 1 MiB to the hole, the ECAM windows
 * (reserved, as Linux wants before it trusts MCFG), RAM above 4 GiB.
 * Returns the number of ranges.
 */
unsigned int e820__map(const struct kvm *kvm, struct e820_range map[E820_MAX]);

#endif
