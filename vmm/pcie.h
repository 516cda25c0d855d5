/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PCIE_H
#define AIRLOCK_PCIE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The type 1 configuration mechanism: CONFIG_ADDRESS at 0xcf8 (a dword: the
 * port handler claims 0xcf8 alone, leaving 0xcf9 to the reset control
 * register), CONFIG_DATA at 0xcfc..0xcff.
 */
#define PCIE_CF8_BASE	0xcf8
#define PCIE_CF8_LEN	1
#define PCIE_CFC_BASE	0xcfc
#define PCIE_CFC_LEN	4

/*
 * A device behind a root port: it answers as device 0 of the port's
 * secondary bus, all of its functions through cfg. Accesses are 1, 2 or 4
 * naturally aligned bytes in the 4 KiB space (reg < 4096), data is
 * little-endian, and cfg runs under the topology lock.
 */
struct pcie_endpoint {
	void (*cfg)(void *dev, unsigned int fn, uint16_t reg, uint8_t *data, uint32_t len, bool write);
	/*
	 * Under the topology lock, after every configuration write to any
	 * port or device (a port's window or another device's BAR can change
	 * where this one may decode): the device decides again, pcie__place.
	 */
	void (*update)(void *dev);
	/*
	 * Whether a BAR of the device but skip (-1: none) decodes any of
	 * [addr, addr + size) in I/O (io) or memory space, by its own
	 * registers and decode enables alone.
	 */
	bool (*claims)(void *dev, bool io, uint64_t addr, uint64_t size, int skip);
	/*
	 * A memory or I/O access that the port's windows forwarded (len 1, 2,
	 * 4 or 8; little-endian), under the topology lock: true if one of the
	 * device's enabled BARs decodes it. NULL: the device has no such BARs.
	 */
	bool (*mmio)(void *dev, uint64_t gpa, uint8_t *data, uint32_t len, bool write);
	bool (*io)(void *dev, uint16_t port, uint8_t *data, uint32_t len, bool write);
	void *dev;
};

/*
 * nr_rc root complexes (segments 0..nr_rc-1), complex rc with nr_ports[rc]
 * root ports, in a guest with ram_size bytes of RAM (shared/guest-ram.h).
 * Call before the vCPUs run. Returns 0 or -errno.
 */
int pcie__init(unsigned int nr_rc, const unsigned int *nr_ports, uint64_t ram_size);

/* Where a BAR may decode (pcie__place): there, or why not. */
enum pcie_place {
	PCIE_PLACE_OK,
	PCIE_PLACE_DETACHED,	/* the device is behind no root port */
	PCIE_PLACE_PORT_OFF,	/* its port forwards nothing: decoding off, link down, or not in D0 */
	PCIE_PLACE_RAM,		/* over guest RAM */
	PCIE_PLACE_ECAM,	/* over the ECAM windows */
	PCIE_PLACE_CHIPSET,	/* over the I/O APIC, HPET, local APIC and MSI range */
	PCIE_PLACE_OUTSIDE,	/* not wholly inside its port's window for the kind */
	PCIE_PLACE_OVERLAP,	/* over another BAR that decodes, the device's own or another's */
};

/*
 * Under the topology lock (from an endpoint's cfg or update): whether BAR
 * bar of ep, decoding [addr, addr + size) in I/O (io) or memory space,
 * reaches the device as hardware would route it. A memory BAR may sit in
 * either of its port's memory windows.
 */
enum pcie_place pcie__place(const struct pcie_endpoint *ep, int bar, bool io, uint64_t addr, uint64_t size);
/* What pcie__place's answer means, for a log line: "over guest RAM". */
const char *pcie__place_name(enum pcie_place place);

/*
 * Plugs ep behind root port 'port' (0-based, command-line order: device
 * port + 1 on bus 0) of complex rc, or unplugs with ep NULL; the slot's
 * presence and the link follow. ep must outlive its attachment.
 */
int pcie__attach(unsigned int rc, unsigned int port, const struct pcie_endpoint *ep);

/*
 * A guest memory access outside RAM: true if it hit an ECAM window, or a
 * device behind a root port whose window and decoding let it through (the
 * access is then done). len 1, 2, 4 or 8; data is little-endian.
 */
bool pcie__mmio(uint64_t gpa, uint8_t *data, uint32_t len, bool write);
/* The same for an I/O port access of len 1, 2 or 4. */
bool pcie__io(uint16_t port, uint8_t *data, uint32_t len, bool write);

/* ioport_fns for PCIE_CF8_BASE and PCIE_CFC_BASE: segment 0 only. */
void pcie__cf8_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);
void pcie__cfc_io(void *dev, uint16_t off, uint8_t *data, uint32_t size, bool write);

#endif
