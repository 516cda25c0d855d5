// SPDX-License-Identifier: MIT
/* The Linux bzImage parser and the boot_params it writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bzimage.h"
#include "e820.h"
#include "layout.h"
#include "le.h"

#define RAM		(128ull << 20)
#define SETUP_SECTS	4
#define KERNEL_SIZE	4096
#define IMG_SIZE	((SETUP_SECTS + 1) * 512 + KERNEL_SIZE)

static uint8_t img[IMG_SIZE];
static struct kvm kvm;

static int setup(void **state)
{
	(void)state;
	memset(img, 0, sizeof(img));
	img[0x1f1] = SETUP_SECTS;
	le__put16(img + 0x1fe, 0xaa55);
	img[0x201] = 0x6a;			/* header runs to 0x26c */
	memcpy(img + 0x202, "HdrS", 4);
	le__put16(img + 0x206, 0x020f);
	img[0x211] = 0x01 | 0x40;		/* LOADED_HIGH, KEEP_SEGMENTS (must be cleared) */
	le__put32(img + 0x22c, 0x7fffffff);	/* initrd_addr_max */
	le__put32(img + 0x230, 0x200000);	/* kernel_alignment */
	le__put16(img + 0x236, 0x7f);		/* xloadflags: 64-bit entry */
	le__put32(img + 0x238, 2047);		/* cmdline_size */
	le__put32(img + 0x260, 32 << 20);	/* init_size */
	memset(img + (SETUP_SECTS + 1) * 512, 0xcc, KERNEL_SIZE);
	kvm = (struct kvm){ .ram = calloc(1, RAM), .ram_size = RAM, .low_size = RAM };
	return kvm.ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(kvm.ram);
	return 0;
}

static void expect_reject(size_t size, const char *says)
{
	struct bzimage bz;
	const char *why = "";

	assert_int_equal(bzimage__parse(img, size, &kvm, &bz, &why), -ENOEXEC);
	if (!strstr(why, says))
		fail_msg("'%s' does not say '%s'", why, says);
}

static void test_parse(void **state)
{
	struct bzimage bz;
	const char *why;

	(void)state;
	assert_int_equal(bzimage__parse(img, sizeof(img), &kvm, &bz, &why), 0);
	assert_int_equal(bz.kernel_off, (SETUP_SECTS + 1) * 512);
	assert_int_equal(bz.kernel_size, KERNEL_SIZE);
	assert_int_equal(bz.init_size, 32 << 20);
	assert_int_equal(bz.hdr_len, 0x26c - 0x1f1);
	img[0x1f1] = 0;				/* 0 means 4, for old kernels */
	assert_int_equal(bzimage__parse(img, sizeof(img), &kvm, &bz, &why), 0);
	assert_int_equal(bz.kernel_off, 5 * 512);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_reject(0x100, "neither a Linux bzImage");
	expect_reject(0x267, "neither a Linux bzImage");
	le__put16(img + 0x1fe, 0x55aa);
	expect_reject(sizeof(img), "neither a Linux bzImage");
	le__put16(img + 0x1fe, 0xaa55);
	memcpy(img + 0x202, "HdrX", 4);
	expect_reject(sizeof(img), "neither a Linux bzImage");
	memcpy(img + 0x202, "HdrS", 4);
	le__put16(img + 0x206, 0x020b);
	expect_reject(sizeof(img), "too old");
	le__put16(img + 0x206, 0x020f);
	le__put16(img + 0x236, 0x7e);		/* no 64-bit entry */
	expect_reject(sizeof(img), "too old");
	le__put16(img + 0x236, 0x7f);
	img[0x1f1] = 0xff;			/* setup larger than the file */
	expect_reject(sizeof(img), "truncated");
	img[0x1f1] = SETUP_SECTS;
	expect_reject((SETUP_SECTS + 1) * 512, "truncated");
	le__put32(img + 0x230, 0x4000000);	/* 64 MiB alignment */
	expect_reject(sizeof(img), "alignment");
	le__put32(img + 0x230, 0x200000);
	le__put32(img + 0x260, RAM);		/* does not fit while unpacking */
	expect_reject(sizeof(img), "raise --memory");
}

static void test_setup(void **state)
{
	const uint8_t *bp = kvm.ram + BZ_BOOT_PARAMS;
	const uint64_t *pd = (const uint64_t *)(kvm.ram + BZ_PML4 + 2 * 4096);
	struct bzimage bz;
	uint64_t initrd = 0;
	const char *why;

	(void)state;
	assert_int_equal(bzimage__parse(img, sizeof(img), &kvm, &bz, &why), 0);
	assert_int_equal(bzimage__setup(&kvm, img, &bz, "console=ttyS0", 10000, &initrd, LAYOUT_ACPI_BASE, &why), 0);
	assert_memory_equal(kvm.ram + BZ_LOAD, img + bz.kernel_off, KERNEL_SIZE);
	assert_memory_equal(bp + 0x202, "HdrS", 4);
	assert_int_equal(bp[0x210], 0xff);
	assert_int_equal(bp[0x211] & 0x41, 0x01);
	assert_int_equal(le__get32(bp + 0x228), BZ_CMDLINE);
	assert_string_equal((const char *)kvm.ram + BZ_CMDLINE, "console=ttyS0");
	assert_int_equal(le__get32(bp + 0x070), LAYOUT_ACPI_BASE);
	assert_int_equal(le__get32(bp + 0x218), initrd);
	assert_int_equal(le__get32(bp + 0x21c), 10000);
	assert_int_equal(initrd % 4096, 0);
	assert_true(initrd >= BZ_LOAD + bz.init_size && initrd + 10000 <= RAM);
	assert_int_equal(bp[0x1e8], 4);		/* RAM, ACPI, RAM, ECAM */
	assert_int_equal(le__get64(bp + 0x2d0 + 2 * 20), 0x100000);
	assert_int_equal(pd[0], 0x83);		/* identity map, 2 MiB pages */
	assert_int_equal(pd[2047], (2047ull << 21) | 0x83);
}

static void test_setup_limits(void **state)
{
	static char longer[4096];
	struct bzimage bz;
	uint64_t initrd;
	const char *why;

	(void)state;
	assert_int_equal(bzimage__parse(img, sizeof(img), &kvm, &bz, &why), 0);
	memset(longer, 'x', 2048);
	assert_int_equal(bzimage__setup(&kvm, img, &bz, longer, 0, &initrd, 0, &why), -ENOSPC);
	assert_int_equal(bzimage__setup(&kvm, img, &bz, "", RAM - BZ_LOAD - bz.init_size + 1, &initrd, 0, &why),
			 -ENOSPC);
	assert_non_null(strstr(why, "initrd"));
	le__put32(img + 0x22c, 0x3fffffff);
	assert_int_equal(bzimage__parse(img, sizeof(img), &kvm, &bz, &why), 0);
	assert_int_equal(bzimage__setup(&kvm, img, &bz, "", 4096, &initrd, 0, &why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_limits, setup, teardown),
	};

	return cmocka_run_group_tests_name("bzimage", tests, NULL, NULL);
}
