// SPDX-License-Identifier: MIT
#include <string.h>

#include "le.h"
#include "log.h"
#include "pci.h"

/*
 * PCIe hardwires the conventional-PCI-only command bits (special cycles,
 * memory write and invalidate, palette snoop, stepping, fast back-to-back).
 */
#define PCI_COMMAND_WMASK	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)
/* The error bits of the (primary and secondary) status registers are RW1C. */
#define PCI_STATUS_W1C		(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | \
				 PCI_STATUS_REC_TARGET_ABORT | PCI_STATUS_REC_MASTER_ABORT | \
				 PCI_STATUS_SIG_SYSTEM_ERROR | PCI_STATUS_DETECTED_PARITY)
#define PCI_BRIDGE_CTL_VGA_16	0x10

/* Latency timers, BIST and the bridge's discard timers are hardwired to 0 in PCIe. */
static const struct pci_reg pci_header_regs[] = {
	{ PCI_COMMAND,		2, 0, PCI_COMMAND_WMASK, 0 },
	{ PCI_STATUS,		2, 0, 0, PCI_STATUS_W1C },
	{ PCI_CACHE_LINE_SIZE,	1, 0, 0xff, 0 },
	{ PCI_INTERRUPT_LINE,	1, 0, 0xff, 0 },
};

/*
 * PCI-to-PCI bridge windows: the low nibble of each base and limit says
 * what the window decodes (16-bit I/O, 32-bit memory, 64-bit prefetchable)
 * and is read-only. A window is closed while its base is above its limit,
 * which is how they start.
 */
static const struct pci_reg pci_type1_regs[] = {
	{ PCI_PRIMARY_BUS,	 1, 0, 0xff, 0 },
	{ PCI_SECONDARY_BUS,	 1, 0, 0xff, 0 },
	{ PCI_SUBORDINATE_BUS,	 1, 0, 0xff, 0 },
	{ PCI_IO_BASE,		 1, 0xf0 | PCI_IO_RANGE_TYPE_16, 0xf0, 0 },
	{ PCI_IO_LIMIT,		 1, PCI_IO_RANGE_TYPE_16, 0xf0, 0 },
	{ PCI_SEC_STATUS,	 2, 0, 0, PCI_STATUS_W1C },
	{ PCI_MEMORY_BASE,	 2, 0xfff0, 0xfff0, 0 },
	{ PCI_MEMORY_LIMIT,	 2, 0, 0xfff0, 0 },
	{ PCI_PREF_MEMORY_BASE,	 2, 0xfff0 | PCI_PREF_RANGE_TYPE_64, 0xfff0, 0 },
	{ PCI_PREF_MEMORY_LIMIT, 2, PCI_PREF_RANGE_TYPE_64, 0xfff0, 0 },
	{ PCI_PREF_BASE_UPPER32, 4, 0, 0xffffffff, 0 },
	{ PCI_PREF_LIMIT_UPPER32, 4, 0, 0xffffffff, 0 },
	{ PCI_BRIDGE_CONTROL,	 2, 0, PCI_BRIDGE_CTL_PARITY | PCI_BRIDGE_CTL_SERR | PCI_BRIDGE_CTL_ISA |
		PCI_BRIDGE_CTL_VGA | PCI_BRIDGE_CTL_VGA_16 | PCI_BRIDGE_CTL_BUS_RESET, 0 },
};

uint32_t pci__get(const struct pci_cfg *c, unsigned int off, unsigned int len)
{
	return (uint32_t)le__get(c->data + off, len);
}

void pci__set(struct pci_cfg *c, unsigned int off, unsigned int len, uint32_t val)
{
	le__put(c->data + off, len, val);
}

void pci__set_regs(struct pci_cfg *c, unsigned int base, const struct pci_reg *regs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int off = base + regs[i].off;

		le__put(c->data + off, regs[i].len, regs[i].val);
		le__put(c->wmask + off, regs[i].len, regs[i].wmask);
		le__put(c->w1cmask + off, regs[i].len, regs[i].w1c);
	}
}

static void pci__init_header(struct pci_cfg *c, const struct pci_cfg_ids *ids, uint8_t type)
{
	memset(c, 0, sizeof(*c));
	pci__set(c, PCI_VENDOR_ID, 2, ids->vendor);
	pci__set(c, PCI_DEVICE_ID, 2, ids->device);
	pci__set(c, PCI_CLASS_REVISION, 4, ids->class << 8 | ids->revision);
	pci__set(c, PCI_HEADER_TYPE, 1, type);
	pci__set_regs(c, 0, pci_header_regs, ARRAY_SIZE(pci_header_regs));
}

void pci__init_type0(struct pci_cfg *c, const struct pci_cfg_ids *ids)
{
	pci__init_header(c, ids, PCI_HEADER_TYPE_NORMAL);
	pci__set(c, PCI_SUBSYSTEM_VENDOR_ID, 2, ids->subsys_vendor);
	pci__set(c, PCI_SUBSYSTEM_ID, 2, ids->subsys);
}

void pci__init_type1(struct pci_cfg *c, const struct pci_cfg_ids *ids)
{
	pci__init_header(c, ids, PCI_HEADER_TYPE_BRIDGE);
	pci__set_regs(c, 0, pci_type1_regs, ARRAY_SIZE(pci_type1_regs));
}

void pci__add_cap(struct pci_cfg *c, uint8_t off, uint8_t id)
{
	pci__set(c, off + PCI_CAP_LIST_ID, 1, id);
	pci__set(c, off + PCI_CAP_LIST_NEXT, 1, 0);
	pci__set(c, c->cap_last ? c->cap_last + PCI_CAP_LIST_NEXT : PCI_CAPABILITY_LIST, 1, off);
	pci__set(c, PCI_STATUS, 2, pci__get(c, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	c->cap_last = off;
}

void pci__access(struct pci_cfg *c, uint32_t off, uint8_t *data, uint32_t len, bool write)
{
	if (off >= PCI_CFG_SIZE || len > PCI_CFG_SIZE - off) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (!write) {
		memcpy(data, c->data + off, len);
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t *b = &c->data[off + i];

		*b = (uint8_t)((*b & ~c->wmask[off + i]) | (data[i] & c->wmask[off + i]));
		*b &= (uint8_t)~(data[i] & c->w1cmask[off + i]);
	}
}
