// SPDX-License-Identifier: MIT
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "commands.h"
#include "host.h"
#include "log.h"
#include "policy.h"
#include "registry.h"
#include "subject.h"

int commands__audit_open(void)
{
	const struct policy_subject *who = subject__self();
	struct policy *policy;
	char err[512];
	int ret;

	/* Read for its audit-log line alone; some 30 KiB, off the stack. */
	policy = calloc(1, sizeof(*policy));
	if (!policy) {
		pr_err("out of memory");
		return -1;
	}
	if (policy__load(policy, POLICY_DEFAULT, err, sizeof(err)))
		policy->audit_log[0] = '\0';
	ret = audit__open(who->name, who->uid, who->via, policy->audit_log);
	free(policy);
	return ret ? -1 : 0;
}

int commands__running_vm(const struct host *h, const char *cmd, const char *name, struct registry_vm *vm)
{
	int ret = registry__get(h, name, vm);

	if (ret == -EINVAL) {
		pr_err("%s: '%s' is not a VM's name (1-15 letters, digits, '-' or '_'); airlock ps lists the running VMs",
		       cmd, name);
		return 2;
	}
	if (ret == -ENOENT || (!ret && !registry__live(h, vm))) {
		pr_err("%s: no VM named %s is running; airlock ps lists the running VMs", cmd, name);
		return 1;
	}
	if (ret) {
		pr_err("%s: cannot read the registry entry of %s in %s/airlock/vms: %s", cmd, name, h->run, strerror(-ret));
		return 1;
	}
	return 0;
}

const char *commands__not_owner(const struct registry_vm *vm, const char *cmd, const char *deed, char *buf, size_t len)
{
	const struct policy_subject *who = subject__self();

	if (who->root || who->uid == vm->uid)
		return NULL;
	snprintf(buf, len, "%s: %s is %s's VM (uid %u), and you are %s (uid %u, through %s); only its owner, root or an admin may %s",
		 cmd, vm->name, vm->user, (unsigned int)vm->uid, who->name, (unsigned int)who->uid, who->via, deed);
	return buf;
}

int commands__listing_args(int argc, char **argv, const char *usage, struct host *h, bool *as_json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *root = NULL;
	int c;

	*as_json = false;
	optind = 1;
	opterr = 0;	/* one line, ours */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			*as_json = true;
			break;
		case 'r':
			root = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			pr_err("%s: unknown option or missing value; see airlock %s --help", argv[0], argv[0]);
			return 2;
		}
	}
	if (optind < argc) {
		pr_err("%s: unexpected argument '%s'; airlock %s takes options only (see airlock %s --help)", argv[0],
		       argv[optind], argv[0], argv[0]);
		return 2;
	}
	return host__init(h, root) ? 2 : -1;
}
