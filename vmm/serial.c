// SPDX-License-Identifier: MIT
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "serial.h"
#include "count.h"

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
#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS_DSR_DCD	0xb0

void serial__init(struct serial *s, int out_fd, void (*set_irq)(bool level))
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->rx_room, NULL);
	s->out_fd = out_fd;
	s->in_fd = -1;
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

static void serial__transmit(struct serial *s, uint8_t c)
{
	s->thr_irq = true;
	if (s->mcr & MCR_LOOP)
		serial__rx_put(s, c);
	else if (s->out_fd >= 0 && write(s->out_fd, &c, 1) < 0)
		s->out_fd = -1;
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

/* Switching the FIFOs on or off empties them; the reset bits act only with the FIFOs on. */
static void serial__fcr(struct serial *s, uint8_t v)
{
	if (((v ^ s->fcr) & FCR_ENABLE) || ((v & FCR_ENABLE) && (v & FCR_CLEAR_RX)))
		serial__rx_clear(s);
	s->fcr = v & 0xc9;	/* enable, DMA mode, trigger level */
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
		} else {
			/* Enabling "transmitter empty" with an empty transmitter raises it at once. */
			if ((v & IER_THRI) && !(s->ier & IER_THRI))
				s->thr_irq = true;
			s->ier = v & 0x0f;
		}
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

	pthread_mutex_lock(&s->lock);
	if (write) {
		serial__write(s, off, data[0]);
	} else {
		memset(data, 0, size);
		data[0] = serial__read(s, off);
	}
	serial__update_irq(s);
	pthread_mutex_unlock(&s->lock);
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

	if (s->confine)
		s->confine();
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
	ret = pthread_create(&thread, NULL, serial__input, s);
	while (!ret && !s->input_up)
		pthread_cond_wait(&s->rx_room, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return -ret;
}
