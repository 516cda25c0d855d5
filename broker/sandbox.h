/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SANDBOX_H
#define AIRLOCK_SANDBOX_H

#include <signal.h>
#include <sys/types.h>

#include "console.h"

/*
 * Default sandbox identity: SANDBOX_ID_BASE + the broker's pid, so every
 * live VMM has a uid and gid of its own and no two can signal each other.
 */
#define SANDBOX_ID_BASE	0x5a000000u

struct sandbox {
	uid_t uid;
	gid_t gid;
	unsigned int vcpus;	/* bounds the VMM's threads */
	unsigned int device_fds;	/* the VMM's descriptors for assigned devices */
	const struct console_fds *console;	/* the VMM's fds 0, 1 and 2 */
	pid_t pid;		/* the VMM */
	int sock;		/* broker's end */
};

/* Open airlock-vmm from beside the broker's own binary; -errno after one line on stderr. */
int sandbox__open_vmm(void);
/*
 * Start the VMM in its sandbox. Signals in 'mask' are blocked in the
 * broker and are unblocked in the child before exec.
 */
int sandbox__spawn(struct sandbox *sb, int exe_fd, const sigset_t *mask);

#endif
