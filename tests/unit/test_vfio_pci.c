// SPDX-License-Identifier: MIT
/*
 * The assigned-device model against recorded config spaces. A memfd stands
 * in for the VFIO device fd: each region at its own offset, the config
 * space recorded in the test host, BARs and ROM filled with a pattern.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fixtures/vfio-configs.h"
#include "layout.h"
#include "le.h"
#include "log.h"
#include "vfio-assign.h"
#include "vfio-pci.h"

#define CFG		VFIO_PCI_CONFIG_REGION_INDEX
#define REGION_OFF(i)	((uint64_t)(i) << 24)
#define RW		(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE)
#define RWM		(RW | VFIO_REGION_INFO_FLAG_MMAP)
#define MEM		PCI_COMMAND_MEMORY

struct map_call {
	unsigned int slot;
	uint64_t gpa;
	void *hva;
	uint64_t size;
};

static struct vfio_pci d;
static struct msg_device info;
static uint8_t config[PCI_CFG_SIZE];
static int fd = -1;
static struct map_call calls[64];
static unsigned int nr_calls;

static int map_ret;	/* what KVM_SET_USER_MEMORY_REGION returns for a new mapping */

/* The VMM's VFIO glue (vmm/vfio-assign.c), recorded instead. */
int vfio_assign__map(const struct vfio_pci *dev, unsigned int slot, uint64_t gpa, void *hva, uint64_t size)
{
	assert_ptr_equal(dev, &d);
	assert_true(slot < VFIO_PCI_SLOTS);
	assert_true(nr_calls < ARRAY_SIZE(calls));
	calls[nr_calls++] = (struct map_call){ slot, gpa, hva, size };
	return size ? map_ret : 0;
}

/* Interrupt calls, as text: "route 24 fee00000 4021", "irqfd 24 on", "set 2 trigger 65". */
static char irq_log[64][48];
static unsigned int nr_irq;

static void irq_rec(const char *fmt, ...)
{
	va_list ap;

	assert_true(nr_irq < ARRAY_SIZE(irq_log));
	va_start(ap, fmt);
	vsnprintf(irq_log[nr_irq++], sizeof(irq_log[0]), fmt, ap);
	va_end(ap);
}

int vfio_assign__route(unsigned int gsi, const struct msi_msg *msg)
{
	irq_rec("route %u %llx %x", gsi, (unsigned long long)msg->addr, msg->data);
	return 0;
}

int vfio_assign__irqfd(int efd, unsigned int gsi, int resample_fd, bool on)
{
	assert_true(efd >= 0);
	irq_rec("irqfd %u %s%s", gsi, on ? "on" : "off", resample_fd >= 0 ? " level" : "");
	return 0;
}

static int set_irqs_ret;	/* what VFIO_DEVICE_SET_IRQS returns */

int vfio_assign__set_irqs(const struct vfio_pci *dev, struct vfio_irq_set *set)
{
	assert_ptr_equal(dev, &d);
	assert_int_equal(dev->fd, fd);
	irq_rec("set %u %s %u%s", set->index,
		set->flags & VFIO_IRQ_SET_ACTION_UNMASK ? "unmask" : "trigger", set->count,
		set->flags & VFIO_IRQ_SET_DATA_EVENTFD ? " fds" : "");
	return set_irqs_ret;
}

static uint8_t pattern(unsigned int region, uint64_t off)
{
	return (uint8_t)(off * 13 + (off >> 8) + region * 0x31);
}

static void region(unsigned int i, uint64_t size, uint32_t flags)
{
	info.regions[i] = (struct msg_region){ .size = size, .offset = REGION_OFF(i), .flags = flags };
	if (flags & VFIO_REGION_INFO_FLAG_MMAP)
		info.regions[i].nr_areas = 1, info.regions[i].areas[0].size = size;
}

/* The device's power management capability in config, or 0. */
static unsigned int pm_cap(void)
{
	for (unsigned int pos = config[PCI_CAPABILITY_LIST], n = 0; pos && n < 48; pos = config[pos + 1], n++)
		if (config[pos] == PCI_CAP_ID_PM)
			return pos;
	return 0;
}

/*
 * The recorded spaces show the idle devices in D3hot, where vfio-pci
 * keeps them; opening the device, as the broker does, brings it to D0.
 */
static void use_config(const uint8_t *cfg, uint64_t size)
{
	unsigned int pm;

	memcpy(config, cfg, size);
	region(CFG, size, RW);
	pm = pm_cap();
	if (pm)
		config[pm + PCI_PM_CTRL] &= (uint8_t)~PCI_PM_CTRL_STATE_MASK;
}

/* The vectors VFIO counts: MSI's Multiple Message Capable, MSI-X's Table Size. */
static void vectors(uint32_t msi, uint32_t msix)
{
	info.irqs[VFIO_PCI_MSI_IRQ_INDEX].count = msi;
	info.irqs[VFIO_PCI_MSIX_IRQ_INDEX].count = msix;
}

static void edu(void)
{
	use_config(fixture_edu_config, 256);
	region(0, 1 << 20, RWM);
	vectors(1, 0);
}

static void nvme(void)
{
	use_config(fixture_nvme_config, 4096);
	region(0, 16 << 10, RWM);
	vectors(0, 65);
}

static void e1000e(void)
{
	use_config(fixture_e1000e_config, 4096);
	region(0, 128 << 10, RWM);
	region(1, 128 << 10, RWM);
	region(2, 32, RW);
	region(3, 16 << 10, RWM);
	vectors(1, 5);
}

static int reset(void **state)
{
	(void)state;
	memset(&d, 0, sizeof(d));
	memset(&info, 0, sizeof(info));
	memset(config, 0, sizeof(config));
	strcpy(info.name, "0000:00:00.0");
	nr_calls = 0;
	nr_irq = 0;
	set_irqs_ret = 0;
	map_ret = 0;
	fd = memfd_create("vfio-device", 0);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)REGION_OFF(DEVICE_REGIONS)), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vfio_pci__exit(&d);
	close(fd);
	return 0;
}

/* Writes the config space and the BAR patterns into the fake fd, then initialises. */
static int start(void)
{
	uint8_t buf[4096];

	/* The first MiB of each region is enough for every access the tests make. */
	assert_int_equal(pwrite(fd, config, info.regions[CFG].size, (off_t)REGION_OFF(CFG)),
			 (ssize_t)info.regions[CFG].size);
	for (unsigned int i = 0; i < VFIO_PCI_BARS; i++) {
		uint64_t size = info.regions[i].size < (1 << 20) ? info.regions[i].size : 1 << 20;

		for (uint64_t off = 0; off < size; off += sizeof(buf)) {
			uint64_t n = size - off < sizeof(buf) ? size - off : sizeof(buf);

			for (uint64_t k = 0; k < n; k++)
				buf[k] = pattern(i, off + k);
			assert_int_equal(pwrite(fd, buf, n, (off_t)(REGION_OFF(i) + off)), (ssize_t)n);
		}
	}
	return vfio_pci__init(&d, &info, fd);
}

/* A config access through ECAM to device 0 of bus (1: behind root port 0, 2: port 1; 0: the ports). */
static uint32_t ecam_rd(unsigned int bus, unsigned int dev, uint16_t reg, uint32_t len)
{
	uint8_t b[4] = { 0xee, 0xee, 0xee, 0xee };

	assert_true(pcie__mmio(layout__ecam(0) + ((uint64_t)bus << 20 | dev << 15 | reg), b, len, false));
	return (uint32_t)le__get(b, len);
}

static void ecam_wr(unsigned int bus, unsigned int dev, uint16_t reg, uint32_t len, uint32_t v)
{
	uint8_t b[4];

	le__put32(b, v);
	assert_true(pcie__mmio(layout__ecam(0) + ((uint64_t)bus << 20 | dev << 15 | reg), b, len, true));
}

/* The device under test, behind root port 0. */
static uint32_t cfg_rd(uint16_t reg, uint32_t len)
{
	return ecam_rd(1, 0, reg, len);
}

static void cfg_wr(uint16_t reg, uint32_t len, uint32_t v)
{
	ecam_wr(1, 0, reg, len, v);
}

/*
 * Root port port (0 or 1) of a one-complex topology with 64 MiB of RAM:
 * memory window [0xc0000000, 0xfebfffff], prefetchable window [4 GiB,
 * 16 GiB), I/O window [0xc000, 0xffff], decoding both.
 */
static void open_port(unsigned int port)
{
	ecam_wr(0, port + 1, PCI_MEMORY_BASE, 2, 0xc000);
	ecam_wr(0, port + 1, PCI_MEMORY_LIMIT, 2, 0xfeb0);
	ecam_wr(0, port + 1, PCI_PREF_MEMORY_BASE, 2, 0x0000);
	ecam_wr(0, port + 1, PCI_PREF_MEMORY_LIMIT, 2, 0xfff0);
	ecam_wr(0, port + 1, PCI_PREF_BASE_UPPER32, 4, 1);
	ecam_wr(0, port + 1, PCI_PREF_LIMIT_UPPER32, 4, 3);
	ecam_wr(0, port + 1, PCI_IO_BASE, 1, 0xc0);
	ecam_wr(0, port + 1, PCI_IO_LIMIT, 1, 0xf0);
	ecam_wr(0, port + 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
}

#define RAM_SIZE	(64ull << 20)

/* start(), then the device plugged in behind root port 0, whose windows are open. */
static int plugged(void)
{
	static const unsigned int ports[] = { 2 };
	int ret = start();

	if (ret)
		return ret;
	assert_int_equal(pcie__init(1, ports, RAM_SIZE), 0);
	open_port(0);
	open_port(1);
	assert_int_equal(pcie__attach(0, 0, vfio_pci__endpoint(&d)), 0);
	return 0;
}

/* What the device itself holds in its config space. */
static uint32_t dev_rd(uint16_t reg, uint32_t len)
{
	uint8_t b[4];

	assert_int_equal(pread(fd, b, len, (off_t)(REGION_OFF(CFG) + reg)), (ssize_t)len);
	return (uint32_t)le__get(b, len);
}

static void dev_wr(uint16_t reg, uint32_t len, uint32_t v)
{
	uint8_t b[4];

	le__put32(b, v);
	assert_int_equal(pwrite(fd, b, len, (off_t)(REGION_OFF(CFG) + reg)), (ssize_t)len);
}

static uint32_t size_bar(uint16_t reg, uint32_t ones)
{
	uint32_t old = cfg_rd(reg, 4), v;

	cfg_wr(reg, 4, ones);
	v = cfg_rd(reg, 4);
	cfg_wr(reg, 4, old);
	return v;
}

static void assert_call(unsigned int i, unsigned int slot, uint64_t gpa, uint64_t size)
{
	assert_true(i < nr_calls);
	assert_int_equal(calls[i].slot, slot);
	assert_int_equal(calls[i].gpa, gpa);
	assert_int_equal(calls[i].size, size);
	assert_ptr_equal(calls[i].hva, d.pieces[slot].hva);
}

static bool mmio(uint64_t gpa, uint8_t *data, uint32_t len, bool write)
{
	const struct pcie_endpoint *ep = vfio_pci__endpoint(&d);

	return ep->mmio(ep->dev, gpa, data, len, write);
}

static void test_identity_passes_through(void **state)
{
	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(PCI_VENDOR_ID, 4), 0x11e81234);
	assert_int_equal(cfg_rd(PCI_CLASS_REVISION, 4), 0x00ff0010);
	assert_int_equal(cfg_rd(PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
	assert_int_equal(cfg_rd(PCI_CAPABILITY_LIST, 1), 0x40);
	assert_int_equal(cfg_rd(0x40, 4), 0x00800005);	/* MSI: 64-bit, one vector, off */
	/* Interrupt Line is the guest's; Interrupt Pin reads 0 without a VFIO INTx. */
	assert_int_equal(cfg_rd(PCI_INTERRUPT_LINE, 2), 0);
	cfg_wr(PCI_INTERRUPT_LINE, 2, 0xff0b);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_LINE, 2), 0x000b);
	assert_int_equal(dev_rd(PCI_INTERRUPT_LINE, 1), 0x0a);
	/* Past a conventional device's 256 bytes: no extended capabilities. */
	assert_int_equal(cfg_rd(PCI_CFG_SPACE_SIZE, 4), 0);
	cfg_wr(PCI_CFG_SPACE_SIZE, 4, 0x12345678);
	assert_int_equal(cfg_rd(PCI_CFG_SPACE_SIZE, 4), 0);
}

static void test_other_functions_are_absent(void **state)
{
	const struct pcie_endpoint *ep;
	uint8_t b[4] = { 0 };

	(void)state;
	edu();
	config[PCI_HEADER_TYPE] = 0x80;	/* multi-function */
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(cfg_rd(PCI_CACHE_LINE_SIZE, 4), 0);
	ep = vfio_pci__endpoint(&d);
	ep->cfg(ep->dev, 1, PCI_VENDOR_ID, b, 4, false);
	assert_int_equal(b[0] & b[1] & b[2] & b[3], 0xff);
	memset(b, 0, 4);
	ep->cfg(ep->dev, 7, PCI_COMMAND, b, 2, true);
	assert_int_equal(dev_rd(PCI_COMMAND, 2), 0x0103);
}

static void test_bar_sizing_32bit(void **state)
{
	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	/* The host's address never shows: the guest's BAR starts unprogrammed. */
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_0, 0xffffffff), 0xfff00000);
	for (uint16_t reg = PCI_BASE_ADDRESS_1; reg <= PCI_BASE_ADDRESS_5; reg += 4)
		assert_int_equal(size_bar(reg, 0xffffffff), 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe012345);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0xfe000000);
	/* The device's own BAR is never written. */
	assert_int_equal(dev_rd(PCI_BASE_ADDRESS_0, 4), 0xfea00000);
}

static void test_bar_sizing_64bit(void **state)
{
	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), PCI_BASE_ADDRESS_MEM_TYPE_64);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_0, 0xffffffff), 0xffffc004);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_1, 0xffffffff), 0xffffffff);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0x00000012);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0xfe000004);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_1, 4), 0x12);
	for (uint16_t reg = PCI_BASE_ADDRESS_2; reg <= PCI_BASE_ADDRESS_5; reg += 4)
		assert_int_equal(size_bar(reg, 0xffffffff), 0);
}

/* An 8 GiB prefetchable 64-bit BAR: its low dword has no address bits at all. */
static void test_bar_sizing_prefetchable_large(void **state)
{
	(void)state;
	nvme();
	config[PCI_BASE_ADDRESS_0] = PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH;
	info.regions[0].size = 8ull << 30;
	info.regions[0].flags = RW;
	info.regions[0].nr_areas = 0;
	assert_int_equal(plugged(), 0);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_0, 0xffffffff), 0x0000000c);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_1, 0xffffffff), 0xfffffffe);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0x00000003);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_1, 4), 0x00000002);
}

static void test_bar_sizing_io_and_mixed(void **state)
{
	(void)state;
	e1000e();
	assert_int_equal(plugged(), 0);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_0, 0xffffffff), 0xfffe0000);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_1, 0xffffffff), 0xfffe0000);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_2, 0xffffffff), 0xffffffe1);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_3, 0xffffffff), 0xffffc000);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_4, 0xffffffff), 0);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_5, 0xffffffff), 0);
	cfg_wr(PCI_BASE_ADDRESS_2, 4, 0xc04f);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_2, 4), 0xc041);
	/* No ROM (romfile= was empty): the ROM BAR reads 0. */
	assert_int_equal(size_bar(PCI_ROM_ADDRESS, 0xfffff800), 0);
	assert_int_equal(size_bar(PCI_ROM_ADDRESS, 0xffffffff), 0);
}

static void test_rom(void **state)
{
	uint8_t b[8];

	(void)state;
	edu();
	region(VFIO_PCI_ROM, 64 << 10, VFIO_REGION_INFO_FLAG_READ);
	assert_int_equal(plugged(), 0);
	assert_int_equal(size_bar(PCI_ROM_ADDRESS, 0xfffff800), 0xffff0000);
	assert_int_equal(size_bar(PCI_ROM_ADDRESS, 0xffffffff), 0xffff0001);
	cfg_wr(PCI_ROM_ADDRESS, 4, 0xfd000000);
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_false(mmio(0xfd000000, b, 4, false));	/* not enabled */
	cfg_wr(PCI_ROM_ADDRESS, 4, 0xfd000001);
	assert_int_equal(cfg_rd(PCI_ROM_ADDRESS, 4), 0xfd000001);
	assert_true(mmio(0xfd000100, b, 8, false));
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(b[i], pattern(VFIO_PCI_ROM, 0x100 + i));
	memset(b, 0, sizeof(b));
	assert_true(mmio(0xfd000100, b, 4, true));	/* claimed, and dropped */
	assert_true(mmio(0xfd000100, b, 1, false));
	assert_int_equal(b[0], pattern(VFIO_PCI_ROM, 0x100));
	assert_false(mmio(0xfd010000, b, 1, false));
	cfg_wr(PCI_COMMAND, 2, 0);
	assert_false(mmio(0xfd000100, b, 1, false));
	/* The ROM is never mapped: it stays trapped and read-only. */
	assert_int_equal(d.nr_pieces, 1);
	assert_int_equal(d.pieces[0].bar, 0);
}

static void test_command_register(void **state)
{
	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), 0x0103);
	/* Everything, decode and bus master included, reaches the device. */
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(dev_rd(PCI_COMMAND, 2), PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	cfg_wr(PCI_COMMAND, 1, PCI_COMMAND_MEMORY | PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	assert_int_equal(dev_rd(PCI_COMMAND, 2), 0x0407);
	/* The decode bits are the VMM's: what the device says of them does not show. */
	dev_wr(PCI_COMMAND, 2, 0x0004);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), 0x0007);
	dev_wr(PCI_COMMAND, 2, 0x0407);
	cfg_wr(PCI_COMMAND + 1, 1, 0);
	assert_int_equal(dev_rd(PCI_COMMAND, 2), 0x0007);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), 0x0007);
}

/* Byte, word and dword accesses see virtual and device bytes side by side. */
static void test_access_sizes_merge(void **state)
{
	(void)state;
	e1000e();
	assert_int_equal(plugged(), 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfeb00000);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0 + 3, 1), 0xfe);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0 + 2, 2), 0xfeb0);
	cfg_wr(PCI_BASE_ADDRESS_0 + 3, 1, 0xfd);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0xfdb00000);
	cfg_wr(PCI_BASE_ADDRESS_0 + 2, 2, 0xffff);
	assert_int_equal(cfg_rd(PCI_BASE_ADDRESS_0, 4), 0xfffe0000);
	/* Command (decode bits virtual) beside status (the device's). */
	dev_wr(PCI_STATUS, 2, 0x0010);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	dev_wr(PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(cfg_rd(PCI_COMMAND, 4), 0x00100006);
	assert_int_equal(cfg_rd(PCI_COMMAND, 1), 0x06);
	assert_int_equal(cfg_rd(PCI_STATUS, 2), 0x0010);
	/* AER's header: ID and version from the device, next pointer from the VMM. */
	assert_int_equal(cfg_rd(0x100, 4), 0x14020001);
	assert_int_equal(cfg_rd(0x102, 2), 0x1402);
	assert_int_equal(cfg_rd(0x103, 1), 0x14);
	dev_wr(0x102, 1, 0x03);
	assert_int_equal(cfg_rd(0x102, 1), 0x03);
}

static void put_ecap(unsigned int pos, uint16_t id, unsigned int next, unsigned int len)
{
	config[pos] = (uint8_t)id;
	config[pos + 1] = (uint8_t)(id >> 8);
	config[pos + 2] = (uint8_t)(1 | (next & 0xf) << 4);
	config[pos + 3] = (uint8_t)(next >> 4);
	memset(config + pos + 4, 0xa5, len - 4);
}

/* The body of a hidden capability reads 0 and keeps the device's bytes from guest writes. */
static void assert_hidden(unsigned int pos, unsigned int len)
{
	for (unsigned int i = 4; i < len; i += 4)
		assert_int_equal(cfg_rd((uint16_t)(pos + i), 4), 0);
	cfg_wr((uint16_t)(pos + 4), 4, 0xffffffff);
	assert_int_equal(dev_rd((uint16_t)(pos + 4), 4), 0xa5a5a5a5);
}

/* SR-IOV first at 0x100, AER, ARI, Resizable BAR, DSN last (at 0x304: the pointer's low nibble counts). */
static void test_hidden_extended_capabilities(void **state)
{
	(void)state;
	e1000e();
	memset(config + PCI_CFG_SPACE_SIZE, 0, PCI_CFG_SIZE - PCI_CFG_SPACE_SIZE);
	put_ecap(0x100, PCI_EXT_CAP_ID_SRIOV, 0x140, PCI_EXT_CAP_SRIOV_SIZEOF);
	put_ecap(0x140, PCI_EXT_CAP_ID_ERR, 0x200, 0x48);
	put_ecap(0x200, PCI_EXT_CAP_ID_ARI, 0x210, PCI_EXT_CAP_ARI_SIZEOF);
	put_ecap(0x210, PCI_EXT_CAP_ID_REBAR, 0x304, 20);
	config[0x210 + PCI_REBAR_CTRL] = 2 << PCI_REBAR_CTRL_NBAR_SHIFT;
	put_ecap(0x304, PCI_EXT_CAP_ID_DSN, 0, 12);
	assert_int_equal(plugged(), 0);
	/* The first header stays, with ID 0, so the chain starts at 0x100. */
	assert_int_equal(cfg_rd(0x100, 4), 0x140u << 20);
	assert_int_equal(cfg_rd(0x140, 4), 0x304u << 20 | 1 << 16 | PCI_EXT_CAP_ID_ERR);
	assert_int_equal(cfg_rd(0x304, 4), 1 << 16 | PCI_EXT_CAP_ID_DSN);
	assert_int_equal(cfg_rd(0x144, 4), 0xa5a5a5a5);
	assert_int_equal(cfg_rd(0x200, 4), 0);
	assert_int_equal(cfg_rd(0x210, 4), 0);
	assert_hidden(0x100, PCI_EXT_CAP_SRIOV_SIZEOF);
	assert_hidden(0x200, PCI_EXT_CAP_ARI_SIZEOF);
	assert_hidden(0x210, 4 + 2 * 8);
	assert_int_equal(cfg_rd(0x228, 4), 0);	/* past the Resizable BAR: nothing was there */
	cfg_wr(0x228, 4, 0x11111111);
	assert_int_equal(dev_rd(0x228, 4), 0x11111111);
}

/* Found by fuzz_pcie: no extended capabilities, and a guest write gave the empty header a next pointer. */
static void test_empty_extended_list_stays_empty(void **state)
{
	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(PCI_CFG_SPACE_SIZE, 4), 0);
	cfg_wr(PCI_CFG_SPACE_SIZE, 4, 0x10000000);
	assert_int_equal(cfg_rd(PCI_CFG_SPACE_SIZE, 4), 0);
	assert_int_equal(dev_rd(PCI_CFG_SPACE_SIZE, 4), 0);
}

static void test_hidden_last_and_only(void **state)
{
	(void)state;
	e1000e();
	config[0x143] = 0x18;	/* DSN -> SR-IOV at 0x180 */
	put_ecap(0x180, PCI_EXT_CAP_ID_SRIOV, 0, PCI_EXT_CAP_SRIOV_SIZEOF);
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(0x100, 4), 0x14020001);
	assert_int_equal(cfg_rd(0x140, 4), 0x00010003);
	assert_int_equal(cfg_rd(0x180, 4), 0);
	assert_hidden(0x180, PCI_EXT_CAP_SRIOV_SIZEOF);
	teardown(state);

	reset(state);
	e1000e();
	memset(config + PCI_CFG_SPACE_SIZE, 0, PCI_CFG_SIZE - PCI_CFG_SPACE_SIZE);
	put_ecap(0x100, PCI_EXT_CAP_ID_ARI, 0, PCI_EXT_CAP_ARI_SIZEOF);
	assert_int_equal(plugged(), 0);
	assert_int_equal(cfg_rd(0x100, 4), 0);
	assert_hidden(0x100, PCI_EXT_CAP_ARI_SIZEOF);
}

static void test_msix_found(void **state)
{
	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.msix.emu.cap, 0x40);
	assert_int_equal(d.msix.emu.nr, 65);
	assert_int_equal(d.msix.table_bar, 0);
	assert_int_equal(d.msix.table_off, 0x2000);
	assert_int_equal(d.msix.pba_bar, 0);
	assert_int_equal(d.msix.pba_off, 0x3000);
	/* Proxied for now. */
	assert_int_equal(cfg_rd(0x40, 4), 0x00408011);
}

static void test_msix_pages_stay_trapped(void **state)
{
	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 1);
	assert_int_equal(d.pieces[0].off, 0);
	assert_int_equal(d.pieces[0].size, 0x2000);
	teardown(state);

	/* MSI-X in BAR3 beside registers: its table page at 0 and PBA page at 0x2000 cut it in two. */
	reset(state);
	e1000e();
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.msix.table_bar, 3);
	assert_int_equal(d.msix.emu.nr, 5);
	assert_int_equal(d.nr_pieces, 4);
	assert_int_equal(d.pieces[0].bar, 0);
	assert_int_equal(d.pieces[0].size, 128 << 10);
	assert_int_equal(d.pieces[1].bar, 1);
	assert_int_equal(d.pieces[2].bar, 3);
	assert_int_equal(d.pieces[2].off, 0x1000);
	assert_int_equal(d.pieces[2].size, 0x1000);
	assert_int_equal(d.pieces[3].bar, 3);
	assert_int_equal(d.pieces[3].off, 0x3000);
	assert_int_equal(d.pieces[3].size, 0x1000);
	assert_int_equal(((uint8_t *)d.pieces[3].hva)[5], pattern(3, 0x3005));
}

/* A sparse area list: only the given areas are mapped, still around the MSI-X pages. */
static void test_sparse_areas(void **state)
{
	(void)state;
	e1000e();
	info.regions[3].nr_areas = 2;
	info.regions[3].areas[0] = (struct msg_area){ 0x1000, 0x1000 };
	info.regions[3].areas[1] = (struct msg_area){ 0x2000, 0x2000 };
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 4);
	assert_int_equal(d.pieces[2].off, 0x1000);
	assert_int_equal(d.pieces[3].off, 0x3000);
	assert_int_equal(d.pieces[3].size, 0x1000);
}

static void test_mapping_follows_the_bar(void **state)
{
	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 1);
	assert_int_equal(((uint8_t *)d.pieces[0].hva)[0x1234], pattern(0, 0x1234));
	/* Decoding on, address 0: nothing. */
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_int_equal(nr_calls, 0);
	cfg_wr(PCI_COMMAND, 2, 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	assert_int_equal(nr_calls, 0);
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_int_equal(nr_calls, 1);
	assert_call(0, 0, 0xfe000000, 1 << 20);
	/* Moved while decoding: out, then in at the new place. */
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	assert_int_equal(nr_calls, 3);
	assert_call(1, 0, 0xfe000000, 0);
	assert_call(2, 0, 0xfd000000, 1 << 20);
	/* Writing the same address again changes nothing. */
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	cfg_wr(PCI_COMMAND, 2, MEM | PCI_COMMAND_MASTER);
	assert_int_equal(nr_calls, 3);
	/* Sizing while decoding: out until restored. */
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xffffffff);
	assert_int_equal(nr_calls, 4);
	assert_call(3, 0, 0xfd000000, 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	assert_int_equal(nr_calls, 5);
	assert_call(4, 0, 0xfd000000, 1 << 20);
	cfg_wr(PCI_COMMAND, 2, 0);
	assert_int_equal(nr_calls, 6);
	assert_call(5, 0, 0xfd000000, 0);
	cfg_wr(PCI_COMMAND, 2, MEM);
	vfio_pci__exit(&d);
	assert_int_equal(nr_calls, 8);
	assert_call(6, 0, 0xfd000000, 1 << 20);
	assert_int_equal(calls[7].gpa, 0xfd000000);
	assert_int_equal(calls[7].size, 0);
}

static void test_mapping_waits_for_both_halves(void **state)
{
	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	cfg_wr(PCI_COMMAND, 2, MEM);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	assert_int_equal(nr_calls, 0);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0x1);
	assert_int_equal(nr_calls, 1);
	assert_call(0, 0, 0x1fe000000, 0x2000);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfd000000);
	assert_int_equal(nr_calls, 2);
	assert_call(1, 0, 0x1fe000000, 0);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0x0);
	assert_int_equal(nr_calls, 3);
	assert_call(2, 0, 0xfd000000, 0x2000);
	/* Sizing the upper half unmaps too. */
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0xffffffff);
	assert_int_equal(nr_calls, 4);
	assert_call(3, 0, 0xfd000000, 0);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0);
	assert_int_equal(nr_calls, 5);
}

/* BAR0 and BAR1 programmed onto each other: neither is mapped until they part. */
static void test_overlapping_bars_stay_trapped(void **state)
{
	(void)state;
	e1000e();
	assert_int_equal(plugged(), 0);
	cfg_wr(PCI_COMMAND, 2, 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0xfe000000);
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_int_equal(nr_calls, 0);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0xfe020000);
	assert_int_equal(nr_calls, 2);
	assert_call(0, 0, 0xfe000000, 128 << 10);
	assert_call(1, 1, 0xfe020000, 128 << 10);
}

/* stderr into a memfd from here, until stderr_lines(). */
static int stderr_saved = -1;

static void stderr_capture(void)
{
	int m = memfd_create("stderr", 0);

	assert_true(m >= 0);
	stderr_saved = dup(STDERR_FILENO);
	assert_true(stderr_saved >= 0);
	assert_int_equal(dup2(m, STDERR_FILENO), STDERR_FILENO);
	close(m);
}

/* What was written since stderr_capture(), in buf; returns its number of lines. */
static unsigned int stderr_lines(char *buf, size_t size)
{
	unsigned int lines = 0;
	ssize_t n = pread(STDERR_FILENO, buf, size - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_int_equal(dup2(stderr_saved, STDERR_FILENO), STDERR_FILENO);
	close(stderr_saved);
	for (ssize_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

/* edu's BAR0 (1 MiB) at gpa, decoding: where it lands. */
static void edu_at(uint32_t gpa)
{
	cfg_wr(PCI_BASE_ADDRESS_0, 4, gpa);
	cfg_wr(PCI_COMMAND, 2, MEM);
}

static bool decodes(uint64_t gpa)
{
	uint8_t b[4];

	return mmio(gpa, b, 4, false);
}

/*
 * Over the local APIC (the window stretched over it: a guest can do that
 * too), guest RAM and ECAM, a BAR is neither mapped nor trapped; moved
 * back, it is both at once. One line for each new place.
 */
static void test_bar_over_reserved_memory(void **state)
{
	char err[2048];
	unsigned int lines;

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	ecam_wr(0, 1, PCI_MEMORY_BASE, 2, 0x0000);
	ecam_wr(0, 1, PCI_MEMORY_LIMIT, 2, 0xfff0);
	stderr_capture();
	edu_at(LAYOUT_LAPIC_BASE);
	assert_int_equal(nr_calls, 0);
	assert_false(decodes(LAYOUT_LAPIC_BASE));
	edu_at(LAYOUT_IOAPIC_BASE);
	edu_at(0x00100000);				/* guest RAM */
	assert_false(decodes(0x00100000));
	edu_at(0x03f00000);				/* its last MiB */
	edu_at((uint32_t)layout__ecam(0));
	assert_false(decodes(layout__ecam(0) + 0x1000));
	edu_at((uint32_t)layout__ecam(0));		/* the same again: no new line */
	assert_int_equal(nr_calls, 0);
	edu_at(0x04000000);				/* just past RAM */
	lines = stderr_lines(err, sizeof(err));
	assert_int_equal(nr_calls, 1);
	assert_call(0, 0, 0x04000000, 1 << 20);
	assert_true(decodes(0x04000000));
	assert_int_equal(lines, 5);
	assert_non_null(strstr(err, "the guest placed BAR0 (0x100000 bytes) at 0xfee00000, over the I/O APIC, HPET, "
				    "local APIC and MSI range"));
	assert_non_null(strstr(err, "at 0x100000, over guest RAM: it does not decode there"));
	assert_non_null(strstr(err, "at 0xe0000000, over the PCIe configuration (ECAM) windows"));
}

/* A BAR outside its port's windows decodes when the window grows over it, at once. */
static void test_bar_follows_the_port_window(void **state)
{
	char err[1024];

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	stderr_capture();
	edu_at(0xbff00000);
	assert_int_equal(nr_calls, 0);
	assert_false(decodes(0xbff00000));
	ecam_wr(0, 1, PCI_MEMORY_BASE, 2, 0xbff0);
	assert_int_equal(stderr_lines(err, sizeof(err)), 1);
	assert_non_null(strstr(err, "at 0xbff00000, outside its root port's window"));
	assert_int_equal(nr_calls, 1);
	assert_call(0, 0, 0xbff00000, 1 << 20);
	assert_true(decodes(0xbff00000));
	/* Half in the window is not in it. */
	ecam_wr(0, 1, PCI_MEMORY_LIMIT, 2, 0xbff0);
	edu_at(0xbfe00000);
	ecam_wr(0, 1, PCI_MEMORY_BASE, 2, 0xbff0);
	assert_false(decodes(0xbff00000));
	/* The prefetchable window takes a non-prefetchable BAR too: hardware routes by address. */
	ecam_wr(0, 1, PCI_PREF_BASE_UPPER32, 4, 0);
	ecam_wr(0, 1, PCI_PREF_MEMORY_BASE, 2, 0xbfe0);
	assert_true(decodes(0xbfe00000));
}

/* The port's decoding, link and power state, each on its own, take the mapping away and give it back. */
static void test_port_state_controls_the_mapping(void **state)
{
	static const struct { uint16_t reg, off, on; } ctl[] = {
		{ PCI_COMMAND, 0, PCI_COMMAND_MEMORY | PCI_COMMAND_IO },
		{ 0x48 + PCI_EXP_LNKCTL, PCI_EXP_LNKCTL_LD, 0 },	/* Link Disable */
		{ 0x40 + PCI_PM_CTRL, 3, 0 },				/* D3hot */
	};

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	edu_at(0xfe000000);
	assert_int_equal(nr_calls, 1);
	for (unsigned int i = 0; i < ARRAY_SIZE(ctl); i++) {
		nr_calls = 0;
		ecam_wr(0, 1, ctl[i].reg, 2, ctl[i].off);
		assert_int_equal(nr_calls, 1);
		assert_call(0, 0, 0xfe000000, 0);
		assert_false(decodes(0xfe000000));
		ecam_wr(0, 1, ctl[i].reg, 2, ctl[i].on);
		assert_int_equal(nr_calls, 2);
		assert_call(1, 0, 0xfe000000, 1 << 20);
		assert_true(decodes(0xfe000000));
	}
}

/* The device itself in D3hot decodes nothing; back in D0 it does again. */
static void test_device_power_state(void **state)
{
	unsigned int pm;

	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	pm = pm_cap();
	assert_int_not_equal(pm, 0);
	edu_at(0xfe000000);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0);	/* the upper half: only now is the 64-bit BAR whole */
	assert_int_equal(nr_calls, 1);
	cfg_wr((uint16_t)(pm + PCI_PM_CTRL), 2, 3);
	assert_int_equal(dev_rd((uint16_t)(pm + PCI_PM_CTRL), 2) & 3, 3);	/* the write reached the device */
	assert_int_equal(nr_calls, 2);
	assert_call(1, 0, 0xfe000000, 0);
	assert_false(decodes(0xfe003000));
	cfg_wr((uint16_t)(pm + PCI_PM_CTRL), 2, 0);
	assert_int_equal(nr_calls, 3);
	assert_call(2, 0, 0xfe000000, 0x2000);
	assert_true(decodes(0xfe003000));
}

/* Another device that decodes the same addresses: neither BAR is used until they part. */
static bool other_claims;

static bool fake_claims(void *dev, bool io, uint64_t addr, uint64_t size, int skip)
{
	(void)dev;
	assert_int_equal(skip, -1);
	return other_claims && !io && addr <= 0xfe0fffff && 0xfe000000 <= addr + (size - 1);
}

static void fake_cfg(void *dev, unsigned int fn, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	(void)dev, (void)fn, (void)reg;
	if (!write)
		memset(data, 0xff, len);
}

static void test_bar_over_another_device(void **state)
{
	static const struct pcie_endpoint other = { .cfg = fake_cfg, .claims = fake_claims };
	char err[1024];

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	assert_int_equal(pcie__attach(0, 1, &other), 0);
	other_claims = true;
	stderr_capture();
	edu_at(0xfe000000);
	assert_int_equal(stderr_lines(err, sizeof(err)), 1);
	assert_non_null(strstr(err, "at 0xfe000000, over another BAR"));
	assert_int_equal(nr_calls, 0);
	assert_false(decodes(0xfe000000));
	/* The other one moves away: any config write makes every device look again. */
	other_claims = false;
	ecam_wr(2, 0, PCI_COMMAND, 2, 0);
	assert_int_equal(nr_calls, 1);
	assert_true(decodes(0xfe000000));
}

/* A memory slot KVM refuses leaves the BAR trapped, which still works; the next change tries again. */
static void test_refused_slot_falls_back_to_trapping(void **state)
{
	uint8_t b[4];

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	cfg_wr(PCI_COMMAND, 2, 0);
	map_ret = -EEXIST;
	edu_at(0xfe000000);
	assert_int_equal(nr_calls, 1);
	assert_int_equal(d.pieces[0].gpa, 0);
	assert_true(mmio(0xfe000010, b, 4, false));
	assert_int_equal(b[0], pattern(0, 0x10));
	map_ret = 0;
	cfg_wr(PCI_COMMAND, 2, MEM | PCI_COMMAND_MASTER);
	assert_int_equal(nr_calls, 2);
	assert_int_equal(d.pieces[0].gpa, 0xfe000000);
}

/* A guest that keeps moving a BAR to bad places gets VFIO_PCI_PLACE_LINES lines, no more. */
static void test_placement_lines_are_limited(void **state)
{
	char err[4096];

	(void)state;
	edu();
	assert_int_equal(plugged(), 0);
	stderr_capture();
	for (unsigned int i = 0; i < 4 * VFIO_PCI_PLACE_LINES; i++)
		edu_at(i & 1 ? LAYOUT_LAPIC_BASE : 0x00100000);
	assert_int_equal(stderr_lines(err, sizeof(err)), VFIO_PCI_PLACE_LINES);
	assert_non_null(strstr(err, "further such lines about this device are not shown\n"));
}

/*
 * What the guest sees of the header as on hardware: the capability chain
 * fixed whatever it writes (the fake device would take the write), INTx
 * Disable and the other command bits the device's, Interrupt Status from
 * the device.
 */
static void test_header_semantics(void **state)
{
	unsigned int pm;

	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	pm = pm_cap();
	cfg_wr(PCI_CAPABILITY_LIST, 1, 0x44);
	assert_int_equal(cfg_rd(PCI_CAPABILITY_LIST, 1), config[PCI_CAPABILITY_LIST]);
	assert_int_equal(dev_rd(PCI_CAPABILITY_LIST, 1), config[PCI_CAPABILITY_LIST]);
	cfg_wr((uint16_t)pm, 2, 0x4005);		/* MSI's ID, a pointer of its own */
	assert_int_equal(cfg_rd((uint16_t)pm, 2), config[pm] | config[pm + 1] << 8);
	cfg_wr(PCI_COMMAND, 2, MEM | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(dev_rd(PCI_COMMAND, 2) & PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), MEM | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	dev_wr(PCI_STATUS, 2, dev_rd(PCI_STATUS, 2) | PCI_STATUS_INTERRUPT);
	assert_true(cfg_rd(PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
}

static void test_trapped_mmio(void **state)
{
	uint8_t b[8], back[4];

	(void)state;
	nvme();
	assert_int_equal(plugged(), 0);
	cfg_wr(PCI_COMMAND, 2, 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0);
	assert_false(mmio(0xfe000000, b, 4, false));	/* decoding off */
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_true(mmio(0xfe002018, b, 8, false));	/* the MSI-X table: the VMM's, entry 1 masked */
	assert_memory_equal(b, "\0\0\0\0\1\0\0\0", 8);
	memcpy(b, "\x11\x22\x33\x44", 4);
	assert_true(mmio(0xfe003ffc, b, 4, true));
	assert_int_equal(pread(fd, back, 4, (off_t)(REGION_OFF(0) + 0x3ffc)), 4);
	assert_memory_equal(back, "\x11\x22\x33\x44", 4);
	assert_true(mmio(0xfe000001, b, 1, false));
	assert_int_equal(b[0], pattern(0, 1));
	assert_false(mmio(0xfe004000, b, 1, false));
	assert_false(mmio(0xfe003ffe, b, 4, false));
	assert_false(mmio(0xfdfffffc, b, 4, false));
	/* I/O decoding says nothing about memory BARs. */
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_false(mmio(0xfe000000, b, 4, false));
}

static void test_trapped_io(void **state)
{
	const struct pcie_endpoint *ep;
	uint8_t b[4], back[2];

	(void)state;
	e1000e();
	assert_int_equal(plugged(), 0);
	ep = vfio_pci__endpoint(&d);
	cfg_wr(PCI_COMMAND, 2, 0);
	cfg_wr(PCI_BASE_ADDRESS_2, 4, 0xc040);
	assert_false(ep->io(ep->dev, 0xc040, b, 4, false));
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_true(ep->io(ep->dev, 0xc044, b, 4, false));
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(b[i], pattern(2, 4 + i));
	memcpy(b, "\xab\xcd", 2);
	assert_true(ep->io(ep->dev, 0xc05e, b, 2, true));
	assert_int_equal(pread(fd, back, 2, (off_t)(REGION_OFF(2) + 0x1e)), 2);
	assert_memory_equal(back, "\xab\xcd", 2);
	assert_false(ep->io(ep->dev, 0xc060, b, 1, false));
	assert_false(ep->io(ep->dev, 0xc03f, b, 1, false));
	/* I/O BARs are never mapped, and memory decoding does not claim ports. */
	assert_int_equal(nr_calls, 0);
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_false(ep->io(ep->dev, 0xc044, b, 4, false));
}

static void test_trap_option_maps_nothing(void **state)
{
	uint8_t b[4];

	(void)state;
	e1000e();
	info.opts = DEVICE_O_TRAP;
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 0);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	cfg_wr(PCI_COMMAND, 2, MEM);
	assert_int_equal(nr_calls, 0);
	assert_true(mmio(0xfe000100, b, 4, false));
	assert_int_equal(b[0], pattern(0, 0x100));
}

static void test_unmappable_regions(void **state)
{
	(void)state;
	edu();
	info.regions[0].flags = RW;
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 0);
	teardown(state);

	/* A BAR smaller than a page shares it with others: trapped. */
	reset(state);
	edu();
	region(0, 256, RWM);
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.nr_pieces, 0);
	assert_int_equal(size_bar(PCI_BASE_ADDRESS_0, 0xffffffff), 0xffffff00);
}

static void test_refused(void **state)
{
	(void)state;
	edu();
	info.regions[0].size = 3 << 20;
	assert_int_equal(start(), -EINVAL);
	teardown(state);

	reset(state);
	edu();
	config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
	assert_int_equal(start(), -EINVAL);
	teardown(state);

	/* 64-bit BAR5 has no room for its upper half. */
	reset(state);
	e1000e();
	config[PCI_BASE_ADDRESS_5] = PCI_BASE_ADDRESS_MEM_TYPE_64;
	region(5, 4096, RW);
	assert_int_equal(start(), -EINVAL);
	teardown(state);

	/* An MSI-X table that does not fit its BAR. */
	reset(state);
	nvme();
	info.regions[0].size = 8 << 10;
	assert_int_equal(start(), -EINVAL);
	teardown(state);

	reset(state);
	edu();
	info.regions[CFG].size = 32;
	assert_int_equal(start(), -EINVAL);
}


static void assert_irq(unsigned int i, const char *fmt, ...)
{
	char want[48];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	assert_true(i < nr_irq);
	assert_string_equal(irq_log[i], want);
}

static void msix_wr(uint64_t gpa, uint32_t len, uint64_t v)
{
	uint8_t b[8];

	memcpy(b, &v, sizeof(b));
	assert_true(mmio(gpa, b, len, true));
}

/* nvme: MSI-X in BAR0 at 0x2000 (65 entries), PBA at 0x3000; BAR0 placed at 0xfe000000. */
static void nvme_msix_on(void)
{
	nvme();
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.irqs.nr, 65);
	cfg_wr(PCI_BASE_ADDRESS_0, 4, 0xfe000000);
	cfg_wr(PCI_BASE_ADDRESS_1, 4, 0);
	cfg_wr(PCI_COMMAND, 2, MEM);
	/* Linux's order: enabled with the function masked, entries written, function unmasked. */
	cfg_wr(d.msix.emu.cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	assert_int_equal(nr_irq, 1);
	assert_irq(0, "set %u trigger 65 fds", VFIO_PCI_MSIX_IRQ_INDEX);
	msix_wr(0xfe002030, 8, 0xfee01000);
	msix_wr(0xfe002038, 8, 0x100004023ull);	/* data, and the mask bit kept */
	cfg_wr(d.msix.emu.cap + PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE);
	assert_int_equal(nr_irq, 1);
}

/* Table writes stay in the VMM; the device's table is the host kernel's. */
static void test_msix_table_is_emulated(void **state)
{
	uint8_t b[8], dev[8];

	(void)state;
	nvme_msix_on();
	assert_true(mmio(0xfe002030, b, 8, false));
	assert_memory_equal(b, "\0\x10\xe0\xfe\0\0\0\0", 8);
	assert_int_equal(pread(fd, dev, 8, (off_t)(REGION_OFF(0) + 0x2030)), 8);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(dev[i], pattern(0, 0x2030 + i));
	assert_int_equal(cfg_rd(d.msix.emu.cap + PCI_MSIX_FLAGS, 2), PCI_MSIX_FLAGS_ENABLE | 64);
	assert_int_equal(dev_rd(d.msix.emu.cap + PCI_MSIX_FLAGS, 2), 64);
}

/* Unmasking routes the vector and hands its eventfd to KVM; masking takes it back. */
static void test_msix_vector_reaches_kvm(void **state)
{
	unsigned int gsi;

	(void)state;
	nvme_msix_on();
	gsi = d.irqs.gsi + 3;
	msix_wr(0xfe00203c, 4, 0);
	assert_int_equal(nr_irq, 3);
	assert_irq(1, "route %u fee01000 4023", gsi);
	assert_irq(2, "irqfd %u on", gsi);
	/* Another vector going live later leaves VFIO alone: its eventfd has been there since enable. */
	msix_wr(0xfe00206c, 4, 0);
	msix_wr(0xfe00206c, 4, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(nr_irq, 6);
	assert_irq(3, "route %u 0 0", d.irqs.gsi + 6);
	assert_irq(4, "irqfd %u on", d.irqs.gsi + 6);
	assert_irq(5, "irqfd %u off", d.irqs.gsi + 6);
	nr_irq = 3;
	/* Linux retargets a live vector by rewriting its message: the route follows, the irqfd stays. */
	msix_wr(0xfe002030, 4, 0xfee02000);
	assert_int_equal(nr_irq, 4);
	assert_irq(3, "route %u fee02000 4023", gsi);
	msix_wr(0xfe00203c, 4, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	assert_int_equal(nr_irq, 5);
	assert_irq(4, "irqfd %u off", gsi);
	/* Disabling MSI-X turns it off in VFIO; without INTx nothing comes back on. */
	msix_wr(0xfe00203c, 4, 0);
	cfg_wr(d.msix.emu.cap + PCI_MSIX_FLAGS, 2, 0);
	assert_int_equal(nr_irq, 9);
	assert_irq(7, "irqfd %u off", gsi);
	assert_irq(8, "set %u trigger 0", VFIO_PCI_MSIX_IRQ_INDEX);
}

/* A masked vector that fires is pending, stays so when read, and is delivered on unmask. */
static void test_msix_pending_from_eventfd(void **state)
{
	const uint64_t one = 1;
	uint64_t count = 0;
	uint8_t pba[8];

	(void)state;
	nvme_msix_on();
	assert_int_equal(write(d.irqs.vec[3].efd, &one, sizeof(one)), 8);
	assert_true(mmio(0xfe003000, pba, 8, false));
	/* The device's own PBA bits (the fake's pattern) with vector 3's added. */
	assert_int_equal(pba[0], pattern(0, 0x3000) | 1u << 3);
	assert_int_equal(pba[1], pattern(0, 0x3001));
	msix_wr(0xfe003000, 8, 0);
	assert_int_equal(pread(fd, pba, 1, (off_t)(REGION_OFF(0) + 0x3000)), 1);
	assert_int_equal(pba[0], pattern(0, 0x3000));
	msix_wr(0xfe00203c, 4, 0);
	assert_irq(2, "irqfd %u on", d.irqs.gsi + 3);
	assert_int_equal(read(d.irqs.vec[3].efd, &count, sizeof(count)), 8);
	assert_int_equal(count, 1);
}

/* edu: INTx on at start on its root port's GSI; MSI replaces it while on. */
static void test_intx_then_msi(void **state)
{
	unsigned int intx = layout__intx_gsi(0, 1, 1), gsi;

	(void)state;
	edu();
	info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count = 1;
	assert_int_equal(plugged(), 0);
	gsi = d.irqs.gsi;
	assert_int_equal(cfg_rd(PCI_INTERRUPT_PIN, 1), 1);
	assert_int_equal(nr_irq, 3);
	assert_irq(0, "irqfd %u on level", intx);
	assert_irq(1, "set %u trigger 1 fds", VFIO_PCI_INTX_IRQ_INDEX);
	assert_irq(2, "set %u unmask 1 fds", VFIO_PCI_INTX_IRQ_INDEX);
	cfg_wr(0x44, 4, 0xfee00000);
	cfg_wr(0x4c, 2, 0x4041);
	cfg_wr(0x42, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(nr_irq, 7);
	assert_irq(3, "set %u trigger 0", VFIO_PCI_INTX_IRQ_INDEX);
	assert_irq(4, "set %u trigger 1 fds", VFIO_PCI_MSI_IRQ_INDEX);
	assert_irq(5, "route %u fee00000 4041", gsi);
	assert_irq(6, "irqfd %u on", gsi);
	assert_int_equal(cfg_rd(0x40, 4), 0x00810005);
	cfg_wr(0x42, 2, 0);
	assert_int_equal(nr_irq, 11);
	assert_irq(7, "irqfd %u off", gsi);
	assert_irq(8, "set %u trigger 0", VFIO_PCI_MSI_IRQ_INDEX);
	assert_irq(9, "set %u trigger 1 fds", VFIO_PCI_INTX_IRQ_INDEX);
	assert_irq(10, "set %u unmask 1 fds", VFIO_PCI_INTX_IRQ_INDEX);
}

/* VFIO refusing INTx (a shared host line without INTx masking) leaves the device usable through MSI. */
static void test_intx_refused(void **state)
{
	(void)state;
	edu();
	info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count = 1;
	set_irqs_ret = -EBUSY;
	assert_int_equal(plugged(), 0);
	assert_int_equal(d.irqs.intx_efd, -1);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(nr_irq, 3);
	assert_irq(0, "irqfd %u on level", layout__intx_gsi(0, 1, 1));
	assert_irq(2, "irqfd %u off", layout__intx_gsi(0, 1, 1));
}

/* The eventfds this process holds. */
static unsigned int eventfds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	unsigned int n = 0;
	struct dirent *e;
	char link[64];

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		ssize_t len = readlinkat(dirfd(dir), e->d_name, link, sizeof(link) - 1);

		if (len < 0)
			continue;
		link[len] = '\0';
		n += !strcmp(link, "anon_inode:[eventfd]");
	}
	closedir(dir);
	return n;
}

/*
 * The broker sizes the sandbox's RLIMIT_NOFILE by msg__device_fds: each
 * device, its vectors and INTx on, holds at most that less its device fd.
 */
static void test_eventfds_within_budget(void **state)
{
	static void (*const devices[])(void) = { edu, nvme, e1000e };
	static const unsigned int want[] = { 1 + DEVICE_FDS_INTX, 65 + DEVICE_FDS_INTX, 5 + DEVICE_FDS_INTX };

	for (unsigned int i = 0; i < ARRAY_SIZE(devices); i++) {
		unsigned int before = eventfds();

		if (i) {
			teardown(state);
			reset(state);
		}
		devices[i]();
		info.irqs[VFIO_PCI_INTX_IRQ_INDEX].count = 1;
		assert_int_equal(plugged(), 0);
		assert_true(d.irqs.intx_efd >= 0);
		assert_int_equal(eventfds() - before, want[i]);
		assert_true(eventfds() - before <= msg__device_fds(&info) - 1);
		vfio_pci__exit(&d);
		assert_int_equal(eventfds(), before);
	}
}

/* Vectors beyond what VFIO counts would take eventfds past the budget: refused, nothing left open. */
static void test_eventfds_over_budget_refused(void **state)
{
	unsigned int before = eventfds();
	char err[512];

	(void)state;
	nvme();
	vectors(0, 32);
	stderr_capture();
	assert_int_equal(start(), -EMFILE);
	assert_int_equal(stderr_lines(err, sizeof(err)), 1);
	assert_non_null(strstr(err, "would take more than the 34 eventfds the broker allows it"));
	assert_int_equal(eventfds(), before);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, reset, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity_passes_through),
		T(test_other_functions_are_absent),
		T(test_bar_sizing_32bit),
		T(test_bar_sizing_64bit),
		T(test_bar_sizing_prefetchable_large),
		T(test_bar_sizing_io_and_mixed),
		T(test_rom),
		T(test_command_register),
		T(test_access_sizes_merge),
		T(test_hidden_extended_capabilities),
		T(test_empty_extended_list_stays_empty),
		T(test_hidden_last_and_only),
		T(test_msix_found),
		T(test_msix_pages_stay_trapped),
		T(test_sparse_areas),
		T(test_mapping_follows_the_bar),
		T(test_mapping_waits_for_both_halves),
		T(test_overlapping_bars_stay_trapped),
		T(test_bar_over_reserved_memory),
		T(test_bar_follows_the_port_window),
		T(test_port_state_controls_the_mapping),
		T(test_device_power_state),
		T(test_bar_over_another_device),
		T(test_refused_slot_falls_back_to_trapping),
		T(test_placement_lines_are_limited),
		T(test_header_semantics),
		T(test_trapped_mmio),
		T(test_trapped_io),
		T(test_trap_option_maps_nothing),
		T(test_unmappable_regions),
		T(test_refused),
		T(test_msix_table_is_emulated),
		T(test_msix_vector_reaches_kvm),
		T(test_msix_pending_from_eventfd),
		T(test_intx_then_msi),
		T(test_intx_refused),
		T(test_eventfds_within_budget),
		T(test_eventfds_over_budget_refused),
	};

	return cmocka_run_group_tests_name("vfio-pci", tests, NULL, NULL);
}
