// SPDX-License-Identifier: MIT
/* The PCIe topology: host bridges, root ports, ECAM and 0xcf8/0xcfc routing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "layout.h"
#include "le.h"
#include "pci.h"
#include "pcie.h"

#define EXP	0x48	/* where the root port's PCI Express capability sits, found by the walk */

/* Complex 0 has two root ports, complex 1 one. */
static int setup(void **state)
{
	static const unsigned int nr_ports[] = { 2, 1 };

	(void)state;
	return pcie__init(2, nr_ports, 64ull << 20);
}

static uint64_t ecam(unsigned int rc, unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return layout__ecam(rc) + ((uint64_t)bus << 20 | dev << 15 | fn << 12 | reg);
}

static uint64_t mmio_rd(uint64_t gpa, uint32_t len)
{
	uint8_t d[8] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

	assert_true(pcie__mmio(gpa, d, len, false));
	return le__get(d, len);
}

static void mmio_wr(uint64_t gpa, uint32_t len, uint64_t v)
{
	uint8_t d[8];

	le__put64(d, v);
	assert_true(pcie__mmio(gpa, d, len, true));
}

static uint32_t cfg_rd(unsigned int rc, unsigned int bus, unsigned int dev, unsigned int reg, uint32_t len)
{
	return (uint32_t)mmio_rd(ecam(rc, bus, dev, 0, reg), len);
}

static void cfg_wr(unsigned int rc, unsigned int bus, unsigned int dev, unsigned int reg, uint32_t len,
		   uint32_t v)
{
	mmio_wr(ecam(rc, bus, dev, 0, reg), len, v);
}

static uint32_t io_rd(uint16_t off, uint32_t size)
{
	uint8_t d[4] = { 0xee, 0xee, 0xee, 0xee };

	if (off < 4)
		pcie__cf8_io(NULL, off, d, size, false);
	else
		pcie__cfc_io(NULL, (uint16_t)(off - 4), d, size, false);
	return (uint32_t)le__get(d, size);
}

static void io_wr(uint16_t off, uint32_t size, uint32_t v)
{
	uint8_t d[4];

	le__put32(d, v);
	if (off < 4)
		pcie__cf8_io(NULL, off, d, size, true);
	else
		pcie__cfc_io(NULL, (uint16_t)(off - 4), d, size, true);
}

static uint32_t cf8(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	return 0x80000000u | bus << 16 | dev << 11 | fn << 8 | reg;
}

/* An endpoint that answers every function with its bus-relative identity and keeps one dword. */
struct fake_ep {
	unsigned int last_fn;
	uint32_t scratch;
};

static void fake_cfg(void *dev, unsigned int fn, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	struct fake_ep *ep = dev;
	uint32_t v = reg == PCI_VENDOR_ID ? 0xabcd1af4 : ep->scratch;

	ep->last_fn = fn;
	for (uint32_t i = 0; i < len; i++) {
		if (write)
			ep->scratch = (ep->scratch & ~(0xffu << (8 * i))) | (uint32_t)data[i] << (8 * i);
		else
			data[i] = (uint8_t)(v >> (8 * i));
	}
}

/* Memory and I/O: the endpoint decodes everything it is sent and remembers the last address. */
struct fake_bar {
	uint64_t last;
	unsigned int hits;
};

static struct fake_bar fake_mem, fake_io;

static bool fake_mmio(void *dev, uint64_t gpa, uint8_t *data, uint32_t len, bool write)
{
	(void)dev;
	fake_mem.last = gpa;
	fake_mem.hits++;
	if (!write)
		memset(data, 0x5a, len);
	return true;
}

static bool fake_io_fn(void *dev, uint16_t port, uint8_t *data, uint32_t len, bool write)
{
	(void)dev;
	fake_io.last = port;
	fake_io.hits++;
	if (!write)
		memset(data, 0xa5, len);
	return true;
}

static struct fake_ep fake;
static const struct pcie_endpoint fake_endpoint = {
	.cfg = fake_cfg, .mmio = fake_mmio, .io = fake_io_fn, .dev = &fake,
};

static void test_host_bridge(void **state)
{
	(void)state;
	for (unsigned int rc = 0; rc < 2; rc++) {
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_VENDOR_ID, 4), 0x00081b36);
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_CLASS_REVISION, 4), 0x06000000);
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x11001af4);
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
		cfg_wr(rc, 0, 0, PCI_BASE_ADDRESS_0, 4, 0xffffffff);
		assert_int_equal(cfg_rd(rc, 0, 0, PCI_BASE_ADDRESS_0, 4), 0);
	}
}

static void test_root_ports(void **state)
{
	(void)state;
	for (unsigned int k = 1; k <= 2; k++) {
		assert_int_equal(cfg_rd(0, 0, k, PCI_VENDOR_ID, 4), 0x000c1b36);
		assert_int_equal(cfg_rd(0, 0, k, PCI_CLASS_REVISION, 4), 0x06040000);
		assert_int_equal(cfg_rd(0, 0, k, PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_BRIDGE);
		/* Bus numbers as firmware leaves them: primary 0, secondary = subordinate = k. */
		assert_int_equal(cfg_rd(0, 0, k, PCI_PRIMARY_BUS, 4), k << 16 | k << 8);
		assert_int_equal(cfg_rd(0, 0, k, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
	}
}

static void test_unknown_functions_read_all_ones(void **state)
{
	(void)state;
	assert_int_equal(cfg_rd(0, 0, 3, PCI_VENDOR_ID, 4), 0xffffffff);	/* no third port */
	assert_int_equal(cfg_rd(1, 0, 2, PCI_VENDOR_ID, 4), 0xffffffff);	/* complex 1 has one */
	assert_int_equal(mmio_rd(ecam(0, 0, 0, 1, PCI_VENDOR_ID), 4), 0xffffffff);
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 7, PCI_VENDOR_ID), 2), 0xffff);
	assert_int_equal(cfg_rd(0, 0, 31, PCI_VENDOR_ID, 1), 0xff);
	cfg_wr(0, 0, 3, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_rd(0, 0, 3, PCI_COMMAND, 2), 0xffff);
}

static void test_pcie_capability(void **state)
{
	uint32_t ptr, exp = 0, pm = 0, msi = 0, caps = 0;

	(void)state;
	for (ptr = cfg_rd(0, 0, 2, PCI_CAPABILITY_LIST, 1); ptr; ptr = cfg_rd(0, 0, 2, ptr + 1, 1)) {
		assert_true(++caps <= 3);
		if (cfg_rd(0, 0, 2, ptr, 1) == PCI_CAP_ID_EXP)
			exp = ptr;
		if (cfg_rd(0, 0, 2, ptr, 1) == PCI_CAP_ID_PM)
			pm = ptr;
		if (cfg_rd(0, 0, 2, ptr, 1) == PCI_CAP_ID_MSI)
			msi = ptr;
	}
	assert_int_equal(exp, EXP);
	assert_int_not_equal(pm, 0);
	/* MSI: one vector, 64-bit; only enable, address and data are writable. */
	assert_int_not_equal(msi, 0);
	cfg_wr(0, 0, 2, msi + PCI_MSI_FLAGS, 2, 0xffff);
	assert_int_equal(cfg_rd(0, 0, 2, msi + PCI_MSI_FLAGS, 2), PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_ENABLE);
	cfg_wr(0, 0, 2, msi + PCI_MSI_ADDRESS_LO, 4, 0xfee00003);
	assert_int_equal(cfg_rd(0, 0, 2, msi + PCI_MSI_ADDRESS_LO, 4), 0xfee00000);
	/* Version 2, Root Port, slot implemented. */
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_FLAGS, 2), 0x0142);
	/* x1 at 2.5 GT/s, link-active reporting, port number 2. */
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_LNKCAP, 4) & 0xff1003ff, 0x02100011);
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_LNKSTA, 2), 0x0011);
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_SLTSTA, 2), 0);
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_LNKCAP2, 4), PCI_EXP_LNKCAP2_SLS_2_5GB);
	cfg_wr(0, 0, 2, exp + PCI_EXP_FLAGS, 2, 0);
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_FLAGS, 2), 0x0142);
	/* Only the error reporting enables: payload and read request sizes stay at 128 bytes. */
	cfg_wr(0, 0, 2, exp + PCI_EXP_DEVCTL, 2, 0xffff);
	assert_int_equal(cfg_rd(0, 0, 2, exp + PCI_EXP_DEVCTL, 2), 0x000f);
	assert_int_equal(cfg_rd(0, 0, 2, pm + PCI_PM_CTRL, 2), PCI_PM_CTRL_NO_SOFT_RESET);
	/* Physical slot numbers are unique across complexes. */
	assert_int_not_equal(cfg_rd(0, 0, 1, exp + PCI_EXP_SLTCAP, 4) >> 19,
			     cfg_rd(1, 0, 1, exp + PCI_EXP_SLTCAP, 4) >> 19);
}

static void test_secondary_bus_without_endpoint(void **state)
{
	(void)state;
	for (unsigned int bus = 1; bus < LAYOUT_ECAM_BUSES; bus++)
		assert_int_equal(cfg_rd(0, bus, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	cfg_wr(0, 1, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_rd(0, 1, 0, PCI_COMMAND, 2), 0xffff);
}

static void test_endpoint_presence_and_link(void **state)
{
	(void)state;
	assert_int_equal(pcie__attach(0, 1, &fake_endpoint), 0);
	assert_int_equal(cfg_rd(0, 2, 0, PCI_VENDOR_ID, 4), 0xabcd1af4);
	mmio_rd(ecam(0, 2, 0, 5, PCI_VENDOR_ID), 4);
	assert_int_equal(fake.last_fn, 5);
	assert_int_equal(cfg_rd(0, 2, 1, PCI_VENDOR_ID, 4), 0xffffffff);	/* device 0 only */
	assert_int_equal(cfg_rd(0, 1, 0, PCI_VENDOR_ID, 4), 0xffffffff);	/* the other port */
	/* Presence, link up, and both change events latched until cleared. */
	assert_int_equal(cfg_rd(0, 0, 2, EXP + PCI_EXP_SLTSTA, 2),
			 PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC);
	assert_true(cfg_rd(0, 0, 2, EXP + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA);
	cfg_wr(0, 0, 2, EXP + PCI_EXP_SLTSTA, 2, PCI_EXP_SLTSTA_PDC | PCI_EXP_SLTSTA_DLLSC | PCI_EXP_SLTSTA_PDS);
	assert_int_equal(cfg_rd(0, 0, 2, EXP + PCI_EXP_SLTSTA, 2), PCI_EXP_SLTSTA_PDS);

	cfg_wr(0, 0, 2, EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_LD);
	assert_int_equal(cfg_rd(0, 0, 2, EXP + PCI_EXP_LNKSTA, 2) & PCI_EXP_LNKSTA_DLLLA, 0);
	assert_int_equal(cfg_rd(0, 0, 2, EXP + PCI_EXP_SLTSTA, 2), PCI_EXP_SLTSTA_PDS | PCI_EXP_SLTSTA_DLLSC);
	assert_int_equal(cfg_rd(0, 2, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	cfg_wr(0, 0, 2, EXP + PCI_EXP_LNKCTL, 2, 0);
	assert_int_equal(cfg_rd(0, 2, 0, PCI_VENDOR_ID, 4), 0xabcd1af4);

	assert_int_equal(pcie__attach(0, 1, NULL), 0);
	assert_int_equal(cfg_rd(0, 0, 2, EXP + PCI_EXP_SLTSTA, 2) & PCI_EXP_SLTSTA_PDS, 0);
	assert_int_equal(cfg_rd(0, 2, 0, PCI_VENDOR_ID, 4), 0xffffffff);
}

static void test_power_state(void **state)
{
	const unsigned int pm = cfg_rd(0, 0, 1, PCI_CAPABILITY_LIST, 1);

	(void)state;
	assert_int_equal(pcie__attach(0, 0, &fake_endpoint), 0);
	/* D3hot: the port still answers, the bus behind it does not (PCIe 5.3.1.4.1). */
	cfg_wr(0, 0, 1, pm + PCI_PM_CTRL, 2, 3);
	assert_int_equal(cfg_rd(0, 0, 1, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 3);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_VENDOR_ID, 4), 0x000c1b36);
	assert_int_equal(cfg_rd(0, 1, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	/* D1 and D2 are not supported: the write leaves D3hot. */
	cfg_wr(0, 0, 1, pm + PCI_PM_CTRL, 2, 1);
	assert_int_equal(cfg_rd(0, 0, 1, pm + PCI_PM_CTRL, 2) & PCI_PM_CTRL_STATE_MASK, 3);
	cfg_wr(0, 0, 1, pm + PCI_PM_CTRL, 2, 0);
	assert_int_equal(cfg_rd(0, 1, 0, PCI_VENDOR_ID, 4), 0xabcd1af4);
}

static void test_routing_follows_bus_numbers(void **state)
{
	(void)state;
	assert_int_equal(pcie__attach(0, 0, &fake_endpoint), 0);
	cfg_wr(0, 0, 1, PCI_PRIMARY_BUS, 4, 9 << 16 | 7 << 8);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_PRIMARY_BUS, 4), 9 << 16 | 7 << 8);
	assert_int_equal(cfg_rd(0, 1, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(cfg_rd(0, 7, 0, PCI_VENDOR_ID, 4), 0xabcd1af4);
	/* Buses 8 and 9 are behind the port but nothing bridges to them. */
	assert_int_equal(cfg_rd(0, 8, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	assert_int_equal(cfg_rd(0, 9, 0, PCI_VENDOR_ID, 4), 0xffffffff);
	cfg_wr(0, 7, 0, 0x40, 4, 0x12345678);
	assert_int_equal(fake.scratch, 0x12345678);
	/* The other complex's buses are its own. */
	assert_int_equal(cfg_rd(1, 7, 0, PCI_VENDOR_ID, 4), 0xffffffff);
}

static void test_ecam_access_sizes(void **state)
{
	(void)state;
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_DEVICE_ID), 2), 0x000c);
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_DEVICE_ID + 1), 1), 0x00);
	/* Misaligned: all ones, and writes are dropped. */
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_VENDOR_ID + 1), 2), 0xffff);
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_VENDOR_ID + 2), 4), 0xffffffff);
	mmio_wr(ecam(0, 0, 1, 0, PCI_COMMAND + 1), 2, 0xffff);
	mmio_wr(ecam(0, 0, 1, 0, PCI_COMMAND + 2), 4, 0xffffffff);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_COMMAND, 2), 0);
	/* 8 bytes: two dword requests when aligned, all ones otherwise. */
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_VENDOR_ID), 8), 0x00100000000c1b36ull);
	assert_int_equal(mmio_rd(ecam(0, 0, 1, 0, PCI_COMMAND), 8), 0xffffffffffffffffull);
	mmio_wr(ecam(0, 0, 1, 0, PCI_PREF_BASE_UPPER32), 8, 0x0000000200000001ull);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_PREF_BASE_UPPER32, 4), 1);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_PREF_LIMIT_UPPER32, 4), 2);
	/* The last byte of the extended space is in range; nothing is there. */
	assert_int_equal(cfg_rd(0, 0, 1, PCI_CFG_SIZE - 1, 1), 0);
}

static void test_ecam_windows(void **state)
{
	uint8_t d[4];

	(void)state;
	assert_false(pcie__mmio(layout__ecam(0) - 1, d, 1, false));
	assert_false(pcie__mmio(layout__ecam(2), d, 4, false));	/* only two complexes */
	assert_int_equal(mmio_rd(layout__ecam(1) + LAYOUT_ECAM_SIZE - 1, 1), 0xff);
	assert_int_equal(mmio_rd(layout__ecam(1), 4), 0x00081b36);
	assert_false(pcie__mmio(LAYOUT_MMIO32_BASE, d, 4, false));
}

static void test_segments_are_separate(void **state)
{
	(void)state;
	cfg_wr(1, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_rd(1, 0, 1, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_COMMAND, 2), 0);
	/* 0xcf8 reaches segment 0 only: it sees complex 0's second port, which complex 1 lacks. */
	io_wr(0, 4, cf8(0, 2, 0, PCI_VENDOR_ID));
	assert_int_equal(io_rd(4, 4), 0x000c1b36);
	io_wr(0, 4, cf8(0, 1, 0, PCI_COMMAND));
	assert_int_equal(io_rd(4, 2), 0);
}

static void test_cf8_address_register(void **state)
{
	(void)state;
	assert_int_equal(io_rd(0, 4), 0);
	io_wr(0, 4, 0xffffffff);
	assert_int_equal(io_rd(0, 4), 0x80fffffc);
	/* Narrower accesses are not CONFIG_ADDRESS. */
	io_wr(1, 1, 0x00);
	io_wr(0, 2, 0x0000);
	assert_int_equal(io_rd(0, 4), 0x80fffffc);
	assert_int_equal(io_rd(1, 1), 0xff);
	assert_int_equal(io_rd(2, 2), 0xffff);
}

static void test_cf8_data_port(void **state)
{
	(void)state;
	io_wr(0, 4, cf8(0, 0, 0, PCI_VENDOR_ID));
	assert_int_equal(io_rd(4, 4), 0x00081b36);
	assert_int_equal(io_rd(4, 1), 0x36);
	assert_int_equal(io_rd(5, 1), 0x1b);
	assert_int_equal(io_rd(6, 2), 0x0008);
	assert_int_equal(io_rd(7, 1), 0x00);
	assert_int_equal(io_rd(5, 2), 0xffff);		/* misaligned */
	assert_int_equal(io_rd(7, 2), 0xffff);		/* crosses the dword */
	io_wr(0, 4, cf8(0, 1, 0, PCI_PRIMARY_BUS));
	io_wr(5, 1, 4);
	io_wr(6, 1, 6);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_PRIMARY_BUS, 4), 6 << 16 | 4 << 8);
	assert_int_equal(io_rd(4, 4), 6 << 16 | 4 << 8);
	io_wr(0, 4, cf8(5, 0, 0, PCI_VENDOR_ID));
	assert_int_equal(io_rd(4, 4), 0xffffffff);
	io_wr(0, 4, cf8(0, 0, 3, PCI_VENDOR_ID));
	assert_int_equal(io_rd(4, 4), 0xffffffff);
}

static void test_cf8_disabled(void **state)
{
	(void)state;
	io_wr(0, 4, cf8(0, 1, 0, PCI_COMMAND) & ~0x80000000u);
	assert_int_equal(io_rd(4, 4), 0xffffffff);
	io_wr(4, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_rd(0, 0, 1, PCI_COMMAND, 2), 0);
}

static void test_init_limits(void **state)
{
	const unsigned int too_many[] = { LAYOUT_PORTS_MAX + 1 };
	const unsigned int max[] = { LAYOUT_PORTS_MAX };

	(void)state;
	assert_int_equal(pcie__attach(1, 1, &fake_endpoint), -ENODEV);
	assert_int_equal(pcie__attach(2, 0, &fake_endpoint), -ENODEV);
	assert_int_equal(pcie__init(LAYOUT_RC_MAX + 1, max, 0), -EINVAL);
	assert_int_equal(pcie__init(1, too_many, 0), -EINVAL);
	assert_int_equal(pcie__init(1, max, 0), 0);
	assert_int_equal(cfg_rd(0, 0, LAYOUT_PORTS_MAX, PCI_VENDOR_ID, 4), 0x000c1b36);
	assert_int_equal(cfg_rd(0, 0, LAYOUT_PORTS_MAX, PCI_SUBORDINATE_BUS, 1), LAYOUT_PORTS_MAX);
	assert_int_equal(cfg_rd(0, LAYOUT_PORTS_MAX, 0, PCI_VENDOR_ID, 4), 0xffffffff);
}

static bool mem_hit(uint64_t gpa, uint32_t len)
{
	uint8_t d[8];
	unsigned int before = fake_mem.hits;

	return pcie__mmio(gpa, d, len, false) && fake_mem.hits == before + 1 && fake_mem.last == gpa;
}

/* Port 0 of complex 0, window [0xc0000000, 0xc01fffff], prefetchable [512 GiB, +1 MiB). */
static void open_windows(void)
{
	assert_int_equal(pcie__attach(0, 0, &fake_endpoint), 0);
	cfg_wr(0, 0, 1, PCI_MEMORY_BASE, 2, 0xc000);
	cfg_wr(0, 0, 1, PCI_MEMORY_LIMIT, 2, 0xc010);
	cfg_wr(0, 0, 1, PCI_PREF_MEMORY_BASE, 2, 0x0000);
	cfg_wr(0, 0, 1, PCI_PREF_MEMORY_LIMIT, 2, 0x0000);
	cfg_wr(0, 0, 1, PCI_PREF_BASE_UPPER32, 4, 0x80);
	cfg_wr(0, 0, 1, PCI_PREF_LIMIT_UPPER32, 4, 0x80);
	cfg_wr(0, 0, 1, PCI_IO_BASE, 1, 0x20);
	cfg_wr(0, 0, 1, PCI_IO_LIMIT, 1, 0x20);
}

static void test_memory_windows_route_to_the_device(void **state)
{
	(void)state;
	open_windows();
	assert_false(mem_hit(0xc0000000, 4));		/* decoding is off */
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_true(mem_hit(0xc0000000, 4));
	assert_true(mem_hit(0xc01ffffc, 4));
	assert_true(mem_hit(0xc01ffff8, 8));
	assert_false(mem_hit(0xc01ffffe, 4));		/* straddles the limit */
	assert_false(mem_hit(0xc0200000, 4));
	assert_false(mem_hit(0xbffffffc, 4));
	assert_true(mem_hit(0x8000000000ull, 8));	/* prefetchable, above 4 GiB */
	assert_true(mem_hit(0x80000ffff8ull, 8));
	assert_false(mem_hit(0x8000100000ull, 4));
	/* A closed window (base above limit) forwards nothing. */
	cfg_wr(0, 0, 1, PCI_MEMORY_BASE, 2, 0xc020);
	assert_false(mem_hit(0xc0000000, 4));
}

static void test_windows_need_link_and_d0(void **state)
{
	(void)state;
	open_windows();
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cfg_wr(0, 0, 1, EXP + PCI_EXP_LNKCTL, 2, PCI_EXP_LNKCTL_LD);
	assert_false(mem_hit(0xc0000000, 4));
	cfg_wr(0, 0, 1, EXP + PCI_EXP_LNKCTL, 2, 0);
	cfg_wr(0, 0, 1, 0x40 + PCI_PM_CTRL, 2, 3);	/* D3hot */
	assert_false(mem_hit(0xc0000000, 4));
	cfg_wr(0, 0, 1, 0x40 + PCI_PM_CTRL, 2, 0);
	assert_true(mem_hit(0xc0000000, 4));
	assert_int_equal(pcie__attach(0, 0, NULL), 0);
	assert_false(mem_hit(0xc0000000, 4));
}

static void test_io_window_routes_to_the_device(void **state)
{
	uint8_t d[4];

	(void)state;
	open_windows();
	assert_false(pcie__io(0x2000, d, 4, false));		/* I/O decoding is off */
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_true(pcie__io(0x2010, d, 2, false));
	assert_int_equal(fake_io.last, 0x2010);
	assert_int_equal(d[0], 0xa5);
	assert_true(pcie__io(0x2ffc, d, 4, true));
	assert_false(pcie__io(0x2ffe, d, 4, false));
	assert_false(pcie__io(0x3000, d, 1, false));
	assert_false(pcie__io(0x1ffc, d, 4, false));
	/* Memory decoding alone does not forward I/O, nor the reverse. */
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_false(pcie__io(0x2010, d, 2, false));
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_false(mem_hit(0xc0000000, 4));
}

static void test_endpoint_without_bars(void **state)
{
	static const struct pcie_endpoint cfg_only = { .cfg = fake_cfg, .dev = &fake };
	uint8_t d[4];

	(void)state;
	open_windows();
	assert_int_equal(pcie__attach(0, 0, &cfg_only), 0);
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	assert_false(pcie__mmio(0xc0000000, d, 4, false));
	assert_false(pcie__io(0x2000, d, 4, false));
}

/* Endpoints that count their updates and claim what they are told to, recording what they are asked. */
struct claimer {
	unsigned int updates;
	uint64_t base, size;	/* the memory they decode; size 0: none */
	int skip;		/* the last claims() call's */
};

static void claimer_update(void *dev)
{
	((struct claimer *)dev)->updates++;
}

static bool claimer_claims(void *dev, bool io, uint64_t addr, uint64_t size, int skip)
{
	struct claimer *c = dev;

	c->skip = skip;
	return !io && c->size && addr < c->base + c->size && c->base < addr + size;
}

/* Config space: all ones to read, writes dropped. */
static void claimer_cfg(void *dev, unsigned int fn, uint16_t reg, uint8_t *data, uint32_t len, bool write)
{
	(void)dev, (void)fn, (void)reg;
	if (!write)
		memset(data, 0xff, len);
}

static struct claimer one, two;
static const struct pcie_endpoint ep_one = {
	.cfg = claimer_cfg, .update = claimer_update, .claims = claimer_claims, .dev = &one,
};
static const struct pcie_endpoint ep_two = {
	.cfg = claimer_cfg, .update = claimer_update, .claims = claimer_claims, .dev = &two,
};

static void plug_claimers(void)
{
	memset(&one, 0, sizeof(one));
	memset(&two, 0, sizeof(two));
	open_windows();
	assert_int_equal(pcie__attach(0, 0, &ep_one), 0);
	assert_int_equal(pcie__attach(0, 1, &ep_two), 0);
}

/* Each reason a BAR does not decode where it was placed, in the order the checks run. */
static void test_place(void **state)
{
	(void)state;
	plug_claimers();
	assert_int_equal(pcie__place(&fake_endpoint, 0, false, 0xc0000000, 0x1000), PCIE_PLACE_DETACHED);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xc0000000, 0x1000), PCIE_PLACE_PORT_OFF);
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xc0000000, 0x1000), PCIE_PLACE_OK);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xc0100000, 0x100000), PCIE_PLACE_OK);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xc0100000, 0x200000), PCIE_PLACE_OUTSIDE);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0x8000000000ull, 0x100000), PCIE_PLACE_OK);
	assert_int_equal(pcie__place(&ep_one, 0, true, 0x2000, 0x100), PCIE_PLACE_PORT_OFF);
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	assert_int_equal(pcie__place(&ep_one, 0, true, 0x2f00, 0x100), PCIE_PLACE_OK);
	assert_int_equal(pcie__place(&ep_one, 0, true, 0x3000, 0x100), PCIE_PLACE_OUTSIDE);
	/* A window over the whole 32-bit space: reserved memory still is not the device's. */
	cfg_wr(0, 0, 1, PCI_MEMORY_BASE, 2, 0x0000);
	cfg_wr(0, 0, 1, PCI_MEMORY_LIMIT, 2, 0xfff0);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0x03fff000, 0x1000), PCIE_PLACE_RAM);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0x04000000, 0x1000), PCIE_PLACE_OK);
	assert_int_equal(pcie__place(&ep_one, 0, false, layout__ecam(LAYOUT_RC_MAX - 1), 0x1000), PCIE_PLACE_ECAM);
	assert_int_equal(pcie__place(&ep_one, 0, false, LAYOUT_IOAPIC_BASE, 0x1000), PCIE_PLACE_CHIPSET);
	assert_int_equal(pcie__place(&ep_one, 0, false, LAYOUT_LAPIC_BASE, 0x1000), PCIE_PLACE_CHIPSET);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xfebff000, 0x2000), PCIE_PLACE_CHIPSET);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0xfebff000, 0x1000), PCIE_PLACE_OK);
	/* RAM above 4 GiB for a guest that has it. */
	assert_int_equal(pcie__init(1, (const unsigned int[]){ 1 }, 4ull << 30), 0);
	assert_int_equal(pcie__attach(0, 0, &ep_one), 0);
	cfg_wr(0, 0, 1, PCI_PREF_BASE_UPPER32, 4, 1);
	cfg_wr(0, 0, 1, PCI_PREF_LIMIT_UPPER32, 4, 1);
	cfg_wr(0, 0, 1, PCI_PREF_MEMORY_BASE, 2, 0x0000);
	cfg_wr(0, 0, 1, PCI_PREF_MEMORY_LIMIT, 2, 0xfff0);
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0x13ff00000ull, 0x100000), PCIE_PLACE_RAM);
	assert_int_equal(pcie__place(&ep_one, 0, false, 0x140000000ull, 0x100000), PCIE_PLACE_OK);
	assert_string_equal(pcie__place_name(PCIE_PLACE_RAM), "over guest RAM");
}

/*
 * Another BAR that its own port routes there, the device's own or another
 * device's, makes an overlap; one its port keeps away (not forwarding, or
 * outside its windows) never sees the addresses, as on hardware.
 */
static void test_place_overlap(void **state)
{
	(void)state;
	plug_claimers();
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	two.base = 0xc0100000, two.size = 0x1000;
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OK);
	cfg_wr(0, 0, 2, PCI_MEMORY_BASE, 2, 0xc010);	/* port 1's window over the same MiB, */
	cfg_wr(0, 0, 2, PCI_MEMORY_LIMIT, 2, 0xc010);
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OK);
	cfg_wr(0, 0, 2, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);	/* forwarding */
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OVERLAP);
	assert_int_equal(two.skip, -1);
	cfg_wr(0, 0, 2, PCI_MEMORY_BASE, 2, 0xc020);	/* port 1's window elsewhere */
	cfg_wr(0, 0, 2, PCI_MEMORY_LIMIT, 2, 0xc020);
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OK);
	cfg_wr(0, 0, 2, PCI_MEMORY_BASE, 2, 0xc010);
	two.size = 0;
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OK);
	assert_int_equal(one.skip, 3);		/* its own BARs but the one placed */
	one.base = 0xc0180000, one.size = 0x1000;
	assert_int_equal(pcie__place(&ep_one, 3, false, 0xc0100000, 0x100000), PCIE_PLACE_OVERLAP);
}

/* Every config write that lands, on a port or a device, makes every device look again; reads do not. */
static void test_update_after_config_writes(void **state)
{
	(void)state;
	plug_claimers();
	one.updates = two.updates = 0;
	cfg_wr(0, 0, 1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(one.updates, 1);
	assert_int_equal(two.updates, 1);
	cfg_wr(0, 2, 0, PCI_COMMAND, 2, 0);		/* the device behind port 1 */
	assert_int_equal(one.updates, 2);
	assert_int_equal(two.updates, 2);
	cfg_wr(0, 0, 0, PCI_COMMAND, 2, 0);		/* the host bridge */
	assert_int_equal(one.updates, 3);
	(void)cfg_rd(0, 0, 1, PCI_COMMAND, 2);
	cfg_wr(0, 7, 0, PCI_COMMAND, 2, 0);		/* nobody there */
	assert_int_equal(one.updates, 3);
	assert_int_equal(pcie__attach(0, 1, NULL), 0);
	assert_int_equal(one.updates, 4);
	assert_int_equal(two.updates, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_host_bridge, setup),
		cmocka_unit_test_setup(test_root_ports, setup),
		cmocka_unit_test_setup(test_unknown_functions_read_all_ones, setup),
		cmocka_unit_test_setup(test_pcie_capability, setup),
		cmocka_unit_test_setup(test_secondary_bus_without_endpoint, setup),
		cmocka_unit_test_setup(test_endpoint_presence_and_link, setup),
		cmocka_unit_test_setup(test_power_state, setup),
		cmocka_unit_test_setup(test_routing_follows_bus_numbers, setup),
		cmocka_unit_test_setup(test_ecam_access_sizes, setup),
		cmocka_unit_test_setup(test_ecam_windows, setup),
		cmocka_unit_test_setup(test_segments_are_separate, setup),
		cmocka_unit_test_setup(test_cf8_address_register, setup),
		cmocka_unit_test_setup(test_cf8_data_port, setup),
		cmocka_unit_test_setup(test_cf8_disabled, setup),
		cmocka_unit_test_setup(test_init_limits, setup),
		cmocka_unit_test_setup(test_memory_windows_route_to_the_device, setup),
		cmocka_unit_test_setup(test_windows_need_link_and_d0, setup),
		cmocka_unit_test_setup(test_io_window_routes_to_the_device, setup),
		cmocka_unit_test_setup(test_endpoint_without_bars, setup),
		cmocka_unit_test_setup(test_place, setup),
		cmocka_unit_test_setup(test_place_overlap, setup),
		cmocka_unit_test_setup(test_update_after_config_writes, setup),
	};

	return cmocka_run_group_tests_name("pcie", tests, NULL, NULL);
}
