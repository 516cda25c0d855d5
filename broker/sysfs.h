/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SYSFS_H
#define AIRLOCK_SYSFS_H

/*
 * What the broker reads from sysfs about PCI devices and IOMMU groups.
 * sysfs is input like any other: every read is bounded, every link and
 * name checked for its expected shape. root is "/sys", or a fake tree in
 * the unit tests.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYSFS_DRIVER_MAX	64	/* a driver's name, with its NUL */
#define SYSFS_RESV_TYPE_MAX	20	/* "direct-relaxable" and its NUL */
#define SYSFS_RESV_MAX		64	/* reserved regions per group */
#define SYSFS_TEXT_MAX		4096	/* bytes read from one attribute */

struct sysfs_resv {
	uint64_t start, end;		/* inclusive */
	char type[SYSFS_RESV_TYPE_MAX];	/* msi, direct, direct-relaxable, reserved, sw-msi */
};

/* printf into buf: 0, or -ENAMETOOLONG when it does not fit. */
int sysfs__path(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A name the kernel could give a driver: letters, digits and "-_.", not "." or "..", shorter than SYSFS_DRIVER_MAX. */
bool sysfs__driver_name_ok(const char *name);

/*
 * The file at path (not a link) into buf, NUL-terminated: its length,
 * -EFBIG when it fills max bytes (more than any attribute holds), or -errno.
 */
ssize_t sysfs__read(const char *path, char *buf, size_t max);
/* Write text to the attribute at path (not a link) in one write: 0, -EIO when cut short, or -errno. */
int sysfs__write(const char *path, const char *text);

/* 0 when /sys/bus/pci/devices/<bdf> exists, -ENOENT when not, or another -errno. */
int sysfs__device_exists(const char *root, const char *bdf);
/* The driver bound to bdf into name ("" when none); 0 or -errno (-EINVAL: an unexpected link). */
int sysfs__driver(const char *root, const char *bdf, char name[SYSFS_DRIVER_MAX]);
/* 0 when the driver is registered (/sys/bus/pci/drivers/<name> exists). */
int sysfs__driver_loaded(const char *root, const char *name);
/* bdf's IOMMU group; -ENOENT: the device has none (no IOMMU), -EINVAL: an unexpected link. */
int sysfs__iommu_group(const char *root, const char *bdf, unsigned int *group);

/*
 * A device's vendor, device or class attribute (attr): exactly "0x", digits
 * hex digits (4, 4, 6) and a newline, as the kernel writes it; 0 or -EINVAL.
 */
int sysfs__pci_id(const char *root, const char *bdf, const char *attr, unsigned int digits, uint32_t *out);

/*
 * Calls fn for each device of IOMMU group 'group', with its BDF, in BDF
 * order. Stops at the first non-zero return and returns it; -EINVAL for an
 * entry that is not a PCI address.
 */
int sysfs__group_devices(const char *root, unsigned int group,
			 int (*fn)(const char *bdf, void *arg), void *arg);
/*
 * Calls fn for each device on the PCI bus in BDF order, as group_devices
 * does, but passes over an entry that is not a PCI address after a line
 * saying so: one odd entry should not hide the host's other devices.
 */
int sysfs__pci_devices(const char *root, int (*fn)(const char *bdf, void *arg), void *arg);

/* The group's reserved_regions file, parsed; the count or -errno. */
int sysfs__reserved_regions(const char *root, unsigned int group, struct sysfs_resv *out, unsigned int max);
/* Parse reserved_regions text: lines "0x<start> 0x<end> <type>". The count or -EINVAL. */
int sysfs__parse_reserved(const char *text, size_t len, struct sysfs_resv *out, unsigned int max);

/* Strictly decimal, no sign or leading zero, below 2^31; 0 or -EINVAL. */
int sysfs__parse_group(const char *s, unsigned int *out);

#endif
