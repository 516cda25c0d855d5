/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_IRQ_H
#define AIRLOCK_IRQ_H

#include <stdbool.h>

#include "kvm.h"
#include "msi.h"

/*
 * KVM's interrupt routing. GSIs 0-23 are the IOAPIC's pins (0-15 also the
 * PICs'); those above carry MSI messages of assigned devices, each the GSI
 * of one vector, for KVM_IRQFD to inject without the VMM.
 */
#define IRQ_GSI_MSI_BASE	24
#define IRQ_MSI_MAX		4000	/* below KVM's 4096 routes, with the pins' 40 */

/* nr consecutive GSIs for MSI vectors; before the seccomp filter. -ENOSPC when all are taken. */
int irq__alloc_msi(unsigned int nr, unsigned int *first);

/* Points gsi (from irq__alloc_msi) at msg, and tells KVM. */
int irq__route_msi(const struct kvm *kvm, unsigned int gsi, const struct msi_msg *msg);

/*
 * Signals on fd raise gsi (on), or no longer do (off). resample_fd >= 0
 * makes it a level-triggered line: KVM lowers it and signals resample_fd
 * when the guest ends the interrupt.
 */
int irq__irqfd(const struct kvm *kvm, int fd, unsigned int gsi, int resample_fd, bool on);

#endif
