// SPDX-License-Identifier: MIT
/*
 * The emulated MSI capability in its four layouts, against a fake owner
 * that records every call it gets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <linux/pci_regs.h>

#include "le.h"
#include "log.h"
#include "msi.h"

#define CAP		0x50
#define MMC(n)		((uint16_t)((n) << 1))	/* log2 of the vectors offered */
#define MME(n)		((uint16_t)((n) << 4))	/* log2 of the vectors enabled */
#define ENABLE		PCI_MSI_FLAGS_ENABLE
#define IS64		PCI_MSI_FLAGS_64BIT
#define MASKBIT		PCI_MSI_FLAGS_MASKBIT

/* Where the registers are, from the capability, for each combination of 64-bit and masking. */
static const struct layout {
	uint16_t flags;
	uint8_t len, data, mask;
} layouts[] = {
	{ 0, 10, PCI_MSI_DATA_32, 0 },
	{ IS64, 14, PCI_MSI_DATA_64, 0 },
	{ MASKBIT, 20, PCI_MSI_DATA_32, PCI_MSI_MASK_32 },
	{ IS64 | MASKBIT, 24, PCI_MSI_DATA_64, PCI_MSI_MASK_64 },
};

static struct msi m;
#define FAKE_BLOCK		m
#define FAKE_VECTOR_MAX		MSI_VECTORS_MAX
#define FAKE_PENDING_MAX	m.nr
#include "fake-msi-owner.h"

static void init(uint16_t flags)
{
	msi__init(&m, CAP, flags, &ops);
	reset_log();
	memset(fired, 0, sizeof(fired));
}

static void assert_enable(unsigned int k, unsigned int nr)
{
	assert_true(k < ncalls);
	assert_int_equal(calls[k].op, 'e');
	assert_int_equal(calls[k].n, nr);
}

static void assert_vector(unsigned int k, unsigned int i, uint64_t addr, uint32_t data, bool live)
{
	assert_true(k < ncalls);
	assert_int_equal(calls[k].op, 'v');
	assert_int_equal(calls[k].n, i);
	assert_int_equal(calls[k].live, live);
	if (!live)
		return;
	assert_int_equal(calls[k].msg.addr, addr);
	assert_int_equal(calls[k].msg.data, data);
}

/* Accesses at off from the capability; reads start from 0xee, so untouched bytes show. */
static void wr(unsigned int off, uint32_t v, uint32_t len)
{
	uint8_t d[4];

	le__put32(d, v);
	msi__cfg_write(&m, (uint16_t)(CAP + off), d, len);
}

static uint32_t rd(unsigned int off, uint32_t len)
{
	uint8_t d[4];

	memset(d, 0xee, sizeof(d));
	msi__cfg_read(&m, (uint16_t)(CAP + off), d, len);
	return (uint32_t)le__get(d, len);
}

static void set_ctrl(uint16_t v)
{
	wr(PCI_MSI_FLAGS, v, 2);
}

static void set_addr(const struct layout *l, uint64_t addr)
{
	wr(PCI_MSI_ADDRESS_LO, (uint32_t)addr, 4);
	if (l->flags & IS64)
		wr(PCI_MSI_ADDRESS_HI, (uint32_t)(addr >> 32), 4);
}

static void test_layouts(void **state)
{
	(void)state;
	for (const struct layout *l = layouts; l < layouts + ARRAY_SIZE(layouts); l++) {
		uint8_t d[4] = { 0xee, 0xee, 0xee, 0xee };

		init(l->flags);
		assert_int_equal(m.len, l->len);
		assert_int_equal(m.cap, CAP);
		assert_int_equal(rd(PCI_MSI_FLAGS, 2), l->flags);
		/* ID, next pointer and the bytes around the registers are the caller's. */
		assert_int_equal(rd(0, 2), 0xeeee);
		msi__cfg_read(&m, CAP - 4, d, 4);
		assert_memory_equal(d, ((uint8_t[]){ 0xee, 0xee, 0xee, 0xee }), 4);
		assert_int_equal(rd(0, 4), 0x0000eeee | (uint32_t)l->flags << 16);
		assert_int_equal(rd(l->len, 4), 0xeeeeeeee);
		assert_int_equal(rd(l->len - 2, 4), 0xeeee0000);
		assert_int_equal(ncalls, 0);
	}
}

static void test_read_only_bits(void **state)
{
	(void)state;
	for (const struct layout *l = layouts; l < layouts + ARRAY_SIZE(layouts); l++) {
		init(l->flags | MMC(3));
		set_ctrl(0xffff);
		assert_int_equal(rd(PCI_MSI_FLAGS, 2), l->flags | MMC(3) | PCI_MSI_FLAGS_QSIZE | ENABLE);
		set_ctrl(0);
		assert_int_equal(rd(PCI_MSI_FLAGS, 2), l->flags | MMC(3));

		/* One vector offered: Multiple Message Enable stays 0. */
		init(l->flags);
		set_ctrl(0xffff);
		assert_int_equal(rd(PCI_MSI_FLAGS, 2), l->flags | ENABLE);
	}
	/* What the device had enabled and the bits not emulated do not show. */
	init(0xffff);
	assert_int_equal(rd(PCI_MSI_FLAGS, 2), MASKBIT | IS64 | PCI_MSI_FLAGS_QMASK);
}

static void test_address_data(void **state)
{
	(void)state;
	for (const struct layout *l = layouts; l < layouts + ARRAY_SIZE(layouts); l++) {
		init(l->flags);
		wr(PCI_MSI_ADDRESS_LO, 0xffffffff, 4);
		assert_int_equal(rd(PCI_MSI_ADDRESS_LO, 4), 0xfffffffc);
		if (l->flags & IS64) {
			wr(PCI_MSI_ADDRESS_HI, 0xffffffff, 4);
			assert_int_equal(rd(PCI_MSI_ADDRESS_HI, 4), 0xffffffff);
		}
		/* 16 bits of data; the two bytes after it are reserved or not ours. */
		wr(l->data, 0xffffffff, 4);
		assert_int_equal(rd(l->data, 2), 0xffff);
		assert_int_equal(rd(l->data + 2, 2), l->len > l->data + 2 ? 0 : 0xeeee);
		assert_int_equal(ncalls, 0);
	}
}

static void test_enable_single(void **state)
{
	(void)state;
	for (const struct layout *l = layouts; l < layouts + ARRAY_SIZE(layouts); l++) {
		uint64_t addr = l->flags & IS64 ? 0x00000012fee01000ull : 0xfee01000;

		init(l->flags | MMC(2));
		set_addr(l, 0x00000012fee01000ull);
		wr(l->data, 0x4041, 2);
		assert_int_equal(ncalls, 0);
		set_ctrl(ENABLE);
		assert_int_equal(ncalls, 2);
		assert_enable(0, 1);
		assert_vector(1, 0, addr, 0x4041, true);

		/* A live vector's new message is delivered; the same one again is not. */
		wr(l->data, 0x4042, 2);
		assert_int_equal(ncalls, 3);
		assert_vector(2, 0, addr, 0x4042, true);
		wr(PCI_MSI_ADDRESS_LO, 0xfee02000, 4);
		assert_int_equal(ncalls, 4);
		assert_vector(3, 0, (addr & ~0xffffffffull) | 0xfee02000, 0x4042, true);
		wr(l->data, 0x4042, 2);
		wr(PCI_MSI_ADDRESS_LO, 0xfee02000, 4);
		set_ctrl(ENABLE);
		assert_int_equal(ncalls, 4);

		/* Off: the vector dies before the interrupts are torn down. */
		reset_log();
		set_ctrl(0);
		assert_int_equal(ncalls, 2);
		assert_vector(0, 0, 0, 0, false);
		assert_enable(1, 0);
	}
}

static void test_multi_message(void **state)
{
	(void)state;
	init(IS64 | MMC(3));
	set_addr(&layouts[1], 0xfee03000);
	wr(PCI_MSI_DATA_64, 0x4567, 2);
	set_ctrl(ENABLE | MME(2));
	assert_int_equal(ncalls, 5);
	assert_enable(0, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_vector(1 + i, i, 0xfee03000, 0x4564 | i, true);

	/* From 4 to 8 vectors: all of them die, then come back with 3 low bits replaced. */
	reset_log();
	set_ctrl(ENABLE | MME(3));
	assert_int_equal(ncalls, 4 + 2 + 8);
	for (unsigned int i = 0; i < 4; i++)
		assert_vector(i, i, 0, 0, false);
	assert_enable(4, 0);
	assert_enable(5, 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_vector(6 + i, i, 0xfee03000, 0x4560 | i, true);
}

static void test_mme_clamped(void **state)
{
	(void)state;
	for (uint16_t mme = 3; mme < 8; mme++) {
		init(MMC(2));
		set_ctrl(ENABLE | MME(mme));
		assert_int_equal(ncalls, 1 + 4);
		assert_enable(0, 4);
		assert_int_equal(m.nr, 4);
	}
	/* Within what is offered: as asked. */
	for (uint16_t mme = 0; mme < 3; mme++) {
		init(MMC(2));
		set_ctrl(ENABLE | MME(mme));
		assert_enable(0, 1u << mme);
	}
	/* One vector offered: MME is not even writable. */
	init(0);
	set_ctrl(ENABLE | MME(5));
	assert_enable(0, 1);
	assert_int_equal(rd(PCI_MSI_FLAGS, 2), ENABLE);
}

static void test_mask_bits(void **state)
{
	(void)state;
	for (const struct layout *l = layouts + 2; l < layouts + ARRAY_SIZE(layouts); l++) {
		init(l->flags | MMC(2));
		wr(l->mask, 0xffffffff, 4);
		assert_int_equal(rd(l->mask, 4), 0xf);
		set_addr(l, 0xfee04000);
		wr(l->data, 0x4070, 2);
		set_ctrl(ENABLE | MME(2));
		assert_int_equal(ncalls, 1);
		assert_enable(0, 4);

		wr(l->mask, 0xb, 4);	/* vector 2 unmasked */
		assert_int_equal(ncalls, 2);
		assert_vector(1, 2, 0xfee04000, 0x4072, true);
		wr(l->mask, 0xf, 4);
		assert_int_equal(ncalls, 3);
		assert_vector(2, 2, 0, 0, false);
		wr(l->data, 0x4080, 2);	/* all masked: only stored */
		assert_int_equal(ncalls, 3);
		wr(l->mask, 0x7, 4);
		assert_int_equal(ncalls, 4);
		assert_vector(3, 3, 0xfee04000, 0x4083, true);
	}
	init(MASKBIT | MMC(5));
	wr(PCI_MSI_MASK_32, 0xffffffff, 4);
	assert_int_equal(rd(PCI_MSI_MASK_32, 4), 0xffffffff);
	init(MASKBIT);
	wr(PCI_MSI_MASK_32, 0xffffffff, 4);
	assert_int_equal(rd(PCI_MSI_MASK_32, 4), 1);
}

static unsigned int asked(unsigned int i)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < ncalls; k++)
		n += calls[k].op == 'p' && calls[k].n == i;
	return n;
}

static void test_pending_bits(void **state)
{
	(void)state;
	for (const struct layout *l = layouts + 2; l < layouts + ARRAY_SIZE(layouts); l++) {
		unsigned int pend = l->mask + 4u;

		init(l->flags | MMC(2));
		memset(fired, 1, sizeof(fired));
		assert_int_equal(rd(pend, 4), 0);	/* off: nothing pending */
		assert_int_equal(ncalls, 0);

		wr(l->mask, 0xa, 4);
		set_ctrl(ENABLE | MME(2));
		reset_log();
		assert_int_equal(rd(pend, 4), 0xa);
		assert_int_equal(ncalls, 2);	/* once each, and never a live vector */
		assert_int_equal(asked(1), 1);
		assert_int_equal(asked(3), 1);
		assert_int_equal(rd(pend, 4), 0xa);	/* asking did not clear them */
		assert_true(fired[1] && fired[3]);
		assert_int_equal(rd(pend + 1, 1), 0);
		assert_int_equal(rd(pend, 1), 0xa);

		/* Read-only. */
		reset_log();
		wr(pend, 0xffffffff, 4);
		assert_int_equal(rd(pend, 4), 0xa);
		assert_int_equal(rd(l->mask, 4), 0xa);

		/* Vectors not enabled are never pending. */
		wr(l->mask, 0xf, 4);
		set_ctrl(ENABLE | MME(1));
		assert_int_equal(rd(pend, 4), 0x3);
	}
}

/* Bytes around the registers: neither read nor written, and no calls. */
static void test_outside_untouched(void **state)
{
	(void)state;
	for (const struct layout *l = layouts; l < layouts + ARRAY_SIZE(layouts); l++) {
		uint8_t before[MSI_REGS_MAX];

		init(l->flags | MMC(5));
		memcpy(before, m.regs, sizeof(before));
		msi__cfg_write(&m, CAP - 4, (uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
		msi__cfg_write(&m, CAP, (uint8_t[]){ 0xff, 0xff }, 2);
		msi__cfg_write(&m, (uint16_t)(CAP + l->len), (uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
		msi__cfg_write(&m, 0xfc, (uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
		assert_memory_equal(before, m.regs, sizeof(before));
		assert_int_equal(ncalls, 0);

		/* A dword from the capability's ID: only Message Control takes it. */
		msi__cfg_write(&m, CAP, (uint8_t[]){ 0x05, 0x60, ENABLE, 0 }, 4);
		assert_int_equal(ncalls, 2);
		assert_enable(0, 1);
		assert_int_equal(rd(0, 4), 0x0000eeee | (uint32_t)(l->flags | MMC(5) | ENABLE) << 16);
	}
}

static void test_max_vectors(void **state)
{
	static const unsigned int want[8] = { 1, 2, 4, 8, 16, 32, 32, 32 };	/* 6, 7 reserved */

	(void)state;
	for (uint16_t mmc = 0; mmc < 8; mmc++) {
		assert_int_equal(msi__max_vectors(MMC(mmc)), want[mmc]);
		assert_int_equal(msi__max_vectors((uint16_t)(MMC(mmc) | ~PCI_MSI_FLAGS_QMASK)), want[mmc]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_read_only_bits),
		cmocka_unit_test(test_address_data),
		cmocka_unit_test(test_enable_single),
		cmocka_unit_test(test_multi_message),
		cmocka_unit_test(test_mme_clamped),
		cmocka_unit_test(test_mask_bits),
		cmocka_unit_test(test_pending_bits),
		cmocka_unit_test(test_outside_untouched),
		cmocka_unit_test(test_max_vectors),
	};

	return cmocka_run_group_tests_name("msi", tests, NULL, NULL);
}
