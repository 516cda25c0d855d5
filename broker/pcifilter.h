/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PCIFILTER_H
#define AIRLOCK_PCIFILTER_H

/*
 * Device filters as lspci -d takes them: vendor:device[:class], each
 * field hexadecimal (vendor and device 1-4 digits, class exactly the 4
 * digits of class and subclass, no programming interface), or "*" or
 * empty for any value. "10de:*" is every NVIDIA device, "*:10d3" every
 * 82574L, "8086::0c03" every Intel USB controller, "*:*" everything.
 */
#include <stdbool.h>
#include <stdint.h>

/* What a device says it is. class: the 24-bit sysfs class code, e.g. 0x010802. */
struct pci_ids {
	uint16_t vendor, device;
	uint32_t class;
};

/* -1: any. class is the 16-bit class and subclass, e.g. 0x0c03. */
struct pcifilter {
	int32_t vendor, device, class;
};

#define PCIFILTER_LEN	16	/* "vvvv:dddd:cccc" and its NUL */

/* 0, or -EINVAL for anything but the syntax above (no blanks, signs or 0x). */
int pcifilter__parse(const char *s, struct pcifilter *out);
bool pcifilter__match(const struct pcifilter *f, const struct pci_ids *ids);
bool pcifilter__equal(const struct pcifilter *a, const struct pcifilter *b);
/*
 * The canonical form: 4 lower-case hex digits a field, "*" for any, the
 * class left out when any: "10de:*", "*:10d3", "8086:*:0c03".
 */
void pcifilter__name(const struct pcifilter *f, char out[PCIFILTER_LEN]);
/*
 * Whether s is meant as a filter rather than a PCI address: an address
 * always has a '.' before its function, a filter never has one.
 */
bool pcifilter__is_filter(const char *s);

#endif
