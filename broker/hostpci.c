// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hostpci.h"
#include "log.h"

#define hostpci__reason(why, ...)	log__say((why)->reason, sizeof((why)->reason), 0, __VA_ARGS__)
#define hostpci__fix(why, ...)		log__say((why)->fix, sizeof((why)->fix), 0, __VA_ARGS__)

int hostpci__ids(const char *sys, const char *bdf, struct pci_ids *out)
{
	uint32_t vendor, device, class;
	int ret = sysfs__pci_id(sys, bdf, "vendor", 4, &vendor);

	if (!ret)
		ret = sysfs__pci_id(sys, bdf, "device", 4, &device);
	if (!ret)
		ret = sysfs__pci_id(sys, bdf, "class", 6, &class);
	if (!ret)
		*out = (struct pci_ids){ .vendor = (uint16_t)vendor, .device = (uint16_t)device, .class = class };
	return ret;
}

bool hostpci__member_driver_ok(const char *driver)
{
	return !driver[0] || !strcmp(driver, "vfio-pci") || !strcmp(driver, "pci-stub") ||
	       !strcmp(driver, "pcieport");
}

int hostpci__check_device(const char *sys, const char *bdf, struct hostpci_why *why)
{
	unsigned int group;
	int ret = sysfs__device_exists(sys, bdf);

	why->group = -1;
	why->fix[0] = '\0';
	if (ret == -ENOENT) {
		hostpci__reason(why, "there is no PCI device %s on this host", bdf);
		hostpci__fix(why, "see lspci -D for the addresses");
		return ret;
	}
	if (!ret)
		ret = sysfs__iommu_group(sys, bdf, &group);
	if (ret == -ENOENT) {
		hostpci__reason(why, "%s is in no IOMMU group: the IOMMU is off", bdf);
		hostpci__fix(why, "enable VT-d (Intel) or AMD-Vi (AMD) in the firmware, and on Intel boot with intel_iommu=on");
		return ret;
	}
	if (ret) {
		hostpci__reason(why, "cannot read the IOMMU group of %s from sysfs: %s", bdf, strerror(-ret));
		return ret;
	}
	why->group = (int)group;
	return 0;
}

int hostpci__check_driver(const char *sys, const char *bdf, struct hostpci_why *why)
{
	char driver[SYSFS_DRIVER_MAX];
	const char *load;
	int ret = sysfs__driver(sys, bdf, driver);

	why->fix[0] = '\0';
	if (ret) {
		hostpci__reason(why, "cannot read which driver %s is bound to: %s", bdf, strerror(-ret));
		return ret;
	}
	if (!strcmp(driver, "vfio-pci"))
		return 0;
	load = sysfs__driver_loaded(sys, "vfio-pci") ? "modprobe vfio-pci; " : "";
	if (!driver[0]) {
		hostpci__reason(why, "%s has no driver", bdf);
		hostpci__fix(why, "bind it to vfio-pci: %secho vfio-pci > /sys/bus/pci/devices/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
			     load, bdf, bdf);
	} else {
		hostpci__reason(why, "%s is bound to %s, not vfio-pci", bdf, driver);
		hostpci__fix(why, "hand it over (the host loses the device): %secho %s > /sys/bus/pci/devices/%s/driver/unbind; echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
			     load, bdf, bdf, bdf, bdf);
	}
	return -EBUSY;
}

struct hostpci_members {
	const char *sys, *bdf;
	unsigned int group;
	struct hostpci_why *why;
	bool said;		/* the member's failure is in why */
};

static int hostpci__check_member(const char *member, void *arg)
{
	struct hostpci_members *c = arg;
	char driver[SYSFS_DRIVER_MAX];
	int ret;

	if (!strcmp(member, c->bdf))
		return 0;
	ret = sysfs__driver(c->sys, member, driver);
	if (ret) {
		c->said = true;
		hostpci__reason(c->why, "cannot read which driver %s, in the same IOMMU group %u, is bound to: %s",
				member, c->group, strerror(-ret));
		return ret;
	}
	if (hostpci__member_driver_ok(driver))
		return 0;
	c->said = true;
	hostpci__reason(c->why, "%s shares IOMMU group %u with %s, which is bound to %s; a group can only be assigned whole",
			c->bdf, c->group, member, driver);
	hostpci__fix(c->why, "release it with echo %s > /sys/bus/pci/devices/%s/driver/unbind (or bind it to vfio-pci too)",
		     member, member);
	return -EBUSY;
}

int hostpci__check_members(const char *sys, const char *bdf, unsigned int group, struct hostpci_why *why)
{
	struct hostpci_members c = { .sys = sys, .bdf = bdf, .group = group, .why = why };
	int ret;

	why->fix[0] = '\0';
	ret = sysfs__group_devices(sys, group, hostpci__check_member, &c);
	if (ret && !c.said)
		hostpci__reason(why, "cannot list the devices of IOMMU group %u: %s", group, strerror(-ret));
	return ret;
}

int hostpci__check_ready(const char *sys, const char *bdf, struct hostpci_why *why)
{
	int ret;

	*why = (struct hostpci_why){ .group = -1 };
	ret = hostpci__check_device(sys, bdf, why);
	if (!ret)
		ret = hostpci__check_driver(sys, bdf, why);
	if (!ret)
		ret = hostpci__check_members(sys, bdf, (unsigned int)why->group, why);
	return ret;
}

struct hostpci_walk {
	const char *sys;
	int (*fn)(const struct hostpci_dev *d, void *arg);
	void *arg;
	int skipped;
};

static int hostpci__one(const char *bdf, void *arg)
{
	struct hostpci_walk *w = arg;
	struct hostpci_dev d;
	int ret;

	snprintf(d.bdf, sizeof(d.bdf), "%s", bdf);
	ret = hostpci__ids(w->sys, bdf, &d.ids);
	if (ret) {
		pr_err("skipping %s: cannot read its vendor, device and class from sysfs: %s", bdf, strerror(-ret));
		w->skipped++;
		return 0;
	}
	ret = sysfs__driver(w->sys, bdf, d.driver);
	if (ret) {
		pr_err("skipping %s: cannot read which driver it is bound to: %s", bdf, strerror(-ret));
		w->skipped++;
		return 0;
	}
	d.not_ready = hostpci__check_ready(w->sys, bdf, &d.why) != 0;
	return w->fn(&d, w->arg);
}

int hostpci__each(const char *sys, int (*fn)(const struct hostpci_dev *d, void *arg), void *arg)
{
	struct hostpci_walk w = { .sys = sys, .fn = fn, .arg = arg };
	int ret = sysfs__pci_devices(sys, hostpci__one, &w);

	return ret ? ret : w.skipped;
}
