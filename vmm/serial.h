/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SERIAL_H
#define AIRLOCK_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_NR_REGS		8
#define SERIAL_FIFO_SIZE	16
#define SERIAL_OUT_SIZE		4096	/* the output ring */
#define SERIAL_OUT_QUIET_MS	10	/* how long output without a flush waits */

/*
 * A 16550A UART: a transmitter that never backs up, and a receiver with a
 * 16-byte FIFO (one holding register with the FIFOs off) fed from a
 * descriptor by a thread of its own.
 *
 * What the guest transmits goes into a ring that a second thread writes
 * to out_fd: at the end of a line, with the ring half full, when the
 * guest writes IER (the end of Linux's console write and of its tty's
 * transmit burst), and otherwise at most out_quiet after the bytes came.
 * A vCPU waits only while the ring is full.
 */
struct serial {
	pthread_mutex_t lock;
	pthread_cond_t rx_room;	/* the input thread waits here for room in the FIFO */
	pthread_cond_t out_room; /* vCPUs and serial__drain wait here for the output thread */
	int out_fd;		/* -1: output is discarded */
	int in_fd;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	uint8_t rx[SERIAL_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	bool overrun;		/* LSR OE: a byte was lost, until LSR is read */
	bool thr_irq;		/* "transmitter empty" interrupt pending */
	bool irq_level;		/* the interrupt line as last driven */
	bool input_up;		/* the input thread has started */
	bool output_up;		/* the output thread has started */
	uint8_t out[SERIAL_OUT_SIZE];
	unsigned int out_head, out_count;
	uint64_t out_done;	/* bytes written or discarded, ever: how far serial__drain has got */
	uint32_t out_seq;	/* futex word: bumped to wake the output thread */
	bool out_flush;		/* a flush is due */
	bool out_sleeping;	/* the output thread waits on out_seq: a flush must wake it */
	bool out_idle;		/* ... with nothing to time: the first byte must wake it too */
	bool out_kick;		/* a wake-up to make once the lock is dropped */
	struct timespec out_quiet;	/* SERIAL_OUT_QUIET_MS */
	void (*set_irq)(bool level);
	void (*confine_input)(void);	/* NULL, or the input thread's first call: its seccomp filter */
	void (*confine_output)(void);	/* the same for the output thread */
};

/* set_irq drives the UART's interrupt line; it is called on every change. Output is discarded until started. */
void serial__init(struct serial *s, void (*set_irq)(bool level));
void serial__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

/*
 * Start the thread that feeds the receiver from in_fd until end of file,
 * waiting while the FIFO is full. It returns once the thread runs, after
 * s->confine_input: no filter installed afterwards sees the thread's start-up.
 */
int serial__start_input(struct serial *s, int in_fd);

/*
 * Start the thread that writes what the guest transmits to out_fd, until
 * a write fails; output is discarded from then on. It returns once the
 * thread runs, after s->confine_output.
 */
int serial__start_output(struct serial *s, int out_fd);

/* What the input thread does with each byte read: waits for room, then receives it. */
void serial__feed(struct serial *s, uint8_t c);

/* Before the VMM ends: returns once all the guest has transmitted so far is written, or discarded. */
void serial__drain(struct serial *s);

#endif
