/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VFIO_PCI_H
#define AIRLOCK_VFIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "pci.h"
#include "pcie.h"
#include "proto.h"

/* BAR0..5, then the expansion ROM: the VFIO region indexes. */
#define VFIO_PCI_ROM	VFIO_PCI_ROM_REGION_INDEX
#define VFIO_PCI_BARS	(VFIO_PCI_ROM + 1)

/*
 * Guest memory mappings one device may use; pieces beyond these stay on
 * the trapped path, which is slower but complete.
 */
#define VFIO_PCI_SLOTS	16

/* How BAR mappings reach the guest: map [gpa, gpa+size) to hva; size 0 removes slot's mapping. */
struct vfio_pci_mapper {
	int (*map)(void *ctx, unsigned int slot, uint64_t gpa, void *hva, uint64_t size);
	void *ctx;
};

/* One BAR or the ROM as the guest sees it; its address lives in cfg. */
struct vfio_pci_bar {
	uint64_t size;		/* 0: the device has no such BAR */
	bool io, is64;
	bool half;		/* 64-bit: low dword written, high dword not yet */
};

/* An mmapped, page-aligned part of a memory BAR. */
struct vfio_pci_piece {
	unsigned int bar;
	uint64_t off, size;	/* in the BAR */
	void *hva;
	uint64_t gpa;		/* where it is mapped now; 0: not mapped */
};

/* The device's MSI-X capability, as found. */
struct vfio_pci_msix {
	uint8_t cap;		/* its offset; 0: none */
	uint16_t nr;		/* table entries */
	unsigned int table_bar, pba_bar;
	uint32_t table_off, pba_off;
};

struct vfio_pci {
	int fd;			/* the VFIO device fd, the caller's */
	struct msg_device info;
	struct vfio_pci_mapper mapper;
	uint32_t cfg_size;	/* of the config region, at most PCI_CFG_SIZE */
	/* Local values and guest-writable bits of the virtualised registers. */
	struct pci_cfg cfg;
	/* Bits read from cfg rather than the device; bytes with all 8 set are never written to it. */
	uint8_t virt[PCI_CFG_SIZE];
	struct vfio_pci_bar bars[VFIO_PCI_BARS];
	struct vfio_pci_msix msix;
	struct vfio_pci_piece pieces[VFIO_PCI_SLOTS];
	unsigned int nr_pieces;
	struct pcie_endpoint ep;
};

/*
 * Reads the config region through fd, virtualises it and mmaps the BARs'
 * mappable areas: call before the seccomp filter. d keeps fd (the
 * caller's, open while d lives) and a copy of *m. Returns 0, or -errno
 * after one error line; nothing is left mapped then.
 */
int vfio_pci__init(struct vfio_pci *d, const struct msg_device *info, int fd,
		   const struct vfio_pci_mapper *m);
const struct pcie_endpoint *vfio_pci__endpoint(struct vfio_pci *d);
/* Removes the guest mappings and unmaps the BARs; fd stays open. */
void vfio_pci__exit(struct vfio_pci *d);

#endif
