// SPDX-License-Identifier: MIT
/*
 * An assigned device behind a root port. Configuration space is proxied to
 * the VFIO config region, except what the VMM must own: the BARs and the
 * ROM BAR (guest addresses, unrelated to the host's), the decode enables
 * of the command register (they decide where BARs appear), and the links
 * to extended capabilities the guest must not use, the MSI and MSI-X
 * capabilities (the host kernel owns the device's own), and Interrupt
 * Line. BAR accesses go through mmapped pieces mapped into the guest, or
 * trap here and go to the fd; the MSI-X table and PBA trap here always.
 * The interrupts are vfio-pci-irq.c's; what KVM maps, vfio-assign.c's.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "count.h"
#include "le.h"
#include "log.h"
#include "vfio-assign.h"
#include "vfio-pci.h"

#define PAGE_ALIGN_DOWN(x)	((x) & ~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x)	PAGE_ALIGN_DOWN((x) + PAGE_SIZE - 1)

static const char *bar_name[VFIO_PCI_BARS] = { "BAR0", "BAR1", "BAR2", "BAR3", "BAR4", "BAR5", "ROM" };

static unsigned int vfio_pci__bar_reg(unsigned int i)
{
	return i == VFIO_PCI_ROM ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4 * i;
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static void vfio_pci__set_reg(struct vfio_pci *d, unsigned int off, uint32_t val, uint32_t wmask)
{
	const struct pci_reg r = { .off = off, .len = 4, .val = val, .wmask = wmask };

	pci__set_regs(&d->cfg, 0, &r, 1);
}

static int vfio_pci__bad_bar(const struct vfio_pci *d, unsigned int i, const char *type)
{
	pr_err("%s: VFIO reports %s as 0x%llx bytes, which no %s BAR can have; this device cannot be assigned",
	       d->info.name, bar_name[i], (unsigned long long)d->info.regions[i].size, type);
	return -EINVAL;
}

/*
 * The device's own low BAR bits say memory or I/O, 32 or 64 bits and
 * prefetchable; the VFIO region says how big. The upper half of a 64-bit
 * BAR is a region of size 0.
 */
static int vfio_pci__init_bar(struct vfio_pci *d, const uint8_t *raw, unsigned int i)
{
	struct vfio_pci_bar *b = &d->bars[i];
	unsigned int off = vfio_pci__bar_reg(i);
	uint32_t bits = le__get32(raw + off);
	uint64_t size = d->info.regions[i].size;

	b->size = size;
	b->io = bits & PCI_BASE_ADDRESS_SPACE_IO;
	if (b->io) {
		if (!is_pow2(size) || size < 4 || size > 0x10000)
			return vfio_pci__bad_bar(d, i, "I/O");
		vfio_pci__set_reg(d, off, PCI_BASE_ADDRESS_SPACE_IO, (uint32_t)~(size - 1) & ~3u);
		return 0;
	}
	b->is64 = (bits & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (b->is64 && i + 1 == PCI_STD_NUM_BARS) {
		pr_err("%s: BAR5 is 64-bit, with no BAR left for its upper half; this device cannot be assigned",
		       d->info.name);
		return -EINVAL;
	}
	if (!is_pow2(size) || size < 16 || (!b->is64 && size > 1ull << 31))
		return vfio_pci__bad_bar(d, i, b->is64 ? "64-bit memory" : "32-bit memory");
	vfio_pci__set_reg(d, off, bits & 0xf, (uint32_t)~(size - 1) & ~0xfu);
	if (b->is64)
		vfio_pci__set_reg(d, off + 4, 0, (uint32_t)(~(size - 1) >> 32));
	return 0;
}

static int vfio_pci__init_bars(struct vfio_pci *d, const uint8_t *raw)
{
	uint64_t rom = d->info.regions[VFIO_PCI_ROM].size;

	/* Absent BARs and the upper halves read 0 and ignore writes, from cfg. */
	memset(d->virt + PCI_BASE_ADDRESS_0, 0xff, 4 * PCI_STD_NUM_BARS);
	memset(d->virt + PCI_ROM_ADDRESS, 0xff, 4);
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		if (!d->info.regions[i].size)
			continue;
		if (vfio_pci__init_bar(d, raw, i))
			return -EINVAL;
		if (d->bars[i].is64)
			i++;
	}
	if (!rom)
		return 0;
	if (!is_pow2(rom) || rom < 2048)
		return vfio_pci__bad_bar(d, VFIO_PCI_ROM, "expansion ROM");
	d->bars[VFIO_PCI_ROM].size = rom;
	vfio_pci__set_reg(d, PCI_ROM_ADDRESS, 0,
			  ((uint32_t)~(rom - 1) & PCI_ROM_ADDRESS_MASK) | PCI_ROM_ADDRESS_ENABLE);
	return 0;
}

static uint8_t vfio_pci__find_cap(const uint8_t *raw, uint8_t id)
{
	uint8_t pos = raw[PCI_CAPABILITY_LIST];

	if (!(raw[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	/* Bounded: a looping list must not hang the VMM. */
	for (unsigned int n = 0; n < 48 && pos >= PCI_STD_HEADER_SIZEOF; n++) {
		pos &= (uint8_t)~3;
		if (raw[pos + PCI_CAP_LIST_ID] == id)
			return pos;
		pos = raw[pos + PCI_CAP_LIST_NEXT];
	}
	return 0;
}

/*
 * The standard capability chain reads as the device has it and ignores
 * writes, whatever vfio-pci would let through: the guest cannot redirect
 * it, nor turn an ID into one the VMM emulates.
 */
static void vfio_pci__pin_caps(struct vfio_pci *d, const uint8_t *raw)
{
	uint8_t pos = raw[PCI_CAPABILITY_LIST];

	d->virt[PCI_CAPABILITY_LIST] = 0xff;
	d->cfg.data[PCI_CAPABILITY_LIST] = pos;
	for (unsigned int n = 0; n < 48 && pos >= PCI_STD_HEADER_SIZEOF; n++) {
		pos &= (uint8_t)~3;
		memset(d->virt + pos, 0xff, 2);
		memcpy(d->cfg.data + pos, raw + pos, 2);
		pos = raw[pos + PCI_CAP_LIST_NEXT];
	}
}

static bool vfio_pci__in_bar(const struct vfio_pci *d, unsigned int bar, uint64_t off, uint64_t len)
{
	return bar < PCI_STD_NUM_BARS && d->bars[bar].size && !d->bars[bar].io &&
	       off <= d->bars[bar].size && len <= d->bars[bar].size - off;
}

static int vfio_pci__init_msix(struct vfio_pci *d, const uint8_t *raw)
{
	struct vfio_pci_msix *x = &d->msix;
	uint8_t cap = vfio_pci__find_cap(raw, PCI_CAP_ID_MSIX);
	struct msi_ops ops = vfio_pci_irq__ops(d, VFIO_PCI_MSIX_IRQ_INDEX);
	uint32_t table, pba;
	int ret;

	if (!cap)
		return 0;
	ret = msix__init(&x->emu, cap, le__get16(raw + cap + PCI_MSIX_FLAGS), &ops);
	if (ret) {
		pr_err("%s: no memory for its MSI-X table", d->info.name);
		return ret;
	}
	table = le__get32(raw + cap + PCI_MSIX_TABLE);
	pba = le__get32(raw + cap + PCI_MSIX_PBA);
	x->table_bar = table & PCI_MSIX_TABLE_BIR;
	x->table_off = table & PCI_MSIX_TABLE_OFFSET;
	x->pba_bar = pba & PCI_MSIX_PBA_BIR;
	x->pba_off = pba & PCI_MSIX_PBA_OFFSET;
	/* Message Control is the VMM's; Table Offset/BIR and PBA Offset/BIR read through. */
	memset(d->virt + cap + PCI_MSIX_FLAGS, 0xff, 2);
	if (vfio_pci__in_bar(d, x->table_bar, x->table_off, msix__table_size(&x->emu)) &&
	    vfio_pci__in_bar(d, x->pba_bar, x->pba_off, msix__pba_size(&x->emu)))
		return 0;
	pr_err("%s: its MSI-X table (BAR%u+0x%x) or PBA (BAR%u+0x%x) lies outside a memory BAR; this device cannot be assigned",
	       d->info.name, x->table_bar, x->table_off, x->pba_bar, x->pba_off);
	return -EINVAL;
}

static void vfio_pci__init_msi(struct vfio_pci *d, const uint8_t *raw)
{
	uint8_t cap = vfio_pci__find_cap(raw, PCI_CAP_ID_MSI);
	struct msi_ops ops = vfio_pci_irq__ops(d, VFIO_PCI_MSI_IRQ_INDEX);

	if (!cap)
		return;
	msi__init(&d->msi, cap, le__get16(raw + cap + PCI_MSI_FLAGS), &ops);
	memset(d->virt + cap + PCI_MSI_FLAGS, 0xff, d->msi.len - PCI_MSI_FLAGS);
}

/* Bytes of an extended capability the guest must not see; 0: it may. */
static unsigned int vfio_pci__ecap_hidden_len(const uint8_t *raw, unsigned int pos)
{
	unsigned int len;

	switch (PCI_EXT_CAP_ID(le__get32(raw + pos))) {
	/* The guest cannot create virtual functions: they would be host devices outside its group. */
	case PCI_EXT_CAP_ID_SRIOV:
		len = PCI_EXT_CAP_SRIOV_SIZEOF;
		break;
	/* ARI renumbers functions, and the guest's device has exactly one. */
	case PCI_EXT_CAP_ID_ARI:
		len = PCI_EXT_CAP_ARI_SIZEOF;
		break;
	/* A resized BAR would no longer match the VFIO region the VMM maps. */
	case PCI_EXT_CAP_ID_REBAR:
		len = 4 + 8 * ((raw[pos + PCI_REBAR_CTRL] & PCI_REBAR_CTRL_NBAR_MASK) >>
			       PCI_REBAR_CTRL_NBAR_SHIFT);
		break;
	default:
		return 0;
	}
	return len < PCI_CFG_SIZE - pos ? len : PCI_CFG_SIZE - pos;
}

/* Makes the header at 'at' point to next. */
static void vfio_pci__link_ecap(struct vfio_pci *d, unsigned int at, unsigned int next)
{
	uint32_t hdr = pci__get(&d->cfg, at, 4);

	d->virt[at + 2] |= 0xf0;
	d->virt[at + 3] = 0xff;
	pci__set(&d->cfg, at, 4, (hdr & 0xfffff) | next << 20);
}

/*
 * Hidden capabilities read 0 and drop writes. The chain skips them; when
 * the one at 0x100 is hidden, its header stays with ID 0 and the next
 * pointer, which the PCIe spec allows for the first extended capability.
 */
static void vfio_pci__hide_ecaps(struct vfio_pci *d, const uint8_t *raw)
{
	unsigned int pos = PCI_CFG_SPACE_SIZE, prev = PCI_CFG_SPACE_SIZE;

	if (d->cfg_size <= PCI_CFG_SPACE_SIZE)
		return;
	/* No extended capabilities: the empty header at 0x100 stays empty, whatever the guest writes. */
	if (!le__get32(raw + pos)) {
		memset(d->virt + pos, 0xff, 4);
		return;
	}
	/* Bounded: a looping chain must not hang the VMM. */
	for (unsigned int n = 0; pos && n < (PCI_CFG_SIZE - PCI_CFG_SPACE_SIZE) / 4; n++) {
		unsigned int len = vfio_pci__ecap_hidden_len(raw, pos);
		unsigned int next = PCI_EXT_CAP_NEXT(le__get32(raw + pos));

		if (len) {
			memset(d->virt + pos, 0xff, len);
		} else if (pos != PCI_CFG_SPACE_SIZE) {
			vfio_pci__link_ecap(d, prev, pos);
			prev = pos;
		}
		pos = next >= PCI_CFG_SPACE_SIZE ? next : 0;
	}
	vfio_pci__link_ecap(d, prev, 0);
}

static int vfio_pci__mmap_piece(struct vfio_pci *d, unsigned int bar, uint64_t off, uint64_t size)
{
	const struct msg_region *r = &d->info.regions[bar];
	struct vfio_pci_piece *p = &d->pieces[d->nr_pieces];
	void *hva;

	if (d->nr_pieces == VFIO_PCI_SLOTS)
		return 0;
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)(r->offset + off));
	if (hva == MAP_FAILED) {
		int ret = -errno;

		pr_err("%s: cannot mmap %s+0x%llx (0x%llx bytes) from its VFIO device: %s",
		       d->info.name, bar_name[bar], (unsigned long long)off,
		       (unsigned long long)size, strerror(-ret));
		return ret;
	}
	*p = (struct vfio_pci_piece){ .bar = bar, .off = off, .size = size, .hva = hva };
	d->nr_pieces++;
	return 0;
}

/* The pages of bar that hold the MSI-X table and PBA: they stay trapped, for the VMM to emulate. */
static unsigned int vfio_pci__msix_holes(const struct vfio_pci *d, unsigned int bar, uint64_t hole[2][2])
{
	const struct vfio_pci_msix *x = &d->msix;
	unsigned int n = 0;

	if (!x->emu.cap)
		return 0;
	if (x->table_bar == bar) {
		hole[n][0] = PAGE_ALIGN_DOWN((uint64_t)x->table_off);
		hole[n++][1] = PAGE_ALIGN_UP((uint64_t)x->table_off + msix__table_size(&x->emu));
	}
	if (x->pba_bar == bar) {
		hole[n][0] = PAGE_ALIGN_DOWN((uint64_t)x->pba_off);
		hole[n++][1] = PAGE_ALIGN_UP((uint64_t)x->pba_off + msix__pba_size(&x->emu));
	}
	return n;
}

/* mmaps [start, end) of bar around the MSI-X holes. */
static int vfio_pci__add_pieces(struct vfio_pci *d, unsigned int bar, uint64_t start, uint64_t end)
{
	uint64_t hole[2][2];
	unsigned int n = vfio_pci__msix_holes(d, bar, hole);

	if (start >= end)
		return 0;
	for (unsigned int i = 0; i < n; i++) {
		int ret;

		if (hole[i][0] >= end || start >= hole[i][1])
			continue;
		ret = vfio_pci__add_pieces(d, bar, start, hole[i][0] > start ? hole[i][0] : start);
		return ret ? ret : vfio_pci__add_pieces(d, bar, hole[i][1], end);
	}
	return vfio_pci__mmap_piece(d, bar, start, end - start);
}

static int vfio_pci__map_bars(struct vfio_pci *d)
{
	const uint32_t need = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			      VFIO_REGION_INFO_FLAG_MMAP;

	if (d->info.opts & DEVICE_O_TRAP)
		return 0;
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		const struct msg_region *r = &d->info.regions[i];
		const struct vfio_pci_bar *b = &d->bars[i];

		/* A BAR smaller than a page shares its page with others: only trapping keeps them apart. */
		if (b->io || b->size < PAGE_SIZE || (r->flags & need) != need)
			continue;
		for (unsigned int a = 0; a < r->nr_areas && a < DEVICE_AREAS_MAX; a++) {
			uint64_t start = r->areas[a].offset, size = r->areas[a].size;
			int ret;

			if (start >= b->size)
				continue;
			ret = vfio_pci__add_pieces(d, i, start, size < b->size - start ? start + size : b->size);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Where BAR i decodes now, or 0: not at all while its decoding is off,
 * its address is 0, or the guest wrote all ones to size it.
 */
static uint64_t vfio_pci__bar_addr(const struct vfio_pci *d, unsigned int i)
{
	const struct vfio_pci_bar *b = &d->bars[i];
	unsigned int off = vfio_pci__bar_reg(i);
	uint32_t lo = pci__get(&d->cfg, off, 4), mask = le__get32(d->cfg.wmask + off);
	uint16_t cmd = (uint16_t)pci__get(&d->cfg, PCI_COMMAND, 2);
	uint64_t addr;

	if (!b->size || !(cmd & (b->io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)))
		return 0;
	if (i == VFIO_PCI_ROM) {
		if (!(lo & PCI_ROM_ADDRESS_ENABLE))
			return 0;
		mask &= ~PCI_ROM_ADDRESS_ENABLE;
	}
	if (mask && (lo & mask) == mask)
		return 0;
	addr = lo & mask;
	if (b->is64) {
		uint32_t hi = pci__get(&d->cfg, off + 4, 4), hi_mask = le__get32(d->cfg.wmask + off + 4);

		if ((hi & hi_mask) == hi_mask)
			return 0;
		addr |= (uint64_t)hi << 32;
	}
	return addr;
}

/* Where BAR i claims addresses by the device's own registers: decoding, not half-written. */
static uint64_t vfio_pci__claim_addr(const struct vfio_pci *d, unsigned int i)
{
	return d->asleep || d->bars[i].half ? 0 : vfio_pci__bar_addr(d, i);
}

static bool vfio_pci__claims(void *dev, bool io, uint64_t addr, uint64_t size, int skip)
{
	const struct vfio_pci *d = dev;

	for (unsigned int j = 0; j < VFIO_PCI_BARS; j++) {
		uint64_t at = (int)j == skip || d->bars[j].io != io ? 0 : vfio_pci__claim_addr(d, j);

		if (at && at <= addr + (size - 1) && addr <= at + (d->bars[j].size - 1))
			return true;
	}
	return false;
}

/*
 * One line when the guest places a BAR where hardware would not route it
 * (decoding turned off, or a port that forwards nothing, is no news), and
 * only when that changes: at most VFIO_PCI_PLACE_LINES of them.
 */
static void vfio_pci__tell_place(struct vfio_pci *d, unsigned int i, uint64_t addr, enum pcie_place why)
{
	struct vfio_pci_bar *b = &d->bars[i];
	bool news = why != PCIE_PLACE_OK && why != PCIE_PLACE_DETACHED && why != PCIE_PLACE_PORT_OFF;

	if (news && b->refused == why && b->refused_at == addr)
		return;
	b->refused = why;
	b->refused_at = addr;
	if (!news || d->place_lines >= VFIO_PCI_PLACE_LINES)
		return;
	d->place_lines++;
	pr_err("%s: the guest placed %s (0x%llx bytes) at 0x%llx, %s: it does not decode there%s",
	       d->info.name, bar_name[i], (unsigned long long)b->size, (unsigned long long)addr,
	       pcie__place_name(why),
	       d->place_lines == VFIO_PCI_PLACE_LINES ? "; further such lines about this device are not shown" : "");
}

/* Where each BAR decodes now: its own registers, the device's power state, and the topology. */
static void vfio_pci__place_bars(struct vfio_pci *d)
{
	for (unsigned int i = 0; i < VFIO_PCI_BARS; i++) {
		struct vfio_pci_bar *b = &d->bars[i];
		uint64_t addr = b->size ? vfio_pci__claim_addr(d, i) : 0;
		enum pcie_place why = addr ? pcie__place(&d->ep, (int)i, b->io, addr, b->size) : PCIE_PLACE_OK;

		b->live = why == PCIE_PLACE_OK ? addr : 0;
		if (addr)
			vfio_pci__tell_place(d, i, addr, why);
	}
}

/*
 * A piece is mapped while its BAR decodes. A memory slot KVM refuses
 * leaves the piece trapped, which is slower but complete; one it will not
 * remove stays on record, so the next update tries again.
 */
static void vfio_pci__update_maps(struct vfio_pci *d)
{
	uint64_t gpa[VFIO_PCI_SLOTS];

	for (unsigned int s = 0; s < d->nr_pieces; s++) {
		struct vfio_pci_piece *p = &d->pieces[s];
		uint64_t base = d->bars[p->bar].live;

		gpa[s] = base ? base + p->off : 0;
		if (p->gpa && p->gpa != gpa[s] && !vfio_assign__map(d, s, p->gpa, p->hva, 0))
			p->gpa = 0;
	}
	/* After every removal, so a BAR can move onto the place another one left. */
	for (unsigned int s = 0; s < d->nr_pieces; s++) {
		struct vfio_pci_piece *p = &d->pieces[s];

		if (gpa[s] && !p->gpa && !vfio_assign__map(d, s, gpa[s], p->hva, p->size))
			p->gpa = gpa[s];
	}
}

static void vfio_pci__update(void *dev)
{
	struct vfio_pci *d = dev;

	vfio_pci__place_bars(d);
	vfio_pci__update_maps(d);
}

static void vfio_pci__cfg_read(struct vfio_pci *d, uint16_t reg, uint8_t *data, uint32_t len)
{
	const uint64_t at = d->info.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset + reg;
	uint8_t dev[4] = { 0 };
	bool local = true;

	for (uint32_t i = 0; i < len; i++)
		local &= d->virt[reg + i] == 0xff;
	if (!local && pread(d->fd, dev, len, (off_t)at) != (ssize_t)len)
		memset(dev, 0xff, len);
	for (uint32_t i = 0; i < len; i++)
		data[i] = (uint8_t)((dev[i] & ~d->virt[reg + i]) | (d->cfg.data[reg + i] & d->virt[reg + i]));
	if (d->msi.cap)
		msi__cfg_read(&d->msi, reg, data, len);
	if (d->msix.emu.cap)
		msix__cfg_read(&d->msix.emu, reg, data, len);
}

/*
 * The power state as the device has it after a write to PMCSR (VFIO
 * moves the device itself): outside D0 its BARs decode nothing. A failed
 * read counts as asleep: nothing the device cannot answer is mapped.
 */
static void vfio_pci__read_power_state(struct vfio_pci *d)
{
	const uint64_t at = d->info.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset + d->pm + PCI_PM_CTRL;
	uint8_t pmcsr[2];

	d->asleep = pread(d->fd, pmcsr, sizeof(pmcsr), (off_t)at) != (ssize_t)sizeof(pmcsr) ||
		    (pmcsr[0] & PCI_PM_CTRL_STATE_MASK) != 0;
}

static void vfio_pci__cfg_write(struct vfio_pci *d, uint16_t reg, uint8_t *data, uint32_t len)
{
	const uint64_t at = d->info.regions[VFIO_PCI_CONFIG_REGION_INDEX].offset + reg;

	/* Bytes not wholly virtual reach the device: the command register's decode bits too. */
	for (uint32_t i = 0; i < len; i++) {
		uint32_t j = i;

		while (j < len && d->virt[reg + j] != 0xff)
			j++;
		if (j > i && pwrite(d->fd, data + i, j - i, (off_t)(at + i)) != (ssize_t)(j - i))
			break;
		i = j;
	}
	pci__access(&d->cfg, reg, data, len, true);
	if (d->msi.cap)
		msi__cfg_write(&d->msi, reg, data, len);
	if (d->msix.emu.cap)
		msix__cfg_write(&d->msix.emu, reg, data, len);
	for (unsigned int i = 0; i < PCI_STD_NUM_BARS; i++) {
		unsigned int off = vfio_pci__bar_reg(i);

		if (d->bars[i].is64 && reg >= off && reg < off + 8)
			d->bars[i].half = reg < off + 4;
	}
	if (d->pm && reg < d->pm + PCI_PM_CTRL + 2 && reg + len > (uint32_t)d->pm + PCI_PM_CTRL)
		vfio_pci__read_power_state(d);
}

static void vfio_pci__cfg(void *dev, unsigned int fn, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	struct vfio_pci *d = dev;

	count__inc(&d->counters->cfg);
	if (fn) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (write)
		vfio_pci__cfg_write(d, reg, data, len);
	else
		vfio_pci__cfg_read(d, reg, data, len);
}

static bool vfio_pci__within(uint64_t off, uint32_t len, uint32_t start, uint32_t size)
{
	return off >= start && off - start < size && len <= size - (off - start);
}

/*
 * The MSI-X table and PBA are the VMM's, even in a BAR they share with
 * registers: true when off lies in them. The device's PBA is read too,
 * for vectors the host masked.
 */
static bool vfio_pci__msix_rw(struct vfio_pci *d, unsigned int i, uint64_t off, uint8_t *data,
			      uint32_t len, bool write)
{
	struct vfio_pci_msix *x = &d->msix;
	off_t at = (off_t)(d->info.regions[i].offset + off);

	if (!x->emu.cap)
		return false;
	if (i == x->table_bar && vfio_pci__within(off, len, x->table_off, msix__table_size(&x->emu))) {
		msix__table(&x->emu, (uint32_t)(off - x->table_off), data, len, write);
		return true;
	}
	if (i != x->pba_bar || !vfio_pci__within(off, len, x->pba_off, msix__pba_size(&x->emu)))
		return false;
	if (!write) {
		if (pread(d->fd, data, len, at) != (ssize_t)len)
			memset(data, 0, len);
		msix__pba_read(&x->emu, (uint32_t)(off - x->pba_off), data, len);
	}
	return true;
}

/* A failed read returns all ones, as a master abort would. */
static void vfio_pci__bar_rw(struct vfio_pci *d, unsigned int i, uint64_t off, uint8_t *data,
			     uint32_t len, bool write)
{
	off_t at = (off_t)(d->info.regions[i].offset + off);
	ssize_t n;

	if (vfio_pci__msix_rw(d, i, off, data, len, write))
		return;
	n = write ? pwrite(d->fd, data, len, at) : pread(d->fd, data, len, at);
	if (!write && n != (ssize_t)len)
		memset(data, 0xff, len);
}

static bool vfio_pci__access(struct vfio_pci *d, bool io, uint64_t addr, uint8_t *data,
			     uint32_t len, bool write)
{
	for (unsigned int i = 0; i < VFIO_PCI_BARS; i++) {
		uint64_t base = d->bars[i].io == io ? d->bars[i].live : 0;

		if (!base || addr < base || addr - base >= d->bars[i].size ||
		    len > d->bars[i].size - (addr - base))
			continue;
		/* The ROM is read-only. */
		if (!(write && i == VFIO_PCI_ROM))
			vfio_pci__bar_rw(d, i, addr - base, data, len, write);
		return true;
	}
	return false;
}

static bool vfio_pci__mmio(void *dev, uint64_t gpa, uint8_t *data, uint32_t len, bool write)
{
	struct vfio_pci *d = dev;

	count__inc(&d->counters->mmio);
	return vfio_pci__access(d, false, gpa, data, len, write);
}

static bool vfio_pci__io(void *dev, uint16_t port, uint8_t *data, uint32_t len, bool write)
{
	struct vfio_pci *d = dev;

	count__inc(&d->counters->io);
	return vfio_pci__access(d, true, port, data, len, write);
}

static void vfio_pci__unmap_bars(struct vfio_pci *d)
{
	for (unsigned int s = 0; s < d->nr_pieces; s++) {
		struct vfio_pci_piece *p = &d->pieces[s];

		if (p->gpa)
			vfio_assign__map(d, s, p->gpa, p->hva, 0);
		munmap(p->hva, p->size);
	}
	d->nr_pieces = 0;
}

int vfio_pci__init(struct vfio_pci *d, const struct msg_device *info, int fd)
{
	const struct msg_region *cr = &info->regions[VFIO_PCI_CONFIG_REGION_INDEX];
	uint8_t raw[PCI_CFG_SIZE] = { 0 };
	ssize_t n;
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->info = *info;
	d->info.name[DEVICE_NAME_MAX - 1] = '\0';
	d->counters = &vmm_counters->dev[info->index];	/* below CONFIG_DEVICES_MAX: msg__read_device */
	d->irqs = VFIO_PCI_IRQS_NONE;
	d->cfg_size = (uint32_t)(cr->size < PCI_CFG_SIZE ? cr->size : PCI_CFG_SIZE) & ~3u;
	if (d->cfg_size < PCI_STD_HEADER_SIZEOF) {
		pr_err("%s: its VFIO config region has %llu bytes, too few for a PCI header", d->info.name,
		       (unsigned long long)cr->size);
		return -EINVAL;
	}
	n = pread(fd, raw, d->cfg_size, (off_t)cr->offset);
	if (n != (ssize_t)d->cfg_size) {
		ret = n < 0 ? -errno : -EIO;
		pr_err("%s: cannot read its config space through VFIO: %s", d->info.name, strerror(-ret));
		return ret;
	}
	if ((raw[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK) != PCI_HEADER_TYPE_NORMAL) {
		pr_err("%s is a PCI bridge (header type 0x%x); only endpoints can be assigned",
		       d->info.name, raw[PCI_HEADER_TYPE]);
		return -EINVAL;
	}
	/* Beyond the region (a conventional PCI device): reads 0, as the guest's extended space. */
	memset(d->virt + d->cfg_size, 0xff, PCI_CFG_SIZE - d->cfg_size);
	ret = vfio_pci__init_bars(d, raw);
	if (!ret)
		ret = vfio_pci__init_msix(d, raw);
	if (ret)
		goto out;
	vfio_pci__init_msi(d, raw);
	d->pm = vfio_pci__find_cap(raw, PCI_CAP_ID_PM);
	if (d->pm)
		vfio_pci__read_power_state(d);
	d->virt[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
	d->cfg.wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
	d->cfg.data[PCI_COMMAND] = raw[PCI_COMMAND] & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
	/* The guest gets function 0 alone: it must not look for the others. */
	d->virt[PCI_HEADER_TYPE] = (uint8_t)~PCI_HEADER_TYPE_MASK;
	/* Interrupt Line is the guest's scratch byte; Interrupt Pin reads 0 without INTx. */
	d->virt[PCI_INTERRUPT_LINE] = 0xff;
	d->cfg.wmask[PCI_INTERRUPT_LINE] = 0xff;
	if (!d->info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count)
		d->virt[PCI_INTERRUPT_PIN] = 0xff;
	vfio_pci__pin_caps(d, raw);
	vfio_pci__hide_ecaps(d, raw);
	ret = vfio_pci__map_bars(d);
	if (!ret)
		ret = vfio_pci_irq__init(d, raw[PCI_INTERRUPT_PIN]);
	if (ret)
		goto out;
	d->ep = (struct pcie_endpoint){
		.cfg = vfio_pci__cfg, .update = vfio_pci__update, .claims = vfio_pci__claims,
		.mmio = vfio_pci__mmio, .io = vfio_pci__io, .dev = d,
	};
	return 0;
out:
	vfio_pci__exit(d);
	return ret;
}

const struct pcie_endpoint *vfio_pci__endpoint(struct vfio_pci *d)
{
	return &d->ep;
}

void vfio_pci__exit(struct vfio_pci *d)
{
	vfio_pci_irq__exit(d);
	msix__exit(&d->msix.emu);
	vfio_pci__unmap_bars(d);
}
