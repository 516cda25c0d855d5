/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SYSFS_H
#define AIRLOCK_SYSFS_H

/*
 * What the broker reads from sysfs about PCI devices and IOMMU groups.
 * sysfs is input like any other: every read is bounded, every link and
 * name checked for its expected shape. root is "/sys", or a fake tree in
 * the unit tests.
 */
#include <stddef.h>
#include <stdint.h>

#define SYSFS_DRIVER_MAX	64	/* a driver's name, with its NUL */
#define SYSFS_RESV_TYPE_MAX	20	/* "direct-relaxable" and its NUL */
#define SYSFS_RESV_MAX		64	/* reserved regions per group */
#define SYSFS_TEXT_MAX		4096	/* bytes read from one attribute */

struct sysfs_resv {
	uint64_t start, end;		/* inclusive */
	char type[SYSFS_RESV_TYPE_MAX];	/* msi, direct, direct-relaxable, reserved, sw-msi */
};

/* 0 when /sys/bus/pci/devices/<bdf> exists, -ENOENT when not, or another -errno. */
int sysfs__device_exists(const char *root, const char *bdf);
/* The driver bound to bdf into name ("" when none); 0 or -errno (-EINVAL: an unexpected link). */
int sysfs__driver(const char *root, const char *bdf, char name[SYSFS_DRIVER_MAX]);
/* 0 when the driver is registered (/sys/bus/pci/drivers/<name> exists). */
int sysfs__driver_loaded(const char *root, const char *name);
/* bdf's IOMMU group; -ENOENT: the device has none (no IOMMU), -EINVAL: an unexpected link. */
int sysfs__iommu_group(const char *root, const char *bdf, unsigned int *group);

/*
 * Calls fn for each device of IOMMU group 'group', with its BDF. Stops at
 * the first non-zero return and returns it; -EINVAL for an entry that is
 * not a PCI address.
 */
int sysfs__group_devices(const char *root, unsigned int group,
			 int (*fn)(const char *bdf, void *arg), void *arg);

/* The group's reserved_regions file, parsed; the count or -errno. */
int sysfs__reserved_regions(const char *root, unsigned int group, struct sysfs_resv *out, unsigned int max);
/* Parse reserved_regions text: lines "0x<start> 0x<end> <type>". The count or -EINVAL. */
int sysfs__parse_reserved(const char *text, size_t len, struct sysfs_resv *out, unsigned int max);

/* Strictly decimal, no sign or leading zero, below 2^31; 0 or -EINVAL. */
int sysfs__parse_group(const char *s, unsigned int *out);

#endif
