// SPDX-License-Identifier: MIT
/*
 * An assigned device's interrupts. Each MSI or MSI-X vector has an eventfd
 * that VFIO signals and a GSI of its own; while the guest has the vector
 * live, KVM's irqfd injects it without the VMM. INTx raises its root
 * port's level-triggered GSI the same way. The emulated MSI and MSI-X
 * blocks (msi.c, msix.c) call in here as the guest programs them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "count.h"
#include "irq.h"
#include "layout.h"
#include "log.h"
#include "vfio-assign.h"
#include "vfio-pci.h"

/*
 * d's VFIO_DEVICE_SET_IRQS argument for count vectors of index from start
 * 0, with eventfds to come (efds) or none; NULL if it has no room for them.
 */
static struct vfio_irq_set *vfio_pci_irq__set(struct vfio_pci *d, unsigned int index, uint32_t action,
					      unsigned int count, bool efds)
{
	struct vfio_irq_set *set = d->irqs.set;

	if (!set || (efds && count > d->irqs.set_max))
		return NULL;
	*set = (struct vfio_irq_set){
		.argsz = (uint32_t)(sizeof(*set) + (efds ? count * sizeof(int32_t) : 0)),
		.flags = action | (efds ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE),
		.index = index,
		.count = count,
	};
	return set;
}

/* The eventfd of the set's i-th vector (i below what vfio_pci_irq__set made room for). */
static void vfio_pci_irq__set_fd(struct vfio_irq_set *set, unsigned int i, int fd)
{
	const int32_t v = fd;

	memcpy(set->data + i * sizeof(v), &v, sizeof(v));
}

static int vfio_pci_irq__set_irqs(struct vfio_pci *d, unsigned int index, uint32_t action,
				  unsigned int count, const int *fds)
{
	struct vfio_irq_set *set = vfio_pci_irq__set(d, index, action, count, fds != NULL);

	if (!set)
		return -EINVAL;
	for (unsigned int i = 0; fds && i < count; i++)
		vfio_pci_irq__set_fd(set, i, fds[i]);
	return vfio_assign__set_irqs(d, set);
}

/* Whichever interrupt kind VFIO has on goes off. */
static int vfio_pci_irq__off(struct vfio_pci *d)
{
	unsigned int index = d->irqs.active;

	if (index == VFIO_PCI_NUM_IRQS)
		return 0;
	d->irqs.active = VFIO_PCI_NUM_IRQS;
	return vfio_pci_irq__set_irqs(d, index, VFIO_IRQ_SET_ACTION_TRIGGER, 0, NULL);
}

/*
 * VFIO masks INTx when it fires; the guest's end of interrupt makes KVM
 * signal the unmask eventfd, and VFIO unmasks it, all in the kernel.
 */
static int vfio_pci_irq__intx_on(struct vfio_pci *d)
{
	struct vfio_pci_irqs *q = &d->irqs;
	int ret;

	if (q->intx_efd < 0)
		return 0;
	ret = vfio_pci_irq__set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, 1, &q->intx_efd);
	if (!ret)
		ret = vfio_pci_irq__set_irqs(d, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, 1,
					     &q->intx_unmask_efd);
	if (!ret)
		q->active = VFIO_PCI_INTX_IRQ_INDEX;
	return ret;
}

/*
 * MSI or MSI-X on with nr vectors, or off (nr 0); INTx is on exactly while
 * neither is, as the PCI spec has it. Every vector gets its eventfd at
 * once: VFIO (before Linux 6.5) cannot add vectors to ones already on
 * without turning them all off, which could lose interrupts.
 */
static int vfio_pci_irq__vectors_on(struct vfio_pci *d, unsigned int index, unsigned int nr)
{
	const char *kind = index == VFIO_PCI_MSIX_IRQ_INDEX ? "MSI-X" : "MSI";
	struct vfio_irq_set *set;
	int ret;

	if (!nr) {
		if (d->irqs.active != index)
			return 0;
		ret = vfio_pci_irq__off(d);
		if (!ret)
			ret = vfio_pci_irq__intx_on(d);
		if (ret)
			pr_err("%s: cannot turn %s off and INTx back on through VFIO: %s", d->info.name, kind,
			       strerror(-ret));
		return ret;
	}
	ret = nr > d->irqs.nr ? -EINVAL : vfio_pci_irq__off(d);
	if (!ret) {
		/* Filled after the call above, which used the same argument. */
		set = vfio_pci_irq__set(d, index, VFIO_IRQ_SET_ACTION_TRIGGER, nr, true);
		for (unsigned int i = 0; set && i < nr; i++)
			vfio_pci_irq__set_fd(set, i, d->irqs.vec[i].efd);
		ret = set ? vfio_assign__set_irqs(d, set) : -EINVAL;
	}
	if (!ret) {
		d->irqs.active = index;
		return 0;
	}
	pr_err("%s: cannot enable %u %s vectors through VFIO: %s; its guest driver gets no interrupts",
	       d->info.name, nr, kind, strerror(-ret));
	return ret;
}

static int vfio_pci_irq__msix_enable(void *ctx, unsigned int nr)
{
	return vfio_pci_irq__vectors_on(ctx, VFIO_PCI_MSIX_IRQ_INDEX, nr);
}

static int vfio_pci_irq__msi_enable(void *ctx, unsigned int nr)
{
	return vfio_pci_irq__vectors_on(ctx, VFIO_PCI_MSI_IRQ_INDEX, nr);
}

/* Takes what the eventfd counted; true when it had fired. */
static bool vfio_pci_irq__drain(int efd)
{
	uint64_t n;

	return read(efd, &n, sizeof(n)) == sizeof(n);
}

static void vfio_pci_irq__refire(const struct vfio_pci *d, int efd, unsigned int i)
{
	const uint64_t one = 1;

	if (write(efd, &one, sizeof(one)) != sizeof(one))
		pr_err("%s: lost a pending interrupt of vector %u: %s", d->info.name, i, strerror(errno));
}

/*
 * A live vector's eventfd is KVM's: the device's interrupts reach the guest
 * without the VMM. A masked one's counts what fired, for the pending bits;
 * when it goes live that is delivered once, through KVM.
 */
static void vfio_pci_irq__vector(void *ctx, unsigned int i, const struct msi_msg *msg, bool live)
{
	struct vfio_pci *d = ctx;
	struct vfio_pci_vector *v = &d->irqs.vec[i];
	unsigned int gsi = d->irqs.gsi + i;
	bool pending;
	int ret = 0;

	if (i >= d->irqs.nr)
		return;
	if (!live) {
		if (v->attached)
			ret = vfio_assign__irqfd(v->efd, gsi, -1, false);
		v->attached = false;
	} else {
		ret = vfio_assign__route(gsi, msg);
		if (!ret && !v->attached) {
			pending = vfio_pci_irq__drain(v->efd);
			ret = vfio_assign__irqfd(v->efd, gsi, -1, true);
			v->attached = !ret;
			if (pending) {
				count__inc(&vmm_counters->irq_wakeups);
				vfio_pci_irq__refire(d, v->efd, i);
			}
		}
	}
	if (ret)
		pr_err("%s: cannot %s interrupt vector %u in KVM: %s", d->info.name,
		       live ? "connect" : "disconnect", i, strerror(-ret));
}

static bool vfio_pci_irq__pending(void *ctx, unsigned int i)
{
	struct vfio_pci *d = ctx;

	if (i >= d->irqs.nr || d->irqs.vec[i].attached || !vfio_pci_irq__drain(d->irqs.vec[i].efd))
		return false;
	count__inc(&vmm_counters->irq_wakeups);
	vfio_pci_irq__refire(d, d->irqs.vec[i].efd, i);
	return true;
}

struct msi_ops vfio_pci_irq__ops(struct vfio_pci *d, unsigned int index)
{
	return (struct msi_ops){
		.enable = index == VFIO_PCI_MSIX_IRQ_INDEX ? vfio_pci_irq__msix_enable : vfio_pci_irq__msi_enable,
		.vector = vfio_pci_irq__vector,
		.pending = vfio_pci_irq__pending,
		.ctx = d,
	};
}

/*
 * The broker let the sandbox hold msg__device_fds(info) descriptors for
 * the device (its RLIMIT_NOFILE counts them): the device fd and these
 * eventfds. Opening more is a VMM bug, stopped here rather than left to
 * an EMFILE that could fall on another device or thread.
 */
static int vfio_pci_irq__eventfd(struct vfio_pci *d, int *efd)
{
	unsigned int budget = msg__device_fds(&d->info) - 1;

	if (d->irqs.nr_efds >= budget) {
		pr_err("%s: its interrupts would take more than the %u eventfds the broker allows it "
		       "(msg__device_fds); a bug in airlock-vmm, and the device is not assigned", d->info.name, budget);
		return -EMFILE;
	}
	*efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (*efd >= 0) {
		d->irqs.nr_efds++;
		return 0;
	}
	pr_err("%s: cannot create eventfds for its interrupts: %s", d->info.name, strerror(errno));
	return -errno;
}

static int vfio_pci_irq__init_vectors(struct vfio_pci *d)
{
	struct vfio_pci_irqs *q = &d->irqs;
	unsigned int msi = d->msi.cap ? msi__max_vectors((uint16_t)(d->msi.regs[PCI_MSI_FLAGS])) : 0;
	unsigned int nr = d->msix.emu.cap ? d->msix.emu.nr : 0;
	int ret;

	nr = nr > msi ? nr : msi;
	q->set_max = nr ? nr : 1;
	q->set = calloc(1, sizeof(*q->set) + q->set_max * sizeof(int32_t));
	if (!q->set) {
		pr_err("%s: no memory for its interrupt vectors", d->info.name);
		return -ENOMEM;
	}
	if (!nr)
		return 0;
	q->vec = calloc(nr, sizeof(*q->vec));
	if (!q->vec) {
		pr_err("%s: no memory for its interrupt vectors", d->info.name);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < nr; i++)
		q->vec[i].efd = -1;
	q->nr = nr;
	for (unsigned int i = 0; i < nr; i++) {
		ret = vfio_pci_irq__eventfd(d, &q->vec[i].efd);
		if (ret)
			return ret;
	}
	ret = irq__alloc_msi(nr, &q->gsi);
	if (ret)
		pr_err("%s: no interrupt routes left for its %u vectors; assign fewer devices", d->info.name, nr);
	return ret;
}

static void vfio_pci_irq__close_intx(struct vfio_pci *d)
{
	struct vfio_pci_irqs *q = &d->irqs;

	if (q->intx_attached)
		vfio_assign__irqfd(q->intx_efd, q->intx_gsi, -1, false);
	if (q->intx_efd >= 0)
		close(q->intx_efd);
	if (q->intx_unmask_efd >= 0)
		close(q->intx_unmask_efd);
	q->intx_efd = q->intx_unmask_efd = -1;
	q->intx_attached = false;
}

/*
 * INTx pin p of the device raises its root port's GSI for p, as the _PRT
 * says. Without it (VFIO refuses a line the host shares when the device
 * cannot mask INTx) the device still works through MSI or MSI-X: its
 * Interrupt Pin then reads 0.
 */
static int vfio_pci_irq__init_intx(struct vfio_pci *d, uint8_t pin)
{
	struct vfio_pci_irqs *q = &d->irqs;
	int ret;

	if (!d->info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count || pin < 1 || pin > 4)
		return 0;
	ret = vfio_pci_irq__eventfd(d, &q->intx_efd);
	if (!ret)
		ret = vfio_pci_irq__eventfd(d, &q->intx_unmask_efd);
	if (ret)
		return ret;
	q->intx_gsi = layout__intx_gsi(d->info.rc, d->info.port + 1, pin);
	ret = vfio_assign__irqfd(q->intx_efd, q->intx_gsi, q->intx_unmask_efd, true);
	if (!ret) {
		q->intx_attached = true;
		ret = vfio_pci_irq__intx_on(d);
	}
	if (!ret)
		return 0;
	pr_err("%s: no INTx for the guest (%s); its driver must use MSI or MSI-X", d->info.name, strerror(-ret));
	vfio_pci_irq__close_intx(d);
	d->virt[PCI_INTERRUPT_PIN] = 0xff;
	return 0;
}

int vfio_pci_irq__init(struct vfio_pci *d, uint8_t pin)
{
	int ret = vfio_pci_irq__init_vectors(d);

	return ret ? ret : vfio_pci_irq__init_intx(d, pin);
}

void vfio_pci_irq__exit(struct vfio_pci *d)
{
	struct vfio_pci_irqs *q = &d->irqs;

	vfio_pci_irq__off(d);
	for (unsigned int i = 0; i < q->nr; i++) {
		if (q->vec[i].attached)
			vfio_assign__irqfd(q->vec[i].efd, q->gsi + i, -1, false);
		if (q->vec[i].efd >= 0)
			close(q->vec[i].efd);
	}
	free(q->vec);
	q->vec = NULL;
	q->nr = 0;
	vfio_pci_irq__close_intx(d);
	free(q->set);
	q->set = NULL;
	q->set_max = 0;
	q->nr_efds = 0;
}
