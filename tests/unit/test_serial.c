// SPDX-License-Identifier: MIT
/* The 8250 UART register block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "serial.h"

enum { THR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define RBR	THR
#define FCR	IIR

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
	assert_int_equal(rd(RBR), 'z');				/* but received */
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

static void feed(const char *str)
{
	while (*str)
		serial__feed(&s, (uint8_t)*str++);
}

static void test_receive(void **state)
{
	(void)state;
	assert_int_equal(rd(LSR) & 0x01, 0);		/* no data */
	wr(FCR, 0x01);
	feed("abc");
	assert_int_equal(rd(LSR), 0x61);		/* data ready */
	assert_int_equal(rd(RBR), 'a');
	assert_int_equal(rd(RBR), 'b');
	assert_int_equal(rd(RBR), 'c');
	assert_int_equal(rd(LSR), 0x60);
	wr(LCR, 0x80);
	feed("d");
	assert_int_equal(rd(RBR), 0x00);		/* DLAB: the divisor latch, not the byte */
	wr(LCR, 0x03);
	assert_int_equal(rd(RBR), 'd');
}

/* Loopback is the guest's way to overfill the receiver. */
static void test_fifo_overrun(void **state)
{
	(void)state;
	wr(FCR, 0x01);
	wr(MCR, 0x10);
	for (int i = 0; i < 17; i++)
		wr(THR, (uint8_t)('A' + i));
	assert_int_equal(rd(LSR), 0x63);		/* data ready, overrun */
	assert_int_equal(rd(LSR), 0x61);		/* reading LSR cleared OE */
	for (int i = 0; i < 16; i++)
		assert_int_equal(rd(RBR), 'A' + i);	/* the 17th byte is the one lost */
	assert_int_equal(rd(LSR) & 0x01, 0);
}

static void test_holding_register_overrun(void **state)
{
	(void)state;
	wr(MCR, 0x10);
	wr(THR, 'a');
	assert_int_equal(rd(LSR), 0x61);
	wr(THR, 'b');
	assert_int_equal(rd(LSR), 0x63);
	assert_int_equal(rd(RBR), 'b');			/* the 8250 overwrites its one register */
	assert_int_equal(rd(LSR), 0x60);
}

static void test_fifo_reset(void **state)
{
	(void)state;
	feed("x");
	wr(FCR, 0x02);					/* reset bits without FIFO enable: ignored */
	assert_int_equal(rd(LSR) & 0x01, 0x01);
	wr(FCR, 0x01);					/* switching the FIFOs on empties them */
	assert_int_equal(rd(LSR) & 0x01, 0);
	feed("yz");
	wr(FCR, 0x01 | 0x04);				/* transmit FIFO reset only */
	assert_int_equal(rd(LSR) & 0x01, 0x01);
	wr(FCR, 0x01 | 0x02);				/* receive FIFO reset */
	assert_int_equal(rd(LSR) & 0x01, 0);
	feed("w");
	wr(FCR, 0x00);					/* and switching them off */
	assert_int_equal(rd(LSR) & 0x01, 0);
}

static void test_rx_interrupt_priority(void **state)
{
	(void)state;
	wr(IER, 0x01 | 0x02);				/* received data, transmitter empty */
	feed("a");
	assert_int_equal(rd(IIR), 0x04);		/* data first */
	assert_int_equal(rd(IIR), 0x04);		/* still there: only reading RBR clears it */
	assert_int_equal(rd(RBR), 'a');
	assert_int_equal(rd(IIR), 0x02);		/* then "transmitter empty" */
	assert_int_equal(rd(IIR), 0x01);
	wr(FCR, 0x81);					/* FIFOs, trigger level 8 */
	feed("bcdefgh");
	assert_int_equal(rd(IIR), 0xcc);		/* below the trigger: character timeout */
	feed("i");
	assert_int_equal(rd(IIR), 0xc4);		/* at the trigger: data available */
	wr(IER, 0x01 | 0x04);				/* and line status */
	wr(MCR, 0x10);
	for (int i = 0; i < 9; i++)
		wr(THR, '!');				/* overrun */
	assert_int_equal(rd(IIR), 0xc6);		/* line status outranks data */
	assert_int_equal(rd(LSR) & 0x02, 0x02);
	assert_int_equal(rd(IIR), 0xc4);
	wr(IER, 0x00);
	assert_int_equal(rd(IIR), 0xc1);
}

static void test_rx_irq_line(void **state)
{
	(void)state;
	feed("a");
	assert_false(irq_line);
	wr(IER, 0x01);
	assert_true(irq_line);				/* enabled with data waiting: at once */
	assert_int_equal(rd(RBR), 'a');
	assert_false(irq_line);
	feed("b");
	assert_true(irq_line);				/* raised by the input side too */
	wr(FCR, 0x01);
	assert_false(irq_line);				/* the data went with the FIFO switch */
	assert_int_equal(irq_changes, 4);
}

static struct serial in;

static void no_irq(bool level)
{
	(void)level;
}

static uint8_t in_rd(uint16_t off)
{
	uint8_t v;

	serial__io(&in, off, &v, 1, false);
	return v;
}

static unsigned int in_count(void)
{
	unsigned int n;

	pthread_mutex_lock(&in.lock);
	n = in.rx_count;
	pthread_mutex_unlock(&in.lock);
	return n;
}

/* Waits, 1 ms at a time for at most 5 s, for cond(); false on timeout. */
static bool within_5s(bool (*cond)(void))
{
	const struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		if (cond())
			return true;
		nanosleep(&ms, NULL);
	}
	return false;
}

static bool in_full(void)
{
	return in_count() == SERIAL_FIFO_SIZE;
}

static bool in_ready(void)
{
	return in_rd(LSR) & 0x01;
}

/* The input thread fills the FIFO, waits for room and loses nothing; end of file stops it. */
static void test_input_thread(void **state)
{
	const char msg[] = "0123456789abcdefghijklmnopqrstuv";	/* twice the FIFO */
	uint8_t v = 0x01;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	serial__init(&in, -1, no_irq);
	serial__io(&in, FCR, &v, 1, true);
	assert_int_equal(serial__start_input(&in, p[0]), 0);
	assert_int_equal(write(p[1], msg, sizeof(msg) - 1), sizeof(msg) - 1);
	close(p[1]);
	assert_true(within_5s(in_full));
	assert_int_equal(in_rd(LSR) & 0x02, 0);		/* full, and no overrun */
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		assert_true(within_5s(in_ready));
		assert_int_equal(in_rd(RBR), msg[i]);
	}
	assert_int_equal(in_rd(LSR) & 0x03, 0);
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
		cmocka_unit_test_setup_teardown(test_receive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holding_register_overrun, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_interrupt_priority, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_irq_line, setup, teardown),
		cmocka_unit_test(test_input_thread),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
