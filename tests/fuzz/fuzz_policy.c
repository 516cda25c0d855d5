// SPDX-License-Identifier: MIT
/*
 * The policy parser on any text, then every use of what it accepted: the
 * rule as text, check-policy's explanation and a decision. What reaches
 * the audit log and the user must stay one line, whatever the file said.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

static struct policy pol;

static void one_line(const char *s)
{
	if (strchr(s, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	const struct policy_subject who = { .uid = 1000, .name = "alice", .gids = { 1000, 27 }, .nr_gids = 2 };
	const struct pci_ids ids = { .vendor = 0x10de, .device = 0x1eb8, .class = 0x030200 };
	struct policy_verdict v;
	char err[512], text[256], *copy = malloc(size + 1);	/* the parser cuts it in place */
	int ret;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	ret = policy__parse(&pol, "fuzz.conf", copy, size, err, sizeof(err));
	free(copy);
	if (ret) {
		one_line(err);
		return 0;
	}
	for (unsigned int i = 0; i < pol.nr_rules; i++) {
		policy__rule_text(&pol.rules[i], text, sizeof(text));
		one_line(text);
	}
	policy__explain(&pol, sink);
	policy__decide(&pol, &who, "0000:01:00.0", &ids, 1ull << 30, 2, &v);
	one_line(v.reason);
	return 0;
}
