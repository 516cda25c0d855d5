// SPDX-License-Identifier: MIT
/*
 * The guest-facing PCIe model as a hostile guest drives it: one root
 * complex with two root ports and an assigned device behind each
 * (vfio_pci__init on a memfd holding a configuration space recorded in the
 * test host, as tests/unit/test_vfio_pci.c stands one in for the VFIO
 * device fd), then configuration accesses through ECAM and ports
 * 0xcf8/0xcfc, memory and I/O accesses where the BARs, the MSI-X tables,
 * the local APIC, ECAM and RAM are, and interrupts the devices raise.
 * The memfd takes every write, as a device would that vfio-pci let every
 * write through to: what the VMM keeps read-only must stay so without the
 * device's help. It starts in D0, as vfio-pci leaves a device it opens.
 *
 * After every operation, what the VMM asked the (fake) KVM to map must be
 * where hardware would route it, an access the model claimed must be one a
 * BAR decodes, and the capability lists the guest reads must be well
 * formed, all judged by the registers as the guest reads them back; a
 * violation prints one line, "fuzz_pcie: ...", and aborts. The fake
 * host checks its own calls too: a memory slot added twice or removed where
 * it is not, an irqfd attached twice, a VFIO interrupt index turned on
 * beside another, a closed eventfd handed to VFIO. Fresh state per input:
 * pcie__init, vfio_pci__init and vfio_pci__exit, new memfds; nothing may
 * stay mapped, attached or open afterwards.
 *
 * Two stand-ins, so that each input starts afresh and the fuzzer stays
 * quiet: irq__alloc_msi (vmm/irq.c never gives GSIs back) and pr_err
 * (shared/log.c writes every line to stderr; FUZZ_PCIE_LOG=1 shows them,
 * with the operations and memory slots, to see what an input does). The
 * fake host stands in for vmm/vfio-assign.c's calls into KVM and VFIO.
 *
 * Input: one byte of set-up, then operations (at most OPS_MAX), each an op
 * byte and its operands, integers little-endian; a short input reads zeros.
 *
 * Set-up byte:
 *   bits 0-2  every Nth request to add a memory slot fails (0: none does)
 *   bit 3     VFIO_DEVICE_SET_IRQS fails when it turns interrupts on
 *   bit 4     KVM refuses MSI routes and irqfds
 *   bits 5-6  devices behind root ports 0 and 1: nvme and e1000e,
 *             e1000e and nvme, edu and nvme, e1000e and edu
 *   bit 7     VFIO gives the devices an INTx
 *
 * Op byte: bits 0-2 the kind, bits 3-4 the size (1, 2, 4 or 8 bytes),
 * bit 5 a write, bits 6-7 "aux". A write's value (size bytes) comes after
 * the other operands. Kinds:
 *   0 ECAM        [bus][devfn][reg u16]: at layout__ecam(0) + (bus << 20 |
 *                 devfn << 12 | reg & 0xfff), any size and alignment
 *   1 CF8/CFC     [address u32]: written to 0xcf8, then the access at
 *                 0xcfc + aux (8 bytes: 4)
 *   2 device cfg  [dev][reg u16]: device dev & 1 through ECAM, on the
 *                 secondary bus its root port has now
 *   3 memory      [target][off u32]: pcie__mmio at (target & 15):
 *                 0 off; 1 0x8000000000 + off; 2-7 BAR0-5 + (int32)off;
 *                 8 ROM + (int32)off; 9 the MSI-X table + (int32)off;
 *                 10 the PBA + (int32)off; 11 0xfee00000 + (int32)off;
 *                 12 ECAM + off; 13 the root port's memory window + off;
 *                 14 its prefetchable window + off; 15 where slot
 *                 off >> 24 & 15 is mapped + (off & 0xffffff). Of device
 *                 or port (target >> 4) & 1, BARs as its config space
 *                 shows them; the address is cut to 52 bits
 *   4 I/O         [target][off u16]: port off, or with target bit 7 the
 *                 first I/O BAR of device target & 1 + (int16)off; 0xcf8
 *                 and 0xcfc-0xcff go to the configuration mechanism, the
 *                 rest to pcie__io (8 bytes: 4)
 *   5 windows     [port][mem base u16][mem limit u16][pref base u16]
 *                 [pref limit u16][pref base upper u32][pref limit upper
 *                 u32][io base][io limit][command u16]: written through
 *                 ECAM to root port port & 1, in this order (no value)
 *   6 BAR         [dev][bar][address u64]: BAR bar % 7 (6: the ROM) of
 *                 device dev & 1, as kind 2 would write it: the low dword,
 *                 then the high one if the BAR reads back as 64-bit and
 *                 aux bit 1 is clear; aux bit 0: then memory and I/O
 *                 decoding on (no value)
 *   7 interrupt   [dev][vector]: device dev & 1 raises vector (modulo its
 *                 MSI/MSI-X vectors; INTx without them): its eventfd fires
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../unit/fixtures/vfio-configs.h"
#include "irq.h"
#include "layout.h"
#include "le.h"
#include "log.h"
#include "pcie.h"
#include "vfio-assign.h"
#include "vfio-pci.h"

#define OPS_MAX		256
#define NR_DEVS		2
#define RAM_SIZE	(64ull << 20)
#define REGION_OFF(i)	((uint64_t)(i) << 24)
#define CFG_REGION	VFIO_PCI_CONFIG_REGION_INDEX
#define RW		(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)
#define RWM		(RW | VFIO_REGION_INFO_FLAG_MMAP)
#define PHYS_MASK	((1ull << 52) - 1)	/* no guest access reaches beyond MAXPHYADDR */
#define IRQFDS_MAX	80			/* a device's vectors, and INTx */
#define FDS_CHECKED	16

enum { OP_ECAM, OP_CF8, OP_DEV_CFG, OP_MEM, OP_IO, OP_WINDOWS, OP_BAR, OP_IRQ };

/* A device as VFIO reports it: its recorded config space, its regions and its MSI and MSI-X vectors. */
struct model {
	const char *name;
	const uint8_t *config;
	uint64_t cfg_size;
	uint64_t size[VFIO_PCI_BARS];
	uint32_t flags[VFIO_PCI_BARS];
	uint32_t msi, msix;
};

static const struct model nvme = {
	"nvme", fixture_nvme_config, sizeof(fixture_nvme_config), { 16 << 10 }, { RWM }, 0, 65,
};
static const struct model e1000e = {
	"e1000e", fixture_e1000e_config, sizeof(fixture_e1000e_config),
	{ 128 << 10, 128 << 10, 32, 16 << 10 }, { RWM, RWM, RW, RWM }, 1, 5,
};
/* With an expansion ROM, which the recording has not: the only device here that has one. */
static const struct model edu = {
	"edu", fixture_edu_config, sizeof(fixture_edu_config),
	{ [0] = 1 << 20, [VFIO_PCI_ROM] = 64 << 10 }, { [0] = RWM, [VFIO_PCI_ROM] = VFIO_REGION_INFO_FLAG_READ },
	1, 0,
};

static const struct model *const pairs[4][NR_DEVS] = {
	{ &nvme, &e1000e }, { &e1000e, &nvme }, { &edu, &nvme }, { &e1000e, &edu },
};

/* What KVM has mapped for one device, slot by slot, as the VMM asked. */
struct slot_map {
	uint64_t gpa, size;
	bool on;
};

struct irqfd {
	int efd;
	unsigned int gsi;
	bool on;
};

struct fake {
	struct vfio_pci d;
	struct msg_device info;
	const struct model *m;
	int fd;
	struct slot_map map[VFIO_PCI_SLOTS];
	struct irqfd irqfd[IRQFDS_MAX];
	unsigned int active;	/* the VFIO interrupt index on; VFIO_PCI_NUM_IRQS: none */
	/* Where the device's own MSI-X table and PBA are (BAR, offset, bytes): never to be mapped. */
	unsigned int msix_bar[2];
	uint64_t msix_off[2], msix_len[2];
	bool msix;
};

static struct fake devs[NR_DEVS];
static struct {
	unsigned int map_period, map_adds;
	bool fail_set_irqs, fail_kvm_irqs;
	unsigned int msi_next;
} host;
static bool verbose;
static int free_fds[FDS_CHECKED];

static void __attribute__((noreturn, format(printf, 1, 2))) violation(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_pcie: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

/* Stand-ins for shared/log.c and vmm/irq.c (see the top). */
const char *log_prog = "airlock-vmm";

void pr_err(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (verbose)
		fprintf(stderr, "%s: %s\n", log_prog, line);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	violation("die() called");
}

int irq__alloc_msi(unsigned int nr, unsigned int *first)
{
	if (nr > IRQ_MSI_MAX - host.msi_next)
		return -ENOSPC;
	*first = IRQ_GSI_MSI_BASE + host.msi_next;
	host.msi_next += nr;
	return 0;
}

/* The fake host: KVM's memory slots, routes and irqfds, VFIO's SET_IRQS. */
static struct fake *fake_of(const struct vfio_pci *d)
{
	for (unsigned int k = 0; k < NR_DEVS; k++)
		if (&devs[k].d == d)
			return &devs[k];
	violation("a call for a device that is not one of the %u", NR_DEVS);
}

/* The device whose eventfd efd is: one of its vectors', or its INTx one. */
static struct fake *efd_owner(int efd)
{
	for (unsigned int k = 0; k < NR_DEVS; k++) {
		const struct vfio_pci_irqs *q = &devs[k].d.irqs;

		for (unsigned int v = 0; v < q->nr; v++)
			if (q->vec[v].efd == efd)
				return &devs[k];
		if (q->intx_efd == efd)
			return &devs[k];
	}
	violation("irqfd with eventfd %d, which is no device's", efd);
}

int vfio_assign__map(const struct vfio_pci *d, unsigned int slot, uint64_t gpa, void *hva, uint64_t size)
{
	struct fake *f = fake_of(d);
	struct slot_map *s = &f->map[slot < VFIO_PCI_SLOTS ? slot : 0];

	if (slot >= f->d.nr_pieces)
		violation("%s: map() of slot %u, beyond its %u pieces", f->m->name, slot, f->d.nr_pieces);
	if (!size) {
		if (!s->on || s->gpa != gpa)
			violation("%s: slot %u removed at 0x%llx, where it is not mapped", f->m->name, slot,
				  (unsigned long long)gpa);
		pr_err("(fuzz_pcie: %s slot %u removed)", f->m->name, slot);
		s->on = false;
		return 0;
	}
	if (s->on)
		violation("%s: slot %u mapped at 0x%llx while still mapped at 0x%llx", f->m->name, slot,
			  (unsigned long long)gpa, (unsigned long long)s->gpa);
	if (hva != f->d.pieces[slot].hva || size != f->d.pieces[slot].size)
		violation("%s: slot %u mapped with another piece's memory or size", f->m->name, slot);
	if ((gpa | size) & (PAGE_SIZE - 1) || gpa + size < gpa)
		violation("%s: slot %u mapped at 0x%llx, 0x%llx bytes: not whole pages", f->m->name, slot,
			  (unsigned long long)gpa, (unsigned long long)size);
	if (host.map_period && ++host.map_adds % host.map_period == 0) {
		pr_err("(fuzz_pcie: %s slot %u at 0x%llx refused)", f->m->name, slot, (unsigned long long)gpa);
		return -EEXIST;
	}
	pr_err("(fuzz_pcie: %s slot %u mapped at 0x%llx, 0x%llx bytes)", f->m->name, slot, (unsigned long long)gpa,
	       (unsigned long long)size);
	*s = (struct slot_map){ .gpa = gpa, .size = size, .on = true };
	return 0;
}

int vfio_assign__route(unsigned int gsi, const struct msi_msg *msg)
{
	(void)msg;
	if (gsi < IRQ_GSI_MSI_BASE || gsi >= IRQ_GSI_MSI_BASE + host.msi_next)
		violation("route for GSI %u, which was never allocated", gsi);
	return host.fail_kvm_irqs ? -ENOSPC : 0;
}

int vfio_assign__irqfd(int efd, unsigned int gsi, int resample_fd, bool on)
{
	struct fake *f = efd_owner(efd);
	struct irqfd *q = NULL, *free_q = NULL;

	if (fcntl(efd, F_GETFD) < 0 || (resample_fd >= 0 && fcntl(resample_fd, F_GETFD) < 0))
		violation("%s: irqfd with a closed eventfd %d", f->m->name, efd);
	for (unsigned int i = 0; i < IRQFDS_MAX; i++) {
		if (f->irqfd[i].on && f->irqfd[i].efd == efd)
			q = &f->irqfd[i];
		else if (!f->irqfd[i].on && !free_q)
			free_q = &f->irqfd[i];
	}
	if (!on) {
		if (!q || q->gsi != gsi)
			violation("%s: irqfd %d detached from GSI %u, which it is not attached to", f->m->name,
				  efd, gsi);
		q->on = false;
		return 0;
	}
	if (q)
		violation("%s: irqfd %d attached again (GSI %u, was %u)", f->m->name, efd, gsi, q->gsi);
	if (!free_q)
		violation("%s: more than %u irqfds attached", f->m->name, IRQFDS_MAX);
	if (host.fail_kvm_irqs)
		return -EINVAL;
	*free_q = (struct irqfd){ .efd = efd, .gsi = gsi, .on = true };
	return 0;
}

/* VFIO's rules: one index on at a time; INTx unmask only while INTx is on; open eventfds. */
int vfio_assign__set_irqs(const struct vfio_pci *d, struct vfio_irq_set *set)
{
	struct fake *f = fake_of(d);
	bool efds = set->flags & VFIO_IRQ_SET_DATA_EVENTFD;
	bool trigger = set->flags & VFIO_IRQ_SET_ACTION_TRIGGER;
	int32_t efd;

	if (d->fd != f->fd)
		violation("%s: VFIO_DEVICE_SET_IRQS on fd %d, not the device's", f->m->name, d->fd);
	if (set->index >= VFIO_PCI_NUM_IRQS || (efds && set->argsz != sizeof(*set) + set->count * sizeof(efd)))
		violation("%s: VFIO_DEVICE_SET_IRQS with index %u, %u vectors in %u bytes", f->m->name, set->index,
			  set->count, set->argsz);
	for (uint32_t i = 0; efds && i < set->count; i++) {
		memcpy(&efd, set->data + i * sizeof(efd), sizeof(efd));
		if (fcntl(efd, F_GETFD) < 0)
			violation("%s: VFIO_DEVICE_SET_IRQS with a closed eventfd %d", f->m->name, efd);
	}
	if (trigger && !set->count) {
		if (f->active == set->index)
			f->active = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	if (host.fail_set_irqs)
		return -EINVAL;
	if (!trigger) {
		if (f->active != VFIO_PCI_INTX_IRQ_INDEX || set->index != VFIO_PCI_INTX_IRQ_INDEX)
			violation("%s: INTx unmask set up while index %u is on", f->m->name, f->active);
		return 0;
	}
	if (f->active != VFIO_PCI_NUM_IRQS && f->active != set->index)
		violation("%s: VFIO interrupt index %u turned on while %u is", f->m->name, set->index, f->active);
	f->active = set->index;
	return 0;
}

/* Guest-side accesses. */
static void ecam(unsigned int bus, unsigned int devfn, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	pcie__mmio(layout__ecam(0) + ((uint64_t)bus << 20 | devfn << 12 | (reg & 0xfffu)), data, len, write);
}

static uint32_t port_rd(unsigned int k, uint16_t reg, uint32_t len)
{
	uint8_t b[4];

	ecam(0, (k + 1) << 3, reg, b, len, false);
	return (uint32_t)le__get(b, len);
}

static void port_wr(unsigned int k, uint16_t reg, uint32_t len, uint32_t v)
{
	uint8_t b[4];

	le__put32(b, v);
	ecam(0, (k + 1) << 3, reg, b, len, true);
}

/* Device k's config space as the guest reads it, wherever its port put it (no side effects on these registers). */
static uint32_t dev_rd(unsigned int k, uint16_t reg, uint32_t len)
{
	const struct pcie_endpoint *ep = vfio_pci__endpoint(&devs[k].d);
	uint8_t b[4];

	ep->cfg(ep->dev, 0, reg, b, len, false);
	return (uint32_t)le__get(b, len);
}

/* Device k through ECAM, on its port's secondary bus now. */
static void dev_cfg(unsigned int k, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	ecam(port_rd(k, PCI_SECONDARY_BUS, 1), 0, reg, data, len, write);
}

static void dev_wr(unsigned int k, uint16_t reg, uint32_t len, uint32_t v)
{
	uint8_t b[4];

	le__put32(b, v);
	dev_cfg(k, reg, b, len, true);
}

static uint32_t bar_reg(unsigned int bar)
{
	return bar == VFIO_PCI_ROM ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * bar;
}

/* Where BAR bar of device k is as its config space shows it; *io: an I/O BAR. */
static uint64_t bar_addr(unsigned int k, unsigned int bar, bool *io)
{
	uint32_t lo = dev_rd(k, (uint16_t)bar_reg(bar), 4);

	*io = false;
	if (bar == VFIO_PCI_ROM)
		return lo & PCI_ROM_ADDRESS_MASK;
	if (lo & PCI_BASE_ADDRESS_SPACE_IO) {
		*io = true;
		return lo & PCI_BASE_ADDRESS_IO_MASK;
	}
	if ((lo & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64 && bar + 1 < PCI_STD_NUM_BARS)
		return (lo & PCI_BASE_ADDRESS_MEM_MASK) | (uint64_t)dev_rd(k, (uint16_t)bar_reg(bar + 1), 4) << 32;
	return lo & PCI_BASE_ADDRESS_MEM_MASK;
}

/* The memory window and the prefetchable one of root port k, as its registers read; base > limit: closed. */
struct window {
	uint64_t base, limit;
};

static void port_windows(unsigned int k, struct window w[2])
{
	uint32_t pbase = port_rd(k, PCI_PREF_MEMORY_BASE, 2), plimit = port_rd(k, PCI_PREF_MEMORY_LIMIT, 2);

	w[0].base = (uint64_t)(port_rd(k, PCI_MEMORY_BASE, 2) & PCI_MEMORY_RANGE_MASK) << 16;
	w[0].limit = (uint64_t)(port_rd(k, PCI_MEMORY_LIMIT, 2) & PCI_MEMORY_RANGE_MASK) << 16 | 0xfffff;
	w[1].base = (uint64_t)(pbase & PCI_PREF_RANGE_MASK) << 16;
	w[1].limit = (uint64_t)(plimit & PCI_PREF_RANGE_MASK) << 16 | 0xfffff;
	if ((pbase & PCI_PREF_RANGE_TYPE_MASK) == PCI_PREF_RANGE_TYPE_64)
		w[1].base |= (uint64_t)port_rd(k, PCI_PREF_BASE_UPPER32, 4) << 32;
	if ((plimit & PCI_PREF_RANGE_TYPE_MASK) == PCI_PREF_RANGE_TYPE_64)
		w[1].limit |= (uint64_t)port_rd(k, PCI_PREF_LIMIT_UPPER32, 4) << 32;
}

/* The invariants. */
typedef uint32_t (*cfg_rd)(unsigned int k, uint16_t reg, uint32_t len);

struct caps {
	uint16_t pm, exp, msix;
};

static const char *who(cfg_rd rd, unsigned int k)
{
	static char name[32];

	snprintf(name, sizeof(name), rd == port_rd ? "root port %u" : "device %u (%s)", k, devs[k].m->name);
	return name;
}

/* The standard list from 0x34: at most 48 entries, dword-aligned, in [0x40, 0x100), no loop. */
static void check_std_caps(cfg_rd rd, unsigned int k, struct caps *c)
{
	bool seen[PCI_CFG_SPACE_SIZE / 4] = { false };
	uint32_t pos;

	*c = (struct caps){ 0 };
	if (!(rd(k, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	pos = rd(k, PCI_CAPABILITY_LIST, 1);
	for (unsigned int n = 0; pos; n++) {
		uint32_t id;

		if (n == 48)
			violation("%s: its capability list runs past 48 entries", who(rd, k));
		if (pos & 3 || pos < PCI_STD_HEADER_SIZEOF || pos >= PCI_CFG_SPACE_SIZE)
			violation("%s: a capability pointer reads 0x%x", who(rd, k), pos);
		if (seen[pos / 4])
			violation("%s: its capability list loops back to 0x%x", who(rd, k), pos);
		seen[pos / 4] = true;
		id = rd(k, (uint16_t)pos, 1);
		if (id == PCI_CAP_ID_PM && !c->pm)
			c->pm = (uint16_t)pos;
		else if (id == PCI_CAP_ID_EXP && !c->exp)
			c->exp = (uint16_t)pos;
		else if (id == PCI_CAP_ID_MSIX && !c->msix)
			c->msix = (uint16_t)pos;
		pos = rd(k, (uint16_t)(pos + PCI_CAP_LIST_NEXT), 1);
	}
}

/* The extended list from 0x100: at most 48 entries, dword-aligned, in [0x100, 0x1000), no loop. */
static void check_ext_caps(cfg_rd rd, unsigned int k)
{
	bool seen[PCI_CFG_SIZE / 4] = { false };
	uint32_t pos = PCI_CFG_SPACE_SIZE, hdr = rd(k, PCI_CFG_SPACE_SIZE, 4);

	if (hdr == 0 || hdr == 0xffffffff)
		return;
	for (unsigned int n = 1;; n++) {
		seen[pos / 4] = true;
		pos = hdr >> 20;	/* PCI_EXT_CAP_NEXT would mask the low bits, which must read 0 */
		if (!pos)
			return;
		if (n == 48)
			violation("%s: its extended capability list runs past 48 entries", who(rd, k));
		if (pos & 3 || pos < PCI_CFG_SPACE_SIZE || pos >= PCI_CFG_SIZE)
			violation("%s: an extended capability pointer reads 0x%x", who(rd, k), pos);
		if (seen[pos / 4])
			violation("%s: its extended capability list loops back to 0x%x", who(rd, k), pos);
		hdr = rd(k, (uint16_t)pos, 4);
	}
}

static bool overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

static bool inside(uint64_t a, uint64_t alen, uint64_t base, uint64_t limit)
{
	return base <= limit && a >= base && a + (alen - 1) <= limit;
}

static void check_reserved(const struct fake *f, unsigned int s)
{
	static const struct {
		uint64_t base, size;
		const char *what;
	} reserved[] = {
		{ 0, RAM_SIZE, "guest RAM" },
		{ LAYOUT_ECAM_BASE, LAYOUT_RC_MAX * LAYOUT_ECAM_SIZE, "ECAM" },
		{ LAYOUT_CHIPSET_BASE, LAYOUT_CHIPSET_END - LAYOUT_CHIPSET_BASE, "the chipset's range (APICs, MSI)" },
	};
	const struct slot_map *m = &f->map[s];

	for (unsigned int i = 0; i < ARRAY_SIZE(reserved); i++)
		if (overlap(m->gpa, m->size, reserved[i].base, reserved[i].size))
			violation("%s: slot %u mapped at 0x%llx (0x%llx bytes), over %s", f->m->name, s,
				  (unsigned long long)m->gpa, (unsigned long long)m->size, reserved[i].what);
}

/* Device k's mappings, against its root port's registers and its own, as the guest reads them. */
static void check_maps(unsigned int k, const struct caps *pc, const struct caps *dc)
{
	const struct fake *f = &devs[k];
	struct window w[2];
	bool any = false;

	for (unsigned int s = 0; s < VFIO_PCI_SLOTS; s++)
		any |= f->map[s].on;
	if (!any)
		return;
	if (!(port_rd(k, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
		violation("%s: mapped while root port %u's memory decoding is off", f->m->name, k);
	if (!pc->exp || port_rd(k, (uint16_t)(pc->exp + PCI_EXP_LNKCTL), 2) & PCI_EXP_LNKCTL_LD)
		violation("%s: mapped while root port %u's link is disabled", f->m->name, k);
	if (!pc->pm || port_rd(k, (uint16_t)(pc->pm + PCI_PM_CTRL), 2) & PCI_PM_CTRL_STATE_MASK)
		violation("%s: mapped while root port %u is not in D0", f->m->name, k);
	if (!(dev_rd(k, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY))
		violation("%s: mapped while its memory decoding is off", f->m->name);
	if (dc->pm && dev_rd(k, (uint16_t)(dc->pm + PCI_PM_CTRL), 2) & PCI_PM_CTRL_STATE_MASK)
		violation("%s: mapped while it is not in D0", f->m->name);
	port_windows(k, w);
	for (unsigned int s = 0; s < VFIO_PCI_SLOTS; s++) {
		const struct slot_map *m = &f->map[s];
		const struct vfio_pci_piece *p = &f->d.pieces[s];
		uint64_t bar, size = f->m->size[p->bar];
		bool io;

		if (!m->on)
			continue;
		check_reserved(f, s);
		if (!inside(m->gpa, m->size, w[0].base, w[0].limit) && !inside(m->gpa, m->size, w[1].base, w[1].limit))
			violation("%s: slot %u mapped at 0x%llx (0x%llx bytes), outside root port %u's windows "
				  "[0x%llx, 0x%llx] and [0x%llx, 0x%llx]", f->m->name, s, (unsigned long long)m->gpa,
				  (unsigned long long)m->size, k, (unsigned long long)w[0].base,
				  (unsigned long long)w[0].limit, (unsigned long long)w[1].base,
				  (unsigned long long)w[1].limit);
		bar = bar_addr(k, p->bar, &io);
		if (io || p->bar >= PCI_STD_NUM_BARS || !inside(m->gpa, m->size, bar, bar + (size - 1)))
			violation("%s: slot %u mapped at 0x%llx (0x%llx bytes), outside BAR%u (0x%llx bytes at 0x%llx%s)",
				  f->m->name, s, (unsigned long long)m->gpa, (unsigned long long)m->size, p->bar,
				  (unsigned long long)size, (unsigned long long)bar, io ? ", I/O" : "");
		if (m->gpa - bar != p->off)
			violation("%s: slot %u mapped at 0x%llx, BAR%u+0x%llx, for the piece at BAR%u+0x%llx", f->m->name,
				  s, (unsigned long long)m->gpa, p->bar, (unsigned long long)(m->gpa - bar), p->bar,
				  (unsigned long long)p->off);
		for (unsigned int t = 0; f->msix && t < 2; t++)
			if (f->msix_bar[t] == p->bar && overlap(m->gpa, m->size, bar + f->msix_off[t], f->msix_len[t]))
				violation("%s: slot %u mapped at 0x%llx (0x%llx bytes), over its MSI-X %s", f->m->name, s,
					  (unsigned long long)m->gpa, (unsigned long long)m->size, t ? "PBA" : "table");
	}
}

/*
 * Whether a BAR of device k decodes [addr, addr + len) in I/O (io) or
 * memory space by what the guest reads: its decoding on and in D0, its
 * root port forwarding the space (decoding, link up, D0) through its
 * window, and for memory not over RAM, ECAM or the chipset's range.
 */
static bool decodes(unsigned int k, bool io, uint64_t addr, uint32_t len)
{
	const uint16_t enable = io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	struct caps pc, dc;
	struct window w[2];

	check_std_caps(port_rd, k, &pc);
	check_std_caps(dev_rd, k, &dc);
	if (!(port_rd(k, PCI_COMMAND, 2) & enable) || !pc.exp || !pc.pm ||
	    port_rd(k, (uint16_t)(pc.exp + PCI_EXP_LNKCTL), 2) & PCI_EXP_LNKCTL_LD ||
	    port_rd(k, (uint16_t)(pc.pm + PCI_PM_CTRL), 2) & PCI_PM_CTRL_STATE_MASK)
		return false;
	if (!(dev_rd(k, PCI_COMMAND, 2) & enable) ||
	    (dc.pm && dev_rd(k, (uint16_t)(dc.pm + PCI_PM_CTRL), 2) & PCI_PM_CTRL_STATE_MASK))
		return false;
	if (io) {
		w[0].base = (uint64_t)(port_rd(k, PCI_IO_BASE, 1) & PCI_IO_RANGE_MASK) << 8;
		w[0].limit = (uint64_t)(port_rd(k, PCI_IO_LIMIT, 1) & PCI_IO_RANGE_MASK) << 8 | 0xfff;
		w[1] = (struct window){ 1, 0 };
	} else {
		port_windows(k, w);
		if (overlap(addr, len, 0, RAM_SIZE) ||
		    overlap(addr, len, LAYOUT_ECAM_BASE, LAYOUT_RC_MAX * LAYOUT_ECAM_SIZE) ||
		    overlap(addr, len, LAYOUT_CHIPSET_BASE, LAYOUT_CHIPSET_END - LAYOUT_CHIPSET_BASE))
			return false;
	}
	if (!inside(addr, len, w[0].base, w[0].limit) && !inside(addr, len, w[1].base, w[1].limit))
		return false;
	for (unsigned int bar = 0; bar < VFIO_PCI_BARS; bar++) {
		uint64_t size = devs[k].m->size[bar], base;
		bool bar_io;

		if (!size)
			continue;
		base = bar_addr(k, bar, &bar_io);
		if (bar == VFIO_PCI_ROM && !(dev_rd(k, PCI_ROM_ADDRESS, 4) & PCI_ROM_ADDRESS_ENABLE))
			continue;
		if (bar_io == io && inside(addr, len, base, base + (size - 1)))
			return true;
	}
	return false;
}

/* An access the PCIe model claimed (outside ECAM) must be one a BAR decodes. */
static void check_claim(bool claimed, bool io, uint64_t addr, uint32_t len)
{
	if (!claimed || (!io && addr - layout__ecam(0) < LAYOUT_ECAM_SIZE))
		return;
	for (unsigned int k = 0; k < NR_DEVS; k++)
		if (decodes(k, io, addr, len))
			return;
	violation("a %u-byte %s access at 0x%llx was claimed, where no BAR decodes", len, io ? "I/O" : "memory",
		  (unsigned long long)addr);
}

static void check(void)
{
	struct caps pc[NR_DEVS], dc[NR_DEVS];

	for (unsigned int k = 0; k < NR_DEVS; k++) {
		check_std_caps(port_rd, k, &pc[k]);
		check_ext_caps(port_rd, k);
		check_std_caps(dev_rd, k, &dc[k]);
		check_ext_caps(dev_rd, k);
	}
	for (unsigned int k = 0; k < NR_DEVS; k++)
		check_maps(k, &pc[k], &dc[k]);
	for (unsigned int a = 0; a < NR_DEVS * VFIO_PCI_SLOTS; a++) {
		const struct slot_map *x = &devs[a / VFIO_PCI_SLOTS].map[a % VFIO_PCI_SLOTS];

		for (unsigned int b = a + 1; x->on && b < NR_DEVS * VFIO_PCI_SLOTS; b++) {
			const struct slot_map *y = &devs[b / VFIO_PCI_SLOTS].map[b % VFIO_PCI_SLOTS];

			if (y->on && overlap(x->gpa, x->size, y->gpa, y->size))
				violation("%s slot %u at 0x%llx (0x%llx bytes) and %s slot %u at 0x%llx (0x%llx bytes) overlap",
					  devs[a / VFIO_PCI_SLOTS].m->name, a % VFIO_PCI_SLOTS,
					  (unsigned long long)x->gpa, (unsigned long long)x->size,
					  devs[b / VFIO_PCI_SLOTS].m->name, b % VFIO_PCI_SLOTS,
					  (unsigned long long)y->gpa, (unsigned long long)y->size);
		}
	}
}

/* Set-up and teardown. */
static void find_msix(struct fake *f)
{
	const uint8_t *raw = f->m->config;
	uint8_t pos = raw[PCI_CAPABILITY_LIST];

	f->msix = false;
	while (pos) {
		if (raw[pos] == PCI_CAP_ID_MSIX) {
			uint32_t nr = (le__get16(raw + pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE) + 1;
			uint32_t table = le__get32(raw + pos + PCI_MSIX_TABLE);
			uint32_t pba = le__get32(raw + pos + PCI_MSIX_PBA);

			f->msix = true;
			f->msix_bar[0] = table & PCI_MSIX_TABLE_BIR;
			f->msix_off[0] = table & PCI_MSIX_TABLE_OFFSET;
			f->msix_len[0] = nr * PCI_MSIX_ENTRY_SIZE;
			f->msix_bar[1] = pba & PCI_MSIX_PBA_BIR;
			f->msix_off[1] = pba & PCI_MSIX_PBA_OFFSET;
			f->msix_len[1] = (nr + 63) / 64 * 8;
			return;
		}
		pos = raw[pos + PCI_CAP_LIST_NEXT];
	}
}

static void dev_init(unsigned int k, const struct model *m, bool intx)
{
	struct fake *f = &devs[k];
	uint8_t config[PCI_CFG_SIZE];
	uint8_t pm;

	memset(&f->info, 0, sizeof(f->info));
	memset(f->map, 0, sizeof(f->map));
	memset(f->irqfd, 0, sizeof(f->irqfd));
	f->m = m;
	f->active = VFIO_PCI_NUM_IRQS;
	find_msix(f);
	f->info.index = k;
	f->info.port = (uint8_t)k;
	snprintf(f->info.name, sizeof(f->info.name), "0000:0%u:00.0", k + 1);
	f->info.regions[CFG_REGION] = (struct msg_region){ .size = m->cfg_size, .offset = REGION_OFF(CFG_REGION),
							   .flags = RW };
	for (unsigned int i = 0; i < VFIO_PCI_BARS; i++) {
		if (!m->size[i])
			continue;
		f->info.regions[i] = (struct msg_region){ .size = m->size[i], .offset = REGION_OFF(i),
							  .flags = m->flags[i] };
		if (m->flags[i] & VFIO_REGION_INFO_FLAG_MMAP)
			f->info.regions[i].nr_areas = 1, f->info.regions[i].areas[0].size = m->size[i];
	}
	f->info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count = intx;
	f->info.irqs[VFIO_PCI_MSI_IRQ_INDEX].count = m->msi;
	f->info.irqs[VFIO_PCI_MSIX_IRQ_INDEX].count = m->msix;
	memcpy(config, m->config, m->cfg_size);
	f->fd = memfd_create("vfio-device", MFD_CLOEXEC);
	if (f->fd < 0 || ftruncate(f->fd, (off_t)REGION_OFF(DEVICE_REGIONS)))
		violation("no memfd for the device: %s", strerror(errno));
	for (pm = config[PCI_CAPABILITY_LIST]; pm && config[pm] != PCI_CAP_ID_PM;)
		pm = config[pm + PCI_CAP_LIST_NEXT];
	if (pm)
		config[pm + PCI_PM_CTRL] &= (uint8_t)~PCI_PM_CTRL_STATE_MASK;
	if (pwrite(f->fd, config, m->cfg_size, (off_t)REGION_OFF(CFG_REGION)) != (ssize_t)m->cfg_size)
		violation("cannot write the device's config space: %s", strerror(errno));
	if (vfio_pci__init(&f->d, &f->info, f->fd))
		violation("vfio_pci__init failed for %s", m->name);
}

static void dev_exit(unsigned int k)
{
	struct fake *f = &devs[k];

	vfio_pci__exit(&f->d);
	close(f->fd);
	for (unsigned int s = 0; s < VFIO_PCI_SLOTS; s++)
		if (f->map[s].on)
			violation("%s: slot %u still mapped at 0x%llx after vfio_pci__exit", f->m->name, s,
				  (unsigned long long)f->map[s].gpa);
	for (unsigned int i = 0; i < IRQFDS_MAX; i++)
		if (f->irqfd[i].on)
			violation("%s: irqfd of GSI %u still attached after vfio_pci__exit", f->m->name, f->irqfd[i].gsi);
	if (f->active != VFIO_PCI_NUM_IRQS)
		violation("%s: VFIO interrupt index %u still on after vfio_pci__exit", f->m->name, f->active);
}

static void setup(void)
{
	verbose = getenv("FUZZ_PCIE_LOG") != NULL;
	for (int fd = 0, n = 0; n < FDS_CHECKED; fd++)
		if (fcntl(fd, F_GETFD) < 0)
			free_fds[n++] = fd;
}

/* The operations. */
struct input {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct input *in, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << 8 * i;
	return v;
}

static uint64_t mem_target(unsigned int target, uint32_t off)
{
	unsigned int k = (target >> 4) & 1, t = target & 15;
	int64_t soff = (int32_t)off;
	struct window w[2];
	bool io;

	switch (t) {
	case 0:
		return off;
	case 1:
		return LAYOUT_MMIO64_BASE + off;
	case 2: case 3: case 4: case 5: case 6: case 7: case 8:
		return bar_addr(k, t - 2, &io) + (uint64_t)soff;
	case 9: case 10:
		if (!devs[k].msix)
			return off;
		return bar_addr(k, devs[k].msix_bar[t - 9], &io) + devs[k].msix_off[t - 9] + (uint64_t)soff;
	case 11:
		return LAYOUT_LAPIC_BASE + (uint64_t)soff;
	case 12:
		return layout__ecam(0) + off;
	case 13: case 14:
		port_windows(k, w);
		return w[t - 13].base + off;
	default:
		return devs[k].map[(off >> 24) & 15].gpa + (off & 0xffffff);
	}
}

static void io_access(uint16_t port, uint8_t *data, uint32_t len, bool write)
{
	if (port == PCIE_CF8_BASE)
		pcie__cf8_io(NULL, 0, data, len, write);
	else if (port >= PCIE_CFC_BASE && port < PCIE_CFC_BASE + PCIE_CFC_LEN)
		pcie__cfc_io(NULL, (uint16_t)(port - PCIE_CFC_BASE), data, len, write);
	else if (port < PCIE_CF8_BASE || port > PCIE_CFC_BASE + PCIE_CFC_LEN - 1)
		check_claim(pcie__io(port, data, len, write), true, port, len);
}

static void op_windows(struct input *in)
{
	unsigned int k = take(in, 1) & 1;
	static const struct {
		uint16_t reg;
		uint8_t len;
	} regs[] = {
		{ PCI_MEMORY_BASE, 2 }, { PCI_MEMORY_LIMIT, 2 }, { PCI_PREF_MEMORY_BASE, 2 },
		{ PCI_PREF_MEMORY_LIMIT, 2 }, { PCI_PREF_BASE_UPPER32, 4 }, { PCI_PREF_LIMIT_UPPER32, 4 },
		{ PCI_IO_BASE, 1 }, { PCI_IO_LIMIT, 1 }, { PCI_COMMAND, 2 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++)
		port_wr(k, regs[i].reg, regs[i].len, (uint32_t)take(in, regs[i].len));
}

static void op_bar(struct input *in, unsigned int aux)
{
	unsigned int k = take(in, 1) & 1, bar = take(in, 1) % VFIO_PCI_BARS;
	uint64_t addr = take(in, 8);
	uint16_t reg = (uint16_t)bar_reg(bar);
	uint8_t b[4];

	dev_wr(k, reg, 4, (uint32_t)addr);
	dev_cfg(k, reg, b, 4, false);
	if (bar < PCI_STD_NUM_BARS - 1 && !(aux & 2) && !(le__get32(b) & PCI_BASE_ADDRESS_SPACE_IO) &&
	    (le__get32(b) & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64)
		dev_wr(k, (uint16_t)(reg + 4), 4, (uint32_t)(addr >> 32));
	if (aux & 1) {
		dev_cfg(k, PCI_COMMAND, b, 2, false);
		dev_wr(k, PCI_COMMAND, 2, le__get16(b) | PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	}
}

static void op_irq(struct input *in)
{
	const struct fake *f = &devs[take(in, 1) & 1];
	unsigned int v = (unsigned int)take(in, 1);
	const uint64_t one = 1;
	int efd = f->d.irqs.nr ? f->d.irqs.vec[v % f->d.irqs.nr].efd : f->d.irqs.intx_efd;

	if (efd >= 0 && write(efd, &one, sizeof(one)) != sizeof(one))
		violation("cannot raise an interrupt: %s", strerror(errno));
}

static void run_op(struct input *in)
{
	unsigned int op = (unsigned int)take(in, 1), kind = op & 7, aux = op >> 6;
	uint32_t len = 1u << ((op >> 3) & 3);
	bool write = op & 0x20;
	uint8_t data[8] = { 0 };
	uint64_t addr;
	unsigned int a, b;

	switch (kind) {
	case OP_ECAM:
		a = (unsigned int)take(in, 1);
		b = (unsigned int)take(in, 1);
		addr = layout__ecam(0) + ((uint64_t)a << 20 | b << 12 | (take(in, 2) & 0xfff));
		break;
	case OP_CF8:
		le__put64(data, take(in, 4));
		pcie__cf8_io(NULL, 0, data, 4, true);
		len = len == 8 ? 4 : len;
		if (write)
			le__put64(data, take(in, len));
		pcie__cfc_io(NULL, (uint16_t)aux, data, len, write);
		return;
	case OP_DEV_CFG:
		a = take(in, 1) & 1;
		b = (unsigned int)take(in, 2) & 0xfff;
		len = len == 8 ? 4 : len;
		if (write)
			le__put64(data, take(in, len));
		dev_cfg(a, (uint16_t)b, data, len, write);
		return;
	case OP_MEM:
		a = (unsigned int)take(in, 1);
		addr = mem_target(a, (uint32_t)take(in, 4));
		break;
	case OP_IO:
		a = (unsigned int)take(in, 1);
		b = (unsigned int)take(in, 2);
		len = len == 8 ? 4 : len;
		if (write)
			le__put64(data, take(in, len));
		if (a & 0x80) {
			bool io = false;
			uint64_t base = 0;

			for (unsigned int bar = 0; bar < PCI_STD_NUM_BARS && !io; bar++)
				base = bar_addr(a & 1, bar, &io);
			b = (unsigned int)(base + (uint64_t)(int16_t)b);
		}
		io_access((uint16_t)b, data, len, write);
		return;
	case OP_WINDOWS:
		op_windows(in);
		return;
	case OP_BAR:
		op_bar(in, aux);
		return;
	default:
		op_irq(in);
		return;
	}
	if (write)
		le__put64(data, take(in, len));
	addr &= PHYS_MASK;
	check_claim(pcie__mmio(addr, data, len, write), false, addr, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int ports[] = { NR_DEVS };
	static bool ready;
	struct input in = { data, size };
	unsigned int cfg = (unsigned int)take(&in, 1);

	if (!ready)
		setup();
	ready = true;
	host.map_period = cfg & 7;
	host.map_adds = 0;
	host.fail_set_irqs = cfg & 8;
	host.fail_kvm_irqs = cfg & 16;
	host.msi_next = 0;
	for (unsigned int k = 0; k < NR_DEVS; k++)
		dev_init(k, pairs[(cfg >> 5) & 3][k], cfg & 0x80);
	if (pcie__init(1, ports, RAM_SIZE))
		violation("pcie__init failed");
	for (unsigned int k = 0; k < NR_DEVS; k++)
		if (pcie__attach(0, k, vfio_pci__endpoint(&devs[k].d)))
			violation("pcie__attach failed");
	check();
	for (unsigned int n = 0; n < OPS_MAX && in.n; n++) {
		pr_err("(fuzz_pcie: operation %u, kind %u)", n, in.p[0] & 7);
		run_op(&in);
		check();
	}
	for (unsigned int k = 0; k < NR_DEVS; k++)
		dev_exit(k);
	for (unsigned int i = 0; i < FDS_CHECKED; i++)
		if (fcntl(free_fds[i], F_GETFD) >= 0)
			violation("descriptor %d left open", free_fds[i]);
	return 0;
}
