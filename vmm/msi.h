/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_MSI_H
#define AIRLOCK_MSI_H

#include <stdbool.h>
#include <stdint.h>

/* A message signalled interrupt: the memory write a device makes to raise it. */
struct msi_msg {
	uint64_t addr;
	uint32_t data;
};

/*
 * What an MSI or MSI-X register block asks of the device model behind it.
 * enable: the guest turned the block on with nr vectors, or off (nr 0);
 *   vectors are all dead while it changes.
 * vector: vector i is live and delivers msg, or not live (masked, or the
 *   block off); called when that or a live vector's message changes.
 * pending: whether vector i fired while it was not live; asking must not
 *   lose the interrupt, which is delivered when the vector goes live.
 */
struct msi_ops {
	int (*enable)(void *ctx, unsigned int nr);
	void (*vector)(void *ctx, unsigned int i, const struct msi_msg *msg, bool live);
	bool (*pending)(void *ctx, unsigned int i);
	void *ctx;
};

#define MSI_VECTORS_MAX	32
#define MSI_REGS_MAX	24	/* 64-bit address and per-vector masking */

/*
 * The MSI capability, emulated whole: the device's own one belongs to the
 * host kernel, and VFIO_DEVICE_SET_IRQS programs it.
 */
struct msi {
	struct msi_ops ops;
	uint8_t cap;			/* offset in config space */
	uint8_t len;			/* bytes of registers from cap */
	uint8_t regs[MSI_REGS_MAX];	/* from cap; 0 and 1 (ID, next) unused */
	uint8_t wmask[MSI_REGS_MAX];
	unsigned int nr;		/* vectors on; 0: off */
	uint32_t live;
	struct msi_msg msg;		/* vector 0's, as last delivered */
};

/* flags: the capability's Message Control register as the device has it. */
void msi__init(struct msi *m, uint8_t cap, uint16_t flags, const struct msi_ops *ops);
/* Vectors the capability offers: what Multiple Message Capable says. */
unsigned int msi__max_vectors(uint16_t flags);
/* Config accesses at reg: only bytes in the capability's registers are read or written. */
void msi__cfg_read(struct msi *m, uint16_t reg, uint8_t *data, uint32_t len);
void msi__cfg_write(struct msi *m, uint16_t reg, const uint8_t *data, uint32_t len);

#endif
