/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_HOSTPCI_H
#define AIRLOCK_HOSTPCI_H

/*
 * The host's PCI devices as sysfs tells them, and whether each can be
 * assigned now. The one place that decides assignability: the run's
 * device checks, airlock list and airlock doctor all ask here. sys is
 * "/sys" or a fake tree's (struct host).
 */
#include <stdbool.h>

#include "pciaddr.h"
#include "pcifilter.h"
#include "sysfs.h"

#define HOSTPCI_REASON_MAX	256
#define HOSTPCI_FIX_MAX		320

/* Why a device cannot be assigned, in words for one line: "<reason>; <fix>". */
struct hostpci_why {
	int group;			/* the device's IOMMU group; -1: none, or not read */
	char reason[HOSTPCI_REASON_MAX];	/* what is wrong; "" when nothing is */
	char fix[HOSTPCI_FIX_MAX];	/* what to do about it, with the commands; may be "" */
};

/* vendor, device and class as the kernel wrote them; 0, or -EINVAL for anything else, or -errno. */
int hostpci__ids(const char *sys, const char *bdf, struct pci_ids *out);

/*
 * Drivers that may hold the other devices of an assigned device's group:
 * none, vfio-pci, and those the kernel lets share a group with VFIO
 * because they leave DMA alone (pci-stub claims without driving; pcieport
 * drives a bridge).
 */
bool hostpci__member_driver_ok(const char *driver);

/*
 * The checks, each 0 or -errno with why filled:
 *   device:  bdf exists (-ENOENT) and has an IOMMU group (-ENOENT: the IOMMU is off); sets why->group
 *   driver:  bdf is bound to vfio-pci (-EBUSY)
 *   members: no other device of group is bound to a driver that drives DMA (-EBUSY)
 * -EINVAL: sysfs holds something the kernel would not have written.
 */
int hostpci__check_device(const char *sys, const char *bdf, struct hostpci_why *why);
int hostpci__check_driver(const char *sys, const char *bdf, struct hostpci_why *why);
int hostpci__check_members(const char *sys, const char *bdf, unsigned int group, struct hostpci_why *why);
/* All three: 0 when VFIO would take bdf now, else the first that failed. */
int hostpci__check_ready(const char *sys, const char *bdf, struct hostpci_why *why);

struct hostpci_dev {
	char bdf[PCIADDR_LEN];
	struct pci_ids ids;
	char driver[SYSFS_DRIVER_MAX];	/* "" when none */
	bool not_ready;			/* hostpci__check_ready failed: why says so */
	struct hostpci_why why;		/* why.group: -1 when none */
};

/*
 * Calls fn for each PCI device of the host, in BDF order, as long as it
 * returns 0. A device whose sysfs entry is not what the kernel makes is
 * passed over after a line saying so. fn's non-zero return, -errno when
 * the devices cannot be listed, or how many were passed over.
 */
int hostpci__each(const char *sys, int (*fn)(const struct hostpci_dev *d, void *arg), void *arg);

#endif
