// SPDX-License-Identifier: MIT
/*
 * airlock list: every PCI device of the host, what it is, who drives it,
 * its IOMMU group and whether it can be assigned now. --json is for
 * orchestrators; its form is documented in docs/user-guide.md and only
 * ever grows.
 */
#include <errno.h>
#include <getopt.h>
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

#define LIST_JSON_VERSION	1
#define LIST_NAME_MAX		128
#define LIST_ROW		"%-12s  %-19s  %-12s  %-5s  %-10s  "

static const char list_usage[] =
	"usage: airlock list [--json] [--root DIR]\n"
	"  every PCI device of the host: address, vendor:device:class, driver, IOMMU group,\n"
	"  whether it can be assigned now (and if not, why) and its name from pci.ids\n"
	"  --json      one JSON document, as docs/user-guide.md (Host tooling) describes it\n"
	"  --root DIR  read DIR/sys instead of /sys (a fake host tree, for tests; root only)\n";

struct list_names {
	const char *vendor, *device, *class;	/* NULL: not in pci.ids */
	char vbuf[LIST_NAME_MAX], dbuf[LIST_NAME_MAX], cbuf[LIST_NAME_MAX];
};

struct list {
	FILE *out;
	const char *sys;
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

static void list__json_device(struct list *l, const struct hostpci_dev *d, const struct list_names *n)
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
	json__str(j, "reason", d->not_ready ? d->why.reason : NULL);
	json__str(j, "fix", d->not_ready && d->why.fix[0] ? d->why.fix : NULL);
	json__obj_end(j);
	if (ret) {
		pr_err("cannot list the devices of IOMMU group %d: %s", d->why.group, strerror(-ret));
		l->failed = true;
	}
}

static void list__row(struct list *l, const struct hostpci_dev *d, const struct list_names *n)
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
		d->driver[0] ? d->driver : "-", group, d->not_ready ? "no" : "yes",
		n->class ? n->class : class, n->vendor ? n->vendor : vendor, n->device ? n->device : device);
	if (d->not_ready)
		fprintf(l->out, "%14s%s\n", "", d->why.reason);
}

static int list__device(const struct hostpci_dev *d, void *arg)
{
	struct list *l = arg;
	struct list_names n;

	list__names(l->pci, &d->ids, &n);
	if (l->as_json)
		list__json_device(l, d, &n);
	else
		list__row(l, d, &n);
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
			"GROUP", "ASSIGNABLE", "NAME");
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
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = NULL;
	bool as_json = false;
	struct host h;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			as_json = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			fputs(list_usage, stdout);
			return 0;
		default:
			pr_err("list: unknown option or missing value; see airlock list --help");
			return 2;
		}
	}
	if (optind < argc) {
		pr_err("list: unexpected argument '%s'; airlock list takes options only (see airlock list --help)", argv[optind]);
		return 2;
	}
	if (host__init(&h, root))
		return 2;
	return list__print(stdout, &h, as_json);
}
