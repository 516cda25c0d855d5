// SPDX-License-Identifier: MIT
/*
 * The boot-image parsers on any file the user names with --kernel: a PVH
 * ELF or a Linux bzImage, told apart by the ELF magic as the VMM does, and
 * on success the loader writing into guest RAM of RAM_SIZE bytes.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "bzimage.h"
#include "layout.h"
#include "pvh.h"

#define RAM_SIZE	(40ull << 20)	/* above BZ_LOAD, with room for a kernel and an initrd */

static struct kvm kvm = { .ram_size = RAM_SIZE, .low_size = RAM_SIZE };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An initrd whose size follows the input, so that its placement is fuzzed too. */
	uint64_t initrd_size = (uint64_t)size << 10, initrd_gpa = 0, kernel_end;
	const char *why;
	struct pvh_image pi;
	struct bzimage bz;

	if (!kvm.ram) {
		kvm.ram = malloc(RAM_SIZE);	/* not mmap: ASan guards a heap block's ends */
		if (!kvm.ram)
			abort();
	}
	if (size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG)) {
		if (pvh__parse(data, size, kvm.low_size, &pi, &why))
			return 0;
		pvh__load(&kvm, data, &pi);
		kernel_end = pi.end;
		if (pvh__boot_info(&kvm, &pi, "console=ttyS0", initrd_size, &initrd_gpa, &why))
			return 0;
	} else {
		if (bzimage__parse(data, size, &kvm, &bz, &why))
			return 0;
		kernel_end = BZ_LOAD + bz.init_size;
		if (bzimage__setup(&kvm, data, &bz, "console=ttyS0", initrd_size, &initrd_gpa, LAYOUT_ACPI_BASE, &why))
			return 0;
	}
	/* The VMM reads the initrd to where it was placed: guest RAM, clear of the kernel. */
	if (initrd_size && (!kvm__gpa(&kvm, initrd_gpa, initrd_size) || initrd_gpa < kernel_end))
		abort();
	return 0;
}
