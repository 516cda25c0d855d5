/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_TEST_AS_ROOT_H
#define AIRLOCK_TEST_AS_ROOT_H

#include <stdio.h>

#include "subject.h"

/* A group setup: tests that point airlock at a fake host tree (--root) must be root to airlock, not only to the kernel. */
static inline int as_root(void **state)
{
	char why[512] = "";

	(void)state;
	if (!subject__identify(why, sizeof(why)) && subject__self()->root)
		return 0;
	fprintf(stderr, "# these tests need root, as airlock decides it: %s\n", why[0] ? why : "not root");
	return -1;
}

#endif
