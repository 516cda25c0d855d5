// SPDX-License-Identifier: MIT
/*
 * airlock list: every PCI device of the host, what it is, who drives it,
 * its IOMMU group and whether it can be assigned now. --json is for
 * orchestrators; its form is documented in docs/user-guide.md and only
 * ever grows.
 */
#include <errno.h>
#include <pci/pci.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "host.h"
#include "hostpci.h"
#include "json.h"
#include "log.h"
#include "registry.h"

#define LIST_JSON_VERSION	1
#define LIST_HELD_MAX		256	/* devices held by running VMs that list names */
#define LIST_NAME_MAX		128
#define LIST_ROW		"%-12s  %-19s  %-12s  %-5s  %-10s  %-15s  "

static const char list_usage[] =
	"usage: airlock list [--json] [--root DIR]\n"
	"  every PCI device of the host: address, vendor:device:class, driver, IOMMU group,\n"
	"  whether it can be assigned now (and if not, why), the running VM that holds it\n"
	"  and its name from pci.ids\n"
	"  --json      one JSON document, as docs/user-guide.md (Host tooling) describes it\n"
	"  --root DIR  read DIR/sys instead of /sys (a fake host tree, for tests; root only)\n";

struct list_names {
	const char *vendor, *device, *class;	/* NULL: not in pci.ids */
	char vbuf[LIST_NAME_MAX], dbuf[LIST_NAME_MAX], cbuf[LIST_NAME_MAX];
};

/* A device a running VM holds, from the registry. */
struct list_held {
	char bdf[PCIADDR_LEN];
	char vm[REGISTRY_NAME_MAX];
	pid_t broker;
};

struct list {
	FILE *out;
	const char *sys;
	struct list_held held[LIST_HELD_MAX];
	unsigned int nr_held;
	struct pci_access *pci;
	struct json json;
	bool as_json;
	bool failed;		/* a group's members could not be listed */
};

/* libpci calls these only for a broken pci.ids; say so and stop, as it expects. */
static void __attribute__((noreturn, format(printf, 1, 2))) list__pci_error(char *msg, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, msg);
	vsnprintf(line, sizeof(line), msg, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = '\0';
	die("the PCI ID database: %s; reinstall it (apt-get install --reinstall pci.ids)", line);
}

static void __attribute__((format(printf, 1, 2))) list__pci_quiet(char *msg, ...)
{
	(void)msg;
}

/*
 * Names from pci.ids alone: no udev hwdb, no cache file in $HOME, no DNS,
 * nothing the caller's environment chooses for a broker that may run setuid.
 */
static struct pci_access *list__pci_open(void)
{
	struct pci_access *a = pci_alloc();

	a->error = list__pci_error;
	a->warning = list__pci_quiet;
	a->debug = list__pci_quiet;
	a->id_lookup_mode = 0;
	return a;
}

static void list__names(struct pci_access *a, const struct pci_ids *ids, struct list_names *n)
{
	const int flags = PCI_LOOKUP_NO_NUMBERS | PCI_LOOKUP_NO_HWDB;

	n->vendor = pci_lookup_name(a, n->vbuf, sizeof(n->vbuf), flags | PCI_LOOKUP_VENDOR, ids->vendor);
	n->device = pci_lookup_name(a, n->dbuf, sizeof(n->dbuf), flags | PCI_LOOKUP_DEVICE, ids->vendor, ids->device);
	/* By class and subclass: the programming interface is not part of the name. */
	n->class = pci_lookup_name(a, n->cbuf, sizeof(n->cbuf), flags | PCI_LOOKUP_CLASS, ids->class >> 8);
}

static int list__member(const char *bdf, void *arg)
{
	json__str(arg, NULL, bdf);
	return 0;
}

static int list__collect(const struct registry_vm *vm, void *arg)
{
	struct list *l = arg;

	for (unsigned int i = 0; i < vm->nr_devices && l->nr_held < LIST_HELD_MAX; i++) {
		struct list_held *h = &l->held[l->nr_held++];

		memcpy(h->bdf, vm->devices[i], PCIADDR_LEN);
		memcpy(h->vm, vm->name, REGISTRY_NAME_MAX);
		h->broker = vm->broker;
	}
	return 0;
}

static const struct list_held *list__holder(const struct list *l, const char *bdf)
{
	for (unsigned int i = 0; i < l->nr_held; i++)
		if (!strcmp(l->held[i].bdf, bdf))
			return &l->held[i];
	return NULL;
}

/* A device a running VM holds is not ready for another, whatever sysfs says. */
static void list__mark_held(struct hostpci_dev *d, const struct list_held *h)
{
	d->not_ready = true;
	log__say(d->why.reason, sizeof(d->why.reason), 0, "%s is held by the running VM %s (broker pid %d)", d->bdf, h->vm,
		 (int)h->broker);
	log__say(d->why.fix, sizeof(d->why.fix), 0, "stop that VM first (airlock ps lists the running VMs)");
}

static void list__json_device(struct list *l, const struct hostpci_dev *d, const struct list_held *held,
			      const struct list_names *n)
{
	struct json *j = &l->json;
	char hex[8];
	int ret = 0;

	json__obj_begin(j, NULL);
	json__str(j, "bdf", d->bdf);
	snprintf(hex, sizeof(hex), "%04x", d->ids.vendor);
	json__str(j, "vendor", hex);
	snprintf(hex, sizeof(hex), "%04x", d->ids.device);
	json__str(j, "device", hex);
	snprintf(hex, sizeof(hex), "%06x", d->ids.class);
	json__str(j, "class", hex);
	json__str(j, "vendor_name", n->vendor);
	json__str(j, "device_name", n->device);
	json__str(j, "class_name", n->class);
	json__str(j, "driver", d->driver[0] ? d->driver : NULL);
	if (d->why.group >= 0)
		json__u64(j, "iommu_group", (uint64_t)d->why.group);
	else
		json__str(j, "iommu_group", NULL);
	json__arr_begin(j, "group_members");
	if (d->why.group >= 0)
		ret = sysfs__group_devices(l->sys, (unsigned int)d->why.group, list__member, j);
	json__arr_end(j);
	json__bool(j, "assignable", !d->not_ready);
	if (held) {
		json__obj_begin(j, "held_by");
		json__str(j, "vm", held->vm);
		json__i64(j, "broker_pid", held->broker);
		json__obj_end(j);
	} else {
		json__str(j, "held_by", NULL);
	}
	json__str(j, "reason", d->not_ready ? d->why.reason : NULL);
	json__str(j, "fix", d->not_ready && d->why.fix[0] ? d->why.fix : NULL);
	json__obj_end(j);
	if (ret) {
		pr_err("cannot list the devices of IOMMU group %d: %s", d->why.group, strerror(-ret));
		l->failed = true;
	}
}

static void list__row(struct list *l, const struct hostpci_dev *d, const struct list_held *held,
		      const struct list_names *n)
{
	char ids[20], group[12], vendor[8], device[8], class[8];

	snprintf(ids, sizeof(ids), "%04x:%04x:%06x", d->ids.vendor, d->ids.device, d->ids.class);
	if (d->why.group >= 0)
		snprintf(group, sizeof(group), "%d", d->why.group);
	else
		snprintf(group, sizeof(group), "-");
	snprintf(vendor, sizeof(vendor), "%04x", d->ids.vendor);
	snprintf(device, sizeof(device), "%04x", d->ids.device);
	snprintf(class, sizeof(class), "%04x", d->ids.class >> 8);
	fprintf(l->out, LIST_ROW "%s: %s %s\n", d->bdf, ids,
		d->driver[0] ? d->driver : "-", group, d->not_ready ? "no" : "yes", held ? held->vm : "-",
		n->class ? n->class : class, n->vendor ? n->vendor : vendor, n->device ? n->device : device);
	if (d->not_ready)
		fprintf(l->out, "%14s%s\n", "", d->why.reason);
}

static int list__device(const struct hostpci_dev *dev, void *arg)
{
	struct list *l = arg;
	const struct list_held *held = list__holder(l, dev->bdf);
	struct hostpci_dev d = *dev;
	struct list_names n;

	if (held)
		list__mark_held(&d, held);
	list__names(l->pci, &d.ids, &n);
	if (l->as_json)
		list__json_device(l, &d, held, &n);
	else
		list__row(l, &d, held, &n);
	return 0;
}

/* The listing to out; 0 when every device was read, 1 when one could not be. */
static int list__print(FILE *out, const struct host *h, bool as_json)
{
	struct list l = { .out = out, .sys = h->sys, .as_json = as_json };
	int ret;

	l.pci = list__pci_open();
	if (as_json) {
		json__init(&l.json, out, 0);
		json__obj_begin(&l.json, NULL);
		json__u64(&l.json, "version", LIST_JSON_VERSION);
		json__arr_begin(&l.json, "devices");
	} else {
		fprintf(out, LIST_ROW "%s\n", "BDF", "VENDOR:DEVICE:CLASS", "DRIVER",
			"GROUP", "ASSIGNABLE", "VM", "NAME");
	}
	ret = registry__each(h, list__collect, &l);
	if (ret) {
		pr_err("cannot read the registry of running VMs in %s/airlock/vms: %s", h->run, strerror(-ret));
		l.failed = true;
	}
	ret = hostpci__each(h->sys, list__device, &l);
	if (ret < 0)
		pr_err("cannot list the PCI devices in %s/bus/pci/devices: %s", h->sys, strerror(-ret));
	if (as_json) {
		json__arr_end(&l.json);
		json__obj_end(&l.json);
		fputc('\n', out);
		if (json__finish(&l.json) && !ret)
			ret = -EIO;
	}
	pci_cleanup(l.pci);
	return ret || l.failed ? 1 : 0;
}

int cmd_list(int argc, char **argv)
{
	bool as_json;
	struct host h;
	int ret = commands__listing_args(argc, argv, list_usage, &h, &as_json);

	if (ret >= 0)
		return ret;
	return list__print(stdout, &h, as_json);
}
