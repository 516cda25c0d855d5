// SPDX-License-Identifier: MIT
/* The 8250 UART register block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "serial.h"

enum { THR, IER, IIR, LCR, MCR, LSR, MSR, SCR };

static struct serial s;
static int out[2];
static int irq_changes;
static bool irq_line;

static void set_irq(bool level)
{
	irq_changes++;
	irq_line = level;
}

static int setup(void **state)
{
	(void)state;
	if (pipe2(out, O_NONBLOCK))
		return -1;
	irq_changes = 0;
	irq_line = false;
	serial__init(&s, out[1], set_irq);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(out[0]);
	close(out[1]);
	return 0;
}

static uint8_t rd(uint16_t off)
{
	uint8_t v[4] = { 0xee, 0xee, 0xee, 0xee };

	serial__io(&s, off, v, 1, false);
	return v[0];
}

static void wr(uint16_t off, uint8_t v)
{
	serial__io(&s, off, &v, 1, true);
}

static void test_transmit(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(rd(LSR) & 0x60, 0x60);		/* THRE and TEMT: always ready */
	wr(THR, 'h');
	wr(THR, 'i');
	assert_int_equal(read(out[0], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
}

static void test_dlab(void **state)
{
	char buf[8];

	(void)state;
	wr(LCR, 0x83);		/* DLAB, 8N1 */
	wr(THR, 0x01);		/* divisor latch, not output */
	wr(IER, 0x02);
	assert_int_equal(rd(THR), 0x01);
	assert_int_equal(rd(IER), 0x02);
	assert_int_equal(read(out[0], buf, sizeof(buf)), -1);
	wr(LCR, 0x03);
	assert_int_equal(rd(IER), 0x00);
	assert_int_equal(rd(LCR), 0x03);
}

static void test_scratch_and_reserved_bits(void **state)
{
	(void)state;
	wr(SCR, 0x5a);
	assert_int_equal(rd(SCR), 0x5a);
	wr(IER, 0xff);
	assert_int_equal(rd(IER), 0x0f);
	wr(MCR, 0xff);
	assert_int_equal(rd(MCR), 0x1f);
	wr(LSR, 0x00);		/* read-only */
	assert_int_equal(rd(LSR) & 0x60, 0x60);
}

static void test_thr_interrupt(void **state)
{
	(void)state;
	assert_int_equal(rd(IIR), 0x01);	/* none pending */
	wr(IER, 0x02);
	assert_int_equal(rd(IIR), 0x02);	/* transmitter empty */
	assert_int_equal(rd(IIR), 0x01);	/* reading IIR acknowledged it */
	wr(THR, 'x');
	assert_int_equal(rd(IIR), 0x02);
	wr(IER, 0x00);
	wr(THR, 'y');
	assert_int_equal(rd(IIR), 0x01);	/* masked */
	wr(IIR, 0x01);				/* FCR: FIFO enable */
	assert_int_equal(rd(IIR), 0xc1);
}

static void test_irq_line(void **state)
{
	(void)state;
	wr(THR, 'a');
	assert_int_equal(irq_changes, 0);	/* interrupts not enabled */
	wr(IER, 0x02);
	assert_true(irq_line);			/* transmitter empty: raised at once */
	assert_int_equal(rd(IIR), 0x02);
	assert_false(irq_line);			/* acknowledged by reading IIR */
	wr(THR, 'b');
	assert_true(irq_line);
	wr(IER, 0x00);
	assert_false(irq_line);			/* masked */
	assert_int_equal(irq_changes, 4);
}

static void test_loopback(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(rd(MSR), 0xb0);
	wr(MCR, 0x10 | 0x0a);			/* loop, RTS, OUT2 */
	assert_int_equal(rd(MSR), 0x10 | 0x80);	/* CTS, DCD */
	wr(MCR, 0x10 | 0x05);			/* loop, DTR, OUT1 */
	assert_int_equal(rd(MSR), 0x20 | 0x40);	/* DSR, RI */
	wr(THR, 'z');
	assert_int_equal(read(out[0], buf, sizeof(buf)), -1);	/* looped, not sent */
}

static void test_wide_access(void **state)
{
	uint8_t v[4] = { 0xee, 0xee, 0xee, 0xee };

	(void)state;
	wr(SCR, 0x77);
	serial__io(&s, SCR, v, 4, false);
	assert_int_equal(v[0], 0x77);
	assert_int_equal(v[1] | v[2] | v[3], 0);
}

static void test_discarded_output(void **state)
{
	(void)state;
	serial__init(&s, -1, set_irq);
	wr(THR, 'q');
	assert_int_equal(rd(LSR) & 0x60, 0x60);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_transmit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dlab, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratch_and_reserved_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thr_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discarded_output, setup, teardown),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
