/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_PINNED_H
#define AIRLOCK_PINNED_H

/*
 * Guest RAM pinned for assigned devices, per user, across the host's
 * running VMs: the policy's user-memory. One file per broker in dir,
 * "UID BYTES STARTTIME", under a lock on dir; an entry whose broker is
 * gone (its pid dead, or reused by a process that started at another
 * time) no longer counts and is removed.
 */
#include <stdint.h>
#include <sys/types.h>

#define PINNED_DIR	"/run/airlock/pinned"

/*
 * Record that this broker pins bytes for uid, unless uid's other VMs and
 * this one would pin more than limit together (0: no limit). 0, or -errno
 * with one line printed: -EDQUOT when over the limit.
 */
int pinned__claim(const char *dir, uid_t uid, uint64_t bytes, uint64_t limit);
/* Remove this broker's entry, if it made one. */
void pinned__release(void);

#endif
