// SPDX-License-Identifier: MIT
/* airlock check-policy [FILE]: a front-end over the policy library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "policy.h"
#include "subject.h"

static const char check_policy_usage[] =
	"usage: airlock check-policy [FILE]\n"
	"  read the device policy FILE (default " POLICY_DEFAULT ") with every check\n"
	"  airlock run makes, and say what it allows; exit status 1 when it is refused\n";

int cmd_check_policy(int argc, char **argv)
{
	struct policy *p;
	const char *path = NULL;
	char err[512];
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help")) {
			fputs(check_policy_usage, stdout);
			return 0;
		}
		if (argv[i][0] == '-') {
			pr_err("unknown option '%s'; see 'airlock check-policy --help'", argv[i]);
			return 2;
		}
		if (path) {
			pr_err("unexpected argument '%s'; check-policy checks one file", argv[i]);
			return 2;
		}
		path = argv[i];
	}
	/* The broker reads as root: naming any file would leak its first words in errors. */
	if (path && subject__need_root("check-policy FILE"))
		return 1;
	p = calloc(1, sizeof(*p));
	if (!p) {
		pr_err("out of memory");
		return 1;
	}
	if (policy__load(p, path ? path : POLICY_DEFAULT, err, sizeof(err))) {
		pr_err("%s", err);
		ret = 1;
	} else {
		policy__explain(p, stdout);
	}
	free(p);
	return ret;
}
