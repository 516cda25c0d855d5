// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host.h"
#include "log.h"
#include "subject.h"

int host__init(struct host *h, const char *root)
{
	static const char *const dirs[] = { "sys", "dev", "proc", "run" };
	char *const out[] = { h->sys, h->dev, h->proc, h->run };

	/* Root writes under this tree (bind): the caller must not pick it. */
	if (root && subject__need_root("--root (a fake host tree for tests)"))
		return -EPERM;
	for (unsigned int i = 0; i < ARRAY_SIZE(dirs); i++) {
		int n = snprintf(out[i], PATH_MAX, "%s/%s", root ? root : "", dirs[i]);

		if (n < 0 || n >= PATH_MAX) {
			pr_err("--root %s: the path is too long", root);
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

int host__make_dir(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) && errno != EEXIST)
		return -errno;
	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022))
		return -EPERM;
	return 0;
}
