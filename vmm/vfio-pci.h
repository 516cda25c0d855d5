/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VFIO_PCI_H
#define AIRLOCK_VFIO_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "msi.h"
#include "msix.h"
#include "pci.h"
#include "pcie.h"
#include "proto.h"
#include "counters-page.h"
#include "vfio-pci-irq.h"

/* BAR0..5, then the expansion ROM: the VFIO region indexes. */
#define VFIO_PCI_ROM	VFIO_PCI_ROM_REGION_INDEX
#define VFIO_PCI_BARS	(VFIO_PCI_ROM + 1)

/*
 * Guest memory mappings one device may use; pieces beyond these stay on
 * the trapped path, which is slower but complete.
 */
#define VFIO_PCI_SLOTS	16

/*
 * Lines a device may print about where the guest placed its BARs: a
 * guest that keeps moving them must not flood the operator's log.
 */
#define VFIO_PCI_PLACE_LINES	8

/* One BAR or the ROM as the guest sees it; its address lives in cfg. */
struct vfio_pci_bar {
	uint64_t size;		/* 0: the device has no such BAR */
	bool io, is64;
	bool half;		/* 64-bit: low dword written, high dword not yet */
	/* Where it decodes now, as hardware would route it (pcie__place); 0: nowhere. */
	uint64_t live;
	/* The last refusal told, and where: a line only when it changes. */
	enum pcie_place refused;
	uint64_t refused_at;
};

/* An mmapped, page-aligned part of a memory BAR. */
struct vfio_pci_piece {
	unsigned int bar;
	uint64_t off, size;	/* in the BAR */
	void *hva;
	uint64_t gpa;		/* where it is mapped now; 0: not mapped */
};

/* The device's MSI-X capability, emulated, and where its table and PBA are. */
struct vfio_pci_msix {
	struct msix emu;	/* emu.cap 0: none */
	unsigned int table_bar, pba_bar;
	uint32_t table_off, pba_off;
};

struct vfio_pci {
	int fd;			/* the VFIO device fd, the caller's */
	struct msg_device info;
	uint32_t cfg_size;	/* of the config region, at most PCI_CFG_SIZE */
	/* Local values and guest-writable bits of the virtualised registers. */
	struct pci_cfg cfg;
	/* Bits read from cfg rather than the device; bytes with all 8 set are never written to it. */
	uint8_t virt[PCI_CFG_SIZE];
	struct vfio_pci_bar bars[VFIO_PCI_BARS];
	struct vfio_pci_msix msix;
	struct msi msi;		/* msi.cap 0: none */
	struct vfio_pci_irqs irqs;
	struct vfio_pci_piece pieces[VFIO_PCI_SLOTS];
	unsigned int nr_pieces;
	struct pcie_endpoint ep;
	struct counters_device *counters;	/* its counters: trapped accesses */
	unsigned int place_lines;	/* said so far, at most VFIO_PCI_PLACE_LINES */
	uint8_t pm;		/* its power management capability; 0: none */
	bool asleep;		/* out of D0 (PMCSR): it decodes nothing */
};

/*
 * Reads the config region through fd, virtualises it, mmaps the BARs'
 * mappable areas, and sets up the interrupts (vfio_pci_irq__init): call
 * before the seccomp filter. d keeps fd (the caller's, open while d
 * lives). Returns 0, or -errno after one error line; nothing is left
 * mapped or open then.
 */
int vfio_pci__init(struct vfio_pci *d, const struct msg_device *info, int fd);
const struct pcie_endpoint *vfio_pci__endpoint(struct vfio_pci *d);
/* Turns the interrupts off, removes the guest mappings and unmaps the BARs; fd stays open. */
void vfio_pci__exit(struct vfio_pci *d);

#endif
