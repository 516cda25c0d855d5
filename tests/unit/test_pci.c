// SPDX-License-Identifier: MIT
/* Generic configuration space: write masks, RW1C bits, BAR-less headers, capability lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "le.h"
#include "pci.h"

static const struct pci_cfg_ids ids = {
	.vendor = 0x1234, .device = 0x5678, .subsys_vendor = 0x9abc, .subsys = 0xdef0,
	.class = 0x060400, .revision = 0x02,
};

static struct pci_cfg c;

static int setup_type0(void **state)
{
	(void)state;
	pci__init_type0(&c, &ids);
	return 0;
}

static int setup_type1(void **state)
{
	(void)state;
	pci__init_type1(&c, &ids);
	return 0;
}

static uint32_t rd(uint32_t off, uint32_t len)
{
	uint8_t d[4] = { 0xee, 0xee, 0xee, 0xee };

	pci__access(&c, off, d, len, false);
	return (uint32_t)le__get(d, len);
}

static void wr(uint32_t off, uint32_t len, uint32_t v)
{
	uint8_t d[4];

	le__put32(d, v);
	pci__access(&c, off, d, len, true);
}

/* Writes all ones, then all zeros, and checks what each leaves. */
static void assert_rw(uint32_t off, uint32_t len, uint32_t after_ones, uint32_t after_zeros)
{
	wr(off, len, 0xffffffff);
	assert_int_equal(rd(off, len), after_ones);
	wr(off, len, 0);
	assert_int_equal(rd(off, len), after_zeros);
}

static void assert_read_only(uint32_t off, uint32_t len)
{
	uint32_t v = rd(off, len);

	assert_rw(off, len, v, v);
}

static void test_type0_header(void **state)
{
	(void)state;
	assert_int_equal(rd(PCI_VENDOR_ID, 4), 0x56781234);
	assert_int_equal(rd(PCI_CLASS_REVISION, 4), 0x06040002);
	assert_int_equal(rd(PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_NORMAL);
	assert_int_equal(rd(PCI_SUBSYSTEM_VENDOR_ID, 4), 0xdef09abc);
	assert_int_equal(rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	assert_int_equal(rd(PCI_CAPABILITY_LIST, 1), 0);
	for (uint32_t off = PCI_VENDOR_ID; off < PCI_COMMAND; off++)
		assert_read_only(off, 1);
	assert_read_only(PCI_CLASS_REVISION, 4);
	assert_read_only(PCI_LATENCY_TIMER, 1);
	assert_read_only(PCI_HEADER_TYPE, 1);
	assert_read_only(PCI_BIST, 1);
	assert_read_only(PCI_CARDBUS_CIS, 4);
	assert_read_only(PCI_SUBSYSTEM_VENDOR_ID, 4);
	assert_read_only(PCI_CAPABILITY_LIST, 4);
	assert_read_only(PCI_INTERRUPT_PIN, 1);
	assert_read_only(PCI_MIN_GNT, 2);
	assert_rw(PCI_CACHE_LINE_SIZE, 1, 0xff, 0);
	assert_rw(PCI_INTERRUPT_LINE, 1, 0xff, 0);
}

/* Sizing writes all ones and reads back the size mask: 0 means no BAR. */
static void test_type0_no_bars(void **state)
{
	(void)state;
	for (uint32_t bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_5; bar += 4)
		assert_rw(bar, 4, 0, 0);
	assert_rw(PCI_ROM_ADDRESS, 4, 0, 0);
}

static void test_command(void **state)
{
	(void)state;
	assert_int_equal(rd(PCI_COMMAND, 2), 0);
	assert_rw(PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE, 0);
	wr(PCI_COMMAND + 1, 1, 0x04);
	assert_int_equal(rd(PCI_COMMAND, 2), PCI_COMMAND_INTX_DISABLE);
}

static void test_status_rw1c(void **state)
{
	(void)state;
	pci__add_cap(&c, 0x40, PCI_CAP_ID_PM);
	pci__set(&c, PCI_STATUS, 2, 0xf910 | PCI_STATUS_INTERRUPT);
	wr(PCI_STATUS, 2, 0);
	assert_int_equal(rd(PCI_STATUS, 2), 0xf918);
	wr(PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	assert_int_equal(rd(PCI_STATUS, 2), 0xd918);
	/* A dword write to the command register writes zeros to status: nothing is cleared. */
	wr(PCI_COMMAND, 4, PCI_COMMAND_MEMORY);
	assert_int_equal(rd(PCI_STATUS, 2), 0xd918);
	wr(PCI_STATUS, 2, 0xffff);
	assert_int_equal(rd(PCI_STATUS, 2), PCI_STATUS_CAP_LIST | PCI_STATUS_INTERRUPT);
	assert_int_equal(rd(PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
}

static void test_capability_list(void **state)
{
	uint32_t ptr, seen = 0;
	const uint8_t order[] = { PCI_CAP_ID_PM, PCI_CAP_ID_EXP, PCI_CAP_ID_MSI };

	(void)state;
	pci__add_cap(&c, 0x40, PCI_CAP_ID_PM);
	pci__add_cap(&c, 0x48, PCI_CAP_ID_EXP);
	pci__add_cap(&c, 0x90, PCI_CAP_ID_MSI);
	assert_true(rd(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (ptr = rd(PCI_CAPABILITY_LIST, 1); ptr; ptr = rd(ptr + PCI_CAP_LIST_NEXT, 1)) {
		assert_true(seen < sizeof(order));
		assert_int_equal(rd(ptr + PCI_CAP_LIST_ID, 1), order[seen++]);
		assert_read_only(ptr, 2);
	}
	assert_int_equal(seen, sizeof(order));
	assert_read_only(PCI_CAPABILITY_LIST, 1);
}

static void test_extended_space_and_bounds(void **state)
{
	(void)state;
	assert_int_equal(rd(0x100, 4), 0);	/* no extended capabilities */
	assert_read_only(0x100, 4);
	assert_read_only(PCI_CFG_SIZE - 4, 4);
	assert_int_equal(rd(PCI_CFG_SIZE - 1, 2), 0xffff);
	assert_int_equal(rd(PCI_CFG_SIZE, 1), 0xff);
	wr(PCI_CFG_SIZE - 1, 2, 0xffff);
	assert_int_equal(rd(PCI_CFG_SIZE - 1, 1), 0);
}

static void test_type1_header(void **state)
{
	(void)state;
	assert_int_equal(rd(PCI_HEADER_TYPE, 1), PCI_HEADER_TYPE_BRIDGE);
	assert_int_equal(rd(PCI_CLASS_REVISION, 4), 0x06040002);
	for (uint32_t bar = PCI_BASE_ADDRESS_0; bar <= PCI_BASE_ADDRESS_1; bar += 4)
		assert_rw(bar, 4, 0, 0);
	assert_rw(PCI_ROM_ADDRESS1, 4, 0, 0);
	assert_read_only(PCI_CAPABILITY_LIST, 4);
	assert_read_only(PCI_INTERRUPT_PIN, 1);
	assert_rw(PCI_INTERRUPT_LINE, 1, 0xff, 0);
	assert_rw(PCI_COMMAND, 2, 0x0547, 0);
}

static void test_type1_bus_numbers(void **state)
{
	(void)state;
	assert_int_equal(rd(PCI_PRIMARY_BUS, 4), 0);
	/* The secondary latency timer is hardwired to 0 in PCIe. */
	assert_rw(PCI_PRIMARY_BUS, 4, 0x00ffffff, 0);
	wr(PCI_SECONDARY_BUS, 1, 3);
	wr(PCI_SUBORDINATE_BUS, 1, 5);
	assert_int_equal(rd(PCI_PRIMARY_BUS, 4), 0x050300);
}

static void test_type1_io_window(void **state)
{
	(void)state;
	/* Closed (base above limit) and 16-bit decode. */
	assert_int_equal(rd(PCI_IO_BASE, 1), 0xf0);
	assert_int_equal(rd(PCI_IO_LIMIT, 1), 0x00);
	assert_rw(PCI_IO_BASE, 2, 0xf0f0, 0);
	assert_rw(PCI_IO_BASE_UPPER16, 4, 0, 0);
}

static void test_type1_memory_windows(void **state)
{
	(void)state;
	assert_int_equal(rd(PCI_MEMORY_BASE, 4), 0x0000fff0);
	assert_int_equal(rd(PCI_PREF_MEMORY_BASE, 4), 0x0001fff1);
	assert_rw(PCI_MEMORY_BASE, 4, 0xfff0fff0, 0);
	/* The granularity and 64-bit type nibbles are read-only. */
	assert_rw(PCI_PREF_MEMORY_BASE, 4, 0xfff1fff1, 0x00010001);
	assert_rw(PCI_PREF_BASE_UPPER32, 4, 0xffffffff, 0);
	assert_rw(PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff, 0);
	wr(PCI_MEMORY_BASE + 1, 1, 0xc0);
	assert_int_equal(rd(PCI_MEMORY_BASE, 2), 0xc000);
}

static void test_type1_bridge_control_and_secondary_status(void **state)
{
	(void)state;
	/* Master abort mode, fast back-to-back and the discard timers do not apply to PCIe. */
	assert_rw(PCI_BRIDGE_CONTROL, 2, 0x005f, 0);
	pci__set(&c, PCI_SEC_STATUS, 2, 0xf900);
	wr(PCI_IO_BASE, 4, 0);
	assert_int_equal(rd(PCI_SEC_STATUS, 2), 0xf900);
	wr(PCI_SEC_STATUS, 2, 0x4000);
	assert_int_equal(rd(PCI_SEC_STATUS, 2), 0xb900);
	assert_rw(PCI_SEC_STATUS, 2, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_type0_header, setup_type0),
		cmocka_unit_test_setup(test_type0_no_bars, setup_type0),
		cmocka_unit_test_setup(test_command, setup_type0),
		cmocka_unit_test_setup(test_status_rw1c, setup_type0),
		cmocka_unit_test_setup(test_capability_list, setup_type0),
		cmocka_unit_test_setup(test_extended_space_and_bounds, setup_type0),
		cmocka_unit_test_setup(test_type1_header, setup_type1),
		cmocka_unit_test_setup(test_type1_bus_numbers, setup_type1),
		cmocka_unit_test_setup(test_type1_io_window, setup_type1),
		cmocka_unit_test_setup(test_type1_memory_windows, setup_type1),
		cmocka_unit_test_setup(test_type1_bridge_control_and_secondary_status, setup_type1),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
