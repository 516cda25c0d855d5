/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_ASUSER_H
#define AIRLOCK_ASUSER_H

#include "policy.h"

#define ASUSER_FDS_MAX	2

/*
 * fn(arg, fds) in a child that is fully who (uids, gids, groups, and with
 * them no capabilities), so that permissions, /proc magic links and other
 * mount namespaces treat what it opens or creates as the user's own doing.
 * fn returns how many descriptors it put in fds (at most ASUSER_FDS_MAX),
 * or -1 after saying why; they are handed back into fds, close-on-exec.
 * what names them in messages ("the images"). Their count, or -errno
 * (after a line saying why).
 */
int asuser__call(const struct policy_subject *who, const char *what, int (*fn)(void *arg, int *fds), void *arg,
		 int fds[ASUSER_FDS_MAX]);

#endif
