// SPDX-License-Identifier: MIT
/*
 * The MSI-X Message Control register, table and PBA, against a fake owner
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
#include "msix.h"

#define CAP		0x40
#define CTRL		(CAP + PCI_MSIX_FLAGS)
#define ENABLE		PCI_MSIX_FLAGS_ENABLE
#define MASKALL		PCI_MSIX_FLAGS_MASKALL
#define ENT(i, f)	((uint32_t)(i) * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_##f)
#define ADDR(i)		(0x0000000100000000ull | 0xfee00000u | (uint32_t)(i) << 12)
#define DATA(i)		(0x4020u + (uint32_t)(i))

static struct msix x;
#define FAKE_BLOCK		x
#define FAKE_VECTOR_MAX		x.nr
#define FAKE_PENDING_MAX	x.nr
#include "fake-msi-owner.h"

static void reinit(uint16_t qsize)
{
	msix__exit(&x);
	assert_int_equal(msix__init(&x, CAP, qsize, &ops), 0);
	reset_log();
	memset(fired, 0, sizeof(fired));
}

static int setup(void **state)
{
	(void)state;
	memset(&x, 0, sizeof(x));
	reinit(7);	/* 8 entries */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	msix__exit(&x);
	return 0;
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

static unsigned int count(char op)
{
	unsigned int n = 0;

	for (unsigned int k = 0; k < ncalls; k++)
		n += calls[k].op == op;
	return n;
}

static void ctrl_wr(uint16_t v)
{
	uint8_t d[2];

	le__put16(d, v);
	msix__cfg_write(&x, CTRL, d, 2);
}

static uint16_t ctrl_rd(void)
{
	uint8_t d[2] = { 0xee, 0xee };

	msix__cfg_read(&x, CTRL, d, 2);
	return le__get16(d);
}

static void tbl_wr(uint32_t off, uint64_t v, uint32_t len)
{
	uint8_t d[8];

	le__put64(d, v);
	msix__table(&x, off, d, len, true);
}

static uint64_t tbl_rd(uint32_t off, uint32_t len)
{
	uint8_t d[8];

	memset(d, 0xee, sizeof(d));
	msix__table(&x, off, d, len, false);
	return le__get(d, len);
}

static uint64_t pba_rd(uint32_t off, uint32_t len, uint64_t device)
{
	uint8_t d[8];

	le__put64(d, device);
	msix__pba_read(&x, off, d, len);
	return le__get(d, len);
}

static void program(unsigned int i)
{
	tbl_wr(ENT(i, LOWER_ADDR), (uint32_t)ADDR(i), 4);
	tbl_wr(ENT(i, UPPER_ADDR), ADDR(i) >> 32, 4);
	tbl_wr(ENT(i, DATA), DATA(i), 4);
}

static void program_all(void)
{
	for (unsigned int i = 0; i < x.nr; i++)
		program(i);
}

static void set_mask(unsigned int i, bool masked)
{
	tbl_wr(ENT(i, VECTOR_CTRL), masked, 4);
}

static void test_vectors_start_masked(void **state)
{
	(void)state;
	assert_int_equal(x.nr, 8);
	assert_int_equal(msix__table_size(&x), 128);
	assert_int_equal(msix__pba_size(&x), 8);
	assert_int_equal(ctrl_rd(), 7);
	for (unsigned int i = 0; i < 8; i++) {
		assert_int_equal(tbl_rd(ENT(i, VECTOR_CTRL), 4), PCI_MSIX_ENTRY_CTRL_MASKBIT);
		assert_int_equal(tbl_rd(ENT(i, LOWER_ADDR), 8), 0);
		assert_int_equal(tbl_rd(ENT(i, DATA), 4), 0);
	}
	ctrl_wr(ENABLE);
	assert_int_equal(ncalls, 1);
	assert_enable(0, 8);
}

/* Linux enables with the function masked, fills the table, then unmasks the function. */
static void test_linux_enable_order(void **state)
{
	(void)state;
	ctrl_wr(ENABLE | MASKALL);
	assert_int_equal(ncalls, 1);
	assert_enable(0, 8);
	program_all();
	set_mask(2, false);
	set_mask(5, false);
	assert_int_equal(ncalls, 1);
	ctrl_wr(ENABLE);
	assert_int_equal(ncalls, 3);
	assert_int_equal(count('e'), 1);
	assert_vector(1, 2, ADDR(2), DATA(2), true);
	assert_vector(2, 5, ADDR(5), DATA(5), true);
}

static void test_unmask_one(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	reset_log();
	set_mask(3, false);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 3, 0x00000001fee03000ull, 0x4023, true);
}

static void test_live_rewrite(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	set_mask(3, false);
	reset_log();
	tbl_wr(ENT(3, LOWER_ADDR), 0xfee0a000, 4);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 3, 0x00000001fee0a000ull, DATA(3), true);
	tbl_wr(ENT(3, UPPER_ADDR), 0x2, 4);
	assert_int_equal(ncalls, 2);
	assert_vector(1, 3, 0x00000002fee0a000ull, DATA(3), true);
	tbl_wr(ENT(3, DATA), 0x4099, 4);
	assert_int_equal(ncalls, 3);
	assert_vector(2, 3, 0x00000002fee0a000ull, 0x4099, true);

	/* The same values again, and the same mask bit: nothing to do. */
	reset_log();
	tbl_wr(ENT(3, LOWER_ADDR), 0xfee0a000, 4);
	tbl_wr(ENT(3, UPPER_ADDR), 0x2, 4);
	tbl_wr(ENT(3, DATA), 0x4099, 4);
	set_mask(3, false);
	assert_int_equal(ncalls, 0);

	/* A masked vector's message is only stored. */
	tbl_wr(ENT(4, LOWER_ADDR), 0xfee0b000, 4);
	tbl_wr(ENT(4, DATA), 0x4444, 4);
	assert_int_equal(ncalls, 0);
	set_mask(4, false);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 4, 0x00000001fee0b000ull, 0x4444, true);
}

static void test_mask(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	set_mask(3, false);
	reset_log();
	set_mask(3, true);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 3, 0, 0, false);
	set_mask(3, true);
	assert_int_equal(ncalls, 1);
}

static void test_function_mask(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	set_mask(1, false);
	set_mask(4, false);
	reset_log();
	ctrl_wr(ENABLE | MASKALL);
	assert_int_equal(ncalls, 2);
	assert_vector(0, 1, 0, 0, false);
	assert_vector(1, 4, 0, 0, false);
	assert_int_equal(ctrl_rd(), ENABLE | MASKALL | 7);

	/* Entries change under the function mask, and nothing goes live. */
	reset_log();
	set_mask(2, false);
	set_mask(4, true);
	tbl_wr(ENT(1, DATA), 0x4111, 4);
	assert_int_equal(ncalls, 0);

	ctrl_wr(ENABLE);
	assert_int_equal(ncalls, 2);
	assert_vector(0, 1, ADDR(1), 0x4111, true);
	assert_vector(1, 2, ADDR(2), DATA(2), true);
}

static void test_disable(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	set_mask(0, false);
	set_mask(5, false);
	reset_log();
	ctrl_wr(0);
	assert_int_equal(ncalls, 3);
	assert_vector(0, 0, 0, 0, false);
	assert_vector(1, 5, 0, 0, false);
	assert_enable(2, 0);

	/* Disabled: unmasking does not make a vector live. */
	reset_log();
	set_mask(6, false);
	assert_int_equal(ncalls, 0);
	ctrl_wr(ENABLE);
	assert_int_equal(ncalls, 4);
	assert_enable(0, 8);
	assert_vector(1, 0, ADDR(0), DATA(0), true);
	assert_vector(2, 5, ADDR(5), DATA(5), true);
	assert_vector(3, 6, ADDR(6), DATA(6), true);

	/* Disabled under the function mask: the vectors are already dead. */
	ctrl_wr(ENABLE | MASKALL);
	reset_log();
	ctrl_wr(0);
	assert_int_equal(ncalls, 1);
	assert_enable(0, 0);
}

static void test_dword_access(void **state)
{
	(void)state;
	tbl_wr(ENT(6, LOWER_ADDR), 0xfee0c004, 4);
	tbl_wr(ENT(6, UPPER_ADDR), 0x12345678, 4);
	tbl_wr(ENT(6, DATA), 0xcafe4066, 4);
	tbl_wr(ENT(6, VECTOR_CTRL), 0, 4);
	assert_int_equal(tbl_rd(ENT(6, LOWER_ADDR), 4), 0xfee0c004);
	assert_int_equal(tbl_rd(ENT(6, UPPER_ADDR), 4), 0x12345678);
	assert_int_equal(tbl_rd(ENT(6, DATA), 4), 0xcafe4066);
	assert_int_equal(tbl_rd(ENT(6, VECTOR_CTRL), 4), 0);
	assert_int_equal(tbl_rd(ENT(6, LOWER_ADDR), 8), 0x12345678fee0c004ull);
	assert_int_equal(tbl_rd(ENT(6, DATA), 8), 0x00000000cafe4066ull);
	/* The neighbours are untouched. */
	assert_int_equal(tbl_rd(ENT(5, DATA), 8), 0x0000000100000000ull);
	assert_int_equal(tbl_rd(ENT(7, LOWER_ADDR), 8), 0);
	assert_int_equal(ncalls, 0);
}

static void test_qword_access(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	reset_log();
	tbl_wr(ENT(2, LOWER_ADDR), ADDR(2), 8);
	assert_int_equal(ncalls, 0);
	/* Data and Vector Control in one: the vector goes live with its message. */
	tbl_wr(ENT(2, DATA), DATA(2), 8);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 2, ADDR(2), DATA(2), true);
	assert_int_equal(tbl_rd(ENT(2, LOWER_ADDR), 8), ADDR(2));
	assert_int_equal(tbl_rd(ENT(2, DATA), 8), DATA(2));

	/* Both address halves in one write: one delivery, never a half-updated address. */
	tbl_wr(ENT(2, LOWER_ADDR), 0x00000003fee0d000ull, 8);
	assert_int_equal(ncalls, 2);
	assert_vector(1, 2, 0x00000003fee0d000ull, DATA(2), true);

	/* Masked and new data at once, then unmasked with the data unchanged. */
	tbl_wr(ENT(2, DATA), 1ull << 32 | 0x4052, 8);
	assert_int_equal(ncalls, 3);
	assert_vector(2, 2, 0, 0, false);
	tbl_wr(ENT(2, DATA), 0x4052, 8);
	assert_int_equal(ncalls, 4);
	assert_vector(3, 2, 0x00000003fee0d000ull, 0x4052, true);
}

static void test_vector_control_bits(void **state)
{
	(void)state;
	tbl_wr(ENT(1, VECTOR_CTRL), 0xffffffff, 4);
	assert_int_equal(tbl_rd(ENT(1, VECTOR_CTRL), 4), 1);
	tbl_wr(ENT(1, VECTOR_CTRL), 0xfffffffe, 4);
	assert_int_equal(tbl_rd(ENT(1, VECTOR_CTRL), 4), 0);
	for (uint32_t b = 1; b < 4; b++)
		tbl_wr(ENT(1, VECTOR_CTRL) + b, 0xff, 1);
	assert_int_equal(tbl_rd(ENT(1, VECTOR_CTRL), 4), 0);
	tbl_wr(ENT(1, DATA), 0xffffffff00000000ull, 8);
	assert_int_equal(tbl_rd(ENT(1, DATA), 8), 0x0000000100000000ull);
}

static void test_narrow_access(void **state)
{
	(void)state;
	for (uint32_t b = 0; b < 8; b++)
		tbl_wr(ENT(1, LOWER_ADDR) + b, 0x10 + b, 1);
	assert_int_equal(tbl_rd(ENT(1, LOWER_ADDR), 8), 0x1716151413121110ull);
	tbl_wr(ENT(1, DATA), 0xbeef, 2);
	tbl_wr(ENT(1, DATA) + 2, 0xdead, 2);
	assert_int_equal(tbl_rd(ENT(1, DATA), 4), 0xdeadbeef);
	assert_int_equal(tbl_rd(ENT(1, DATA) + 1, 1), 0xbe);
	assert_int_equal(tbl_rd(ENT(1, DATA) + 1, 2), 0xadbe);
	assert_int_equal(tbl_rd(ENT(1, VECTOR_CTRL), 1), 1);
	assert_int_equal(tbl_rd(ENT(1, VECTOR_CTRL) + 1, 2), 0);

	/* An unaligned dword across the two address halves. */
	tbl_wr(ENT(1, LOWER_ADDR) + 2, 0xaabbccdd, 4);
	assert_int_equal(tbl_rd(ENT(1, LOWER_ADDR), 8), 0x1716aabbccdd1110ull);
	assert_int_equal(tbl_rd(ENT(1, LOWER_ADDR) + 3, 4), 0x16aabbcc);
	assert_int_equal(ncalls, 0);

	/* On a live vector, each byte that changes the message re-delivers it. */
	ctrl_wr(ENABLE);
	reset_log();
	tbl_wr(ENT(1, VECTOR_CTRL), 0xff00, 2);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 1, 0x1716aabbccdd1110ull, 0xdeadbeef, true);
	tbl_wr(ENT(1, DATA), 0x42, 1);
	assert_int_equal(ncalls, 2);
	assert_vector(1, 1, 0x1716aabbccdd1110ull, 0xdeadbe42, true);
	tbl_wr(ENT(1, DATA), 0x42, 1);
	assert_int_equal(ncalls, 2);
}

static void test_unaligned_qword_spans_entries(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	set_mask(0, false);
	set_mask(1, false);
	reset_log();
	/* Entry 0's Vector Control (masked), entry 1's low address. */
	tbl_wr(ENT(0, VECTOR_CTRL), (uint64_t)0xfee0e000 << 32 | 1, 8);
	assert_int_equal(ncalls, 2);
	assert_vector(0, 0, 0, 0, false);
	assert_vector(1, 1, 0x00000001fee0e000ull, DATA(1), true);
	assert_int_equal(tbl_rd(ENT(0, VECTOR_CTRL), 8), (uint64_t)0xfee0e000 << 32 | 1);

	/* Back again: entry 1's message is the same, only entry 0 changes. */
	tbl_wr(ENT(0, VECTOR_CTRL), (uint64_t)0xfee0e000 << 32, 8);
	assert_int_equal(ncalls, 3);
	assert_vector(2, 0, ADDR(0), DATA(0), true);
}

static void test_bad_offsets(void **state)
{
	uint8_t before[128], after[128];

	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	msix__table(&x, 0, before, sizeof(before), false);
	reset_log();
	assert_int_equal(tbl_rd(128, 4), 0);
	assert_int_equal(tbl_rd(128, 8), 0);
	assert_int_equal(tbl_rd(4096, 8), 0);
	assert_int_equal(tbl_rd(0xfff0, 1), 0);
	tbl_wr(128, 0, 4);
	tbl_wr(132, 0, 8);
	tbl_wr(4096, 0, 8);
	tbl_wr(0xfffff000, 0, 4);
	msix__table(&x, 0, after, sizeof(after), false);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(ncalls, 0);

	/* Wider than a qword: only the first eight bytes are written. */
	memset(after, 0, sizeof(after));
	msix__table(&x, ENT(4, LOWER_ADDR), after, 32, true);
	memset(before + ENT(4, LOWER_ADDR), 0, 8);
	msix__table(&x, 0, after, sizeof(after), false);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(ncalls, 0);

	/* Starts in the last entry's Vector Control, runs past the end. */
	assert_int_equal(tbl_rd(ENT(7, VECTOR_CTRL), 8), 1);
	assert_int_equal(tbl_rd(127, 2), 0);
	tbl_wr(ENT(7, VECTOR_CTRL), 0xffffffff00000000ull, 8);
	assert_int_equal(ncalls, 1);
	assert_vector(0, 7, ADDR(7), DATA(7), true);
	before[ENT(7, VECTOR_CTRL)] = 0;
	msix__table(&x, 0, after, sizeof(after), false);
	assert_memory_equal(before, after, sizeof(before));
}

static void test_pba(void **state)
{
	(void)state;
	ctrl_wr(ENABLE);
	program_all();
	fired[1] = fired[3] = fired[6] = true;
	set_mask(3, false);
	reset_log();
	/* Bit 7 and bit 34 are the device's own; they stay. */
	assert_int_equal(pba_rd(0, 8, 0x0000000400000080ull), 0x00000004000000c2ull);
	assert_int_equal(count('p'), 7);
	for (unsigned int k = 0; k < ncalls; k++)
		assert_int_not_equal(calls[k].n, 3);	/* live: never asked */
	assert_true(fired[1] && fired[3] && fired[6]);
	/* Asking did not clear them. */
	assert_int_equal(pba_rd(0, 8, 0), 0x42);
	assert_int_equal(pba_rd(0, 1, 0x80), 0xc2);
	assert_int_equal(pba_rd(0, 4, 0), 0x42);
	assert_int_equal(pba_rd(4, 4, 0x5), 0x5);
	assert_int_equal(pba_rd(8, 8, 0), 0);
	assert_int_equal(count('e') + count('v'), 0);

	/* The function mask: every fired vector is pending. */
	ctrl_wr(ENABLE | MASKALL);
	assert_int_equal(pba_rd(0, 8, 0), 0x4a);
}

static void test_pba_beyond_nr(void **state)
{
	(void)state;
	reinit(4);	/* 5 entries */
	memset(fired, 1, sizeof(fired));
	assert_int_equal(pba_rd(0, 8, 0), 0x1f);
	assert_int_equal(pba_rd(1, 1, 0), 0);
	assert_int_equal(count('p'), 5);	/* the fake fails on i >= nr */
}

static void test_pba_65(void **state)
{
	(void)state;
	reinit(64);
	assert_int_equal(x.nr, 65);
	assert_int_equal(msix__table_size(&x), 65 * 16);
	assert_int_equal(msix__pba_size(&x), 16);
	fired[0] = fired[63] = fired[64] = true;
	assert_int_equal(pba_rd(0, 8, 0), 0x8000000000000001ull);
	assert_int_equal(pba_rd(8, 8, 0), 1);
	assert_int_equal(pba_rd(12, 4, 0), 0);
	assert_int_equal(count('p'), 65);
	assert_int_equal(calls[64].n, 64);
}

static void test_message_control(void **state)
{
	uint8_t d[4];

	(void)state;
	ctrl_wr(0xffff);
	assert_int_equal(ctrl_rd(), ENABLE | MASKALL | 7);
	assert_int_equal(ncalls, 1);
	assert_enable(0, 8);
	ctrl_wr(0x3ff8);	/* Table Size is read-only */
	assert_int_equal(ctrl_rd(), 7);
	assert_int_equal(x.nr, 8);
	assert_int_equal(ncalls, 2);
	assert_enable(1, 0);

	/* A dword at the capability: Message Control is its upper half. */
	reset_log();
	msix__cfg_write(&x, CAP, (uint8_t[]){ 0xaa, 0xbb, 0x00, 0x80 }, 4);
	assert_int_equal(ctrl_rd(), ENABLE | 7);
	assert_int_equal(ncalls, 1);
	memset(d, 0xee, sizeof(d));
	msix__cfg_read(&x, CAP, d, 4);
	assert_memory_equal(d, ((uint8_t[]){ 0xee, 0xee, 0x07, 0x80 }), 4);
	memset(d, 0xee, sizeof(d));
	msix__cfg_read(&x, CTRL + 1, d, 4);
	assert_memory_equal(d, ((uint8_t[]){ 0x80, 0xee, 0xee, 0xee }), 4);
	memset(d, 0xee, sizeof(d));
	msix__cfg_read(&x, CAP + 1, d, 2);
	assert_memory_equal(d, ((uint8_t[]){ 0xee, 0x07 }), 2);

	/* The low byte alone, or with the byte before it: ignored. */
	msix__cfg_write(&x, CTRL, (uint8_t[]){ 0xff }, 1);
	msix__cfg_write(&x, CAP + 1, (uint8_t[]){ 0xff, 0xff }, 2);
	msix__cfg_write(&x, CAP + PCI_MSIX_TABLE, (uint8_t[]){ 0xff, 0xff, 0xff, 0xff }, 4);
	assert_int_equal(ctrl_rd(), ENABLE | 7);
	assert_int_equal(ncalls, 1);

	/* The high byte and the one after it. */
	msix__cfg_write(&x, CTRL + 1, (uint8_t[]){ 0xc0, 0xff }, 2);
	assert_int_equal(ctrl_rd(), ENABLE | MASKALL | 7);
	assert_int_equal(ncalls, 1);
}

/* All 2048 vectors masked: turning the table on and off is one call each. */
static void test_2048_entries(void **state)
{
	(void)state;
	reinit(0xffff);	/* what the host had enabled does not show */
	assert_int_equal(x.nr, 2048);
	assert_int_equal(ctrl_rd(), 0x7ff);
	ctrl_wr(ENABLE | MASKALL);
	ctrl_wr(ENABLE);
	assert_int_equal(ncalls, 1);
	assert_enable(0, 2048);
	program(2047);
	set_mask(2047, false);
	assert_int_equal(ncalls, 2);
	assert_vector(1, 2047, ADDR(2047), DATA(2047), true);
	ctrl_wr(0);
	assert_int_equal(ncalls, 4);
	assert_vector(2, 2047, 0, 0, false);
	assert_enable(3, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_vectors_start_masked),
		T(test_linux_enable_order),
		T(test_unmask_one),
		T(test_live_rewrite),
		T(test_mask),
		T(test_function_mask),
		T(test_disable),
		T(test_dword_access),
		T(test_qword_access),
		T(test_vector_control_bits),
		T(test_narrow_access),
		T(test_unaligned_qword_spans_entries),
		T(test_bad_offsets),
		T(test_pba),
		T(test_pba_beyond_nr),
		T(test_pba_65),
		T(test_message_control),
		T(test_2048_entries),
	};

	return cmocka_run_group_tests_name("msix", tests, NULL, NULL);
}
