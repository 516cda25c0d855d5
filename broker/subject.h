/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SUBJECT_H
#define AIRLOCK_SUBJECT_H

/*
 * Who is asking (docs/security.md, "Who is asking"). One subject per
 * process, decided once at start from what the kernel says:
 *   - a real uid other than 0 (a setuid-root install) is the subject;
 *   - a real uid of 0 is root's own process, acting for its login uid
 *     (/proc/self/loginuid, kept across sudo, doas and su), or for no one
 *     (a service, a root console without a login session);
 *   - SUDO_UID and DOAS_USER only bear witness: a witness that disagrees
 *     with the login uid refuses the run, it never picks the subject, and
 *     sudo or doas without a login uid is refused.
 * Root is uid 0, or a login uid the default policy names with "admin".
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

/* What the process knows about its caller; filled from the process by subject__identify. */
struct subject_source {
	uid_t ruid, euid;
	bool login_set;
	uid_t loginuid;
	const char *sudo_uid;	/* SUDO_UID, or NULL */
	const char *doas_user;	/* DOAS_USER, or NULL */
};

/* The subject src names, with the admins of p (NULL: none). 0, or -errno with err holding one line. */
int subject__decide(const struct subject_source *src, const struct policy *p, struct policy_subject *s,
		    char *err, size_t errlen);

/* This process's subject, with the admins of the default policy; once, at start. 0 or -errno (err says why). */
int subject__identify(char *err, size_t errlen);

/* The subject identified at start. */
const struct policy_subject *subject__self(void);

/* A root-only option (what): NULL for root, else the refusal as one line in buf. */
const char *subject__not_root(const char *what, char *buf, size_t len);
/* The same, printed: 0, or -EPERM after the line. */
int subject__need_root(const char *what);

#endif
