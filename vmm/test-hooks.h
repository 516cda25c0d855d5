/* SPDX-License-Identifier: MIT */
#ifndef AIRLOCK_TEST_HOOKS_H
#define AIRLOCK_TEST_HOOKS_H

/*
 * Only in the test build (build/test/airlock-vmm): a guest write to
 * TEST_HOOKS_SIGSYS_PORT makes the VMM attempt openat(2), standing in for
 * a compromised VMM. The shipped binary has no such port.
 */
#define TEST_HOOKS_SIGSYS_PORT	0xae0

int test_hooks__init(void);

#endif
