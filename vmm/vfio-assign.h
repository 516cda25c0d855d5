/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_VFIO_ASSIGN_H
#define AIRLOCK_VFIO_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/vfio.h>

#include "kvm.h"
#include "msi.h"
#include "proto.h"
#include "syscall-filter.h"
#include "vfio-pci.h"

/*
 * Device info->index as the broker opened it (fd, which stays open),
 * modelled (vfio_pci__init) and plugged in behind its root port. Before
 * the seccomp filter. 0, or -errno after one error line.
 */
int vfio_assign__device(const struct kvm *kvm, const struct msg_device *info, int fd);

/* Every assigned device's fd and its vectors' eventfds, in their classes of f. */
int vfio_assign__filter_fds(struct syscall_filter_fds *f);

/*
 * What the device model (vfio-pci.c, vfio-pci-irq.c) has KVM and VFIO do,
 * -errno on failure. tests/unit/test_vfio_pci.c and tests/fuzz/fuzz_pcie.c
 * define these four themselves, to run the model with no VM or device.
 * map: [gpa, gpa+size) of the guest to hva as d's mapping slot; size 0
 *   removes the slot's mapping.
 * route: the GSI (from irq__alloc_msi) delivers msg.
 * irqfd: signals on fd raise gsi (on) or no longer do; resample_fd >= 0
 *   makes it a level line whose end of interrupt signals resample_fd.
 * set_irqs: VFIO_DEVICE_SET_IRQS on d's device fd.
 */
int vfio_assign__map(const struct vfio_pci *d, unsigned int slot, uint64_t gpa, void *hva, uint64_t size);
int vfio_assign__route(unsigned int gsi, const struct msi_msg *msg);
int vfio_assign__irqfd(int fd, unsigned int gsi, int resample_fd, bool on);
int vfio_assign__set_irqs(const struct vfio_pci *d, struct vfio_irq_set *set);

#endif
