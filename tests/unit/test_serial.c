// SPDX-License-Identifier: MIT
/* The 8250 UART register block. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "count.h"
#include "log.h"
#include "serial.h"

enum { THR, IER, IIR, LCR, MCR, LSR, MSR, SCR };
#define RBR	THR
#define FCR	IIR

static struct serial s;
static int irq_changes;
static bool irq_line;

static void set_irq(bool level)
{
	irq_changes++;
	irq_line = level;
}

/* A UART with no output thread: what it transmits is discarded, and counted. */
static int setup(void **state)
{
	(void)state;
	irq_changes = 0;
	irq_line = false;
	serial__init(&s, set_irq);
	return 0;
}

static void feed_one(uint8_t c)
{
	serial__feed(&s, c);
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

static uint64_t counted(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void test_dlab(void **state)
{
	uint64_t bytes = counted(&vmm_counters->console_bytes);

	(void)state;
	wr(LCR, 0x83);		/* DLAB, 8N1 */
	wr(THR, 0x01);		/* divisor latch, not output */
	wr(IER, 0x02);
	assert_int_equal(rd(THR), 0x01);
	assert_int_equal(rd(IER), 0x02);
	assert_int_equal(counted(&vmm_counters->console_bytes), bytes);
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
	uint64_t bytes = counted(&vmm_counters->console_bytes);

	(void)state;
	assert_int_equal(rd(MSR), 0xb0);
	wr(MCR, 0x10 | 0x0a);			/* loop, RTS, OUT2 */
	assert_int_equal(rd(MSR), 0x10 | 0x80);	/* CTS, DCD */
	wr(MCR, 0x10 | 0x05);			/* loop, DTR, OUT1 */
	assert_int_equal(rd(MSR), 0x20 | 0x40);	/* DSR, RI */
	wr(THR, 'z');
	assert_int_equal(counted(&vmm_counters->console_bytes), bytes);	/* looped, not sent */
	assert_int_equal(s.out_count, 0);
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

/* No output thread (--com1 none): bytes go nowhere, counted as sent, and nothing waits for them. */
static void test_discarded_output(void **state)
{
	uint64_t bytes = counted(&vmm_counters->console_bytes);

	(void)state;
	for (int i = 0; i < 2 * SERIAL_OUT_SIZE; i++)
		wr(THR, i % 64 ? 'q' : '\n');
	assert_int_equal(rd(LSR) & 0x60, 0x60);
	assert_int_equal(counted(&vmm_counters->console_bytes), bytes + 2 * SERIAL_OUT_SIZE);
	assert_int_equal(s.out_count, 0);
	serial__drain(&s);
}

/* Transmitting is instant: THRE and TEMT stay set, before and after bytes, with FIFOs or without. */
static void test_lsr_transmitter(void **state)
{
	(void)state;
	assert_int_equal(rd(LSR), 0x60);
	wr(THR, 'a');
	assert_int_equal(rd(LSR), 0x60);
	wr(FCR, 0x01);
	for (int i = 0; i < 40; i++)
		wr(THR, 'b');			/* more than the 16-byte FIFO Linux fills per interrupt */
	assert_int_equal(rd(LSR), 0x60);
	wr(MCR, 0x10);
	wr(THR, 'c');
	assert_int_equal(rd(LSR), 0x61);	/* looped back: data ready, the transmitter still empty */
}

/*
 * FCR bit 2, the transmit FIFO reset: taken with the FIFOs on or off,
 * it touches neither the receiver nor the pending "transmitter empty".
 */
static void test_fcr_transmit_reset(void **state)
{
	(void)state;
	wr(FCR, 0x01);
	feed_one('r');
	wr(IER, 0x02);
	wr(FCR, 0x01 | 0x04);
	assert_int_equal(rd(LSR), 0x61);
	assert_int_equal(rd(IIR), 0xc2);		/* still pending */
	wr(THR, 'x');
	wr(FCR, 0x04);					/* FIFOs off, with the reset bit */
	assert_int_equal(rd(IIR), 0x02);
	assert_int_equal(rd(IIR), 0x01);
	assert_int_equal(rd(LSR), 0x60);		/* the FIFO switch emptied the receiver */
	wr(FCR, 0x01 | 0x04 | 0xc0);
	assert_int_equal(rd(IIR), 0xc1);		/* reads back as FIFOs on, nothing pending */
}

/*
 * "Transmitter empty" as on the 16550A: raised when enabled with the
 * transmitter empty (an enable that changes nothing raises nothing), and
 * after each THR write however many came before; acknowledged by
 * reading IIR while it is the one shown, not while masked or outranked.
 */
static void test_thri(void **state)
{
	(void)state;
	wr(FCR, 0x01);
	wr(IER, 0x02);
	assert_int_equal(rd(IIR), 0xc2);
	assert_int_equal(rd(IIR), 0xc1);
	wr(IER, 0x02);					/* written again, enabled already */
	assert_int_equal(rd(IIR), 0xc1);
	for (int i = 0; i < 16; i++)
		wr(THR, 'a');
	assert_true(irq_line);
	assert_int_equal(rd(IIR), 0xc2);		/* one interrupt for the burst */
	assert_int_equal(rd(IIR), 0xc1);
	assert_false(irq_line);
	wr(IER, 0x00);
	wr(THR, 'b');
	assert_int_equal(rd(IIR), 0xc1);		/* masked: not shown, not acknowledged */
	wr(IER, 0x02);
	assert_int_equal(rd(IIR), 0xc2);
	wr(IER, 0x03);					/* and received data */
	feed_one('c');
	wr(THR, 'd');
	assert_int_equal(rd(IIR), 0xc4);		/* outranked: received data shows */
	assert_int_equal(rd(RBR), 'c');
	assert_int_equal(rd(IIR), 0xc2);		/* still pending behind it */
	assert_int_equal(rd(IIR), 0xc1);
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

/* Waits, 1 ms at a time for at most limit ms, for cond(); false on timeout. */
static bool within_ms(int limit, bool (*cond)(void))
{
	const struct timespec ms = { 0, 1000000 };

	for (int i = 0; i < limit; i++) {
		if (cond())
			return true;
		nanosleep(&ms, NULL);
	}
	return cond();
}

static bool within_5s(bool (*cond)(void))
{
	return within_ms(5000, cond);
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
	serial__init(&in, no_irq);
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

/*
 * The output thread, on a UART of its own each: a thread never ends, and
 * keeps its UART. Each test drains before it closes the pipe, so that no
 * thread holds a byte for a descriptor number that is reused later.
 */
static struct serial uarts[16];
static unsigned int nr_uarts;
#define LONG_QUIET_MS	600000	/* no quiet flush within a test: only the flush tested can write */

static uint64_t writes(void)
{
	return counted(&vmm_counters->console_writes);
}

/* A UART writing into a fresh pipe (*rfd, nonblocking, and *wfd), with a quiet time of quiet_ms, 0 for the default. */
static struct serial *out_start(int *rfd, int *wfd, long quiet_ms)
{
	struct serial *u;
	int p[2];

	assert_true(nr_uarts < ARRAY_SIZE(uarts));
	u = &uarts[nr_uarts++];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	serial__init(u, no_irq);
	if (quiet_ms)
		u->out_quiet = (struct timespec){ quiet_ms / 1000, quiet_ms % 1000 * 1000000 };
	assert_int_equal(serial__start_output(u, p[1]), 0);
	*rfd = p[0];
	*wfd = p[1];
	return u;
}

static void out_wr(struct serial *u, uint16_t off, uint8_t v)
{
	serial__io(u, off, &v, 1, true);
}

static void out_str(struct serial *u, const char *str, size_t len)
{
	for (size_t i = 0; i < len; i++)
		out_wr(u, THR, (uint8_t)str[i]);
}

/* Reads from the nonblocking fd until want bytes came, for at most ms; how many came. */
static size_t read_for(int fd, char *buf, size_t want, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t got = 0;

	while (got < want && poll(&pfd, 1, ms) > 0) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Nothing to read right now. */
static bool pipe_empty(int fd)
{
	char c;

	return read(fd, &c, 1) < 0 && errno == EAGAIN;
}

static void out_end(struct serial *u, int rfd, int wfd)
{
	serial__drain(u);
	close(rfd);
	close(wfd);
}

static void test_transmit(void **state)
{
	uint64_t bytes = counted(&vmm_counters->console_bytes);
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, 0);
	char buf[8];

	(void)state;
	out_wr(u, THR, 'h');
	out_wr(u, THR, 'i');
	serial__drain(u);
	assert_int_equal(read(rfd, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	assert_int_equal(counted(&vmm_counters->console_bytes), bytes + 2);
	out_end(u, rfd, wfd);
}

/* Lines are written whole, a write each at most; bytes before a line's end wait for it. */
static void test_line_flush(void **state)
{
	char buf[256], want[256];
	int rfd, wfd, len = 0;
	struct serial *u = out_start(&rfd, &wfd, LONG_QUIET_MS);
	uint64_t before;

	(void)state;
	out_str(u, "abc", 3);
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	assert_true(pipe_empty(rfd));
	out_str(u, "def\n", 4);
	assert_int_equal(read_for(rfd, buf, 7, 5000), 7);
	assert_memory_equal(buf, "abcdef\n", 7);
	before = writes();
	for (int i = 0; i < 5; i++)
		len += snprintf(want + len, sizeof(want) - len, "line %d: %031d\n", i, i);
	assert_int_equal(len, 200);
	out_str(u, want, 200);
	assert_int_equal(read_for(rfd, buf, 200, 5000), 200);
	assert_memory_equal(buf, want, 200);
	assert_in_range(writes() - before, 1, 5);
	out_end(u, rfd, wfd);
}

/* Linux's console write ends by restoring IER: the bytes go then, newline or not. */
static void test_ier_flush(void **state)
{
	char buf[16];
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, LONG_QUIET_MS);

	(void)state;
	out_wr(u, IER, 0x00);				/* nothing held: nothing written */
	out_str(u, "login: ", 7);
	nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	assert_true(pipe_empty(rfd));
	out_wr(u, IER, 0x05);
	assert_int_equal(read_for(rfd, buf, 7, 5000), 7);
	assert_memory_equal(buf, "login: ", 7);
	out_end(u, rfd, wfd);
}

/*
 * Without a flush, bytes go once the guest has been quiet for the quiet
 * time: in one write (a quiet time no scheduler's hiccup cuts in two).
 */
static void test_quiet_flush(void **state)
{
	char buf[16];
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, 300);
	uint64_t before = writes();

	(void)state;
	out_str(u, "echo: abc", 9);
	assert_int_equal(read_for(rfd, buf, 9, 5000), 9);
	assert_memory_equal(buf, "echo: abc", 9);
	assert_int_equal(writes() - before, 1);
	nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	out_str(u, "def", 3);				/* and again, the thread asleep with nothing to time */
	assert_int_equal(read_for(rfd, buf, 3, 5000), 3);
	assert_memory_equal(buf, "def", 3);
	out_end(u, rfd, wfd);
}

static char pattern(size_t i)
{
	return i % 41 == 40 ? '\n' : (char)('a' + (i * 7 + i / 41) % 26);
}

/* Five times round the ring, lines and all: every byte, in order, nothing twice. */
static void test_ring_order(void **state)
{
	enum { N = 5 * SERIAL_OUT_SIZE + 123 };
	static char buf[N + 1];
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, 0);

	(void)state;
	assert_true(fcntl(wfd, F_SETPIPE_SZ, 2 * N) >= N);
	for (size_t i = 0; i < N; i++)
		out_wr(u, THR, (uint8_t)pattern(i));
	serial__drain(u);
	assert_int_equal(read_for(rfd, buf, N + 1, 100), N);
	for (size_t i = 0; i < N; i++)
		if (buf[i] != pattern(i))
			fail_msg("byte %zu: '%c', want '%c'", i, buf[i], pattern(i));
	out_end(u, rfd, wfd);
}

struct writer {
	struct serial *u;
	size_t len;
	bool done;
};

static void *writer(void *arg)
{
	struct writer *w = arg;

	for (size_t i = 0; i < w->len; i++)
		out_wr(w->u, THR, (uint8_t)pattern(i));
	serial__drain(w->u);
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static struct writer *writer_seen;

static bool writer_done(void)
{
	return __atomic_load_n(&writer_seen->done, __ATOMIC_ACQUIRE);
}

static bool ring_full(void)
{
	struct serial *u = writer_seen->u;
	bool full;

	pthread_mutex_lock(&u->lock);
	full = u->out_count == SERIAL_OUT_SIZE;
	pthread_mutex_unlock(&u->lock);
	return full;
}

/*
 * A reader that does not read: the pipe fills, then the ring, then the
 * vCPU waits (without the UART's lock: another vCPU's register access
 * goes on); nothing is dropped, and it goes on once the reader reads.
 */
static void test_full_ring_waits(void **state)
{
	enum { N = 4 * SERIAL_OUT_SIZE };
	static char buf[N];
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, 0);
	struct writer w = { .u = u, .len = N };
	uint8_t lsr;
	pthread_t t;

	(void)state;
	assert_int_equal(fcntl(wfd, F_SETPIPE_SZ, 4096), 4096);
	writer_seen = &w;
	assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
	assert_true(within_5s(ring_full));
	assert_false(within_ms(100, writer_done));
	serial__io(u, LSR, &lsr, 1, false);
	assert_int_equal(lsr, 0x60);
	assert_int_equal(read_for(rfd, buf, N, 5000), N);
	for (size_t i = 0; i < N; i++)
		if (buf[i] != pattern(i))
			fail_msg("byte %zu: '%c', want '%c'", i, buf[i], pattern(i));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(w.done);
	out_end(u, rfd, wfd);
}

/* The reader gone (EPIPE): output is discarded from then on, and nothing waits, a drain included. */
static void test_failed_output(void **state)
{
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, 0);
	struct writer w = { .u = u, .len = 4 * SERIAL_OUT_SIZE };
	uint64_t bytes = counted(&vmm_counters->console_bytes);
	pthread_t t;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	close(rfd);
	writer_seen = &w;
	assert_int_equal(pthread_create(&t, NULL, writer, &w), 0);
	assert_true(within_ms(5000, writer_done));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(u->out_fd, -1);
	assert_int_equal(u->out_count, 0);
	assert_int_equal(counted(&vmm_counters->console_bytes), bytes + 4 * SERIAL_OUT_SIZE);
	out_wr(u, THR, '\n');
	serial__drain(u);
	close(wfd);
}

/* What is held when the VMM is about to end is all written when serial__drain returns. */
static void test_drain(void **state)
{
	static char buf[1001], want[1000];
	int rfd, wfd;
	struct serial *u = out_start(&rfd, &wfd, LONG_QUIET_MS);

	(void)state;
	serial__drain(u);				/* nothing held: returns at once */
	for (size_t i = 0; i < sizeof(want); i++)
		want[i] = (char)('A' + i % 26);		/* under half the ring, no newline */
	out_str(u, want, sizeof(want));
	assert_true(pipe_empty(rfd));
	serial__drain(u);
	assert_int_equal(read(rfd, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	out_end(u, rfd, wfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dlab, setup),
		cmocka_unit_test_setup(test_scratch_and_reserved_bits, setup),
		cmocka_unit_test_setup(test_thr_interrupt, setup),
		cmocka_unit_test_setup(test_irq_line, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_wide_access, setup),
		cmocka_unit_test_setup(test_discarded_output, setup),
		cmocka_unit_test_setup(test_receive, setup),
		cmocka_unit_test_setup(test_fifo_overrun, setup),
		cmocka_unit_test_setup(test_holding_register_overrun, setup),
		cmocka_unit_test_setup(test_fifo_reset, setup),
		cmocka_unit_test_setup(test_rx_interrupt_priority, setup),
		cmocka_unit_test_setup(test_rx_irq_line, setup),
		cmocka_unit_test_setup(test_lsr_transmitter, setup),
		cmocka_unit_test_setup(test_fcr_transmit_reset, setup),
		cmocka_unit_test_setup(test_thri, setup),
		cmocka_unit_test(test_input_thread),
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_line_flush),
		cmocka_unit_test(test_ier_flush),
		cmocka_unit_test(test_quiet_flush),
		cmocka_unit_test(test_ring_order),
		cmocka_unit_test(test_full_ring_waits),
		cmocka_unit_test(test_failed_output),
		cmocka_unit_test(test_drain),
	};

	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
