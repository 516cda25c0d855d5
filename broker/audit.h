/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

/*
 * The audit log: every decision and privileged act of the broker is one
 * JSON line, to syslog (LOG_AUTHPRIV) and, when the policy names one, to
 * a file. Each line carries a UTC timestamp, the event, who asked, and
 * the VM id that ties the lines of one run together (null outside a run):
 *   {"time":"2026-11-21T10:00:00.123Z","vm":"5f0c...","event":"vmm-start","user":"alice","uid":1000,...}
 *
 * Usage:
 *   struct json *j = audit__begin("device-reset");
 *   json__str(j, "device", bdf);
 *   audit__end(j);
 */
#include <sys/types.h>

#include "json.h"

/*
 * Who the lines are about, and the file besides syslog (NULL: syslog
 * only). 0, or -errno after saying what is wrong in one line.
 */
int audit__open(const char *user, uid_t uid, const char *file);
/* A fresh VM id for a run; every line after it carries it. */
void audit__new_vm(void);
const char *audit__vm(void);
struct json *audit__begin(const char *event);
void audit__end(struct json *j);
void audit__close(void);

#endif
