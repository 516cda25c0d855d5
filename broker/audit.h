/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_AUDIT_H
#define AIRLOCK_AUDIT_H

/*
 * The audit log: every decision and privileged act of the broker is one
 * JSON line, to syslog (LOG_AUTHPRIV) and, when the policy names one, to
 * a file. Each line carries a UTC timestamp, the event, who asked, and
 * the VM id that ties the lines of one run together (null outside a run):
 *   {"time":"2026-11-21T10:00:00.123Z","vm":"5f0c...","event":"vmm-start","user":"alice","uid":1000,"via":"sudo",...}
 *
 * Usage:
 *   struct json *j = audit__begin("device-reset");
 *   json__str(j, "device", bdf);
 *   audit__end(j);
 */
#include <stdbool.h>
#include <sys/types.h>

#include "json.h"

/*
 * Who the lines are about (and how they came: broker/subject.h), and the
 * file besides syslog (NULL: syslog only). 0, or -errno after saying what
 * is wrong in one line.
 */
int audit__open(const char *user, uid_t uid, const char *via, const char *file);
/* A fresh VM id for a run; every line after it carries it. */
void audit__new_vm(void);
const char *audit__vm(void);
struct json *audit__begin(const char *event);
/* Strings are capped (AUDIT_STR_MAX) and escaped to ASCII; the line goes out in one write. */
void audit__end(struct json *j);
/*
 * A line the file did not take whole (said once, on stderr). No audit, no
 * device: a run that has not started is refused, a running one stopped.
 */
bool audit__failed(void);
void audit__close(void);

#endif
