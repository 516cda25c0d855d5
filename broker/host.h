/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_HOST_H
#define AIRLOCK_HOST_H

/*
 * Where the host's files are: /sys, /dev, /proc and /run, or the same
 * under a fake root that a unit test built (--root DIR).
 */
#include <limits.h>
#include <sys/types.h>

struct host {
	char sys[PATH_MAX], dev[PATH_MAX], proc[PATH_MAX], run[PATH_MAX];
};

/*
 * root NULL: the real host. Otherwise ROOT/sys and so on, for root alone:
 * a setuid broker pointed at a tree its caller made would act on lies.
 * 0, or -EPERM or -ENAMETOOLONG after a line saying why.
 */
int host__init(struct host *h, const char *root);
/*
 * The directory path (under h->run, where root keeps its records), made
 * with mode when missing, and checked as it is: a directory, not a link,
 * root's, not writable by group or others: a record there is root's word.
 * 0, or -errno (-EPERM for one that fails the check).
 */
int host__make_dir(const char *path, mode_t mode);

#endif
