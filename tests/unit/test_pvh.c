// SPDX-License-Identifier: MIT
/* The PVH boot-image parser and the boot information it lays out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "pvh.h"

#define LIMIT	(16ull << 20)

/* ehdr | phdr LOAD | phdr NOTE | note | code */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr load, note;
	struct {
		Elf64_Nhdr n;
		char name[4];
		uint32_t entry;
	} xen;
	uint8_t code[64];
};

static struct image good(void)
{
	struct image im;

	memset(&im, 0, sizeof(im));
	memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
	im.eh.e_ident[EI_CLASS] = ELFCLASS64;
	im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im.eh.e_type = ET_EXEC;
	im.eh.e_machine = EM_X86_64;
	im.eh.e_phoff = offsetof(struct image, load);
	im.eh.e_phentsize = sizeof(Elf64_Phdr);
	im.eh.e_phnum = 2;
	im.load = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(struct image, code),
				.p_paddr = 0x100000, .p_filesz = sizeof(im.code), .p_memsz = 0x1000 };
	im.note = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(struct image, xen),
				.p_filesz = sizeof(im.xen) };
	im.xen.n = (Elf64_Nhdr){ .n_namesz = 4, .n_descsz = 4, .n_type = 18 };
	memcpy(im.xen.name, "Xen", 4);
	im.xen.entry = 0x100010;
	memset(im.code, 0x90, sizeof(im.code));
	return im;
}

static int parse(const struct image *im, size_t size, const char **why)
{
	struct pvh_image pi;

	return pvh__parse((const uint8_t *)im, size, LIMIT, &pi, why);
}

static void expect_reject(const struct image *im, size_t size, const char *says)
{
	const char *why = "";

	assert_int_equal(parse(im, size, &why), -ENOEXEC);
	if (!strstr(why, says))
		fail_msg("'%s' does not say '%s'", why, says);
}

static void test_good(void **state)
{
	struct image im = good();
	struct pvh_image pi;
	const char *why;

	(void)state;
	assert_int_equal(pvh__parse((uint8_t *)&im, sizeof(im), LIMIT, &pi, &why), 0);
	assert_int_equal(pi.entry, 0x100010);
	assert_int_equal(pi.nr_segs, 1);
	assert_int_equal(pi.end, 0x101000);
}

static void test_truncated(void **state)
{
	struct image im = good();

	(void)state;
	expect_reject(&im, 3, "not an ELF");
	expect_reject(&im, 10, "truncated ELF header");
	expect_reject(&im, offsetof(struct image, load) + 8, "program headers");
	expect_reject(&im, offsetof(struct image, xen) + 4, "outside the file");
	expect_reject(&im, offsetof(struct image, code) + 8, "outside the file");
}

static void test_not_elf(void **state)
{
	struct image im = good();

	(void)state;
	memcpy(&im, "MZ\x90\x00", 4);
	expect_reject(&im, sizeof(im), "not an ELF");
	im = good();
	im.eh.e_ident[EI_CLASS] = ELFCLASS32;
	expect_reject(&im, sizeof(im), "64-bit");
	im = good();
	im.eh.e_machine = EM_AARCH64;
	expect_reject(&im, sizeof(im), "x86");
	im = good();
	im.eh.e_phnum = 65;
	expect_reject(&im, sizeof(im), "program headers");
	im = good();
	im.eh.e_phoff = UINT64_MAX - 8;
	expect_reject(&im, sizeof(im), "program headers");
}

static void test_segments(void **state)
{
	struct image im = good();

	(void)state;
	im.load.p_paddr = 0x8000;
	expect_reject(&im, sizeof(im), "does not fit");
	im = good();
	im.load.p_memsz = LIMIT;
	expect_reject(&im, sizeof(im), "does not fit");
	im = good();
	im.load.p_paddr = UINT64_MAX - 0x10;
	expect_reject(&im, sizeof(im), "does not fit");
	im = good();
	im.load.p_filesz = im.load.p_memsz + 1;
	expect_reject(&im, sizeof(im), "outside the file");
	im = good();
	im.load.p_offset = UINT64_MAX;
	expect_reject(&im, sizeof(im), "outside the file");
}

static void test_notes(void **state)
{
	struct image im = good();

	(void)state;
	im.xen.n.n_type = 17;
	expect_reject(&im, sizeof(im), "no PVH entry");
	im = good();
	memcpy(im.xen.name, "Xem", 4);
	expect_reject(&im, sizeof(im), "no PVH entry");
	im = good();
	im.xen.n.n_descsz = 0xfffffff0;
	expect_reject(&im, sizeof(im), "malformed ELF note");
	im = good();
	im.xen.n.n_descsz = 2;
	expect_reject(&im, sizeof(im), "malformed ELF note");
	im = good();
	im.xen.entry = 0x200000;
	expect_reject(&im, sizeof(im), "not inside a loadable segment");
	im = good();
	im.load.p_type = PT_NULL;
	expect_reject(&im, sizeof(im), "not inside a loadable segment");
}

static struct kvm fake_kvm(uint64_t size)
{
	struct kvm kvm = { .ram = calloc(1, size), .ram_size = size };

	kvm.low_size = size < GUEST_RAM_LOW_END ? size : GUEST_RAM_LOW_END;
	return kvm;
}

static void test_load_and_boot_info(void **state)
{
	struct image im = good();
	struct kvm kvm = fake_kvm(LIMIT);
	const struct hvm_memmap_table_entry *map;
	const struct hvm_modlist_entry *mod;
	const struct hvm_start_info *si;
	struct pvh_image pi;
	uint64_t initrd = 0;
	const char *why;

	(void)state;
	memset(kvm.ram + 0x100000 + sizeof(im.code), 0xaa, 16);	/* bss must be zeroed */
	assert_int_equal(pvh__parse((uint8_t *)&im, sizeof(im), LIMIT, &pi, &why), 0);
	pvh__load(&kvm, (uint8_t *)&im, &pi);
	assert_memory_equal(kvm.ram + 0x100000, im.code, sizeof(im.code));
	assert_int_equal(kvm.ram[0x100000 + sizeof(im.code)], 0);
	assert_int_equal(pvh__boot_info(&kvm, &pi, "console=ttyS0", 4096 * 3 + 5, &initrd, &why), 0);
	si = (const void *)(kvm.ram + PVH_START_INFO);
	assert_int_equal(si->magic, PVH_START_MAGIC);
	assert_int_equal(si->version, 1);
	assert_string_equal((const char *)kvm.ram + si->cmdline_paddr, "console=ttyS0");
	assert_int_equal(si->memmap_entries, 4);	/* RAM, ACPI, RAM, ECAM */
	map = (const void *)(kvm.ram + si->memmap_paddr);
	assert_int_equal(map[0].type, E820_RAM);
	assert_int_equal(map[1].addr, LAYOUT_ACPI_BASE);
	assert_int_equal(map[1].type, E820_RESERVED);
	assert_int_equal(map[2].addr, 0x100000);
	assert_int_equal(map[2].addr + map[2].size, LIMIT);
	assert_int_equal(map[3].addr, LAYOUT_ECAM_BASE);
	assert_int_equal(map[3].type, E820_RESERVED);
	assert_int_equal(si->nr_modules, 1);
	mod = (const void *)(kvm.ram + si->modlist_paddr);
	assert_int_equal(mod->paddr, initrd);
	assert_int_equal(mod->size, 4096 * 3 + 5);
	assert_int_equal(initrd % 4096, 0);
	assert_true(initrd + mod->size <= LIMIT);
	assert_int_equal(pvh__boot_info(&kvm, &pi, "", LIMIT - 0x101000 + 1, &initrd, &why), -ENOSPC);
	assert_non_null(strstr(why, "raise --memory"));
	free(kvm.ram);
}

static void test_high_memory_map(void **state)
{
	/* Only the first MiB is backed: the boot information lives there. */
	struct kvm kvm = { .ram = calloc(1, 0x100000), .low_size = 0x100000, .ram_size = 0x100000 + (2ull << 30) };
	struct hvm_memmap_table_entry *map;
	struct pvh_image pi = { .end = 0x101000 };
	uint64_t initrd;
	const char *why;

	(void)state;
	assert_int_equal(pvh__boot_info(&kvm, &pi, "x", 0, &initrd, &why), 0);
	map = (void *)(kvm.ram + PVH_MEMMAP);
	assert_int_equal(((struct hvm_start_info *)(kvm.ram + PVH_START_INFO))->memmap_entries, 5);
	assert_int_equal(map[4].addr, GUEST_RAM_HIGH_START);
	assert_int_equal(map[4].size, 2ull << 30);
	assert_int_equal(map[4].type, E820_RAM);
	free(kvm.ram);
}

static void test_gpa(void **state)
{
	struct kvm kvm = { .ram = (uint8_t *)0x10000, .ram_size = 4ull << 30, .low_size = GUEST_RAM_LOW_END };

	(void)state;
	assert_ptr_equal(kvm__gpa(&kvm, 0, 16), kvm.ram);
	assert_ptr_equal(kvm__gpa(&kvm, GUEST_RAM_LOW_END - 16, 16), kvm.ram + GUEST_RAM_LOW_END - 16);
	assert_null(kvm__gpa(&kvm, GUEST_RAM_LOW_END - 16, 17));
	assert_null(kvm__gpa(&kvm, GUEST_RAM_LOW_END, 1));
	assert_ptr_equal(kvm__gpa(&kvm, GUEST_RAM_HIGH_START, 1), kvm.ram + GUEST_RAM_LOW_END);
	assert_null(kvm__gpa(&kvm, GUEST_RAM_HIGH_START + (1ull << 30), 1));
	assert_null(kvm__gpa(&kvm, 0, UINT64_MAX));
	assert_null(kvm__gpa(&kvm, UINT64_MAX, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_segments),
		cmocka_unit_test(test_notes),
		cmocka_unit_test(test_load_and_boot_info),
		cmocka_unit_test(test_high_memory_map),
		cmocka_unit_test(test_gpa),
	};

	return cmocka_run_group_tests_name("pvh", tests, NULL, NULL);
}
