// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>

#include "bzimage.h"
#include "e820.h"
#include "layout.h"
#include "le.h"
#include "proto.h"

/* Offsets in the image and in boot_params (they share the setup header). */
#define BP_ACPI_RSDP		0x070
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define HDR_START		0x1f1
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP_LEN		0x201
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_INIT_SIZE		0x260
#define HDR_END_2_12		0x268	/* enough header for every field read here */
#define BP_E820_TABLE		0x2d0
#define BP_E820_TABLE_MAX	128
#define BP_SIZE			0x1000

#define XLF_KERNEL_64		(1u << 0)
#define LOADED_HIGH		(1u << 0)
#define KEEP_SEGMENTS		(1u << 6)

static int bzimage__bad(const char **why, const char *msg)
{
	*why = msg;
	return -ENOEXEC;
}

int bzimage__parse(const uint8_t *img, size_t size, const struct kvm *kvm, struct bzimage *out,
		   const char **why)
{
	uint64_t setup;

	if (size < HDR_END_2_12 || le__get16(img + HDR_BOOT_FLAG) != 0xaa55 || memcmp(img + HDR_MAGIC, "HdrS", 4))
		return bzimage__bad(why, "neither a Linux bzImage nor a PVH ELF image");
	if (le__get16(img + HDR_VERSION) < BZ_MIN_VERSION || !(le__get16(img + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return bzimage__bad(why, "boot protocol too old: need 2.12 or later with a 64-bit entry (Linux 3.8+)");
	setup = ((uint64_t)(img[HDR_SETUP_SECTS] ? img[HDR_SETUP_SECTS] : 4) + 1) * 512;
	*out = (struct bzimage){
		.kernel_off = setup,
		.kernel_size = size - setup,
		.init_size = le__get32(img + HDR_INIT_SIZE),
		.initrd_max = le__get32(img + HDR_INITRD_ADDR_MAX),
		.cmdline_max = le__get32(img + HDR_CMDLINE_SIZE),
		.hdr_len = (size_t)(HDR_MAGIC + img[HDR_JUMP_LEN]) - HDR_START,
	};
	if (setup >= size || HDR_START + out->hdr_len > setup || HDR_START + out->hdr_len > BP_SIZE)
		return bzimage__bad(why, "truncated bzImage: the setup header or the kernel is missing");
	if (BZ_LOAD % (le__get32(img + HDR_KERNEL_ALIGNMENT) ? le__get32(img + HDR_KERNEL_ALIGNMENT) : 1))
		return bzimage__bad(why, "the kernel's alignment is stricter than airlock's load address");
	if (out->init_size < out->kernel_size)
		out->init_size = out->kernel_size;
	if (out->init_size > kvm->low_size || BZ_LOAD > kvm->low_size - out->init_size)
		return bzimage__bad(why, "the kernel does not fit in guest RAM while it unpacks; raise --memory");
	return 0;
}

/* Identity-map the first 4 GiB with 2 MiB pages: the kernel, boot_params and initrd all lie there. */
static void bzimage__page_tables(const struct kvm *kvm)
{
	uint64_t *pml4 = kvm__gpa(kvm, BZ_PML4, PAGE_SIZE);
	uint64_t *pdpt = kvm__gpa(kvm, BZ_PML4 + PAGE_SIZE, PAGE_SIZE);
	uint64_t *pd = kvm__gpa(kvm, BZ_PML4 + 2 * PAGE_SIZE, 4 * PAGE_SIZE);

	memset(pml4, 0, 6 * PAGE_SIZE);
	pml4[0] = (BZ_PML4 + PAGE_SIZE) | 0x3;			/* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (BZ_PML4 + (2 + i) * PAGE_SIZE) | 0x3;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83;			/* present, writable, 2 MiB */
}

static void bzimage__gdt(const struct kvm *kvm)
{
	uint64_t *gdt = kvm__gpa(kvm, BZ_GDT, 4 * sizeof(uint64_t));

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[LAYOUT_BOOT_CS / 8] = 0x00af9b000000ffffull;	/* 64-bit code, present, accessed */
	gdt[LAYOUT_BOOT_DS / 8] = 0x00cf93000000ffffull;	/* flat data, present, accessed */
}

static void bzimage__e820(const struct kvm *kvm, uint8_t *bp)
{
	struct e820_range map[E820_MAX];
	unsigned int n = e820__map(kvm, map);

	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * 20;

		le__put64(e, map[i].addr);
		le__put64(e + 8, map[i].size);
		le__put32(e + 16, map[i].type);
	}
	bp[BP_E820_ENTRIES] = (uint8_t)n;
}

static int bzimage__initrd(const struct kvm *kvm, const struct bzimage *bz, uint8_t *bp,
			   uint64_t size, uint64_t *gpa, const char **why)
{
	uint64_t top = kvm->low_size < (uint64_t)bz->initrd_max + 1 ? kvm->low_size : (uint64_t)bz->initrd_max + 1;
	uint64_t kernel_end = BZ_LOAD + bz->init_size;

	if (size > top || ((top - size) & ~(PAGE_SIZE - 1)) < kernel_end) {
		*why = "the initrd does not fit in guest RAM above the kernel; raise --memory";
		return -ENOSPC;
	}
	*gpa = (top - size) & ~(PAGE_SIZE - 1);
	le__put32(bp + HDR_RAMDISK_IMAGE, (uint32_t)*gpa);
	le__put32(bp + HDR_RAMDISK_SIZE, (uint32_t)size);
	le__put32(bp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(*gpa >> 32));
	le__put32(bp + BP_EXT_RAMDISK_SIZE, (uint32_t)(size >> 32));
	return 0;
}

int bzimage__setup(const struct kvm *kvm, const uint8_t *img, const struct bzimage *bz,
		   const char *cmdline, uint64_t initrd_size, uint64_t *initrd_gpa, uint64_t rsdp,
		   const char **why)
{
	uint8_t *bp = kvm__gpa(kvm, BZ_BOOT_PARAMS, BP_SIZE);
	size_t len = strlen(cmdline);

	if (len > bz->cmdline_max) {
		*why = "--cmdline is longer than this kernel accepts";
		return -ENOSPC;
	}
	memcpy(kvm__gpa(kvm, BZ_LOAD, bz->kernel_size), img + bz->kernel_off, bz->kernel_size);
	memcpy(kvm__gpa(kvm, BZ_CMDLINE, len + 1), cmdline, len + 1);
	memset(bp, 0, BP_SIZE);
	memcpy(bp + HDR_START, img + HDR_START, bz->hdr_len);
	bp[HDR_TYPE_OF_LOADER] = 0xff;			/* "undefined" boot loader */
	bp[HDR_LOADFLAGS] = (bp[HDR_LOADFLAGS] | LOADED_HIGH) & ~KEEP_SEGMENTS;
	le__put32(bp + HDR_CMD_LINE_PTR, BZ_CMDLINE);
	le__put32(bp + BP_EXT_CMD_LINE_PTR, 0);
	le__put64(bp + BP_ACPI_RSDP, rsdp);
	bzimage__e820(kvm, bp);
	bzimage__gdt(kvm);
	bzimage__page_tables(kvm);
	if (!initrd_size)
		return 0;
	return bzimage__initrd(kvm, bz, bp, initrd_size, initrd_gpa, why);
}
