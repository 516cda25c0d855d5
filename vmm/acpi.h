/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_ACPI_H
#define AIRLOCK_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

#define ACPI_CPUS_MAX	255	/* xAPIC ids 0..254; 0xff means "all" in the MADT */

struct acpi_rc {			/* one PCIe root complex */
	unsigned int nr_ports;		/* root ports on its bus 0: devices 1..nr_ports; buses 0..nr_ports used */
};

struct acpi_config {
	unsigned int nr_cpus;		/* LAPIC ids 0..nr_cpus-1 */
	unsigned int nr_rc;		/* 0..LAYOUT_RC_MAX */
	struct acpi_rc rc[LAYOUT_RC_MAX];
	bool com1;			/* describe COM1 (PNP0501, 0x3f8, IRQ 4) in the DSDT */
};

/*
 * Build RSDP, FACS, DSDT, FADT, MADT, MCFG and XSDT into buf, which the guest
 * sees at gpa (below 4 GiB); the RSDP goes first, at gpa. Returns the bytes
 * used, -ENOSPC when len is too small (nothing is written past buf + len),
 * or -EINVAL for a configuration the tables cannot describe.
 */
int acpi__build(uint8_t *buf, size_t len, uint64_t gpa, const struct acpi_config *cfg);

#endif
