/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_STOP_H
#define AIRLOCK_STOP_H
/*
 * airlock stop and airlock kill: the broker of a running VM, found in the
 * registry, gets a SIGTERM whose sigqueue value is the seconds its guest
 * has to power off after the power button (0: kill it at once); the
 * command then waits for the VM's entry to say how it ended.
 */
#include <stdbool.h>
#include <stddef.h>

/* What airlock stop waits past the timeout for the broker's teardown. */
#define STOP_GRACE	10

struct stop_req {
	const char *name;
	bool force;		/* --force, or airlock kill */
	bool timeout_set;	/* --timeout; otherwise the VM's own --stop-timeout */
	unsigned int timeout;
};

/*
 * The arguments of "stop" or "kill" (argv[0] says which). 0; STOP_HELP
 * for --help; or -EINVAL with err holding one line.
 */
#define STOP_HELP 1
int stop__parse(int argc, char **argv, struct stop_req *req, char *err, size_t errlen);

#endif
