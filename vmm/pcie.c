// SPDX-License-Identifier: MIT
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "guest-ram.h"
#include "layout.h"
#include "log.h"
#include "pci.h"
#include "pcie.h"

/* QEMU's IDs: Linux knows them and applies no quirks. */
#define PCI_VENDOR_ID_REDHAT		0x1b36
#define PCI_DEVICE_ID_REDHAT_HOST	0x0008
#define PCI_DEVICE_ID_REDHAT_ROOT_PORT	0x000c
#define PCI_VENDOR_ID_QUMRANET		0x1af4
#define PCI_SUBDEVICE_ID_QEMU		0x1100

#define PCI_CLASS_HOST_BRIDGE		0x060000
#define PCI_CLASS_PCI_BRIDGE		0x060400

/*
 * The root port's capabilities: power management, PCI Express (version 2
 * with slot: 0x3c bytes), then MSI. Linux's port driver will not bind a
 * port that has no interrupt for its services (PME, hot-plug, AER); the
 * MSI capability gives it one, which the VMM never raises: it emulates no
 * event that would need it.
 */
#define PORT_PM			0x40
#define PORT_EXP		0x48
#define PORT_MSI		0x84

#define PCI_PM_CAP_VER_1_2	3
#define PCI_EXP_FLAGS_V2	2
#define PCI_EXP_LNKCAP_ASPM_OPT	0x00400000	/* ASPM Optionality Compliance */
#define PCI_EXP_LNKCAP_MLW_X1	0x00000010
#define PCI_EXP_LNKCAP_PN_SHIFT	24
#define PCI_EXP_SLTCAP_PSN_SHIFT 19
#define PCI_D0			0
#define PCI_D1			1
#define PCI_D2			2

/* CONFIG_ADDRESS: enable, bus, device, function, dword; the other bits read 0. */
#define CF8_ENABLE		0x80000000u
#define CF8_MASK		0x80fffffcu

struct pcie_port {
	struct pci_cfg cfg;
	const struct pcie_endpoint *ep;		/* NULL: the slot is empty */
};

struct pcie_rc {
	struct pci_cfg host;
	unsigned int nr_ports;
	struct pcie_port ports[LAYOUT_PORTS_MAX];	/* port i is device i + 1 on bus 0 */
};

struct pcie_addr {
	unsigned int seg, bus, dev, fn;
	uint16_t reg;
};

static struct {
	pthread_mutex_t lock;
	unsigned int nr_rc;	/* fixed before the vCPUs run */
	uint64_t ram_size;
	uint32_t cf8;
	struct pcie_rc rc[LAYOUT_RC_MAX];
} topo = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* D0 and D3hot only, no PME; No_Soft_Reset: the port keeps its state across D3hot. */
static const struct pci_reg pcie_pm_regs[] = {
	{ PCI_PM_PMC,  2, PCI_PM_CAP_VER_1_2, 0, 0 },
	{ PCI_PM_CTRL, 2, PCI_PM_CTRL_NO_SOFT_RESET, PCI_PM_CTRL_STATE_MASK, 0 },
};

/*
 * A x1 2.5 GT/s link without ASPM or bandwidth notification, and a slot
 * without hot-plug controls. Device Control's payload and read request
 * sizes stay at 128 bytes, the only size supported.
 */
static const struct pci_reg pcie_exp_regs[] = {
	{ PCI_EXP_FLAGS,   2, PCI_EXP_FLAGS_V2 | PCI_EXP_TYPE_ROOT_PORT << 4 | PCI_EXP_FLAGS_SLOT, 0, 0 },
	{ PCI_EXP_DEVCAP,  4, PCI_EXP_DEVCAP_RBER, 0, 0 },
	{ PCI_EXP_DEVCTL,  2, 0, PCI_EXP_DEVCTL_CERE | PCI_EXP_DEVCTL_NFERE | PCI_EXP_DEVCTL_FERE |
		PCI_EXP_DEVCTL_URRE, 0 },
	{ PCI_EXP_DEVSTA,  2, 0, 0, PCI_EXP_DEVSTA_CED | PCI_EXP_DEVSTA_NFED | PCI_EXP_DEVSTA_FED |
		PCI_EXP_DEVSTA_URD },
	{ PCI_EXP_LNKCAP,  4, PCI_EXP_LNKCAP_SLS_2_5GB | PCI_EXP_LNKCAP_MLW_X1 | PCI_EXP_LNKCAP_DLLLARC |
		PCI_EXP_LNKCAP_ASPM_OPT, 0, 0 },
	{ PCI_EXP_LNKCTL,  2, 0, PCI_EXP_LNKCTL_LD | PCI_EXP_LNKCTL_CCC | PCI_EXP_LNKCTL_ES, 0 },
	{ PCI_EXP_LNKSTA,  2, PCI_EXP_LNKSTA_CLS_2_5GB | PCI_EXP_LNKSTA_NLW_X1, 0, 0 },
	{ PCI_EXP_SLTSTA,  2, 0, 0, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC },
	{ PCI_EXP_RTCTL,   2, 0, PCI_EXP_RTCTL_SECEE | PCI_EXP_RTCTL_SENFEE | PCI_EXP_RTCTL_SEFEE |
		PCI_EXP_RTCTL_PMEIE, 0 },
	{ PCI_EXP_RTSTA,   4, 0, 0, PCI_EXP_RTSTA_PME },
	{ PCI_EXP_LNKCAP2, 4, PCI_EXP_LNKCAP2_SLS_2_5GB, 0, 0 },
	{ PCI_EXP_LNKCTL2, 2, PCI_EXP_LNKCTL2_TLS_2_5GT, 0, 0 },
};

/* One vector, 64-bit address, no per-vector masking. */
static const struct pci_reg pcie_msi_regs[] = {
	{ PCI_MSI_FLAGS,    2, PCI_MSI_FLAGS_64BIT, PCI_MSI_FLAGS_ENABLE, 0 },
	{ PCI_MSI_ADDRESS_LO, 4, 0, 0xfffffffc, 0 },
	{ PCI_MSI_ADDRESS_HI, 4, 0, 0xffffffff, 0 },
	{ PCI_MSI_DATA_64,  2, 0, 0xffff, 0 },
};

static bool pcie__link_up(const struct pcie_port *p)
{
	return p->ep && !(pci__get(&p->cfg, PORT_EXP + PCI_EXP_LNKCTL, 2) & PCI_EXP_LNKCTL_LD);
}

/* Presence and link state follow the slot and Link Disable; each change latches its RW1C event bit. */
static void pcie__port_update(struct pcie_port *p)
{
	uint32_t slt = pci__get(&p->cfg, PORT_EXP + PCI_EXP_SLTSTA, 2);
	uint32_t lnk = pci__get(&p->cfg, PORT_EXP + PCI_EXP_LNKSTA, 2);
	uint32_t new_slt = p->ep ? slt | PCI_EXP_SLTSTA_PDS : slt & ~PCI_EXP_SLTSTA_PDS;
	uint32_t new_lnk = pcie__link_up(p) ? lnk | PCI_EXP_LNKSTA_DLLLA : lnk & ~PCI_EXP_LNKSTA_DLLLA;

	if (new_slt != slt)
		new_slt |= PCI_EXP_SLTSTA_PDC;
	if (new_lnk != lnk)
		new_slt |= PCI_EXP_SLTSTA_DLLSC;
	pci__set(&p->cfg, PORT_EXP + PCI_EXP_SLTSTA, 2, new_slt);
	pci__set(&p->cfg, PORT_EXP + PCI_EXP_LNKSTA, 2, new_lnk);
}

static unsigned int pcie__power_state(const struct pcie_port *p)
{
	return pci__get(&p->cfg, PORT_PM + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK;
}

static void pcie__port_init(struct pcie_port *p, unsigned int rc, unsigned int k)
{
	static const struct pci_cfg_ids ids = {
		.vendor = PCI_VENDOR_ID_REDHAT, .device = PCI_DEVICE_ID_REDHAT_ROOT_PORT,
		.class = PCI_CLASS_PCI_BRIDGE,
	};

	pci__init_type1(&p->cfg, &ids);
	/* Bus numbers as firmware leaves them, so that Linux keeps them. */
	pci__set(&p->cfg, PCI_SECONDARY_BUS, 1, k);
	pci__set(&p->cfg, PCI_SUBORDINATE_BUS, 1, k);
	pci__add_cap(&p->cfg, PORT_PM, PCI_CAP_ID_PM);
	pci__add_cap(&p->cfg, PORT_EXP, PCI_CAP_ID_EXP);
	pci__add_cap(&p->cfg, PORT_MSI, PCI_CAP_ID_MSI);
	pci__set_regs(&p->cfg, PORT_PM, pcie_pm_regs, ARRAY_SIZE(pcie_pm_regs));
	pci__set_regs(&p->cfg, PORT_EXP, pcie_exp_regs, ARRAY_SIZE(pcie_exp_regs));
	pci__set_regs(&p->cfg, PORT_MSI, pcie_msi_regs, ARRAY_SIZE(pcie_msi_regs));
	pci__set(&p->cfg, PORT_EXP + PCI_EXP_LNKCAP, 4,
		 pci__get(&p->cfg, PORT_EXP + PCI_EXP_LNKCAP, 4) | k << PCI_EXP_LNKCAP_PN_SHIFT);
	/* The physical slot number must be unique in the chassis, across complexes too. */
	pci__set(&p->cfg, PORT_EXP + PCI_EXP_SLTCAP, 4,
		 (rc * (LAYOUT_PORTS_MAX + 1) + k) << PCI_EXP_SLTCAP_PSN_SHIFT);
	p->ep = NULL;
}

static void pcie__rc_init(struct pcie_rc *rc, unsigned int seg, unsigned int nr_ports)
{
	static const struct pci_cfg_ids ids = {
		.vendor = PCI_VENDOR_ID_REDHAT, .device = PCI_DEVICE_ID_REDHAT_HOST,
		.subsys_vendor = PCI_VENDOR_ID_QUMRANET, .subsys = PCI_SUBDEVICE_ID_QEMU,
		.class = PCI_CLASS_HOST_BRIDGE,
	};

	pci__init_type0(&rc->host, &ids);
	rc->nr_ports = nr_ports;
	for (unsigned int i = 0; i < nr_ports; i++)
		pcie__port_init(&rc->ports[i], seg, i + 1);
}

int pcie__init(unsigned int nr_rc, const unsigned int *nr_ports, uint64_t ram_size)
{
	if (nr_rc > LAYOUT_RC_MAX)
		return -EINVAL;
	for (unsigned int i = 0; i < nr_rc; i++)
		if (nr_ports[i] > LAYOUT_PORTS_MAX)
			return -EINVAL;
	pthread_mutex_lock(&topo.lock);
	topo.nr_rc = nr_rc;
	topo.ram_size = ram_size;
	topo.cf8 = 0;
	for (unsigned int i = 0; i < nr_rc; i++)
		pcie__rc_init(&topo.rc[i], i, nr_ports[i]);
	pthread_mutex_unlock(&topo.lock);
	return 0;
}

/* Called with the lock held: every device decides again where its BARs decode. */
static void pcie__update_all(void)
{
	for (unsigned int i = 0; i < topo.nr_rc; i++)
		for (unsigned int k = 0; k < topo.rc[i].nr_ports; k++) {
			const struct pcie_endpoint *ep = topo.rc[i].ports[k].ep;

			if (ep && ep->update)
				ep->update(ep->dev);
		}
}

int pcie__attach(unsigned int rc, unsigned int port, const struct pcie_endpoint *ep)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&topo.lock);
	if (rc < topo.nr_rc && port < topo.rc[rc].nr_ports) {
		topo.rc[rc].ports[port].ep = ep;
		pcie__port_update(&topo.rc[rc].ports[port]);
		pcie__update_all();
		ret = 0;
	}
	pthread_mutex_unlock(&topo.lock);
	return ret;
}

static void pcie__set_power_state(struct pcie_port *p, unsigned int state)
{
	uint32_t pmcsr = pci__get(&p->cfg, PORT_PM + PCI_PM_CTRL, 2);

	pci__set(&p->cfg, PORT_PM + PCI_PM_CTRL, 2, (pmcsr & ~PCI_PM_CTRL_STATE_MASK) | state);
}

static void pcie__port_access(struct pcie_port *p, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	unsigned int old = pcie__power_state(p), state;

	pci__access(&p->cfg, reg, data, len, write);
	if (!write)
		return;
	/* Writing a power state the function does not support leaves the state unchanged (PCI PM 1.2). */
	state = pcie__power_state(p);
	if (state == PCI_D1 || state == PCI_D2)
		pcie__set_power_state(p, old);
	pcie__port_update(p);
}

static bool pcie__root_bus(struct pcie_rc *rc, const struct pcie_addr *a, uint8_t *data, uint32_t len,
			   bool write)
{
	if (a->fn != 0 || a->dev > rc->nr_ports)
		return false;
	if (a->dev == 0)
		pci__access(&rc->host, a->reg, data, len, write);
	else
		pcie__port_access(&rc->ports[a->dev - 1], a->reg, data, len, write);
	return true;
}

/*
 * A root port claims the buses from its secondary to its subordinate bus
 * number, as the guest has programmed them. Its link reaches device 0 of
 * the secondary bus only; nothing sits further down. Outside D0 it turns
 * away all configuration requests for its secondary side (PCIe 5.3.1.4.1).
 */
static bool pcie__below_port(struct pcie_rc *rc, const struct pcie_addr *a, uint8_t *data, uint32_t len,
			     bool write)
{
	for (unsigned int i = 0; i < rc->nr_ports; i++) {
		struct pcie_port *p = &rc->ports[i];
		unsigned int sec = pci__get(&p->cfg, PCI_SECONDARY_BUS, 1);
		unsigned int sub = pci__get(&p->cfg, PCI_SUBORDINATE_BUS, 1);

		if (a->bus < sec || a->bus > sub)
			continue;
		if (a->bus != sec || a->dev != 0 || !pcie__link_up(p) || pcie__power_state(p) != PCI_D0)
			return false;
		p->ep->cfg(p->ep->dev, a->fn, a->reg, data, len, write);
		return true;
	}
	return false;
}

/* Nobody answers: a read completes with all ones and a write is dropped. */
static void pcie__unclaimed(uint8_t *data, uint32_t len, bool write)
{
	if (!write)
		memset(data, 0xff, len);
}

/* A configuration request cannot cross a dword: 1, 2 or 4 naturally aligned bytes. */
static bool pcie__valid(uint32_t reg, uint32_t len)
{
	return (len == 1 || len == 2 || len == 4) && !(reg & (len - 1));
}

/* Called with the lock held. */
static void pcie__cfg(const struct pcie_addr *a, uint8_t *data, uint32_t len, bool write)
{
	bool done = false;

	if (a->seg < topo.nr_rc && pcie__valid(a->reg, len)) {
		struct pcie_rc *rc = &topo.rc[a->seg];

		done = a->bus == 0 ? pcie__root_bus(rc, a, data, len, write)
				   : pcie__below_port(rc, a, data, len, write);
	}
	if (!done)
		pcie__unclaimed(data, len, write);
	else if (write)
		pcie__update_all();
}

/*
 * ECAM offset: bus in bits 20 and up, device 19..15, function 14..12,
 * register 11..0. An aligned 8-byte access is split into two dword
 * requests; any other access that is not a valid request reads all ones.
 */
static void pcie__ecam(unsigned int seg, uint32_t off, uint8_t *data, uint32_t len, bool write)
{
	if (len == 8 && !(off & 7)) {
		pcie__ecam(seg, off, data, 4, write);
		pcie__ecam(seg, off + 4, data + 4, 4, write);
		return;
	}
	pcie__cfg(&(struct pcie_addr){
		.seg = seg, .bus = off >> 20, .dev = (off >> 15) & 0x1f, .fn = (off >> 12) & 7,
		.reg = off & 0xfff,
	}, data, len, write);
}

/* The port forwards a request downstream only in D0, with its link up and its decoding on. */
static bool pcie__port_forwards(const struct pcie_port *p, uint16_t enable)
{
	return pcie__link_up(p) && pcie__power_state(p) == PCI_D0 &&
	       (pci__get(&p->cfg, PCI_COMMAND, 2) & enable);
}

/* A bridge window, [base, limit]; closed while base > limit. */
struct pcie_window {
	uint64_t base, limit;
};

/*
 * The port's windows for a space, as the guest programmed them: the
 * memory window and the 64-bit prefetchable one (1 MiB granules), or the
 * 16-bit I/O window (4 KiB granules). Returns how many.
 */
static unsigned int pcie__windows(const struct pcie_port *p, bool io, struct pcie_window w[2])
{
	const struct pci_cfg *c = &p->cfg;

	if (io) {
		w[0].base = (uint64_t)(pci__get(c, PCI_IO_BASE, 1) & PCI_IO_RANGE_MASK) << 8;
		w[0].limit = (uint64_t)(pci__get(c, PCI_IO_LIMIT, 1) & PCI_IO_RANGE_MASK) << 8 | 0xfff;
		return 1;
	}
	w[0].base = (uint64_t)(pci__get(c, PCI_MEMORY_BASE, 2) & PCI_MEMORY_RANGE_MASK) << 16;
	w[0].limit = (uint64_t)(pci__get(c, PCI_MEMORY_LIMIT, 2) & PCI_MEMORY_RANGE_MASK) << 16 | 0xfffff;
	w[1].base = (uint64_t)pci__get(c, PCI_PREF_BASE_UPPER32, 4) << 32 |
		    (uint64_t)(pci__get(c, PCI_PREF_MEMORY_BASE, 2) & PCI_PREF_RANGE_MASK) << 16;
	w[1].limit = (uint64_t)pci__get(c, PCI_PREF_LIMIT_UPPER32, 4) << 32 |
		     (uint64_t)(pci__get(c, PCI_PREF_MEMORY_LIMIT, 2) & PCI_PREF_RANGE_MASK) << 16 | 0xfffff;
	return 2;
}

/*
 * Whether [addr, addr + len) lies wholly inside one of the port's windows
 * for the space. len >= 1, and addr + len - 1 does not wrap: both hold
 * for accesses and for BARs.
 */
static bool pcie__in_windows(const struct pcie_port *p, bool io, uint64_t addr, uint64_t len)
{
	struct pcie_window w[2];
	unsigned int n = pcie__windows(p, io, w);

	for (unsigned int i = 0; i < n; i++)
		if (w[i].base <= w[i].limit && addr >= w[i].base && addr + (len - 1) <= w[i].limit)
			return true;
	return false;
}

/*
 * Called with the lock held: the root port that forwards an access of len
 * bytes at addr downstream (enable: PCI_COMMAND_MEMORY or PCI_COMMAND_IO
 * says which space), or NULL.
 */
static const struct pcie_port *pcie__forwarding_port(uint16_t enable, uint64_t addr, uint32_t len)
{
	for (unsigned int i = 0; i < topo.nr_rc; i++) {
		for (unsigned int k = 0; k < topo.rc[i].nr_ports; k++) {
			const struct pcie_port *p = &topo.rc[i].ports[k];

			if (!pcie__port_forwards(p, enable))
				continue;
			if (pcie__in_windows(p, enable == PCI_COMMAND_IO, addr, len))
				return p;
		}
	}
	return NULL;
}

static bool pcie__overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Memory no BAR may shadow: guest RAM, the ECAM windows, the chipset's range. */
static enum pcie_place pcie__reserved(uint64_t addr, uint64_t size)
{
	struct guest_ram_region ram[GUEST_RAM_REGIONS];
	unsigned int nr = guest_ram__regions(topo.ram_size, ram);

	for (unsigned int i = 0; i < nr; i++)
		if (ram[i].size && pcie__overlap(addr, size, ram[i].gpa, ram[i].size))
			return PCIE_PLACE_RAM;
	if (pcie__overlap(addr, size, LAYOUT_ECAM_BASE, LAYOUT_RC_MAX * LAYOUT_ECAM_SIZE))
		return PCIE_PLACE_ECAM;
	if (pcie__overlap(addr, size, LAYOUT_CHIPSET_BASE, LAYOUT_CHIPSET_END - LAYOUT_CHIPSET_BASE))
		return PCIE_PLACE_CHIPSET;
	return PCIE_PLACE_OK;
}

/*
 * Called with the lock held: whether a BAR of another device, or of ep
 * but bar, decodes part of [addr, addr + size) that its own port routes
 * to it. A BAR behind a port whose windows keep that part away never sees
 * it, as on hardware; one that does is a conflict, and neither decodes.
 */
static bool pcie__claimed(const struct pcie_endpoint *ep, int bar, bool io, uint64_t addr, uint64_t size)
{
	const uint64_t last = addr + (size - 1);

	for (unsigned int i = 0; i < topo.nr_rc; i++)
		for (unsigned int k = 0; k < topo.rc[i].nr_ports; k++) {
			const struct pcie_port *p = &topo.rc[i].ports[k];
			struct pcie_window w[2];
			unsigned int n;

			if (!p->ep || !p->ep->claims || !pcie__port_forwards(p, io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY))
				continue;
			n = pcie__windows(p, io, w);
			for (unsigned int j = 0; j < n; j++) {
				uint64_t from = w[j].base > addr ? w[j].base : addr;
				uint64_t to = w[j].limit < last ? w[j].limit : last;

				if (from <= to && p->ep->claims(p->ep->dev, io, from, to - from + 1, p->ep == ep ? bar : -1))
					return true;
			}
		}
	return false;
}

static const struct pcie_port *pcie__port_of(const struct pcie_endpoint *ep)
{
	for (unsigned int i = 0; i < topo.nr_rc; i++)
		for (unsigned int k = 0; k < topo.rc[i].nr_ports; k++)
			if (topo.rc[i].ports[k].ep == ep)
				return &topo.rc[i].ports[k];
	return NULL;
}

enum pcie_place pcie__place(const struct pcie_endpoint *ep, int bar, bool io, uint64_t addr, uint64_t size)
{
	const struct pcie_port *p = pcie__port_of(ep);
	enum pcie_place reserved;

	if (!p)
		return PCIE_PLACE_DETACHED;
	if (!pcie__port_forwards(p, io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY))
		return PCIE_PLACE_PORT_OFF;
	reserved = io ? PCIE_PLACE_OK : pcie__reserved(addr, size);
	if (reserved != PCIE_PLACE_OK)
		return reserved;
	if (!pcie__in_windows(p, io, addr, size))
		return PCIE_PLACE_OUTSIDE;
	if (pcie__claimed(ep, bar, io, addr, size))
		return PCIE_PLACE_OVERLAP;
	return PCIE_PLACE_OK;
}

const char *pcie__place_name(enum pcie_place place)
{
	static const char *const names[] = {
		[PCIE_PLACE_OK] = "where it decodes",
		[PCIE_PLACE_DETACHED] = "behind no root port",
		[PCIE_PLACE_PORT_OFF] = "behind a root port that forwards nothing",
		[PCIE_PLACE_RAM] = "over guest RAM",
		[PCIE_PLACE_ECAM] = "over the PCIe configuration (ECAM) windows",
		[PCIE_PLACE_CHIPSET] = "over the I/O APIC, HPET, local APIC and MSI range (0xfec00000 up to 4 GiB)",
		[PCIE_PLACE_OUTSIDE] = "outside its root port's window",
		[PCIE_PLACE_OVERLAP] = "over another BAR",
	};

	return place < ARRAY_SIZE(names) ? names[place] : "nowhere known";
}

bool pcie__mmio(uint64_t gpa, uint8_t *data, uint32_t len, bool write)
{
	const struct pcie_port *p;
	bool done = true;

	pthread_mutex_lock(&topo.lock);
	for (unsigned int i = 0; i < topo.nr_rc; i++) {
		if (gpa - layout__ecam(i) < LAYOUT_ECAM_SIZE) {
			pcie__ecam(i, (uint32_t)(gpa - layout__ecam(i)), data, len, write);
			goto out;
		}
	}
	p = pcie__forwarding_port(PCI_COMMAND_MEMORY, gpa, len);
	done = p && p->ep->mmio && p->ep->mmio(p->ep->dev, gpa, data, len, write);
out:
	pthread_mutex_unlock(&topo.lock);
	return done;
}

bool pcie__io(uint16_t port, uint8_t *data, uint32_t len, bool write)
{
	const struct pcie_port *p;
	bool done;

	pthread_mutex_lock(&topo.lock);
	p = pcie__forwarding_port(PCI_COMMAND_IO, port, len);
	done = p && p->ep->io && p->ep->io(p->ep->dev, port, data, len, write);
	pthread_mutex_unlock(&topo.lock);
	return done;
}

void pcie__cfc_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&topo.lock);
	if (!(topo.cf8 & CF8_ENABLE)) {
		pcie__unclaimed(data, size, write);
		goto out;
	}
	pcie__cfg(&(struct pcie_addr){
		.seg = 0, .bus = (topo.cf8 >> 16) & 0xff, .dev = (topo.cf8 >> 11) & 0x1f,
		.fn = (topo.cf8 >> 8) & 7, .reg = (uint16_t)((topo.cf8 & 0xfc) + off),
	}, data, size, write);
out:
	pthread_mutex_unlock(&topo.lock);
}

/*
 * Only dword accesses reach CONFIG_ADDRESS; narrower ones at 0xcf8..0xcfb
 * belong to other registers on real chipsets (0xcf9 is the reset control
 * register, vmm/pm.c) and the rest read all ones here.
 */
void pcie__cf8_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&topo.lock);
	if (off == 0 && size == 4 && write) {
		memcpy(&topo.cf8, data, 4);
		topo.cf8 &= CF8_MASK;
	} else if (off == 0 && size == 4) {
		memcpy(data, &topo.cf8, 4);
	} else {
		pcie__unclaimed(data, size, write);
	}
	pthread_mutex_unlock(&topo.lock);
}
