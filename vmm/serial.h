/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SERIAL_H
#define AIRLOCK_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_NR_REGS		8
#define SERIAL_FIFO_SIZE	16

/*
 * A 16550A UART: a transmitter that never backs up, and a receiver with a
 * 16-byte FIFO (one holding register with the FIFOs off) fed from a
 * descriptor by a thread of its own.
 */
struct serial {
	pthread_mutex_t lock;
	pthread_cond_t rx_room;	/* the input thread waits here for room in the FIFO */
	int out_fd;		/* -1: output is discarded */
	int in_fd;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	bool overrun;		/* LSR OE: a byte was lost, until LSR is read */
	bool thr_irq;		/* "transmitter empty" interrupt pending */
	bool irq_level;		/* the interrupt line as last driven */
	bool input_up;		/* the input thread has started */
	void (*set_irq)(bool level);
	void (*confine)(void);	/* NULL, or the input thread's first call: its seccomp filter */
};

/* set_irq drives the UART's interrupt line; it is called on every change. */
void serial__init(struct serial *s, int out_fd, void (*set_irq)(bool level));
void serial__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

/*
 * Start the thread that feeds the receiver from in_fd until end of file,
 * waiting while the FIFO is full. It returns once the thread runs, after
 * s->confine: no filter installed afterwards sees the thread's start-up.
 */
int serial__start_input(struct serial *s, int in_fd);

/* What the input thread does with each byte read: waits for room, then receives it. */
void serial__feed(struct serial *s, uint8_t c);

#endif
