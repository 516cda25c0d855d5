// SPDX-License-Identifier: MIT
/*
 * An MSI capability: Message Control, Message Address (32 or 64 bits),
 * Message Data and, with per-vector masking, Mask and Pending Bits.
 * Multiple-message MSI sends vector i as the data with its low log2(nr)
 * bits replaced by i.
 */
#include <string.h>
#include <linux/pci_regs.h>

#include "le.h"
#include "msi.h"

static uint32_t msi__get(const struct msi *m, unsigned int off, unsigned int len)
{
	return (uint32_t)le__get(m->regs + off, len);
}

static void msi__set_reg(struct msi *m, unsigned int off, unsigned int len, uint32_t wmask)
{
	le__put(m->wmask + off, len, wmask);
}

static bool msi__is64(const struct msi *m)
{
	return msi__get(m, PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_64BIT;
}

static bool msi__maskable(const struct msi *m)
{
	return msi__get(m, PCI_MSI_FLAGS, 2) & PCI_MSI_FLAGS_MASKBIT;
}

static unsigned int msi__mask_reg(const struct msi *m)
{
	return msi__is64(m) ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

unsigned int msi__max_vectors(uint16_t flags)
{
	unsigned int mmc = (flags & PCI_MSI_FLAGS_QMASK) >> 1;

	/* 110b and 111b are reserved encodings. */
	return 1u << (mmc < 5 ? mmc : 5);
}

void msi__init(struct msi *m, uint8_t cap, uint16_t flags, const struct msi_ops *ops)
{
	unsigned int max = msi__max_vectors(flags);
	bool is64 = flags & PCI_MSI_FLAGS_64BIT, mask = flags & PCI_MSI_FLAGS_MASKBIT;
	unsigned int data = is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;

	memset(m, 0, sizeof(*m));
	m->ops = *ops;
	m->cap = cap;
	m->len = (uint8_t)(mask ? data + 12 : data + 2);
	/* Read-only: capable counts, 64-bit and masking; the guest sets enable and MME. */
	m->regs[PCI_MSI_FLAGS] = (uint8_t)(flags & (PCI_MSI_FLAGS_QMASK | PCI_MSI_FLAGS_64BIT));
	m->regs[PCI_MSI_FLAGS + 1] = (uint8_t)((flags & PCI_MSI_FLAGS_MASKBIT) >> 8);
	msi__set_reg(m, PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | (max > 1 ? PCI_MSI_FLAGS_QSIZE : 0));
	msi__set_reg(m, PCI_MSI_ADDRESS_LO, 4, ~3u);
	if (is64)
		msi__set_reg(m, PCI_MSI_ADDRESS_HI, 4, ~0u);
	msi__set_reg(m, data, 2, 0xffff);
	if (mask)
		msi__set_reg(m, msi__mask_reg(m), 4, max == 32 ? ~0u : (1u << max) - 1);
}

/* Multiple Message Enable as a count, never above what the device offers. */
static unsigned int msi__enabled(const struct msi *m)
{
	uint16_t ctrl = (uint16_t)msi__get(m, PCI_MSI_FLAGS, 2);
	unsigned int max = msi__max_vectors(ctrl), mme = (ctrl & PCI_MSI_FLAGS_QSIZE) >> 4;

	if (!(ctrl & PCI_MSI_FLAGS_ENABLE))
		return 0;
	return mme < 6 && (1u << mme) <= max ? 1u << mme : max;
}

static struct msi_msg msi__msg(const struct msi *m)
{
	unsigned int data = msi__is64(m) ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	struct msi_msg msg = { .addr = msi__get(m, PCI_MSI_ADDRESS_LO, 4) };

	if (msi__is64(m))
		msg.addr |= (uint64_t)msi__get(m, PCI_MSI_ADDRESS_HI, 4) << 32;
	msg.data = msi__get(m, data, 2);
	return msg;
}

static uint32_t msi__live_mask(const struct msi *m, unsigned int nr)
{
	uint32_t all = nr == 32 ? ~0u : (1u << nr) - 1;

	return msi__maskable(m) ? all & ~msi__get(m, msi__mask_reg(m), 4) : all;
}

/* Brings the vectors in line with the registers after a guest write. */
static void msi__update(struct msi *m)
{
	unsigned int nr = msi__enabled(m), old_nr = m->nr;
	struct msi_msg msg = msi__msg(m);
	uint32_t live = nr ? msi__live_mask(m, nr) : 0;
	bool moved = msg.addr != m->msg.addr || msg.data != m->msg.data;

	if (nr != old_nr) {
		for (unsigned int i = 0; i < old_nr; i++)
			if (m->live & 1u << i)
				m->ops.vector(m->ops.ctx, i, &m->msg, false);
		m->live = 0;
		if (old_nr)
			m->ops.enable(m->ops.ctx, 0);
		if (nr)
			m->ops.enable(m->ops.ctx, nr);
	}
	for (unsigned int i = 0; i < nr; i++) {
		bool now = live & 1u << i, was = m->live & 1u << i;
		struct msi_msg v = { .addr = msg.addr, .data = (msg.data & ~(nr - 1)) | i };

		if (now != was || (now && moved))
			m->ops.vector(m->ops.ctx, i, &v, now);
	}
	m->nr = nr;
	m->live = live;
	m->msg = msg;
}

/* The Pending Bits: vectors that fired while masked. */
static uint32_t msi__pending(struct msi *m)
{
	uint32_t bits = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (!(m->live & 1u << i) && m->ops.pending(m->ops.ctx, i))
			bits |= 1u << i;
	return bits;
}

/* The offset in regs of config byte at, or -1 when it is not one of the registers. */
static int msi__reg(const struct msi *m, uint32_t at)
{
	uint32_t first = m->cap + (uint32_t)PCI_MSI_FLAGS;

	return at >= first && at - m->cap < m->len ? (int)(at - m->cap) : -1;
}

void msi__cfg_read(struct msi *m, uint16_t reg, uint8_t *data, uint32_t len)
{
	unsigned int pend = msi__mask_reg(m) + 4;
	uint32_t bits = 0;
	bool fetched = false;

	for (uint32_t i = 0; i < len; i++) {
		int off = msi__reg(m, reg + i);

		if (off < 0)
			continue;
		if (msi__maskable(m) && off >= (int)pend) {
			if (!fetched)
				bits = msi__pending(m);
			fetched = true;
			data[i] = (uint8_t)(bits >> 8 * (off - (int)pend));
		} else {
			data[i] = m->regs[off];
		}
	}
}

void msi__cfg_write(struct msi *m, uint16_t reg, const uint8_t *data, uint32_t len)
{
	bool hit = false;

	for (uint32_t i = 0; i < len; i++) {
		int off = msi__reg(m, reg + i);

		if (off < 0)
			continue;
		m->regs[off] = (uint8_t)((m->regs[off] & ~m->wmask[off]) | (data[i] & m->wmask[off]));
		hit = true;
	}
	if (hit)
		msi__update(m);
}
