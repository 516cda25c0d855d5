/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_GRANT_H
#define AIRLOCK_GRANT_H

/*
 * Which host devices a run gets: each --vfio PORT:FILTER resolved to a
 * free matching device the invoking user may have, then every device put
 * to the policy. Every decision is an audit line; a refusal is also one
 * line on stderr.
 */
#include "cli.h"
#include "policy.h"
#include "run.h"

/* Fills r->bdf: 0, or -EACCES (or another -errno) after saying why. */
int grant__devices(struct run *r);
/* What --vfio i said, "PORT:BDF" or "PORT:FILTER" in canonical form, as messages and the audit log quote it. */
#define GRANT_ARG_LEN	(CLI_NAME_MAX + PCIFILTER_LEN + 1)
void grant__arg(const struct cli *cli, unsigned int i, char *out, size_t len);
/* A run refused before any device was looked at, because the policy would not load. */
void grant__refuse(const char *why);

#endif
