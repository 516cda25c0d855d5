/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PCI_H
#define AIRLOCK_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/pci_regs.h>

#define PCI_CFG_SIZE	4096	/* a PCIe function's configuration space, extended space included */

/*
 * One function's configuration space. A guest write changes only the bits set
 * in wmask and clears the bits set in w1cmask that it writes as 1 (RW1C);
 * every other bit is read-only, reserved bits included (they stay 0).
 */
struct pci_cfg {
	uint8_t data[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1cmask[PCI_CFG_SIZE];
	uint8_t cap_last;	/* offset of the last capability in the list; 0: none */
};

struct pci_cfg_ids {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys;	/* type 0 only: a type 1 header has no room for them */
	uint32_t class;			/* base class, subclass, programming interface */
	uint8_t revision;
};

/* A register of 1, 2 or 4 bytes at off: its reset value, guest-writable bits and RW1C bits. */
struct pci_reg {
	uint16_t off;
	uint8_t len;
	uint32_t val, wmask, w1c;
};

/* Headers without BARs or expansion ROM: those registers read 0, so sizing them finds nothing. */
void pci__init_type0(struct pci_cfg *c, const struct pci_cfg_ids *ids);
void pci__init_type1(struct pci_cfg *c, const struct pci_cfg_ids *ids);

/* Defines regs at their offsets from base (0 for the header, a capability's offset for its registers). */
void pci__set_regs(struct pci_cfg *c, unsigned int base, const struct pci_reg *regs, unsigned int n);
/* Appends a capability with this id at off, a dword-aligned offset in [0x40, 0x100) the caller lays out. */
void pci__add_cap(struct pci_cfg *c, uint8_t off, uint8_t id);

/* The device's own view: values of len 1, 2 or 4 bytes, masks bypassed. */
uint32_t pci__get(const struct pci_cfg *c, unsigned int off, unsigned int len);
void pci__set(struct pci_cfg *c, unsigned int off, unsigned int len, uint32_t val);

/* A guest access of len bytes at off; data is little-endian. Outside the space it reads all ones and writes nothing. */
void pci__access(struct pci_cfg *c, uint32_t off, uint8_t *data, uint32_t len, bool write);

#endif
