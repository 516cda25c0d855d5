// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irq.h"

#define IRQ_IOAPIC_PINS	24
#define IRQ_PIC_PINS	16
#define IRQ_ROUTES_MAX	(IRQ_IOAPIC_PINS + IRQ_PIC_PINS + IRQ_MSI_MAX)

/* Static: routes change while the guest runs, when allocating is no longer allowed. */
static struct {
	pthread_mutex_t lock;
	unsigned int nr_msi;
	bool routed[IRQ_MSI_MAX];
	struct msi_msg msg[IRQ_MSI_MAX];
} irq = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * KVM_SET_GSI_ROUTING's argument, under irq.lock: the header and room for
 * every route in its entries[]. A union of its own, since one holding a
 * structure with a flexible array member may not be a member of another.
 */
static union {
	struct kvm_irq_routing table;
	uint8_t room[sizeof(struct kvm_irq_routing) + IRQ_ROUTES_MAX * sizeof(struct kvm_irq_routing_entry)];
} routes;

int irq__alloc_msi(unsigned int nr, unsigned int *first)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&irq.lock);
	if (nr <= IRQ_MSI_MAX - irq.nr_msi) {
		*first = IRQ_GSI_MSI_BASE + irq.nr_msi;
		irq.nr_msi += nr;
		ret = 0;
	}
	pthread_mutex_unlock(&irq.lock);
	return ret;
}

static void irq__add(unsigned int *n, struct kvm_irq_routing_entry e)
{
	routes.table.entries[(*n)++] = e;
}

/*
 * KVM_SET_GSI_ROUTING replaces the whole table, so it carries KVM's default
 * routes too: GSI n to IOAPIC pin n, and for n < 16 to the PICs' pin n.
 */
static unsigned int irq__build(void)
{
	unsigned int n = 0;

	for (unsigned int gsi = 0; gsi < IRQ_IOAPIC_PINS; gsi++) {
		irq__add(&n, (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi },
		});
		if (gsi < IRQ_PIC_PINS)
			irq__add(&n, (struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
					.pin = gsi % 8,
				},
			});
	}
	for (unsigned int i = 0; i < irq.nr_msi; i++)
		if (irq.routed[i])
			irq__add(&n, (struct kvm_irq_routing_entry){
				.gsi = IRQ_GSI_MSI_BASE + i, .type = KVM_IRQ_ROUTING_MSI,
				.u.msi = {
					.address_lo = (uint32_t)irq.msg[i].addr,
					.address_hi = (uint32_t)(irq.msg[i].addr >> 32),
					.data = irq.msg[i].data,
				},
			});
	return n;
}

int irq__route_msi(const struct kvm *kvm, unsigned int gsi, const struct msi_msg *msg)
{
	unsigned int i = gsi - IRQ_GSI_MSI_BASE;
	int ret = 0;

	if (gsi < IRQ_GSI_MSI_BASE || i >= irq.nr_msi)
		return -EINVAL;
	pthread_mutex_lock(&irq.lock);
	if (!irq.routed[i] || irq.msg[i].addr != msg->addr || irq.msg[i].data != msg->data) {
		irq.routed[i] = true;
		irq.msg[i] = *msg;
		routes.table.nr = irq__build();
		if (ioctl(kvm->vm_fd, KVM_SET_GSI_ROUTING, &routes.table))
			ret = -errno;
	}
	pthread_mutex_unlock(&irq.lock);
	return ret;
}

int irq__irqfd(const struct kvm *kvm, int fd, unsigned int gsi, int resample_fd, bool on)
{
	struct kvm_irqfd r = { .fd = (uint32_t)fd, .gsi = gsi };

	if (!on)
		r.flags = KVM_IRQFD_FLAG_DEASSIGN;
	else if (resample_fd >= 0)
		r = (struct kvm_irqfd){ .fd = (uint32_t)fd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_RESAMPLE,
					.resamplefd = (uint32_t)resample_fd };
	return ioctl(kvm->vm_fd, KVM_IRQFD, &r) ? -errno : 0;
}
