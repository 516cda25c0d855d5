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
		cli__bdf_name(&v->bdf, id);
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

static bool grant__taken(const struct cli *cli, unsigned int self, const char *bdf)
{
	char name[CLI_BDF_LEN];

	for (unsigned int i = 0; i < cli->nr_vfio; i++) {
		if (i == self || (cli->vfio[i].by_filter && i > self))
			continue;
		cli__bdf_name(&cli->vfio[i].bdf, name);
		if (!strcmp(name, bdf))
			return true;
	}
	return false;
}

/* The one device of --vfio i, given by address: the policy decides. */
static int grant__decide(const struct cli *cli, unsigned int i, const struct policy *p,
			 const struct policy_subject *who, const char *sys)
{
	struct policy_verdict v;
	struct pci_ids ids;
	char arg[GRANT_ARG_LEN], bdf[CLI_BDF_LEN];
	int ret;

	grant__arg(cli, i, arg, sizeof(arg));
	cli__bdf_name(&cli->vfio[i].bdf, bdf);
	ret = hostpci__ids(sys, bdf, &ids);
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
	policy__decide(p, who, bdf, &ids, cli->mem_size, cli->nr_vfio, &v);
	grant__audit(arg, bdf, &ids, p, &v);
	if (v.allowed)
		return 0;
	pr_err("--vfio %s: %s", arg, v.reason);
	return -EACCES;
}

/* Looking for a device for --vfio PORT:FILTER: what was seen on the way, for the refusal. */
struct grant_pick {
	const struct cli *cli;
	unsigned int i;
	const struct policy *p;
	const struct policy_subject *who;
	const char *dev;
	struct cli_bdf found;
	unsigned int matched, taken, denied, unassignable, busy;
	char first_denied[CLI_BDF_LEN + sizeof(((struct policy_verdict *)0)->reason) + 2];
	char first_unassignable[HOSTPCI_REASON_MAX + HOSTPCI_FIX_MAX + 4];
};

/* A group another process (another VM) has open cannot be opened again: VFIO allows one user. */
static bool grant__group_busy(const char *dev, int group)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/vfio/%d", dev, group);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	return fd < 0 && errno == EBUSY;
}

static int grant__candidate(const struct hostpci_dev *d, void *arg)
{
	struct grant_pick *k = arg;
	struct policy_verdict v;

	if (!pcifilter__match(&k->cli->vfio[k->i].filter, &d->ids))
		return 0;
	k->matched++;
	if (grant__taken(k->cli, k->i, d->bdf)) {
		k->taken++;
		return 0;
	}
	policy__decide(k->p, k->who, d->bdf, &d->ids, k->cli->mem_size, k->cli->nr_vfio, &v);
	if (!v.allowed) {
		if (!k->denied++)
			snprintf(k->first_denied, sizeof(k->first_denied), "%s: %s", d->bdf, v.reason);
		return 0;
	}
	if (d->assignable) {
		if (!k->unassignable++)
			snprintf(k->first_unassignable, sizeof(k->first_unassignable), "%s; %s", d->why.reason, d->why.fix);
		return 0;
	}
	if (grant__group_busy(k->dev, d->why.group)) {
		k->busy++;
		return 0;
	}
	return cli__parse_bdf(d->bdf, &k->found) ? -EINVAL : 1;
}

static int grant__none(const struct grant_pick *k, const char *arg)
{
	char filter[PCIFILTER_LEN], why[1024];

	pcifilter__name(&k->cli->vfio[k->i].filter, filter);
	if (!k->matched)
		snprintf(why, sizeof(why), "no device on this host matches %s; see airlock list for the devices and their IDs",
			 filter);
	else if (k->unassignable)
		snprintf(why, sizeof(why), "no free device matching %s may be assigned now (%u match: %u denied, %u in use, %u taken by this VM, %u not ready); the first not ready: %s",
			 filter, k->matched, k->denied, k->busy, k->taken, k->unassignable, k->first_unassignable);
	else if (k->denied && !k->busy && !k->taken)
		snprintf(why, sizeof(why), "the policy lets you have no device matching %s (%u match); %s", filter,
			 k->matched, k->first_denied);
	else
		snprintf(why, sizeof(why), "every device matching %s that you may have is in use (%u match: %u denied, %u in use by another process, %u taken by this VM); wait for one, or see airlock list",
			 filter, k->matched, k->denied, k->busy, k->taken);
	grant__deny(arg, NULL, why);
	return -EBUSY;
}

/* Resolve --vfio i's filter to the first free matching device, in BDF order. */
static int grant__pick(struct cli *cli, unsigned int i, const struct policy *p, const struct policy_subject *who,
		       const char *sys, const char *dev)
{
	struct grant_pick k = { .cli = cli, .i = i, .p = p, .who = who, .dev = dev };
	char arg[GRANT_ARG_LEN], bdf[CLI_BDF_LEN];
	int ret;

	grant__arg(cli, i, arg, sizeof(arg));
	ret = hostpci__each(sys, grant__candidate, &k);
	if (ret < 0) {
		pr_err("--vfio %s: cannot list the host's PCI devices: %s", arg, strerror(-ret));
		return ret;
	}
	if (ret != 1)
		return grant__none(&k, arg);
	cli->vfio[i].bdf = k.found;
	cli__bdf_name(&k.found, bdf);
	fprintf(stderr, "%s: --vfio %s: picked %s\n", log_prog, arg, bdf);
	return 0;
}

int grant__devices(struct cli *cli, const struct policy *p, const struct policy_subject *who,
		   const char *sys, const char *dev)
{
	int ret = 0;

	/* Addresses first, so that a filter never picks a device the command line names. */
	for (unsigned int i = 0; !ret && i < cli->nr_vfio; i++)
		if (!cli->vfio[i].by_filter)
			ret = grant__decide(cli, i, p, who, sys);
	for (unsigned int i = 0; !ret && i < cli->nr_vfio; i++)
		if (cli->vfio[i].by_filter && !(ret = grant__pick(cli, i, p, who, sys, dev)))
			ret = grant__decide(cli, i, p, who, sys);
	return ret;
}
