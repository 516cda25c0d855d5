/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SERIAL_H
#define AIRLOCK_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define SERIAL_COM1_BASE	0x3f8
#define SERIAL_NR_REGS		8

/* An 8250 UART with a byte-at-a-time transmitter that never backs up. */
struct serial {
	pthread_mutex_t lock;
	int out_fd;		/* -1: output is discarded */
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
	bool thr_irq;		/* "transmitter empty" interrupt pending */
	bool irq_level;		/* the interrupt line as last driven */
	void (*set_irq)(bool level);
};

/* set_irq drives the UART's interrupt line; it is called on every change. */
void serial__init(struct serial *s, int out_fd, void (*set_irq)(bool level));
void serial__io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

#endif
