// SPDX-License-Identifier: MIT
#include <string.h>
#include <unistd.h>

#include "serial.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define IER_THRI	0x02
#define IIR_NO_INT	0x01
#define IIR_THRI	0x02
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS_DSR_DCD	0xb0

void serial__init(struct serial *s, int out_fd, void (*set_irq)(bool level))
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->set_irq = set_irq;
}

static void serial__update_irq(struct serial *s)
{
	bool level = (s->ier & IER_THRI) && s->thr_irq;

	if (level != s->irq_level) {
		s->irq_level = level;
		s->set_irq(level);
	}
}

static void serial__transmit(struct serial *s, uint8_t c)
{
	s->thr_irq = true;
	/* In loopback the byte would go to the receiver, which has no input yet. */
	if (s->out_fd >= 0 && !(s->mcr & MCR_LOOP) && write(s->out_fd, &c, 1) < 0)
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

	if ((s->ier & IER_THRI) && s->thr_irq) {
		s->thr_irq = false;	/* reading IIR acknowledges "transmitter empty" */
		return fifo | IIR_THRI;
	}
	return fifo | IIR_NO_INT;
}

static uint8_t serial__read(struct serial *s, uint16_t off)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (off) {
	case RBR_THR:	return dlab ? s->dll : 0;
	case IER:	return dlab ? s->dlm : s->ier;
	case IIR_FCR:	return serial__iir(s);
	case LCR:	return s->lcr;
	case MCR:	return s->mcr;
	case LSR:	return LSR_THRE | LSR_TEMT;
	case MSR:	return serial__msr(s);
	case SCR:	return s->scr;
	}
	return 0xff;
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
	case IIR_FCR:	s->fcr = v & 0xc9; break;	/* enable, DMA mode, trigger level */
	case LCR:	s->lcr = v; break;
	case MCR:	s->mcr = v & 0x1f; break;
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
