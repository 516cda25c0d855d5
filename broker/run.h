/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_RUN_H
#define AIRLOCK_RUN_H
/*
 * One `airlock run`, from authorization to teardown, passed explicitly:
 * the command line as parsed (never written), who asks, where the host's
 * files are, the policy, the devices it granted, and the VFIO state of
 * the boot under way.
 */
#include "cli.h"
#include "host.h"
#include "pciaddr.h"
#include "policy.h"
#include "vfio.h"

struct run {
	const struct cli *cli;
	const struct policy_subject *who;
	struct host host;
	struct policy policy;
	char bdf[CLI_VFIO_MAX][PCIADDR_LEN];	/* --vfio i's device: as given, or picked for its filter */
	struct vfio vfio;			/* this boot's */
	const char *ended;			/* how the last boot ended: mon__ended, or "failure" */
};

#endif
