/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PVH_H
#define AIRLOCK_PVH_H

#include <stddef.h>
#include <stdint.h>

#include "e820.h"
#include "kvm.h"

/*
 * PVH boot (Xen's x86 boot ABI, which Linux and the test guests speak): an
 * ELF64 whose XEN_ELFNOTE_PHYS32_ENTRY note names a 32-bit entry point,
 * entered in flat protected mode with %ebx pointing at hvm_start_info.
 */
#define PVH_SEGS_MAX	16
#define PVH_LOAD_MIN	0x100000ull	/* below 1 MiB: boot information, legacy areas */

/* The fixed low-memory places of the boot information. */
#define PVH_START_INFO	0x1000u
#define PVH_MEMMAP	0x1100u		/* up to PVH_MEMMAP_MAX entries */
#define PVH_MODLIST	0x1800u
#define PVH_CMDLINE	0x2000u		/* CONFIG_CMDLINE_MAX bytes */
#define PVH_MEMMAP_MAX	E820_MAX

#define PVH_START_MAGIC	0x336ec578u

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_start_info) == 56, "PVH ABI");

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "PVH ABI");

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;		/* E820 type: 1 RAM, 2 reserved */
	uint32_t reserved;
};
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "PVH ABI");

struct pvh_seg {
	uint64_t offset, paddr, filesz, memsz;
};

struct pvh_image {
	uint32_t entry;
	uint64_t end;		/* highest loaded address + 1 */
	unsigned int nr_segs;
	struct pvh_seg seg[PVH_SEGS_MAX];
};

/*
 * Check an image against the ELF and PVH rules and this guest's RAM below
 * 'limit'. 0, or -ENOEXEC with *why saying what is wrong.
 */
int pvh__parse(const uint8_t *img, size_t size, uint64_t limit, struct pvh_image *out, const char **why);
/* Copy the parsed image into guest RAM. */
void pvh__load(const struct kvm *kvm, const uint8_t *img, const struct pvh_image *pi);
/*
 * Write start_info, the memory map and the command line; with an initrd of
 * initrd_size bytes, also its module entry, and return in *initrd_gpa where
 * it must be loaded. 0, or -ENOSPC with *why set when it does not fit.
 */
int pvh__boot_info(const struct kvm *kvm, const struct pvh_image *pi, const char *cmdline,
		   uint64_t initrd_size, uint64_t *initrd_gpa, const char **why);

#endif
