/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_SECCOMP_H
#define AIRLOCK_SECCOMP_H

/* Install the allowlist of policy/vmm-seccomp.allow on every thread of the process; -errno on failure. */
int seccomp__install(void);

#endif
