/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VFIO_PCI_IRQ_H
#define AIRLOCK_VFIO_PCI_IRQ_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "msi.h"

struct vfio_pci;

/*
 * An MSI or MSI-X vector: VFIO signals its eventfd when the device raises
 * it, and KVM injects the vector's GSI from it while the vector is live.
 */
struct vfio_pci_vector {
	int efd;
	bool attached;		/* KVM_IRQFD in place */
};

/* Interrupts: INTx on a level GSI, or vectors on GSIs of their own. */
struct vfio_pci_irqs {
	unsigned int active;	/* the VFIO interrupt index on; VFIO_PCI_NUM_IRQS: none */
	unsigned int nr;	/* vectors: the MSI or the MSI-X ones, whichever are more */
	unsigned int gsi;	/* vector i's is gsi + i */
	struct vfio_pci_vector *vec;
	/*
	 * VFIO_DEVICE_SET_IRQS's argument, with room for set_max eventfds (nr,
	 * at least INTx's one): made at set-up, since the guest turns
	 * interrupts on and off when allocating is no longer allowed; used
	 * under the PCIe topology's lock, like the rest of the device.
	 */
	struct vfio_irq_set *set;
	unsigned int set_max;
	int intx_efd;		/* -1: no INTx */
	int intx_unmask_efd;	/* KVM signals it when the guest ends the interrupt */
	unsigned int intx_gsi;
	bool intx_attached;	/* KVM_IRQFD in place */
	unsigned int nr_efds;	/* eventfds opened for the device: within msg__device_fds's budget */
};

/* Nothing set up yet: what vfio_pci_irq__exit may meet however far init got. */
#define VFIO_PCI_IRQS_NONE \
	((struct vfio_pci_irqs){ .active = VFIO_PCI_NUM_IRQS, .intx_efd = -1, .intx_unmask_efd = -1 })

/* What d's MSI (index VFIO_PCI_MSI_IRQ_INDEX) or MSI-X block calls: for msi__init and msix__init. */
struct msi_ops vfio_pci_irq__ops(struct vfio_pci *d, unsigned int index);

/*
 * After the MSI and MSI-X blocks: an eventfd and a GSI for each vector,
 * and INTx on (pin: the device's Interrupt Pin) when VFIO offers it.
 * Before the seccomp filter. 0, or -errno after one error line.
 */
int vfio_pci_irq__init(struct vfio_pci *d, uint8_t pin);
/* Interrupts off, irqfds gone, eventfds closed: what init set up, however far it got. */
void vfio_pci_irq__exit(struct vfio_pci *d);

#endif
