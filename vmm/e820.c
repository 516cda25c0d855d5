// SPDX-License-Identifier: MIT
#include "e820.h"
#include "layout.h"

#define E820_LOW_RAM_END	0x9fc00ull	/* the EBDA's traditional place follows */
#define E820_HIGH_MEMORY	0x100000ull

unsigned int e820__map(const struct kvm *kvm, struct e820_range map[E820_MAX])
{
	unsigned int n = 0;

	map[n++] = (struct e820_range){ 0, E820_LOW_RAM_END, E820_RAM };
	map[n++] = (struct e820_range){ LAYOUT_ACPI_BASE, LAYOUT_ACPI_SIZE, E820_RESERVED };
	map[n++] = (struct e820_range){ E820_HIGH_MEMORY, kvm->low_size - E820_HIGH_MEMORY, E820_RAM };
	map[n++] = (struct e820_range){ LAYOUT_ECAM_BASE, LAYOUT_RC_MAX * LAYOUT_ECAM_SIZE, E820_RESERVED };
	if (kvm->ram_size > kvm->low_size)
		map[n++] = (struct e820_range){ GUEST_RAM_HIGH_START, kvm->ram_size - kvm->low_size, E820_RAM };
	return n;
}
