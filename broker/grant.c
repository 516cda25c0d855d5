// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "grant.h"
#include "hostpci.h"
#include "log.h"

void grant__arg(const struct cli *cli, unsigned int i, char *out, size_t len)
{
	const struct cli_vfio *v = &cli->vfio[i];
	char id[PCIFILTER_LEN];

	if (v->by_filter)
		pcifilter__name(&v->filter, id);
	else
		pciaddr__name(&v->bdf, id);
	snprintf(out, len, "%s:%s", cli->port[v->port].name, id);
}

static void grant__audit(const char *arg, const char *bdf, const struct pci_ids *ids,
			 const struct policy *p, const struct policy_verdict *v)
{
	struct json *j = audit__begin("decision");
	char rule[POLICY_LINE_MAX + PATH_MAX + 16], text[POLICY_LINE_MAX], id[24];

	json__str(j, "request", arg);
	json__str(j, "device", bdf);
	if (ids) {
		snprintf(id, sizeof(id), "%04x:%04x:%06x", ids->vendor, ids->device, ids->class);
		json__str(j, "ids", id);
	}
	json__bool(j, "allowed", v->allowed);
	if (v->rule) {
		policy__rule_text(v->rule, text, sizeof(text));
		snprintf(rule, sizeof(rule), "%s:%u: %s", p->path, v->rule->line, text);
	}
	json__str(j, "rule", v->rule ? rule : NULL);
	json__str(j, "reason", v->reason);
	audit__end(j);
}

/* A refusal that no rule made: one audit line, one line on stderr. */
static void grant__deny(const char *arg, const char *bdf, const char *why)
{
	struct policy_verdict v = { .allowed = false };

	snprintf(v.reason, sizeof(v.reason), "%s", why);
	grant__audit(arg, bdf, NULL, NULL, &v);
	if (arg)
		pr_err("--vfio %s: %s", arg, why);
	else
		pr_err("%s", why);
}

void grant__refuse(const char *why)
{
	grant__deny(NULL, NULL, why);
}

/* Whether another --vfio has bdf already: an address, or a filter resolved before this one. */
static bool grant__taken(const struct run *r, unsigned int self, const char *bdf)
{
	for (unsigned int i = 0; i < r->cli->nr_vfio; i++) {
		if (i == self || (r->cli->vfio[i].by_filter && i > self))
			continue;
		if (!strcmp(r->bdf[i], bdf))
			return true;
	}
	return false;
}

/* The one device of --vfio i, r->bdf[i]: the policy decides. */
static int grant__decide(const struct run *r, unsigned int i)
{
	const char *bdf = r->bdf[i];
	struct policy_verdict v;
	struct pci_ids ids;
	char arg[GRANT_ARG_LEN];
	int ret;

	grant__arg(r->cli, i, arg, sizeof(arg));
	ret = hostpci__ids(r->host.sys, bdf, &ids);
	if (ret) {
		char why[256];

		if (ret == -ENOENT)
			snprintf(why, sizeof(why), "there is no PCI device %s on this host; see lspci -D or airlock list", bdf);
		else
			snprintf(why, sizeof(why), "cannot read the vendor, device and class of %s from sysfs: %s", bdf,
				 strerror(-ret));
		grant__deny(arg, bdf, why);
		return ret;
	}
	policy__decide(&r->policy, r->who, bdf, &ids, r->cli->mem_size, r->cli->nr_vfio, &v);
	grant__audit(arg, bdf, &ids, &r->policy, &v);
	if (v.allowed)
		return 0;
	pr_err("--vfio %s: %s", arg, v.reason);
	return -EACCES;
}

/* Looking for a device for --vfio PORT:FILTER: what was seen on the way, for the refusal. */
struct grant_pick {
	struct run *r;
	unsigned int i;
	unsigned int matched, taken, denied, not_ready, busy;
	char first_denied[PCIADDR_LEN + sizeof(((struct policy_verdict *)0)->reason) + 2];
	char first_not_ready[HOSTPCI_REASON_MAX + HOSTPCI_FIX_MAX + 4];
};

/* A group another process (another VM) has open cannot be opened again: VFIO allows one user. */
static bool grant__group_busy(const char *dev, int group)
{
	char path[PATH_MAX];
	int fd;

	if (sysfs__path(path, sizeof(path), "%s/vfio/%d", dev, group))
		return false;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EBUSY;
}

static int grant__candidate(const struct hostpci_dev *d, void *arg)
{
	struct grant_pick *k = arg;
	const struct run *r = k->r;
	struct policy_verdict v;

	if (!pcifilter__match(&r->cli->vfio[k->i].filter, &d->ids))
		return 0;
	k->matched++;
	if (grant__taken(r, k->i, d->bdf)) {
		k->taken++;
		return 0;
	}
	policy__decide(&r->policy, r->who, d->bdf, &d->ids, r->cli->mem_size, r->cli->nr_vfio, &v);
	if (!v.allowed) {
		if (!k->denied++)
			snprintf(k->first_denied, sizeof(k->first_denied), "%s: %s", d->bdf, v.reason);
		return 0;
	}
	if (d->not_ready) {
		if (!k->not_ready++)
			snprintf(k->first_not_ready, sizeof(k->first_not_ready), "%s; %s", d->why.reason, d->why.fix);
		return 0;
	}
	if (grant__group_busy(r->host.dev, d->why.group)) {
		k->busy++;
		return 0;
	}
	memcpy(k->r->bdf[k->i], d->bdf, PCIADDR_LEN);
	return 1;
}

static int grant__none(const struct grant_pick *k, const char *arg)
{
	char filter[PCIFILTER_LEN], why[1024];

	pcifilter__name(&k->r->cli->vfio[k->i].filter, filter);
	if (!k->matched)
		snprintf(why, sizeof(why), "no device on this host matches %s; see airlock list for the devices and their IDs",
			 filter);
	else if (k->not_ready)
		snprintf(why, sizeof(why), "no free device matching %s may be assigned now (%u match: %u denied, %u in use, %u taken by this VM, %u not ready); the first not ready: %s",
			 filter, k->matched, k->denied, k->busy, k->taken, k->not_ready, k->first_not_ready);
	else if (k->denied && !k->busy && !k->taken)
		snprintf(why, sizeof(why), "the policy lets you have no device matching %s (%u match); %s", filter,
			 k->matched, k->first_denied);
	else
		snprintf(why, sizeof(why), "every device matching %s that you may have is in use (%u match: %u denied, %u in use by another process, %u taken by this VM); wait for one, or see airlock list",
			 filter, k->matched, k->denied, k->busy, k->taken);
	grant__deny(arg, NULL, why);
	return -EBUSY;
}

/* Resolve --vfio i's filter to the first free matching device, in BDF order, into r->bdf[i]. */
static int grant__pick(struct run *r, unsigned int i)
{
	struct grant_pick k = { .r = r, .i = i };
	char arg[GRANT_ARG_LEN];
	int ret;

	grant__arg(r->cli, i, arg, sizeof(arg));
	ret = hostpci__each(r->host.sys, grant__candidate, &k);
	if (ret < 0) {
		pr_err("--vfio %s: cannot list the host's PCI devices: %s", arg, strerror(-ret));
		return ret;
	}
	if (ret != 1)
		return grant__none(&k, arg);
	fprintf(stderr, "%s: --vfio %s: picked %s\n", log_prog, arg, r->bdf[i]);
	return 0;
}

int grant__devices(struct run *r)
{
	const struct cli *cli = r->cli;
	int ret = 0;

	for (unsigned int i = 0; i < cli->nr_vfio; i++)
		if (!cli->vfio[i].by_filter)
			pciaddr__name(&cli->vfio[i].bdf, r->bdf[i]);
	/* Addresses first, so that a filter never picks a device the command line names. */
	for (unsigned int i = 0; !ret && i < cli->nr_vfio; i++)
		if (!cli->vfio[i].by_filter)
			ret = grant__decide(r, i);
	for (unsigned int i = 0; !ret && i < cli->nr_vfio; i++)
		if (cli->vfio[i].by_filter && !(ret = grant__pick(r, i)))
			ret = grant__decide(r, i);
	return ret;
}
