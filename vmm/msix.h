/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_MSIX_H
#define AIRLOCK_MSIX_H

#include <stdbool.h>
#include <stdint.h>

#include "msi.h"

#define MSIX_VECTORS_MAX	2048	/* Table Size is 11 bits */

/* A table entry as the guest programs it: address, data, vector control. */
struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

/*
 * The MSI-X capability's Message Control register, the table and the
 * Pending Bit Array, emulated: the device's own table belongs to the host
 * kernel, and VFIO_DEVICE_SET_IRQS programs it.
 */
struct msix {
	struct msi_ops ops;
	uint8_t cap;			/* offset in config space */
	uint16_t nr;			/* table entries */
	uint16_t ctrl;			/* Message Control as the guest sees it */
	struct msix_entry *table;
	uint64_t *live;			/* a bit per vector */
};

/* flags: Message Control as the device has it. Allocates: call before the seccomp filter. */
int msix__init(struct msix *x, uint8_t cap, uint16_t flags, const struct msi_ops *ops);
void msix__exit(struct msix *x);

static inline uint32_t msix__table_size(const struct msix *x)
{
	return x->nr * (uint32_t)sizeof(struct msix_entry);
}

static inline uint32_t msix__pba_size(const struct msix *x)
{
	return (x->nr + 63u) / 64 * 8;
}

/* Config accesses at reg: only bytes of Message Control are read or written. */
void msix__cfg_read(struct msix *x, uint16_t reg, uint8_t *data, uint32_t len);
void msix__cfg_write(struct msix *x, uint16_t reg, const uint8_t *data, uint32_t len);

/*
 * An access at off into the table, or the PBA. Bytes outside them read 0
 * and are not written. The PBA is read-only; a read ORs the vectors
 * pending here into data, which holds the device's own bits.
 */
void msix__table(struct msix *x, uint32_t off, uint8_t *data, uint32_t len, bool write);
void msix__pba_read(struct msix *x, uint32_t off, uint8_t *data, uint32_t len);

#endif
