/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_HOST_H
#define AIRLOCK_HOST_H

/*
 * Where the host's files are: /sys, /dev, /proc and /run, or the same
 * under a fake root that a unit test built (--root DIR).
 */
#include <limits.h>

struct host {
	char sys[PATH_MAX], dev[PATH_MAX], proc[PATH_MAX], run[PATH_MAX];
};

/*
 * root NULL: the real host. Otherwise ROOT/sys and so on, for root alone:
 * a setuid broker pointed at a tree its caller made would act on lies.
 * 0, or -EPERM or -ENAMETOOLONG after a line saying why.
 */
int host__init(struct host *h, const char *root);

#endif
