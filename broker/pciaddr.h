/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PCIADDR_H
#define AIRLOCK_PCIADDR_H
/*
 * A PCI address, "dddd:bb:dd.f" as lspci -D prints it and as sysfs and
 * VFIO name devices. Parsed strictly: the host layer meets these in
 * sysfs entries and the policy, as well as on the command line.
 */
#include <stdint.h>

#define PCIADDR_LEN	13	/* "dddd:bb:dd.f" and its NUL */

struct pciaddr {
	uint16_t domain;
	uint8_t bus, dev, fn;
};

/* Exactly "dddd:bb:dd.f", hexadecimal, device <= 0x1f, function <= 7; 0 or -EINVAL. */
int pciaddr__parse(const char *s, struct pciaddr *out);
/* The canonical, lower-case form. */
void pciaddr__name(const struct pciaddr *a, char out[PCIADDR_LEN]);
/* s parsed and named again: the canonical form of an address a user typed; 0 or -EINVAL. */
int pciaddr__canonical(const char *s, char out[PCIADDR_LEN]);

#endif
