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
 * root ports. Call before the vCPUs run. Returns 0 or -errno.
 */
int pcie__init(unsigned int nr_rc, const unsigned int *nr_ports);

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
