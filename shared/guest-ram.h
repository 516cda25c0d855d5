/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_GUEST_RAM_H
#define AIRLOCK_GUEST_RAM_H

/*
 * Where guest RAM sits in guest physical memory, for the VMM's memory
 * slots and the broker's DMA mappings alike: from 0 up to 3 GiB, the rest
 * from 4 GiB. The hole below 4 GiB holds MMIO windows, ECAM and the APICs.
 * The RAM memfd holds the regions back to back.
 */
#include <stdint.h>

#define GUEST_RAM_LOW_END	0xc0000000ull
#define GUEST_RAM_HIGH_START	0x100000000ull
#define GUEST_RAM_REGIONS	2
/* The most RAM a guest may have: it must end below the VMM's 64-bit PCI windows at 512 GiB. */
#define GUEST_RAM_MAX		(508ull << 30)

struct guest_ram_region {
	uint64_t gpa;
	uint64_t offset;	/* in the RAM memfd */
	uint64_t size;
};

/* Fills out with the regions of a guest of mem_size bytes; returns how many. */
static inline unsigned int guest_ram__regions(uint64_t mem_size, struct guest_ram_region out[GUEST_RAM_REGIONS])
{
	uint64_t low = mem_size < GUEST_RAM_LOW_END ? mem_size : GUEST_RAM_LOW_END;

	out[0] = (struct guest_ram_region){ .gpa = 0, .offset = 0, .size = low };
	if (mem_size == low)
		return 1;
	out[1] = (struct guest_ram_region){ .gpa = GUEST_RAM_HIGH_START, .offset = low, .size = mem_size - low };
	return 2;
}

#endif
