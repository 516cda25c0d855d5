// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "serial.h"
#include "count.h"
#include "thread.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define IER_RDI		0x01
#define IER_THRI	0x02
#define IER_RLSI	0x04
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_RLSI	0x06
#define IIR_RX_TIMEOUT	0x0c
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define FCR_KEPT	0xc9	/* enable, DMA mode, trigger level; the reset bits clear themselves */
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS_DSR_DCD	0xb0

void serial__init(struct serial *s, void (*set_irq)(bool level))
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->rx_room, NULL);
	pthread_cond_init(&s->out_room, NULL);
	s->out_fd = -1;
	s->in_fd = -1;
	s->out_quiet = (struct timespec){ 0, SERIAL_OUT_QUIET_MS * 1000000L };
	s->set_irq = set_irq;
}

/* With the FIFOs off, the receiver is the 8250's single holding register. */
static unsigned int serial__rx_size(const struct serial *s)
{
	return (s->fcr & FCR_ENABLE) ? SERIAL_FIFO_SIZE : 1;
}

/* FCR bits 7:6 select 1, 4, 8 or 14 bytes. */
static unsigned int serial__rx_trigger(const struct serial *s)
{
	static const unsigned int level[] = { 1, 4, 8, 14 };

	return level[s->fcr >> 6];
}

/*
 * No line timing is modelled: data below the FIFO's trigger level is
 * reported at once, as the "character timeout" it would become.
 */
static uint8_t serial__rx_iir(const struct serial *s)
{
	if ((s->fcr & FCR_ENABLE) && s->rx_count < serial__rx_trigger(s))
		return IIR_RX_TIMEOUT;
	return IIR_RDI;
}

/* The highest-priority pending interrupt, as IIR's identification bits. */
static uint8_t serial__pending(const struct serial *s)
{
	if ((s->ier & IER_RLSI) && s->overrun)
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return serial__rx_iir(s);
	if ((s->ier & IER_THRI) && s->thr_irq)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void serial__update_irq(struct serial *s)
{
	bool level = serial__pending(s) != IIR_NO_INT;

	if (level != s->irq_level) {
		s->irq_level = level;
		s->set_irq(level);
	}
}

/*
 * A byte into a full receiver is an overrun: the 8250 overwrites its
 * holding register, the 16550's FIFO keeps what it holds and loses the new byte.
 */
static void serial__rx_put(struct serial *s, uint8_t c)
{
	if (s->rx_count == serial__rx_size(s)) {
		s->overrun = true;
		if (!(s->fcr & FCR_ENABLE))
			s->rx[s->rx_head] = c;
		return;
	}
	s->rx[(s->rx_head + s->rx_count++) % SERIAL_FIFO_SIZE] = c;
}

static uint8_t serial__rx_get(struct serial *s)
{
	uint8_t c;

	if (!s->rx_count)
		return 0;
	c = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_FIFO_SIZE;
	s->rx_count--;
	pthread_cond_signal(&s->rx_room);
	return c;
}

static void serial__rx_clear(struct serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	pthread_cond_signal(&s->rx_room);
}

/*
 * Under the lock: wake the output thread if it sleeps, once the lock is
 * dropped (s->out_kick). A thread that runs needs no call: it looks at
 * the ring again before it sleeps.
 */
static void serial__kick(struct serial *s)
{
	if (!s->out_sleeping)
		return;
	s->out_sleeping = false;
	s->out_idle = false;
	__atomic_add_fetch(&s->out_seq, 1, __ATOMIC_RELEASE);
	s->out_kick = true;
}

static void serial__wake(struct serial *s)
{
	syscall(SYS_futex, &s->out_seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* The kick due, if any, for a caller about to wait under the lock. */
static void serial__kick_now(struct serial *s)
{
	if (s->out_kick) {
		s->out_kick = false;
		serial__wake(s);
	}
}

static void serial__flush(struct serial *s)
{
	if (!s->out_count)
		return;
	s->out_flush = true;
	serial__kick(s);
}

/* Nothing is lost while out_fd takes bytes: a full ring holds the vCPU until there is room. */
static void serial__out_put(struct serial *s, uint8_t c)
{
	while (s->out_count == SERIAL_OUT_SIZE && s->out_fd >= 0) {
		serial__flush(s);
		serial__kick_now(s);
		pthread_cond_wait(&s->out_room, &s->lock);
	}
	if (s->out_fd < 0)
		return;
	s->out[(s->out_head + s->out_count++) % SERIAL_OUT_SIZE] = c;
	if (c == '\n' || s->out_count >= SERIAL_OUT_SIZE / 2)
		serial__flush(s);
	else if (s->out_idle)
		serial__kick(s);	/* the first byte after a silence starts the quiet timer */
}

static void serial__transmit(struct serial *s, uint8_t c)
{
	if (s->mcr & MCR_LOOP) {
		serial__rx_put(s, c);
	} else {
		count__inc(&vmm_counters->console_bytes);
		serial__out_put(s, c);
	}
	s->thr_irq = true;	/* sent at once: the holding register is empty again */
}

/* In loopback, the modem outputs DTR, RTS, OUT1, OUT2 read back as DSR, CTS, RI, DCD. */
static uint8_t serial__msr(const struct serial *s)
{
	if (!(s->mcr & MCR_LOOP))
		return MSR_CTS_DSR_DCD;
	return (uint8_t)(((s->mcr & 0x01) << 5) | ((s->mcr & 0x02) << 3) |
			 ((s->mcr & 0x04) << 4) | ((s->mcr & 0x08) << 4));
}

static uint8_t serial__iir(struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;
	uint8_t id = serial__pending(s);

	if (id == IIR_THRI)
		s->thr_irq = false;	/* reading IIR acknowledges "transmitter empty" */
	return fifo | id;
}

static uint8_t serial__lsr(struct serial *s)
{
	uint8_t lsr = LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0) | (s->overrun ? LSR_OE : 0);

	s->overrun = false;	/* reading LSR clears its error bits */
	return lsr;
}

static uint8_t serial__read(struct serial *s, uint16_t off)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off) {
	case RBR_THR:	return dlab ? s->dll : serial__rx_get(s);
	case IER:	return dlab ? s->dlm : s->ier;
	case IIR_FCR:	return serial__iir(s);
	case LCR:	return s->lcr;
	case MCR:	return s->mcr;
	case LSR:	return serial__lsr(s);
	case MSR:	return serial__msr(s);
	case SCR:	return s->scr;
	}
	return 0xff;
}

/*
 * Switching the FIFOs on or off empties them; the reset bits act only with
 * the FIFOs on. The transmit FIFO is always empty, so its reset (bit 2)
 * has nothing to clear: the ring's bytes are sent, as far as the guest knows.
 */
static void serial__fcr(struct serial *s, uint8_t v)
{
	if (((v ^ s->fcr) & FCR_ENABLE) || ((v & FCR_ENABLE) && (v & FCR_CLEAR_RX)))
		serial__rx_clear(s);
	s->fcr = v & FCR_KEPT;
}

static void serial__write(struct serial *s, uint16_t off, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off) {
	case RBR_THR:
		if (dlab)
			s->dll = v;
		else
			serial__transmit(s, v);
		break;
	case IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling "transmitter empty" with an empty transmitter raises it at once. */
		if ((v & IER_THRI) && !(s->ier & IER_THRI))
			s->thr_irq = true;
		s->ier = v & 0x0f;
		/* Linux's console write ends by restoring IER, its tty's transmit by clearing THRI. */
		serial__flush(s);
		break;
	case IIR_FCR:	serial__fcr(s, v); break;
	case LCR:	s->lcr = v; break;
	case MCR:
		s->mcr = v & 0x1f;
		pthread_cond_signal(&s->rx_room);	/* input waits out loopback */
		break;
	case SCR:	s->scr = v; break;
	}	/* LSR and MSR are read-only */
}

void serial__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	struct serial *s = dev;
	bool kick;

	pthread_mutex_lock(&s->lock);
	if (write) {
		serial__write(s, off, data[0]);
	} else {
		memset(data, 0, size);
		data[0] = serial__read(s, off);
	}
	serial__update_irq(s);
	kick = s->out_kick;
	s->out_kick = false;
	pthread_mutex_unlock(&s->lock);
	/* Woken after the unlock, the output thread does not stop on the lock at once. */
	if (kick)
		serial__wake(s);
}

/* In loopback the receiver hears only the transmitter; outside input waits, never lost. */
void serial__feed(struct serial *s, uint8_t c)
{
	pthread_mutex_lock(&s->lock);
	while ((s->mcr & MCR_LOOP) || s->rx_count == serial__rx_size(s))
		pthread_cond_wait(&s->rx_room, &s->lock);
	serial__rx_put(s, c);
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

/*
 * End of input leaves the guest running, but its thread must not return: a
 * thread's exit makes system calls (signal mask, stack release, exit) the
 * seccomp filter refuses. It sleeps for good instead.
 */
static void __attribute__((noreturn)) serial__input_done(struct serial *s)
{
	pthread_mutex_lock(&s->lock);
	for (;;)
		pthread_cond_wait(&s->rx_room, &s->lock);
}

static void *serial__input(void *arg)
{
	struct serial *s = arg;
	uint8_t buf[SERIAL_FIFO_SIZE];
	ssize_t n;

	if (s->confine_input)
		s->confine_input();
	pthread_mutex_lock(&s->lock);
	s->input_up = true;
	pthread_cond_broadcast(&s->rx_room);
	pthread_mutex_unlock(&s->lock);
	for (;;) {
		n = read(s->in_fd, buf, sizeof(buf));
		count__inc(&vmm_counters->input_wakeups);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++)
			serial__feed(s, buf[i]);
	}
	if (n < 0)
		pr_err("COM1 input: %s; the guest gets no more input", strerror(errno));
	serial__input_done(s);
}

int serial__start_input(struct serial *s, int in_fd)
{
	pthread_t thread;
	int ret;

	s->in_fd = in_fd;
	pthread_mutex_lock(&s->lock);
	ret = thread__start(&thread, serial__input, s);
	while (!ret && !s->input_up)
		pthread_cond_wait(&s->rx_room, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return -ret;
}

/*
 * Writes what the ring holds, in one write(2), two where it wraps, with
 * the lock dropped: the vCPUs only add bytes behind these. A failed write
 * discards the output from then on.
 */
static void serial__out_write(struct serial *s)
{
	unsigned int head = s->out_head, n = s->out_count, done = 0;
	int fd = s->out_fd;
	bool failed = false;

	s->out_flush = false;
	pthread_mutex_unlock(&s->lock);
	while (done < n && !failed) {
		unsigned int at = (head + done) % SERIAL_OUT_SIZE;
		unsigned int len = n - done < SERIAL_OUT_SIZE - at ? n - done : SERIAL_OUT_SIZE - at;
		ssize_t w;

		count__inc(&vmm_counters->console_writes);	/* before: whoever reads the bytes sees the count */
		w = write(fd, s->out + at, len);
		if (w > 0)
			done += (unsigned int)w;
		else if (!(w < 0 && errno == EINTR))
			failed = true;
	}
	pthread_mutex_lock(&s->lock);
	if (failed) {
		s->out_fd = -1;
		n = s->out_count;
	}
	s->out_head = (s->out_head + n) % SERIAL_OUT_SIZE;
	s->out_count -= n;
	s->out_done += n;
	pthread_cond_broadcast(&s->out_room);
}

/*
 * Sleeps on out_seq until a kick, or for out_quiet when timed; true when
 * the time ran out. No clock is read: the futex's timeout is relative.
 */
static bool serial__out_wait(struct serial *s, bool timed)
{
	uint32_t seq = s->out_seq;
	long ret;
	int err;

	s->out_sleeping = true;
	s->out_idle = !timed;
	pthread_mutex_unlock(&s->lock);
	ret = syscall(SYS_futex, &s->out_seq, FUTEX_WAIT_PRIVATE, seq, timed ? &s->out_quiet : NULL, NULL, 0);
	err = errno;
	pthread_mutex_lock(&s->lock);
	s->out_sleeping = false;
	s->out_idle = false;
	return ret < 0 && err == ETIMEDOUT;
}

/*
 * Bytes wait for a flush, or for out_quiet. After a write the thread stays
 * on the timer for one more quiet time, so that output that goes on needs
 * no kick; only after a silence does it sleep untimed, and the next byte
 * wakes it. Like the input thread, it never returns.
 */
static void __attribute__((noreturn)) serial__output_loop(struct serial *s)
{
	bool linger = false, expired = false;

	for (;;) {
		if (s->out_count && (s->out_flush || expired)) {
			serial__out_write(s);
			linger = true;
			expired = false;
			continue;
		}
		expired = serial__out_wait(s, s->out_count || linger);
		if (expired && !s->out_count)
			linger = expired = false;
	}
}

static void *serial__output(void *arg)
{
	struct serial *s = arg;

	if (s->confine_output)
		s->confine_output();
	pthread_mutex_lock(&s->lock);
	s->output_up = true;
	pthread_cond_broadcast(&s->out_room);
	serial__output_loop(s);
}

int serial__start_output(struct serial *s, int out_fd)
{
	pthread_t thread;
	int ret;

	pthread_mutex_lock(&s->lock);
	s->out_fd = out_fd;
	ret = thread__start(&thread, serial__output, s);
	if (ret)
		s->out_fd = -1;
	while (!ret && !s->output_up)
		pthread_cond_wait(&s->out_room, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return -ret;
}

void serial__drain(struct serial *s)
{
	uint64_t end;

	pthread_mutex_lock(&s->lock);
	end = s->out_done + s->out_count;
	serial__flush(s);
	serial__kick_now(s);
	while (s->out_done < end)
		pthread_cond_wait(&s->out_room, &s->lock);
	pthread_mutex_unlock(&s->lock);
}
