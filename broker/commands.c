// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "host.h"
#include "log.h"

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
