/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_LAYOUT_H
#define AIRLOCK_LAYOUT_H

/*
 * The guest's physical address and port map, in one place. RAM is
 * [0, 3 GiB) and, for larger guests, from 4 GiB up (vmm/kvm.h); the hole
 * below 4 GiB holds the 32-bit MMIO windows, ECAM and the APICs.
 *
 * Each PCIe root complex is a PCI segment of its own (segment = its index):
 * bus 0 holds its host bridge (device 0) and its root ports (devices 1..n,
 * in command-line order); port k's secondary bus is k (1-based).
 */
#include <stdint.h>

#include "guest-ram.h"

#define LAYOUT_RC_MAX		4
#define LAYOUT_PORTS_MAX	31	/* per root complex: devices 1..31 on bus 0 */

/* Legacy region: ACPI tables, found through the RSDP at its start. */
#define LAYOUT_ACPI_BASE	0xe0000ull
#define LAYOUT_ACPI_SIZE	0x20000ull

/* 32-bit MMIO windows: LAYOUT_MMIO32_SIZE per root complex. */
#define LAYOUT_MMIO32_BASE	0xc0000000ull
#define LAYOUT_MMIO32_SIZE	0x08000000ull	/* 128 MiB */

/* ECAM: LAYOUT_ECAM_BUSES buses (1 MiB each) per root complex. */
#define LAYOUT_ECAM_BASE	0xe0000000ull
#define LAYOUT_ECAM_BUSES	32
#define LAYOUT_ECAM_SIZE	(LAYOUT_ECAM_BUSES * 0x100000ull)

#define LAYOUT_IOAPIC_BASE	0xfec00000ull
#define LAYOUT_LAPIC_BASE	0xfee00000ull
/*
 * The chipset's range, up to 4 GiB: the I/O APIC, the HPET's place, the
 * local APIC and MSI window (0xfee00000-0xfeefffff) and KVM's TSS pages.
 * No BAR decodes there: the APICs are KVM's, and an MSI write must reach them.
 */
#define LAYOUT_CHIPSET_BASE	LAYOUT_IOAPIC_BASE
#define LAYOUT_CHIPSET_END	0x100000000ull

/* 64-bit MMIO windows, far above any RAM: LAYOUT_MMIO64_SIZE per root complex. */
#define LAYOUT_MMIO64_BASE	0x8000000000ull	/* 512 GiB */
#define LAYOUT_MMIO64_SIZE	0x1000000000ull	/* 64 GiB */

/* I/O port windows: LAYOUT_IO_SIZE per root complex, above the legacy ports. */
#define LAYOUT_IO_BASE		0x2000u
#define LAYOUT_IO_SIZE		0x2000u

/*
 * The boot vCPU's flat code and data selectors, for PVH and Linux's
 * 64-bit entry alike: the ones Linux's boot protocol requires (PVH leaves
 * them open), and where bzimage.c's GDT has the two descriptors.
 */
#define LAYOUT_BOOT_CS		0x10
#define LAYOUT_BOOT_DS		0x18

/* Legacy devices and their ISA IRQs (GSI = IRQ, except IRQ 0 -> GSI 2). */
#define LAYOUT_COM1_IRQ		4
#define LAYOUT_SCI_IRQ		9

/*
 * INTx of assigned devices: IOAPIC pins 16-23, level-triggered and
 * active-low, as the host bridges' _PRT gives them out.
 */
#define LAYOUT_INTX_GSI_BASE	16
#define LAYOUT_INTX_GSIS	8

_Static_assert(GUEST_RAM_HIGH_START + GUEST_RAM_MAX - GUEST_RAM_LOW_END <= LAYOUT_MMIO64_BASE,
	       "the largest guest's RAM ends below the 64-bit windows");

static inline uint64_t layout__ecam(unsigned int rc)
{
	return LAYOUT_ECAM_BASE + rc * LAYOUT_ECAM_SIZE;
}

static inline uint64_t layout__mmio32(unsigned int rc)
{
	return LAYOUT_MMIO32_BASE + rc * LAYOUT_MMIO32_SIZE;
}

static inline uint64_t layout__mmio64(unsigned int rc)
{
	return LAYOUT_MMIO64_BASE + rc * LAYOUT_MMIO64_SIZE;
}

static inline uint16_t layout__io(unsigned int rc)
{
	return (uint16_t)(LAYOUT_IO_BASE + rc * LAYOUT_IO_SIZE);
}

/*
 * The GSI of INTx pin (1-4: INTA-INTD) under the root port at device dev
 * of root complex rc. A device sits at slot 0 of its port's bus, so its
 * pin reaches the port unswizzled; ports and complexes rotate the pins so
 * that neighbours share lines as little as possible.
 */
static inline unsigned int layout__intx_gsi(unsigned int rc, unsigned int dev, unsigned int pin)
{
	return LAYOUT_INTX_GSI_BASE + (rc * 4 + dev + pin - 1) % LAYOUT_INTX_GSIS;
}

#endif
