// SPDX-License-Identifier: MIT
/* The ACPI PM1a control register: power-off and what reads back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "le.h"
#include "pm.h"

static int poweroffs, resets;

static void count_poweroff(void)
{
	poweroffs++;
}

static void count_reset(void)
{
	resets++;
}

static struct pm pm;

static int setup(void **state)
{
	(void)state;
	poweroffs = resets = 0;
	pm__init(&pm, count_poweroff, count_reset);
	return 0;
}

#define CNT	(PM_PM1A_CNT - PM_PM1A_EVT)

static void wr16_at(uint16_t off, uint16_t v)
{
	uint8_t d[2];

	le__put16(d, v);
	pm__io(&pm, off, d, 2, true);
}

static uint16_t rd16_at(uint16_t off)
{
	uint8_t d[2];

	pm__io(&pm, off, d, 2, false);
	return le__get16(d);
}

static void wr16(uint16_t v) { wr16_at(CNT, v); }
static uint16_t rd16(void) { return rd16_at(CNT); }

static void test_s5_powers_off(void **state)
{
	(void)state;
	wr16(0x2000 | (PM_SLP_TYP_S5 << 10));
	assert_int_equal(poweroffs, 1);
}

static void test_other_sleep_types(void **state)
{
	(void)state;
	for (uint16_t typ = 0; typ < 8; typ++)
		if (typ != PM_SLP_TYP_S5)
			wr16((uint16_t)(0x2000 | typ << 10));
	wr16(PM_SLP_TYP_S5 << 10);	/* S5 without SLP_EN */
	assert_int_equal(poweroffs, 0);
}

static void test_readback(void **state)
{
	(void)state;
	assert_int_equal(rd16(), PM1_SCI_EN);
	wr16(PM_SLP_TYP_S5 << 10);
	assert_int_equal(rd16(), PM_SLP_TYP_S5 << 10 | PM1_SCI_EN);
	wr16(0x2000 | 3 << 10);
	assert_int_equal(rd16() & 0x2000, 0);	/* SLP_EN is write-only */
}

static void test_byte_writes(void **state)
{
	uint8_t lo = 0, hi = 0x20 | PM_SLP_TYP_S5 << 2;

	(void)state;
	pm__io(&pm, CNT, &lo, 1, true);
	assert_int_equal(poweroffs, 0);
	pm__io(&pm, CNT + 1, &hi, 1, true);
	assert_int_equal(poweroffs, 1);
}

/* Linux enables the global-lock event and reads it back; status never shows an event. */
static void test_event_block(void **state)
{
	(void)state;
	assert_int_equal(rd16_at(0), 0);
	wr16_at(0, 0xffff);			/* write-1-to-clear of nothing */
	assert_int_equal(rd16_at(0), 0);
	wr16_at(2, 0x0020);
	assert_int_equal(rd16_at(2), 0x0020);
	assert_int_equal(rd16(), PM1_SCI_EN);	/* PM1_CNT untouched */
	assert_int_equal(poweroffs, 0);
}

static uint8_t rcr_rd(uint16_t off, uint32_t size)
{
	uint8_t d[4] = { 0 };

	pm__rcr_io(&pm, off, d, size, false);
	return d[0];
}

static void rcr_wr(uint8_t v, uint32_t size)
{
	uint8_t d[4] = { v, v, v, v };

	pm__rcr_io(&pm, 0, d, size, true);
}

/* Linux's sequence: the reset type first, then the same with "reset CPU". */
static void test_rcr_resets(void **state)
{
	(void)state;
	assert_int_equal(rcr_rd(0, 1), 0);
	rcr_wr(PM_RCR_SYS_RST, 1);
	assert_int_equal(resets, 0);
	assert_int_equal(rcr_rd(0, 1), PM_RCR_SYS_RST);
	rcr_wr(PM_RCR_SYS_RST | PM_RCR_RST_CPU, 1);
	assert_int_equal(resets, 1);
	assert_int_equal(poweroffs, 0);
	/* RST_CPU does not stick: it acts once per write. */
	assert_int_equal(rcr_rd(0, 1), PM_RCR_SYS_RST);
	rcr_wr(0x06, 1);	/* the FADT's RESET_VALUE */
	assert_int_equal(resets, 2);
}

static void test_rcr_byte_only(void **state)
{
	(void)state;
	rcr_wr(0xff, 2);
	rcr_wr(0xff, 4);
	assert_int_equal(resets, 0);
	assert_int_equal(rcr_rd(0, 2), 0xff);
	assert_int_equal(rcr_rd(0, 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_s5_powers_off, setup),
		cmocka_unit_test_setup(test_other_sleep_types, setup),
		cmocka_unit_test_setup(test_readback, setup),
		cmocka_unit_test_setup(test_byte_writes, setup),
		cmocka_unit_test_setup(test_event_block, setup),
		cmocka_unit_test_setup(test_rcr_resets, setup),
		cmocka_unit_test_setup(test_rcr_byte_only, setup),
	};

	return cmocka_run_group_tests_name("pm", tests, NULL, NULL);
}
