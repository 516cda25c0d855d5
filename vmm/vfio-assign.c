// SPDX-License-Identifier: MIT
/*
 * The VMM's VFIO glue: the assigned devices, their BAR pieces in KVM
 * memory slots, their interrupts in VFIO and KVM's GSI routes and irqfds.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "irq.h"
#include "log.h"
#include "pcie.h"
#include "vfio-assign.h"

/* Each device owns VFIO_PCI_SLOTS memory slots, after those of the devices before it. */
_Static_assert(CONFIG_DEVICES_MAX * VFIO_PCI_SLOTS <= KVM_MMIO_SLOTS, "memory slots for device BARs");

static struct {
	const struct kvm *kvm;
	struct vfio_pci dev[CONFIG_DEVICES_MAX];
	unsigned int nr;
} assign;

int vfio_assign__device(const struct kvm *kvm, const struct msg_device *info, int fd)
{
	struct vfio_pci *d = &assign.dev[info->index];	/* below CONFIG_DEVICES_MAX: msg__read_device */
	int ret;

	assign.kvm = kvm;
	ret = vfio_pci__init(d, info, fd);
	if (ret)
		return ret;
	assign.nr = info->index + 1;
	ret = pcie__attach(info->rc, info->port, vfio_pci__endpoint(d));
	if (ret)
		pr_err("%s: the broker placed it behind a root port that does not exist", info->name);
	return ret;
}

int vfio_assign__filter_fds(struct syscall_filter_fds *f)
{
	int ret = 0;

	for (unsigned int i = 0; !ret && i < assign.nr; i++) {
		const struct vfio_pci_irqs *q = &assign.dev[i].irqs;

		ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_DEVICE, assign.dev[i].fd);
		for (unsigned int v = 0; !ret && v < q->nr; v++)
			ret = syscall_filter__fd(f, SYSCALL_FILTER_FD_EVENTFD, q->vec[v].efd);
	}
	return ret;
}

int vfio_assign__map(const struct vfio_pci *d, unsigned int slot, uint64_t gpa, void *hva, uint64_t size)
{
	return kvm__map_mmio(assign.kvm, d->info.index * VFIO_PCI_SLOTS + slot, gpa, hva, size);
}

int vfio_assign__route(unsigned int gsi, const struct msi_msg *msg)
{
	return irq__route_msi(assign.kvm, gsi, msg);
}

int vfio_assign__irqfd(int fd, unsigned int gsi, int resample_fd, bool on)
{
	return irq__irqfd(assign.kvm, fd, gsi, resample_fd, on);
}

int vfio_assign__set_irqs(const struct vfio_pci *d, struct vfio_irq_set *set)
{
	return ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}
