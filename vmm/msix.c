// SPDX-License-Identifier: MIT
/*
 * MSI-X: a vector delivers its entry's message while MSI-X is enabled, the
 * function is not masked and the entry's own mask bit is clear. Vectors
 * start masked. The spec allows dword and aligned qword accesses to the
 * table and PBA; narrower or unaligned ones are served byte by byte.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pci_regs.h>

#include "msix.h"

#define MSIX_CTRL_GUEST	(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

int msix__init(struct msix *x, uint8_t cap, uint16_t flags, const struct msi_ops *ops)
{
	memset(x, 0, sizeof(*x));
	x->ops = *ops;
	x->cap = cap;
	x->nr = (uint16_t)((flags & PCI_MSIX_FLAGS_QSIZE) + 1);
	x->ctrl = flags & PCI_MSIX_FLAGS_QSIZE;
	x->table = calloc(x->nr, sizeof(*x->table));
	x->live = calloc((x->nr + 63u) / 64, sizeof(*x->live));
	if (!x->table || !x->live) {
		msix__exit(x);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < x->nr; i++)
		x->table[i].ctrl = PCI_MSIX_ENTRY_CTRL_MASKBIT;
	return 0;
}

void msix__exit(struct msix *x)
{
	free(x->table);
	free(x->live);
	x->table = NULL;
	x->live = NULL;
}

static bool msix__is_live(const struct msix *x, unsigned int i)
{
	return x->live[i / 64] >> (i % 64) & 1;
}

static bool msix__should_live(const struct msix *x, unsigned int i)
{
	return (x->ctrl & MSIX_CTRL_GUEST) == PCI_MSIX_FLAGS_ENABLE &&
	       !(x->table[i].ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT);
}

static struct msi_msg msix__msg(const struct msix_entry *e)
{
	return (struct msi_msg){ .addr = (uint64_t)e->addr_hi << 32 | e->addr_lo, .data = e->data };
}

/* Vector i after its entry or the control register changed; old: its entry before. */
static void msix__update(struct msix *x, unsigned int i, const struct msix_entry *old)
{
	bool was = msix__is_live(x, i), now = msix__should_live(x, i);
	const struct msix_entry *e = &x->table[i];
	struct msi_msg msg = msix__msg(e);

	if (now == was && (!now || (old->addr_lo == e->addr_lo && old->addr_hi == e->addr_hi &&
				     old->data == e->data)))
		return;
	x->live[i / 64] ^= (uint64_t)(now != was) << (i % 64);
	x->ops.vector(x->ops.ctx, i, &msg, now);
}

static void msix__update_all(struct msix *x)
{
	for (unsigned int i = 0; i < x->nr; i++)
		msix__update(x, i, &x->table[i]);
}

static void msix__set_ctrl(struct msix *x, uint16_t ctrl)
{
	bool was = x->ctrl & PCI_MSIX_FLAGS_ENABLE, now = ctrl & PCI_MSIX_FLAGS_ENABLE;

	x->ctrl = (uint16_t)((x->ctrl & ~MSIX_CTRL_GUEST) | (ctrl & MSIX_CTRL_GUEST));
	if (was == now) {
		msix__update_all(x);
		return;
	}
	/* Vectors die before the interrupts are torn down, and go live after they exist. */
	if (now) {
		x->ops.enable(x->ops.ctx, x->nr);
		msix__update_all(x);
	} else {
		msix__update_all(x);
		x->ops.enable(x->ops.ctx, 0);
	}
}

void msix__cfg_read(struct msix *x, uint16_t reg, uint8_t *data, uint32_t len)
{
	const unsigned int ctrl = x->cap + PCI_MSIX_FLAGS;

	for (uint32_t i = 0; i < len; i++)
		if (reg + i == ctrl || reg + i == ctrl + 1)
			data[i] = (uint8_t)(x->ctrl >> 8 * (reg + i - ctrl));
}

void msix__cfg_write(struct msix *x, uint16_t reg, const uint8_t *data, uint32_t len)
{
	const unsigned int hi = x->cap + PCI_MSIX_FLAGS + 1;

	/* Enable and Function Mask are in the upper byte; the lower one is read-only. */
	for (uint32_t i = 0; i < len; i++)
		if (reg + i == hi)
			msix__set_ctrl(x, (uint16_t)(data[i] << 8));
}

void msix__table(struct msix *x, uint32_t off, uint8_t *data, uint32_t len, bool write)
{
	const uint32_t size = msix__table_size(x), esize = sizeof(struct msix_entry);
	uint32_t first = off / esize, last;
	struct msix_entry old[2];

	if (!write) {
		for (uint32_t i = 0; i < len; i++)
			data[i] = off + i < size ? ((uint8_t *)x->table)[off + i] : 0;
		return;
	}
	if (off >= size)
		return;
	/* At most a qword: it touches one entry, or two when unaligned. */
	len = len < 8 ? len : 8;
	len = len < size - off ? len : size - off;
	last = (off + len - 1) / esize;
	memcpy(old, &x->table[first], (last - first + 1) * esize);
	for (uint32_t i = 0; i < len; i++) {
		uint8_t *p = (uint8_t *)x->table + off + i;
		uint32_t byte = (off + i) % esize;

		/* Of Vector Control only the mask bit is writable; the rest is reserved. */
		if (byte == offsetof(struct msix_entry, ctrl))
			*p = data[i] & PCI_MSIX_ENTRY_CTRL_MASKBIT;
		else if (byte < offsetof(struct msix_entry, ctrl))
			*p = data[i];
	}
	for (uint32_t n = first; n <= last; n++)
		msix__update(x, n, &old[n - first]);
}

void msix__pba_read(struct msix *x, uint32_t off, uint8_t *data, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		for (unsigned int b = 0; b < 8; b++) {
			uint32_t v = (off + i) * 8 + b;

			if (v < x->nr && !msix__is_live(x, v) && x->ops.pending(x->ops.ctx, v))
				data[i] |= (uint8_t)(1u << b);
		}
	}
}
