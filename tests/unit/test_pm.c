// SPDX-License-Identifier: MIT
/* The ACPI PM1a registers: power-off, the power button and its SCI, and what reads back. */
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "le.h"
#include "pm.h"

static int poweroffs, resets, sci_changes, sci_repeats;
static bool sci;

static void count_poweroff(void)
{
	poweroffs++;
}

static void count_reset(void)
{
	resets++;
}

/* Called with the device's lock held, from whichever thread changed the line. */
static void set_sci(bool level)
{
	sci_repeats += level == sci;	/* it should be called on changes only */
	sci = level;
	sci_changes++;
}

static struct pm pm;

static int setup(void **state)
{
	(void)state;
	poweroffs = resets = sci_changes = sci_repeats = 0;
	sci = false;
	pm__init(&pm, count_poweroff, count_reset, set_sci);
	return 0;
}

#define STS	0
#define EN	2
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

/* Linux enables the global-lock event and reads it back; no event shows until the button is pressed. */
static void test_event_block(void **state)
{
	(void)state;
	assert_int_equal(rd16_at(STS), 0);
	wr16_at(STS, 0xffff);			/* write-1-to-clear of nothing */
	assert_int_equal(rd16_at(STS), 0);
	wr16_at(EN, PM1_GBL_EN);
	assert_int_equal(rd16_at(EN), PM1_GBL_EN);
	assert_int_equal(rd16(), PM1_SCI_EN);	/* PM1_CNT untouched */
	assert_int_equal(poweroffs, 0);
	assert_int_equal(sci_changes, 0);
}

/* A press sets PWRBTN_STS whatever PM1_EN says; it stays set until the guest writes 1 to it. */
static void test_button_status(void **state)
{
	(void)state;
	pm__press_power_button(&pm);
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);	/* reading does not clear it */
	pm__press_power_button(&pm);
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	wr16_at(STS, (uint16_t)~PM1_PWRBTN);	/* every other bit: PWRBTN_STS stays */
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	wr16_at(STS, PM1_PWRBTN);
	assert_int_equal(rd16_at(STS), 0);
	assert_false(sci);
	assert_int_equal(sci_changes, 0);		/* PWRBTN_EN was clear throughout */
	assert_int_equal(poweroffs, 0);
}

/* The SCI is up while PWRBTN_STS and PWRBTN_EN are both set, and falls when the status is cleared. */
static void test_button_sci(void **state)
{
	(void)state;
	wr16_at(EN, PM1_PWRBTN);
	assert_int_equal(rd16_at(EN), PM1_PWRBTN);
	assert_false(sci);
	pm__press_power_button(&pm);
	assert_true(sci);
	pm__press_power_button(&pm);		/* a second press while pending: the line stays up */
	assert_true(sci);
	assert_int_equal(sci_changes, 1);
	wr16_at(STS, 0);				/* writing 0 clears nothing */
	assert_true(sci);
	wr16_at(STS, PM1_PWRBTN);
	assert_false(sci);
	assert_int_equal(rd16_at(STS), 0);
	assert_int_equal(rd16_at(EN), PM1_PWRBTN);	/* the enable stays */
	pm__press_power_button(&pm);
	assert_true(sci);
	assert_int_equal(sci_changes, 3);
}

/* Clearing PWRBTN_EN drops the line and leaves the status; enabling after a press raises it. */
static void test_button_enable(void **state)
{
	(void)state;
	pm__press_power_button(&pm);
	assert_false(sci);
	wr16_at(EN, PM1_PWRBTN);
	assert_true(sci);
	wr16_at(EN, PM1_GBL_EN);
	assert_false(sci);
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	wr16_at(EN, PM1_GBL_EN | PM1_PWRBTN);
	assert_true(sci);
	assert_int_equal(sci_changes, 3);
}

/* Only PWRBTN_STS, and PWRBTN_EN and GBL_EN, are there: every other bit reads 0, written or not. */
static void test_reserved_bits(void **state)
{
	(void)state;
	wr16_at(EN, 0xffff);
	assert_int_equal(rd16_at(EN), PM1_GBL_EN | PM1_PWRBTN);
	assert_int_equal(rd16_at(STS), 0);
	pm__press_power_button(&pm);
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	assert_true(sci);
	wr16_at(STS, 0xffff);
	assert_int_equal(rd16_at(STS), 0);
	assert_false(sci);
	wr16_at(EN, 0);
	assert_int_equal(rd16_at(EN), 0);
}

/*
 * Byte accesses reach each half of a register alone: PWRBTN is bit 0 of
 * the high byte. A byte write to the low half of PM1_STS clears nothing in
 * the high half, and a 32-bit access covers PM1_STS and PM1_EN at once.
 */
static void test_button_bytes(void **state)
{
	uint8_t b, d[4];

	(void)state;
	b = 1;
	pm__io(&pm, EN + 1, &b, 1, true);
	assert_int_equal(rd16_at(EN), PM1_PWRBTN);
	b = 0x20;
	pm__io(&pm, EN, &b, 1, true);			/* GBL_EN; the high byte is kept */
	assert_int_equal(rd16_at(EN), PM1_GBL_EN | PM1_PWRBTN);
	pm__press_power_button(&pm);
	assert_true(sci);
	pm__io(&pm, STS + 1, &b, 1, false);
	assert_int_equal(b, 1);
	pm__io(&pm, STS, &b, 1, false);
	assert_int_equal(b, 0);
	b = 0xff;
	pm__io(&pm, STS, &b, 1, true);			/* the low byte only */
	assert_int_equal(rd16_at(STS), PM1_PWRBTN);
	assert_true(sci);
	pm__io(&pm, STS, d, 4, false);
	assert_int_equal(le__get32(d), (uint32_t)(PM1_GBL_EN | PM1_PWRBTN) << 16 | PM1_PWRBTN);
	le__put32(d, PM1_PWRBTN);			/* clears the status, and the enables with it */
	pm__io(&pm, STS, d, 4, true);
	assert_int_equal(rd16_at(STS), 0);
	assert_int_equal(rd16_at(EN), 0);
	assert_false(sci);
	b = 1;
	pm__press_power_button(&pm);
	pm__io(&pm, STS + 1, &b, 1, true);
	assert_int_equal(rd16_at(STS), 0);
	assert_int_equal(poweroffs, 0);
}

#define PRESSES	20000

static void *press_all(void *arg)
{
	(void)arg;
	for (int i = 0; i < PRESSES; i++)
		pm__press_power_button(&pm);
	return NULL;
}

/*
 * The main thread presses while a vCPU clears the status and toggles the
 * enable: whatever the interleaving, the line follows the registers and
 * is driven on changes only.
 */
static void test_button_threads(void **state)
{
	pthread_t presser;

	(void)state;
	assert_int_equal(pthread_create(&presser, NULL, press_all, NULL), 0);
	for (int i = 0; i < PRESSES; i++) {
		wr16_at(EN, i % 3 ? PM1_PWRBTN : 0);
		if (rd16_at(STS) & PM1_PWRBTN)
			wr16_at(STS, PM1_PWRBTN);
	}
	assert_int_equal(pthread_join(presser, NULL), 0);
	assert_int_equal(sci_repeats, 0);
	assert_int_equal(sci, (rd16_at(STS) & rd16_at(EN) & PM1_PWRBTN) != 0);
	pm__press_power_button(&pm);
	wr16_at(EN, PM1_PWRBTN);
	assert_true(sci);
	wr16_at(STS, PM1_PWRBTN);
	assert_false(sci);
	assert_int_equal(sci_repeats, 0);
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
		cmocka_unit_test_setup(test_button_status, setup),
		cmocka_unit_test_setup(test_button_sci, setup),
		cmocka_unit_test_setup(test_button_enable, setup),
		cmocka_unit_test_setup(test_reserved_bits, setup),
		cmocka_unit_test_setup(test_button_bytes, setup),
		cmocka_unit_test_setup(test_button_threads, setup),
		cmocka_unit_test_setup(test_rcr_resets, setup),
		cmocka_unit_test_setup(test_rcr_byte_only, setup),
	};

	return cmocka_run_group_tests_name("pm", tests, NULL, NULL);
}
