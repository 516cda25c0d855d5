/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_BZIMAGE_H
#define AIRLOCK_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "kvm.h"

/*
 * Linux's x86 boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst):
 * the protected-mode kernel is loaded at BZ_LOAD and entered at BZ_LOAD +
 * 0x200 in long mode, on identity-mapped page tables, with %rsi pointing
 * at boot_params ("the zero page").
 */
#define BZ_LOAD			0x1000000ull	/* 16 MiB: the kernel's own preferred address */
#define BZ_ENTRY64_OFFSET	0x200
#define BZ_MIN_VERSION		0x020c		/* 2.12: xloadflags, 64-bit entry */

/* Low-memory places of the boot structures. */
#define BZ_GDT			0x500u
#define BZ_BOOT_PARAMS		0x7000u
#define BZ_PML4			0x9000u		/* then PDPT, then 4 page directories */
#define BZ_CMDLINE		0x20000u

struct bzimage {
	uint64_t kernel_off;	/* the protected-mode kernel in the file */
	uint64_t kernel_size;
	uint64_t init_size;	/* memory it needs from BZ_LOAD while it unpacks */
	uint32_t initrd_max;	/* highest address an initrd byte may have */
	uint32_t cmdline_max;	/* bytes, without the NUL */
	size_t hdr_len;		/* setup header bytes from offset 0x1f1 */
};

/* Check the image against the boot protocol and guest RAM; 0 or -ENOEXEC with *why. */
int bzimage__parse(const uint8_t *img, size_t size, const struct kvm *kvm, struct bzimage *out,
		   const char **why);
/*
 * Load the kernel, write boot_params, the command line, the memory map, the
 * GDT and the page tables; place an initrd of initrd_size bytes and return
 * its address in *initrd_gpa. rsdp: the ACPI RSDP's address, or 0.
 * 0, or -ENOSPC with *why.
 */
int bzimage__setup(const struct kvm *kvm, const uint8_t *img, const struct bzimage *bz,
		   const char *cmdline, uint64_t initrd_size, uint64_t *initrd_gpa, uint64_t rsdp,
		   const char **why);

#endif
